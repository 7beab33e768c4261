"""Where a prescript applies, as a dimension of the situation: one context variable, or alike in
every situation (the contexts -> conditions step of :mod:`ontology.extract`)."""

from __future__ import annotations

from ontology.errors import ExtractionError
from ontology.knowledge import ContextVariable, Knowledge, Prescript


def dimension(
    knowledge: Knowledge, prescript: Prescript
) -> tuple[ContextVariable | None, dict[str, tuple[float, float]], tuple[float, float]]:
    """Where a prescript applies, as ``(variable, state -> (P(E|c), w(E,c)), uniform)``.

    A situation is one state per context variable, and a prescript stated for contexts of two
    variables applies when *either* holds — a disjunction the IR's conditions (conjunctions of
    clauses) cannot express. So either one variable carries the prescript (returned with its
    per-state values), or the prescript applies alike in every situation (``variable`` is
    ``None`` and ``uniform`` holds its (P(E|C), w(E,C))); anything else is an error.
    """
    governed = knowledge.governed(prescript.iri)
    values = {(a.probability, a.weight) for a in governed.values()}
    if not knowledge.variables:
        if len(governed) < len(knowledge.leaves) or len(values) > 1:
            raise ExtractionError(
                knowledge.source,
                "prescript applies differently in different contexts, but no context variable "
                "says which context holds; annotate a context class above them with "
                "phr:contextVariable and define that variable in the scenario",
                prescript.iri,
            )
        return None, {}, values.pop()
    covered = []
    for variable in knowledge.variables:
        by_state = {
            state: (governed[leaf].probability, governed[leaf].weight)
            for leaf, state in zip(variable.leaves, variable.states, strict=True)
            if leaf in governed
        }
        if by_state:
            covered.append((variable, by_state))
    everywhere = any(len(bs) == len(v.states) for v, bs in covered)
    if len(values) == 1 and everywhere:
        return None, {}, next(iter(values))
    if len(covered) == 1:
        return covered[0][0], covered[0][1], (1.0, prescript.weight)
    names = ", ".join(v.name for v, _ in covered)
    raise ExtractionError(
        knowledge.source,
        f"prescript applies in contexts of several context variables ({names}) but not alike "
        "in every situation; a norm's condition is a conjunction, so it cannot say 'in either "
        "context': state it for contexts of one variable, or for a context above all of them",
        prescript.iri,
    )
