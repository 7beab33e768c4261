"""Load -> validate -> reason -> read: an ontology file to :class:`~ontology.knowledge.Knowledge`.

Timings of each stage are returned for the CLI and the benchmark (never asserted by tests).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ontology.knowledge import Knowledge, read_knowledge
from ontology.limits import check_hierarchy_depth
from ontology.load import load_graph
from ontology.reason import reason, resolve_reasoner
from ontology.validate import check_consistency, validate_shapes


@dataclass(frozen=True, slots=True)
class Timings:
    """Seconds spent in each stage."""

    load: float
    validate: float
    reason: float
    read: float


def analyse_file(
    path: str | Path, reasoner: str = "auto", validate: bool = True
) -> tuple[Knowledge, Timings]:
    """Load ``path``, check its shapes (when ``validate``), reason and read what it says.

    Examples
    --------
    >>> knowledge, _ = analyse_file("examples/ontology/icu_triage.ttl", reasoner="owlrl")
    >>> [p.name for p in knowledge.prescripts]
    ['no_withdrawal', 'reallocation_when_poor_prognosis']
    """
    source = str(path)
    start = time.perf_counter()
    graph = load_graph(path)
    loaded = time.perf_counter()
    name = resolve_reasoner(reasoner)
    if name != "none":  # refuse a hierarchy too deep to reason over before validating it
        check_hierarchy_depth(graph, source, name)
    if validate:
        validate_shapes(graph, source)
    validated = time.perf_counter()
    reasoned = reason(graph, reasoner, source)
    check_consistency(reasoned, source)
    reasoned_at = time.perf_counter()
    knowledge = read_knowledge(graph, reasoned, source)
    done = time.perf_counter()
    return knowledge, Timings(
        loaded - start, validated - loaded, reasoned_at - validated, done - reasoned_at
    )
