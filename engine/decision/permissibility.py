"""Permissibility: the hard norms (side-constraints of a theory with positive credence) and the
options whose violation probability exceeds a hard norm's threshold; the options a double
effect theory with positive credence fails."""

from __future__ import annotations

import math

import numpy as np

from engine.decision.result import Exclusion
from engine.ir import DecisionProblem
from engine.semantics.assessment import Assessment
from engine.semantics.double_effect import failure_reason, theory_effects
from engine.semantics.events import theory_endorses

VIOLATION_TOLERANCE = 1e-12


def exclusions(
    problem: DecisionProblem, assessment: Assessment, credences: np.ndarray
) -> list[Exclusion]:
    """Every (option, hard norm) with P(violation) above the norm's threshold, then every
    (option, double effect theory with positive credence) whose test the option fails
    (:mod:`engine.semantics.double_effect`)."""
    hard = hard_norms(problem, credences)
    found = []
    for i, option in enumerate(assessment.options):
        for j in hard:
            norm = problem.norms[j]
            p = float(assessment.violation[i, j])
            if p > norm.threshold + VIOLATION_TOLERANCE:
                found.append(Exclusion(option, norm.name, p, norm.threshold))
    if assessment.effect_probability is None:
        return found
    for test in theory_effects(problem):
        if not credences[test.theory] > 0:
            continue
        theory = problem.theories[test.theory].name
        for i, option in enumerate(assessment.options):
            reason = failure_reason(problem, test, assessment.effect_probability[i])
            if reason is not None:
                found.append(Exclusion(option, "", math.nan, math.nan, theory, reason))
    return found


def hard_norms(problem: DecisionProblem, credences: np.ndarray) -> list[int]:
    """Indices of norms a theory with positive credence treats as side-constraints."""
    return [
        j
        for j, norm in enumerate(problem.norms)
        if any(
            c > 0 and t.norm_handling == "constraint" and theory_endorses(t, norm.name)
            for t, c in zip(problem.theories, credences, strict=True)
        )
    ]
