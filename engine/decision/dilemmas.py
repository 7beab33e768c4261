"""Dilemmas in a decision: the conflicts of norms (:mod:`engine.ir.conflicts`) that may
hold given the evidence, how likely each is, and what the problem's ``conflicts`` setting does
with them (a note; under ``abstain``, an abstention).

    P(conflict | e) = max_a P(both norms in force | do(a), e)

the maximum over options because a conflict's condition may read outcomes of the choice; the
event is :func:`engine.semantics.events.conflict_clauses` (joint condition, minus either
norm's exceptions and defeaters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.errors import InvalidProblem
from engine.ir import DecisionProblem
from engine.ir.conflicts import NormConflict, norm_conflicts
from engine.semantics.events import conflict_clauses, event_indicator

#: what each setting does with a dilemma that may hold, for the note
RESOLVED_BY = {
    "weight": "weighed (penalty theories weigh both violations; constraint theories exclude)",
    "priority": "resolved by priority (the lower-priority norm yields where both hold)",
    "abstain": "abstention above the conflict threshold",
}


@dataclass(frozen=True, slots=True)
class Dilemma:
    """A conflict of norms and P(conflict | e) (``None``: not computed, see
    :func:`dilemmas`)."""

    conflict: NormConflict
    probability: float | None

    def note(self, resolution: str) -> str:
        p = "" if self.probability is None else f", P = {self.probability:.3g}"
        return (
            f"dilemma: {self.conflict.describe()}{p}; {RESOLVED_BY[resolution]} "
            "(set `conflicts` to weight | priority | abstain)"
        )


def dilemmas(
    problem: DecisionProblem, evidence: Mapping[str, str], backend: InferenceBackend
) -> tuple[Dilemma, ...]:
    """The problem's conflicts of norms whose probability under ``evidence`` is > 0.

    A problem with latent continuous variables gets every structural conflict with probability
    ``None`` (not computed), and refuses ``conflicts: abstain``, which needs it.
    """
    conflicts = norm_conflicts(problem.norms, problem.decision.options)
    if not conflicts:
        return ()
    if problem.is_hybrid:
        if problem.conflicts == "abstain":
            raise InvalidProblem(
                "conflicts",
                "'abstain' needs P(conflict | e), computed exactly only for discrete problems; "
                "observe every continuous variable or choose weight or priority",
            )
        return tuple(Dilemma(c, None) for c in conflicts)
    decision = problem.decision.name
    batch = [{**evidence, decision: option} for option in problem.decision.options]
    network = problem.network()
    found = []
    for conflict in conflicts:
        clauses = conflict_clauses(problem, conflict)
        variables = tuple(dict.fromkeys(c.variable for group in clauses for c in group))
        joint = backend.posterior(network, batch, variables)
        event = event_indicator(problem, variables, clauses)
        probability = float(np.max(np.sum(joint * event[None], axis=tuple(range(1, joint.ndim)))))
        if probability > 0.0:
            found.append(Dilemma(conflict, probability))
    return tuple(found)


def abstention(problem: DecisionProblem, found: tuple[Dilemma, ...]) -> str | None:
    """Under ``conflicts: abstain``, the reason to abstain: the first dilemma holding with
    probability above ``conflict_threshold``; ``None`` otherwise."""
    if problem.conflicts != "abstain":
        return None
    for dilemma in found:
        if dilemma.probability is not None and dilemma.probability > problem.conflict_threshold:
            return (
                f"dilemma: {dilemma.conflict.describe()} holds with probability "
                f"{dilemma.probability:.3g} > {problem.conflict_threshold:g} (conflicts: abstain)"
            )
    return None
