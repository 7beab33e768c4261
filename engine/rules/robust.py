"""Non-fanatical rules: credence-weighted trimmed mean and median of normalised scores."""

from __future__ import annotations

import numpy as np

from engine.errors import PolicyError
from engine.rules.base import DEFAULT_OPTIONS, Aggregate, RuleOptions, normalise, weighted_sum


def weighted_trimmed_mean(values: np.ndarray, weights: np.ndarray, trim: float) -> float:
    """(1 / (1 - 2k)) * integral_k^{1-k} Q(u) du for the distribution putting weight w_i on
    x_i (Q its quantile function); k = 0 gives the weighted mean, k -> 1/2 the median.

    Examples
    --------
    >>> round(weighted_trimmed_mean(np.array([0.0, 1.0, 100.0]), np.array([0.3, 0.4, 0.3]), 0.3), 9)
    1.0
    >>> x, w = np.array([0.0, 1.0, 100.0]), np.array([0.3, 0.4, 0.3])
    >>> round(weighted_trimmed_mean(x, w, 0.0), 9)
    30.4
    """
    if trim >= 0.5:
        return weighted_median(values, weights)
    order = np.argsort(values, kind="stable")
    x, w = values[order], weights[order] / weights.sum()
    upper = np.cumsum(w)
    lower = upper - w
    overlap = np.clip(np.minimum(upper, 1.0 - trim) - np.maximum(lower, trim), 0.0, None)
    return float(weighted_sum(x, overlap) / (1.0 - 2.0 * trim))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Q(1/2); when 1/2 falls exactly between two atoms, the midpoint of the two.

    Examples
    --------
    >>> weighted_median(np.array([0.0, 1.0, 100.0]), np.array([0.3, 0.4, 0.3]))
    1.0
    >>> weighted_median(np.array([0.0, 2.0]), np.array([0.5, 0.5]))
    1.0
    """
    order = np.argsort(values, kind="stable")
    x, w = values[order], weights[order] / weights.sum()
    cumulative = np.cumsum(w)
    lo = int(np.searchsorted(cumulative, 0.5 - 1e-12))
    if abs(cumulative[lo] - 0.5) <= 1e-12 and lo + 1 < len(x):
        nxt = lo + 1 + int(np.argmax(w[lo + 1 :] > 0))
        return float((x[lo] + x[nxt]) / 2.0)
    return float(x[lo])


def _weighted(cw: np.ndarray, credences: np.ndarray, normalisation: str, trim: float) -> np.ndarray:
    normalised = normalise(cw, normalisation)
    keep = credences > 0
    return np.array([weighted_trimmed_mean(row[keep], credences[keep], trim) for row in normalised])


def trimmed_mean(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """k-trimmed credence-weighted mean of normalised choiceworthiness:

        score(a) = TM_k( {CW'_T(a) with weight C(T)} ),  k = ``options.trim`` in [0, 1/2)

    (:func:`weighted_trimmed_mean`). Cutting credence mass k from each tail stops a theory of
    small credence but extreme stakes from deciding alone: the fanaticism MEC is charged with
    (MacAskill, Bykvist & Ord 2020, ch. 6; Huber & Ronchetti 2009, *Robust Statistics*, §3.3
    for the estimator). k = 0 is MEC under the same normalisation.

    Examples
    --------
    >>> cw = np.array([[1.0, 1.0, -100.0], [0.0, 0.0, 0.0]])
    >>> trimmed_mean(cw, np.array([0.45, 0.45, 0.1]), "none").scores.tolist()
    [1.0, 0.0]
    """
    if not 0.0 <= options.trim < 0.5:
        raise PolicyError(f"trimmed-mean: trim must be in [0, 0.5), found {options.trim}")
    return Aggregate(
        scores=_weighted(cw, credences, normalisation, options.trim), theory_weights=None
    )


def median(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Credence-weighted median of normalised choiceworthiness, score(a) = median_C CW'_T(a)
    (:func:`weighted_median`); the limit k -> 1/2 of :func:`trimmed_mean`."""
    return Aggregate(scores=_weighted(cw, credences, normalisation, 0.5), theory_weights=None)
