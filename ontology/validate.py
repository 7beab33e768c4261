"""Validation of user graphs: SHACL shapes (pySHACL) before reasoning, consistency after.

:func:`validate_shapes` checks the shapes in ``ontology/shapes.ttl`` (a norm without exactly one
modality or option, an applicability or threshold outside [0, 1], a context cycle, ...);
:func:`check_consistency` reports the unsatisfiable classes the reasoner named. Options the
scenario does not define are checked in :mod:`ontology.extract`, which knows the scenario.
"""

from __future__ import annotations

import warnings

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from ontology.errors import InconsistentOntologyError, ShapeViolationError
from ontology.reason import Reasoned
from ontology.vocabulary import SHAPES_PATH


def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_PATH, format="turtle")


def shape_violations(graph: Graph) -> tuple[tuple[str, str], ...]:
    """Every SHACL violation in ``graph`` as ``(focus IRI, message naming the fix)``, sorted."""
    import pyshacl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conforms, report, _ = pyshacl.validate(
            graph, shacl_graph=shapes_graph(), inference="none", advanced=True
        )
    if conforms:
        return ()
    found = set()
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
