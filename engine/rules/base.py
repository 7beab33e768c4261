"""What every decision rule shares: its result, its options, and normalisation of theories.

A rule maps CW (feasible options x theories), the credences C and a normalisation name to an
:class:`Aggregate`; rules that need more (a seed, a trimming fraction, lexical criteria) read
it from :class:`RuleOptions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from engine.errors import PolicyError

NORMALISATIONS: tuple[str, ...] = ("none", "range", "variance")
TIE_TOLERANCE = 1e-9
Disagreement = Literal["random-dictator", "worst"]


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Scores of the feasible options; the best is chosen by ``scores``, ``tiebreak``, then name.

    When the rule is linear, score(a) = const + sum_T ``theory_weights``[T] CW_T(a); the
    explanation then splits score differences exactly into value and norm terms.
    ``chances`` are the probabilities a randomising rule (the moral parliament) gives each
    option; ``drawn`` is the option it drew when a seed was given. ``incomparable`` lists
    options none of which the rule ranks above the others (e.g. Pareto-undominated options):
    the decision abstains naming them unless a tie-break is asked for. ``note`` says in words
    anything the rule could not do as stated (e.g. an empty bargaining set).
    """

    scores: np.ndarray
    theory_weights: np.ndarray | None
    tiebreak: np.ndarray | None = None
    chances: np.ndarray | None = None
    drawn: int | None = None
    incomparable: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """Settings some rules read; the defaults reproduce each rule's textbook form.

    ``criteria`` (feasible options x k) and ``criteria_names`` are the lexically ordered
    criteria of the ``lexicographic`` and ``pareto`` rules, most important first; ``None``
    means the theories in decreasing order of credence. ``tolerance`` is the relative
    tolerance within which a criterion counts two options as tied. ``trim`` is the credence
    mass cut from each tail by ``trimmed-mean``. ``seed`` makes ``parliament`` draw its option;
    without it the option with the largest chance is chosen. ``disagreement`` is the
    disagreement point of ``nash``.
    """

    seed: int | None = None
    trim: float = 0.1
    tolerance: float = TIE_TOLERANCE
    criteria: np.ndarray | None = None
    criteria_names: tuple[str, ...] = ()
    disagreement: Disagreement = "random-dictator"


DEFAULT_OPTIONS = RuleOptions()


def normalisers(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """Per-theory scale s_T; normalised CW'_T(a) = (CW_T(a) - centre_T) / s_T.

    - ``none``: s_T = 1.
    - ``range``: s_T = max_a CW_T - min_a CW_T (range normalisation; Lockhart 2000,
      MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4).
    - ``variance``: s_T = population standard deviation of CW_T over the options (variance
      voting; Cotton-Barratt, MacAskill & Ord 2020, "Statistical normalization methods in
      interpersonal and intertheoretic comparisons", J. Philosophy 117(2)).

    A theory indifferent among the options (s_T = 0) gets weight 0: it cannot discriminate.
    """
    if normalisation == "none":
        return np.ones(cw.shape[1])
    if normalisation == "range":
        return cw.max(axis=0) - cw.min(axis=0)
    if normalisation == "variance":
        return cw.std(axis=0)
    raise PolicyError(
        f"unknown normalisation {normalisation!r}; expected one of {', '.join(NORMALISATIONS)}"
    )


def inverse_scale(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """1 / s_T, with 0 for a theory that cannot discriminate among the options."""
    scale = normalisers(cw, normalisation)
    spread = np.abs(cw).max(axis=0) if cw.size else np.zeros(cw.shape[1])
    degenerate = scale <= TIE_TOLERANCE * np.maximum(1.0, spread)
    return np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, scale))


def centre(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """centre_T: 0 for ``none``, the minimum for ``range``, the mean for ``variance``."""
    if normalisation == "none":
        return np.zeros(cw.shape[1])
    if normalisation == "range":
        return cw.min(axis=0)
    return cw.mean(axis=0)


def normalise(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """CW'_T(a) = (CW_T(a) - centre_T) / s_T (0 for a theory indifferent among the options)."""
    return (cw - centre(cw, normalisation)) * inverse_scale(cw, normalisation)


def tolerance(values: np.ndarray, relative: float = TIE_TOLERANCE) -> float:
    """Absolute tolerance ``relative * max(1, max |values|)`` for comparing scores."""
    return relative * max(1.0, float(np.abs(values).max())) if values.size else relative


def favourites(cw: np.ndarray, relative: float = TIE_TOLERANCE) -> np.ndarray:
    """right[a, T] = 1 when a maximises CW_T (within tolerance), else 0."""
    right = np.zeros(cw.shape)
    for t in range(cw.shape[1]):
        column = cw[:, t]
        right[:, t] = column >= column.max() - tolerance(column, relative)
    return right
