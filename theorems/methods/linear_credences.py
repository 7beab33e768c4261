"""The MEC decision in one situation as a function of the credences, case by case.

Under MEC the score of option a is s(a) = sum_T c_T N_T(a), N_T(a) = (CW_T(a) - centre_T) /
scale_T the theory's normalised choiceworthiness over the permissible options (MacAskill,
Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4; :func:`engine.rules.base.normalise`), ordinal
theories first replaced by their Borda scores (:func:`engine.rules.ordinal.
rank_ordinal_theories`). N depends on the credences only through the permissible set, and
the permissible set only through which side-constraint theories have c_T > 0
(:mod:`engine.decision.permissibility`). So the credence simplex splits into finitely many
*cases* — one per support pattern of the side-constraint theories that exclude something —
and in each case every margin s(a*) - s(b) = D_b . c is linear in c.

The certified radius (L-infinity, credences on the simplex) is the least ||c - c0||_inf over
the perturbations that may change the choice, by one linear programme per (case, rival) —
exact: a case's region is a polyhedron whose strict inequalities (c_T > 0) are replaced by
their closure, which keeps the infimum whenever the strict region is non-empty, and a second
LP checks that.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from engine.decision.permissibility import VIOLATION_TOLERANCE
from engine.rules.base import TIE_TOLERANCE, normalise
from engine.rules.ordinal import rank_ordinal_theories
from engine.semantics.events import theory_endorses
from theorems.methods.linear_form import RobustnessScopeError, Situation
from theorems.task import Task

#: at most this many side-constraint theories are split into cases (2^k cases)
MAX_SPLIT = 10


@dataclass(frozen=True, slots=True)
class CredenceCase:
    """One support pattern: ``zero`` theories have c_T = 0, ``positive`` ones c_T > 0 (the
    others are free in [0, 1]); ``permissible`` (A,); ``lost``: the chosen option is not
    permissible here (every point of the case changes the choice); else margins D (B, T) over
    ``rivals`` and the tie tolerance ``tau`` (a margin <= tau may change the choice)."""

    zero: tuple[int, ...]
    positive: tuple[int, ...]
    permissible: np.ndarray
    lost: bool
    rivals: tuple[int, ...]
    D: np.ndarray
    tau: float


def credence_cases(task: Task, situation: Situation) -> list[CredenceCase]:
    """The cases of ``situation`` (module docstring)."""
    compiled = task.compiled
    settings = compiled.policy_settings
    assert settings is not None
    if settings.rule != "mec":
        raise RobustnessScopeError(
            f"robust_credences: rule {settings.rule!r} changes its favourite theory with the "
            "credences; exact credence radii cover mec"
        )
    problem = task.problem
    excludes = []  # (theory, options it excludes when its credence is positive)
    thresholds = np.array([n.threshold for n in problem.norms])
    above = situation.violation > thresholds + VIOLATION_TOLERANCE  # (A, K)
    for t, theory in enumerate(problem.theories):
        if theory.norm_handling != "constraint":
            continue
        endorsed = np.array([theory_endorses(theory, n.name) for n in problem.norms], bool)
        out = (above & endorsed[None, :]).any(axis=1) if len(endorsed) else np.zeros(0, bool)
        if out.any():
            excludes.append((t, out))
    if len(excludes) > MAX_SPLIT:
        raise RobustnessScopeError(
            f"robust_credences: {len(excludes)} side-constraint theories exclude options; at "
            f"most {MAX_SPLIT} are split into cases"
        )
    ordinal = np.array(settings.ordinal, dtype=bool)
    a = situation.chosen
    cases = []
    for pattern in itertools.product((False, True), repeat=len(excludes)):
        permissible = situation.possible.copy()
        for on, (_, out) in zip(pattern, excludes, strict=True):
            if on:
                permissible &= ~out
        zero = tuple(t for on, (t, _) in zip(pattern, excludes, strict=True) if not on)
        positive = tuple(t for on, (t, _) in zip(pattern, excludes, strict=True) if on)
        ranked = situation.cw
        if ordinal.any():
            tol = settings.options.tolerance
            ranked = rank_ordinal_theories(ranked[None], ordinal, tol, permissible[None])[0]
        scaled = normalise(ranked, settings.normalisation, permissible)
        lost = not permissible[a]
        rivals = tuple(int(b) for b in np.flatnonzero(permissible) if b != a)
        D = scaled[a][None] - scaled[list(rivals)] if not lost else np.zeros((0, len(ordinal)))
        size = np.abs(np.where(permissible[:, None], scaled, 0.0)).max(initial=0.0)
        cases.append(
            CredenceCase(
                zero, positive, permissible, lost, rivals, D, TIE_TOLERANCE * max(1.0, size)
            )
        )
    return cases


def _linprog(*args: object, **kwargs: object) -> object:
    from scipy.optimize import linprog  # imported here: scipy is heavy

    return linprog(*args, method="highs", **kwargs)


def _region(
    case: CredenceCase, row: np.ndarray | None, theories: int
) -> tuple[list[list[float]], list[float], list[tuple[float, float]]]:
    """Inequalities (margin row <= tau) and bounds (zero theories fixed at 0) over c."""
    a_ub, b_ub = [], []
    if row is not None:
        a_ub.append(list(row))
        b_ub.append(case.tau)
    bounds = [(0.0, 0.0) if t in case.zero else (0.0, 1.0) for t in range(theories)]
    return a_ub, b_ub, bounds


def _nonempty(case: CredenceCase, row: np.ndarray | None, theories: int) -> bool:
    """Whether the case's region (strict c_T > 0 for its positive theories) meets the flip
    half-space: max t s.t. c_T >= t on the positive theories is > 0 (or feasible when none)."""
    a_ub, b_ub, bounds = _region(case, row, theories)
    a_ub = [r + [0.0] for r in a_ub]
    for t in case.positive:
        line = [0.0] * (theories + 1)
        line[t], line[-1] = -1.0, 1.0
        a_ub.append(line)
        b_ub.append(0.0)
    result = _linprog(
        c=[0.0] * theories + [-1.0],
        A_ub=a_ub or None,
        b_ub=b_ub or None,
        A_eq=[[1.0] * theories + [0.0]],
        b_eq=[1.0],
        bounds=[*bounds, (0.0, 1.0)],
    )
    if result.status != 0:  # type: ignore[attr-defined]
        return False
    return not case.positive or -result.fun > 1e-12  # type: ignore[attr-defined]


def nearest(
    case: CredenceCase, row: np.ndarray | None, c0: np.ndarray
) -> tuple[float, np.ndarray] | None:
    """min ||c - c0||_inf over the closure of the case's region within the flip half-space
    (``row`` . c <= tau; None: the whole region), and the minimiser; None when empty."""
    theories = len(c0)
    if not _nonempty(case, row, theories):
        return None
    a_ub, b_ub, bounds = _region(case, row, theories)
    a_ub = [r + [0.0] for r in a_ub]
    for t in range(theories):
        for sign in (1.0, -1.0):
            line = [0.0] * (theories + 1)
            line[t], line[-1] = sign, -1.0
            a_ub.append(line)
            b_ub.append(sign * float(c0[t]))
    result = _linprog(
        c=[0.0] * theories + [1.0],
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=[[1.0] * theories + [0.0]],
        b_eq=[1.0],
        bounds=[*bounds, (0.0, None)],
    )
    if result.status != 0:  # type: ignore[attr-defined]
        return None
    x = np.asarray(result.x)  # type: ignore[attr-defined]
    return max(0.0, float(x[-1])), x[:-1]


def worst(case: CredenceCase, row: np.ndarray, c0: np.ndarray, radius: float) -> np.ndarray | None:
    """The credences within ``radius`` of c0 in the case's closure minimising ``row`` . c."""
    theories = len(c0)
    _, _, bounds = _region(case, None, theories)
    bounds = [
        (max(lo, float(c0[t]) - radius), min(hi, float(c0[t]) + radius))
        for t, (lo, hi) in enumerate(bounds)
    ]
    if any(lo > hi for lo, hi in bounds):
        return None
    result = _linprog(c=list(row), A_eq=[[1.0] * theories], b_eq=[1.0], bounds=bounds)
    if result.status != 0:  # type: ignore[attr-defined]
        return None
    return np.asarray(result.x)  # type: ignore[attr-defined]


def credence_radius(cases: list[CredenceCase], c0: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The certified radius of one situation (the least distance to a case region where the
    choice may change) and the nearest such credences, nearest first."""
    found: list[tuple[float, np.ndarray]] = []
    for case in cases:
        rows = [None] if case.lost else list(case.D)
        for row in rows:
            hit = nearest(case, row, c0)
            if hit is not None:
                found.append(hit)
    if not found:
        return float("inf"), []
    found.sort(key=lambda h: h[0])
    return found[0][0], [c for _, c in found]
