"""Rules over several criteria with no trade-offs: lexical priority and Pareto dominance."""

from __future__ import annotations

import numpy as np

from engine.rules.base import (
    DEFAULT_OPTIONS,
    Aggregate,
    RuleOptions,
    comparable,
    tolerance,
)
from engine.rules.expected import maximise_expected_choiceworthiness


def default_criteria(cw: np.ndarray, credences: np.ndarray) -> np.ndarray:
    """The theories with positive credence, in decreasing order of credence (stable)."""
    order = [t for t in np.argsort(-credences, kind="stable") if credences[t] > 0]
    return cw[:, order]


def lexical_best(criteria: np.ndarray, candidates: list[int], relative: float) -> list[int]:
    """Keep the candidates within tolerance of the best on each criterion in turn. At least one
    candidate always survives (the best, NaN counting as -inf), so :func:`lexicographic`,
    which removes the survivors class by class, always terminates."""
    for k in range(criteria.shape[1]):
        column = comparable(criteria[candidates, k])
        tol = tolerance(criteria[:, k], relative)
        best = column.max()
        candidates = [
            c for c, x in zip(candidates, column, strict=True) if x == best or x >= best - tol
        ]
        if len(candidates) == 1:
            break
    return candidates


def lexicographic(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Lexical priority: a is better than b iff, at the first criterion c_1, c_2, ... on which
    they differ by more than the tolerance, c_k(a) > c_k(b) (Rawls 1971, *A Theory of
    Justice*, §8, on lexical order; as a rule under moral uncertainty, a stated priority of
    theories or values, e.g. MacAskill, Bykvist & Ord 2020, ch. 2 on lexical theories).

    The criteria are ``options.criteria`` (a policy's ordered principles) or the theories in
    decreasing credence. score(a) = -(the indifference class of a, 0 for the best), so options
    no criterion separates tie; such ties are separated by MEC under ``normalisation`` (then by
    name), and a policy that compiled to these criteria reports that it is silent.

    Examples
    --------
    >>> crit = np.array([[1.0, 0.0], [1.0, 5.0], [0.0, 9.0]])
    >>> lexicographic(crit, np.array([1.0, 0.0]), "none",
    ...               options=RuleOptions(criteria=crit)).scores.tolist()
    [-1.0, 0.0, -2.0]
    """
    criteria = options.criteria if options.criteria is not None else default_criteria(cw, credences)
    scores = np.zeros(cw.shape[0])
    remaining = list(range(cw.shape[0]))
    level = 0
    while remaining:
        best = lexical_best(criteria, remaining, options.tolerance)
        scores[best] = -level
        remaining = [i for i in remaining if i not in best]
        level += 1
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(scores=scores, theory_weights=None, tiebreak=mec.scores)


def pareto(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Pareto dominance over vector-valued choiceworthiness: a dominates b iff
    c_k(a) >= c_k(b) for every criterion and > for one (tolerance as in
    :func:`lexicographic`; criteria as there). score(a) = -#{b : b dominates a}.

    The undominated options are reported as ``incomparable`` when there are several: the rule
    gives a partial order and does not pretend to rank them.

    Examples
    --------
    >>> crit = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> agg = pareto(crit, np.array([0.5, 0.5]), "none", options=RuleOptions(criteria=crit))
    >>> agg.scores.tolist(), agg.incomparable
    ([-0.0, -0.0, -2.0], (0, 1))
    """
    criteria = comparable(
        options.criteria if options.criteria is not None else default_criteria(cw, credences)
    )
    tol = np.array([tolerance(criteria[:, k], options.tolerance) for k in range(criteria.shape[1])])
    n = cw.shape[0]
    dominated_by = np.zeros(n)
    for a in range(n):
        for b in range(n):
            weakly = np.all(criteria[b] >= criteria[a] - tol)
            strictly = np.any(criteria[b] > criteria[a] + tol)
            dominated_by[a] += bool(weakly and strictly)
    undominated = tuple(int(i) for i in np.flatnonzero(dominated_by == 0))
    first = criteria[undominated[0]]
    equal = all(
        np.all((criteria[i] == first) | (np.abs(criteria[i] - first) <= tol)) for i in undominated
    )
    return Aggregate(
        scores=-dominated_by,
        theory_weights=None,
        incomparable=() if equal else undominated,
    )
