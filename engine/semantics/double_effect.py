"""The doctrine of double effect as a test of each option (:class:`engine.ir.DoubleEffect`):
which effects each double effect theory reads, which bad effects are structurally a means to
which good ones, and the verdict for every option from the effects' probabilities.

For option ``a`` under evidence ``e``, with p_x = P(x | do(a), e) for each effect x:

    means(a)        = exists bad b, good g: p_b > 0, p_g > 0 and b -> ... -> g in the network
    proportional(a) = sum_g amount_g p_g >= proportion * sum_b amount_b p_b

(McIntyre 2019, "Doctrine of Double Effect", *Stanford Encyclopedia of Philosophy*, sec. 1:
the bad effect may be foreseen but not intended, as an end or as a means, and the good must
outweigh it; the causal reading of "means" after Lindner, Bentzen and Nebel 2017, "The HERA
approach to morally competent robots", sec. III). "b -> ... -> g" is a directed path in the
network from a variable of b that the decision influences to a variable of g: the bad effect
lies on a causal path from the option to the good one. The option fails when ``means`` holds
or ``proportional`` does not; it is then impermissible while the theory has positive credence.
Every path (the per-row pipeline, the kernel) computes the probabilities its own way and reads
the verdict here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from engine.ir import DecisionProblem, Effect

#: a probability at or below this is 0 (the kernel and the pipeline round differently)
EFFECT_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class TheoryEffects:
    """One double effect theory's effects as columns of the effect-probability array."""

    theory: int
    good: tuple[int, ...]
    bad: tuple[int, ...]
    amounts_good: np.ndarray
    amounts_bad: np.ndarray
    proportion: float
    means: np.ndarray  # (bad, good) bool: the bad effect is on a causal path to the good one


def effects(problem: DecisionProblem) -> tuple[Effect, ...]:
    """Every effect of every double effect theory, theory by theory, good before bad: the
    columns of the effect-probability arrays (…, options, effects)."""
    found: list[Effect] = []
    for theory in problem.theories:
        if theory.double_effect is not None:
            found += (*theory.double_effect.good, *theory.double_effect.bad)
    return tuple(found)


def theory_effects(problem: DecisionProblem) -> tuple[TheoryEffects, ...]:
    """The columns, amounts and means matrix of each double effect theory."""
    found, column = [], 0
    influenced = problem.descendants(problem.decision.name)
    for t, theory in enumerate(problem.theories):
        test = theory.double_effect
        if test is None:
            continue
        good = tuple(range(column, column + len(test.good)))
        bad = tuple(range(good[-1] + 1, good[-1] + 1 + len(test.bad)))
        column = bad[-1] + 1
        means = np.array(
            [
                [means_path(problem, b, g, influenced) is not None for g in test.good]
                for b in test.bad
            ],
            dtype=bool,
        )
        found.append(
            TheoryEffects(
                t,
                good,
                bad,
                np.array([e.amount for e in test.good]),
                np.array([e.amount for e in test.bad]),
                test.proportion,
                means,
            )
        )
    return tuple(found)


def means_path(
    problem: DecisionProblem, bad: Effect, good: Effect, influenced: frozenset[str]
) -> tuple[str, ...] | None:
    """A directed path in the network from a variable of ``bad`` the decision influences to a
    variable of ``good`` (shortest, first found), or ``None``."""
    targets = {c.variable for c in good.when}
    children: dict[str, list[str]] = {}
    for cpt in problem.cpts:
        for parent in cpt.parents:
            children.setdefault(parent, []).append(cpt.child)
    for start in dict.fromkeys(c.variable for c in bad.when if c.variable in influenced):
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for child in children.get(node, ()):
                if child in came_from or child == start:
                    continue
                came_from[child] = node
                if child in targets:
                    path = [child]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return tuple(reversed(path))
                queue.append(child)
    return None


def double_effect_failures(
    tests: tuple[TheoryEffects, ...], probabilities: np.ndarray, theories: int
) -> tuple[np.ndarray, np.ndarray]:
    """From effect probabilities (..., options, effects): ``means`` and ``disproportionate``,
    each (..., theories, options) bool, False for theories without a test (module docstring)."""
    lead = probabilities.shape[:-1]
    means = np.zeros((*lead[:-1], theories, lead[-1]), dtype=bool)
    disproportionate = np.zeros_like(means)
    for test in tests:
        good = probabilities[..., list(test.good)]
        bad = probabilities[..., list(test.bad)]
        brought = (bad > EFFECT_TOLERANCE)[..., :, None] & (good > EFFECT_TOLERANCE)[..., None, :]
        means[..., test.theory, :] = (brought & test.means).any(axis=(-2, -1))
        balance = good @ test.amounts_good - test.proportion * (bad @ test.amounts_bad)
        disproportionate[..., test.theory, :] = balance < -EFFECT_TOLERANCE
    return means, disproportionate


def failure_reason(
    problem: DecisionProblem, test: TheoryEffects, probabilities: np.ndarray
) -> str | None:
    """Why an option fails ``test`` given its effect probabilities (effects,), naming the
    condition that failed; ``None`` when it passes."""
    theory = problem.theories[test.theory].double_effect
    assert theory is not None
    influenced = problem.descendants(problem.decision.name)
    for b, bad in enumerate(theory.bad):
        p_bad = probabilities[test.bad[b]]
        for g, good in enumerate(theory.good):
            p_good = probabilities[test.good[g]]
            if test.means[b, g] and p_bad > EFFECT_TOLERANCE and p_good > EFFECT_TOLERANCE:
                path = means_path(problem, bad, good, influenced)
                return (
                    f"the bad effect {bad.name!r} (P = {p_bad:.3g}) is a means to the good "
                    f"effect {good.name!r} (P = {p_good:.3g}): {' -> '.join(path or ())}"
                )
    good_total = float(probabilities[list(test.good)] @ test.amounts_good)
    bad_total = float(probabilities[list(test.bad)] @ test.amounts_bad)
    if good_total - test.proportion * bad_total < -EFFECT_TOLERANCE:
        return (
            f"the good does not outweigh the bad: expected good {good_total:.4g} < "
            f"proportion {test.proportion:g} x expected bad {bad_total:.4g}"
        )
    return None


def double_effect_excluded(
    tests: tuple[TheoryEffects, ...], probabilities: np.ndarray, credences: np.ndarray
) -> np.ndarray:
    """(..., options) bool: some double effect theory with positive credence (``credences``
    (..., theories)) fails the option, from effect probabilities (..., options, effects)."""
    if not tests:
        return np.zeros(probabilities.shape[:-1], dtype=bool)
    means, disproportionate = double_effect_failures(tests, probabilities, credences.shape[-1])
    failed = means | disproportionate  # (..., T, A)
    return (failed & (credences > 0)[..., :, None]).any(axis=-2)
