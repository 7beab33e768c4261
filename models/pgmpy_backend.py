"""The exact reference backend: the IR compiled to a pgmpy network, queried by variable elimination.

pgmpy is the cross-check, not the fast path: one query at a time, no batching.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from engine.backend import Evidence, require_discrete
from engine.errors import EvidenceError
from engine.ir import BayesianNetwork


def _pgmpy() -> Any:
    """Import pgmpy quietly: it emits deprecation warnings about its own modules at import."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgmpy.factors.discrete
        import pgmpy.inference
        import pgmpy.models

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    return pgmpy


def to_pgmpy(network: BayesianNetwork) -> Any:
    """The network as a ``pgmpy`` DiscreteBayesianNetwork."""
    pgmpy = _pgmpy()
    TabularCPD = pgmpy.factors.discrete.TabularCPD
    DiscreteBayesianNetwork = pgmpy.models.DiscreteBayesianNetwork

    edges = [(p, c.child) for c in network.cpts for p in c.parents]
    model = DiscreteBayesianNetwork(edges)
    model.add_nodes_from([v.name for v in network.variables])
    cpds = []
    for cpt in network.cpts:
        table = network.cpt_array(cpt.child)
        n_child = table.shape[-1]
        cpds.append(
            TabularCPD(
                cpt.child,
                n_child,
                table.reshape(-1, n_child).T,
                evidence=list(cpt.parents) or None,
                evidence_card=[len(network.states(p)) for p in cpt.parents] or None,
                state_names={n: list(network.states(n)) for n in (cpt.child, *cpt.parents)},
            )
        )
    model.add_cpds(*cpds)
    return model


@lru_cache(maxsize=16)
def _inference(network: BayesianNetwork) -> Any:
    return _pgmpy().inference.VariableElimination(to_pgmpy(network))


class PgmpyBackend:
    """Exact inference with pgmpy's VariableElimination (the reference for every other backend)."""

    name = "pgmpy"

    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        targets: Sequence[str],
    ) -> np.ndarray:
        require_discrete(network, self.name)
        shape = tuple(len(network.states(t)) for t in targets)
        out = np.empty((len(evidence_batch), *shape))
        for i, evidence in enumerate(evidence_batch):
            out[i] = self._one(network, dict(evidence), tuple(targets), shape)
        return out

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        require_discrete(network, self.name)
        return np.array([self._evidence_probability(network, dict(e)) for e in evidence_batch])

    def _evidence_probability(self, network: BayesianNetwork, evidence: dict[str, str]) -> float:
        if not evidence:
            return 1.0
        factor = _inference(network).query(
            variables=list(evidence), joint=True, show_progress=False
        )
        index = tuple(factor.state_names[v].index(evidence[v]) for v in factor.variables)
        return float(factor.values[index])

    def _one(
        self,
        network: BayesianNetwork,
        evidence: dict[str, str],
        targets: tuple[str, ...],
        shape: tuple[int, ...],
    ) -> np.ndarray:
        if self._evidence_probability(network, evidence) <= 0.0:
            shown = ", ".join(f"{k}={v}" for k, v in evidence.items())
            raise EvidenceError(f"evidence ({shown}) has probability 0 under the model")
        free = [t for t in dict.fromkeys(targets) if t not in evidence]
        joint: dict[tuple[str, ...], float] = {}
        if free:
            factor = _inference(network).query(
                variables=free, evidence=evidence or None, joint=True, show_progress=False
            )
            for states in itertools.product(*(factor.state_names[v] for v in factor.variables)):
                index = tuple(
                    factor.state_names[v].index(s)
                    for v, s in zip(factor.variables, states, strict=True)
                )
                joint[states] = float(factor.values[index])
            order = list(factor.variables)
        else:
            joint[()] = 1.0
            order = []
        out = np.zeros(shape)
        for states, p in joint.items():
            assignment = dict(zip(order, states, strict=True)) | evidence
            index = tuple(network.states(t).index(assignment[t]) for t in targets)
            out[index] = p
        return out
