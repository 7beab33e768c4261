"""pgmpy models -> :class:`~engine.ir.BayesianNetwork` (convert, don't reimplement)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.ir import CPT, BayesianNetwork, Provenance, Variable
from models.pgmpy.backend import import_pgmpy


def from_pgmpy(
    model: Any, name: str = "network", source: str = "", fmt: str = ""
) -> BayesianNetwork:
    """Convert a pgmpy DiscreteBayesianNetwork (its CPDs and state names) to the IR.

    Variables come in pgmpy's topological order; each CPT keeps pgmpy's parent order.
    """
    import_pgmpy()
    variables = []
    cpts = []
    for node in _topological(model):
        cpd = model.get_cpds(node)
        names = cpd.state_names
        parents = tuple(cpd.variables[1:])
        variables.append(Variable(node, tuple(str(s) for s in names[node])))
        # pgmpy values: (child, parent_1, ..., parent_k); the IR wants parents first, child last.
        values = np.moveaxis(
            np.asarray(cpd.get_values(), dtype=np.float64).reshape(
                [len(names[node]), *(len(names[p]) for p in parents)]
            ),
            0,
            -1,
        )
        cpts.append(CPT(node, parents, tuple(float(x) for x in values.ravel())))
    return BayesianNetwork(name, tuple(variables), tuple(cpts), provenance=Provenance(source, fmt))


def _topological(model: Any) -> list[str]:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(model.nodes())
    graph.add_edges_from(model.edges())
    return list(nx.lexicographical_topological_sort(graph))
