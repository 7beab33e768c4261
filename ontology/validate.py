"""Validation of user graphs: SHACL shapes (pySHACL) before reasoning, consistency after.

:func:`validate_shapes` checks the shapes in ``ontology/shapes.ttl`` (a norm without exactly one
modality or option, an applicability or threshold outside [0, 1], ...) and context cycles;
:func:`check_consistency` reports the unsatisfiable classes the reasoner named. Options the
scenario does not define are checked in :mod:`ontology.extract`, which knows the scenario.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH

from ontology.errors import InconsistentOntologyError, ShapeViolationError
from ontology.hierarchy import strongly_connected
from ontology.reason import Reasoned
from ontology.vocabulary import PHR, SHAPES_PATH

CYCLE_MESSAGE = (
    "context is its own subclass through a cycle of rdfs:subClassOf; remove one link of the "
    "cycle (use owl:equivalentClass if the contexts are meant to be the same)"
)


def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_PATH, format="turtle")


def shape_violations(graph: Graph) -> tuple[tuple[str, str], ...]:
    """Every SHACL violation in ``graph`` as ``(focus IRI, message naming the fix)``, sorted."""
    import pyshacl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conforms, report, _ = pyshacl.validate(
            # inplace: without inference or sh:rule nothing is added to the graph, and pyshacl's
            # advanced mode would otherwise copy it (a second of a 40,000-triple file)
            graph,
            shacl_graph=shapes_graph(),
            inference="none",
            advanced=True,
            inplace=True,
        )
    found = {(str(c), CYCLE_MESSAGE) for c in context_cycles(graph)}
    if conforms:
        return tuple(sorted(found))
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        message = str(report.value(result, SH.resultMessage) or "violates a shape")
        value = report.value(result, SH.value)
        path = report.value(result, SH.resultPath)
        if isinstance(path, URIRef):
            message = f"{graph.namespace_manager.normalizeUri(path)}: {message}"
        if path is None and isinstance(value, URIRef):
            focus = value  # node-level results (e.g. the context cycle) report the culprit as value
        elif value is not None and value != focus:
            message += f" (found {value})"
        found.add((str(focus), message))
    return tuple(sorted(found))


def context_cycles(graph: Graph) -> set[URIRef]:
    """Named classes below ``phr:Context`` (one or more told rdfs:subClassOf links) that lie on a
    cycle of rdfs:subClassOf links, a link to itself included.

    Linear and iterative (a walk down from ``phr:Context`` and Tarjan's algorithm), so a
    20,000-level hierarchy is checked in well under a second.
    """
    children: dict[URIRef, set[URIRef]] = defaultdict(set)
    looped = set()
    for child, parent in graph.subject_objects(RDFS.subClassOf):
        if isinstance(child, URIRef) and isinstance(parent, URIRef):
            children[parent].add(child)
            if child == parent:
                looped.add(child)
    links = {k: frozenset(v) for k, v in children.items()}
    below: set[URIRef] = set()
    stack = [PHR.Context]
    while stack:
        for child in links.get(stack.pop(), ()):
            if child not in below:
                below.add(child)
                stack.append(child)
    component = strongly_connected(below, links)
    sizes: dict[int, int] = defaultdict(int)
    for c in below:
        sizes[component[c]] += 1
    return {c for c in below if sizes[component[c]] > 1 or c in looped}


def validate_shapes(graph: Graph, source: str) -> None:
    """Raise :class:`ShapeViolationError` listing every violation, the first in the message."""
    violations = shape_violations(graph)
    if violations:
        raise ShapeViolationError(source, violations)


def check_consistency(reasoned: Reasoned, source: str) -> None:
    """Raise if the reasoner named unsatisfiable classes (inconsistency raises while reasoning)."""
    if reasoned.unsatisfiable:
        named = ", ".join(f"<{c}>" for c in reasoned.unsatisfiable)
        raise InconsistentOntologyError(
            source,
            f"HermiT finds {len(reasoned.unsatisfiable)} unsatisfiable class(es): {named}; such a "
            "class can have no instances — check its superclasses and disjointness axioms (e.g. a "
            "subclass of two disjoint modalities)",
            reasoned.unsatisfiable,
        )
