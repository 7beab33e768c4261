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


def normalisers(cw: np.ndarray, normalisation: str, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-theory scale s_T; normalised CW'_T(a) = (CW_T(a) - centre_T) / s_T.

    ``cw`` is (..., options, theories): leading axes are batches (rows, parameter draws), each
    normalised on its own; ``mask`` (..., options) restricts the statistics to the options it
    marks (the permissible ones). The result is (..., theories).

    - ``none``: s_T = 1.
    - ``range``: s_T = max_a CW_T - min_a CW_T (range normalisation; Lockhart 2000,
      MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4).
    - ``variance``: s_T = population standard deviation of CW_T over the options (variance
      voting; Cotton-Barratt, MacAskill & Ord 2020, "Statistical normalization methods in
      interpersonal and intertheoretic comparisons", J. Philosophy 117(2)).

    A theory indifferent among the options (s_T = 0) gets weight 0: it cannot discriminate.
    """
    if normalisation not in NORMALISATIONS:
        raise PolicyError(
            f"unknown normalisation {normalisation!r}; expected one of {', '.join(NORMALISATIONS)}"
        )
    if normalisation == "none":
        return np.ones(cw.shape[:-2] + cw.shape[-1:])
    marked = _marked(cw, mask)
    if normalisation == "range":
        high = np.max(np.where(marked, cw, -np.inf), axis=-2, initial=-np.inf)
        return high - centre(cw, normalisation, mask)
    deviation = np.where(marked, cw - centre(cw, normalisation, mask)[..., None, :], 0.0)
    return np.sqrt(np.sum(deviation**2, axis=-2) / np.maximum(marked.sum(axis=-2), 1))


def inverse_scale(cw: np.ndarray, normalisation: str, mask: np.ndarray | None = None) -> np.ndarray:
    """1 / s_T, with 0 for a theory that cannot discriminate among the options (its scale is
    within ``TIE_TOLERANCE`` of 0, relative to its largest |CW|); 1 for ``none``, whose scale
    is not a spread."""
    scale = normalisers(cw, normalisation, mask)
    if normalisation == "none":
        return scale
    spread = np.max(np.where(_marked(cw, mask), np.abs(cw), 0.0), axis=-2, initial=0.0)
    degenerate = scale <= TIE_TOLERANCE * np.maximum(1.0, spread)
    return np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, scale))


def centre(cw: np.ndarray, normalisation: str, mask: np.ndarray | None = None) -> np.ndarray:
    """centre_T, (..., theories): 0 for ``none``, the minimum for ``range``, the mean for
    ``variance``, over the options ``mask`` marks (all by default)."""
    if normalisation == "none":
        return np.zeros(cw.shape[:-2] + cw.shape[-1:])
    marked = _marked(cw, mask)
    if normalisation == "range":
        return np.min(np.where(marked, cw, np.inf), axis=-2, initial=np.inf)
    return np.sum(np.where(marked, cw, 0.0), axis=-2) / np.maximum(marked.sum(axis=-2), 1)


def normalise(cw: np.ndarray, normalisation: str, mask: np.ndarray | None = None) -> np.ndarray:
    """CW'_T(a) = (CW_T(a) - centre_T) / s_T (0 for a theory indifferent among the options)."""
    shift = centre(cw, normalisation, mask)[..., None, :]
    return (cw - shift) * inverse_scale(cw, normalisation, mask)[..., None, :]


def _marked(cw: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The option mask broadcast to ``cw``'s shape (every option when ``mask`` is None)."""
    if mask is None:
        return np.ones(cw.shape, dtype=bool)
    return np.broadcast_to(np.asarray(mask, dtype=bool)[..., None], cw.shape)


def comparable(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN replaced by -inf, so that comparisons and ``max`` are total orders.

    The IR bounds utilities and weights (:data:`engine.ir.fields.MAX_MAGNITUDE`) so scores stay
    finite; this is the second line of defence: a NaN (e.g. inf - inf) ranks below every number
    instead of failing every comparison, which would leave no option within tolerance of a NaN
    best and nothing to choose.

    Examples
    --------
    >>> comparable(np.array([1.0, np.nan])).tolist()
    [1.0, -inf]
    """
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), -np.inf, values)


def tolerance(values: np.ndarray, relative: float = TIE_TOLERANCE) -> float:
    """Absolute tolerance ``relative * max(1, max |values|)`` for comparing scores; only the
    finite values count, so an infinite score cannot make the tolerance infinite (and
    ``best - tolerance`` NaN).

    Examples
    --------
    >>> tolerance(np.array([2e9, -np.inf, np.nan]))
    2.0
    """
    values = np.asarray(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    return relative * max(1.0, float(finite.max())) if finite.size else relative


def at_best(values: np.ndarray, relative: float = TIE_TOLERANCE) -> np.ndarray:
    """Mask of the values within :func:`tolerance` of the largest (NaN counting as -inf). Never
    empty for a non-empty ``values``: the largest is always marked, even when it is infinite.

    Examples
    --------
    >>> at_best(np.array([np.nan, 1.0, 1.0 - 1e-12, 0.5])).tolist()
    [False, True, True, False]
    >>> at_best(np.array([np.nan, np.nan])).tolist()
    [True, True]
    """
    values = comparable(values)
    if not values.size:
        return np.zeros(0, dtype=bool)
    best = values.max()
    return (values == best) | (values >= best - tolerance(values, relative))


def weighted_sum(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_k x[..., k] * weights[k], added term by term in index order.

    Rules use this instead of ``x @ weights`` wherever a score is compared with tolerance:
    a BLAS product may add the terms in any order (and with fused multiply-adds), so its
    last bit depends on the library and the machine, and a score gap that equals the
    tie tolerance could then tie or not. In index order the sum is reproducible, and is
    exactly what the row-batched kernel computes (:func:`engine.kernel.masked.dot_theories`).

    Examples
    --------
    >>> right = np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    >>> weighted_sum(right, np.array([1e-9, 0.1, 0.25, 0.0])).tolist()
    [0.35, 0.350000001]
    """
    x = np.asarray(x, dtype=float)
    if x.shape[-1] == 0:
        return np.zeros(x.shape[:-1])
    total = x[..., 0] * weights[0]
    for k in range(1, x.shape[-1]):
        total = total + x[..., k] * weights[k]
    return total


def favourites(cw: np.ndarray, relative: float = TIE_TOLERANCE) -> np.ndarray:
    """right[a, T] = 1 when a maximises CW_T (within tolerance), else 0; every theory has at
    least one favourite."""
    right = np.zeros(cw.shape)
    for t in range(cw.shape[1]):
        right[:, t] = at_best(cw[:, t], relative)
    return right
