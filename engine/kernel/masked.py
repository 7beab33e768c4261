"""Masked statistics over options in the kernel's option-major layout.

The kernel holds a batch of N rows option-major: choiceworthiness as (A, T, N), so that
``cw[a, t]`` is one contiguous vector over the rows, a mask of permissible options as (A, N)
and credences as (T, N). Reducing over options is then a sequence of elementwise operations
on whole row vectors, taken in option order, which is also the order of a per-row sum over
that row's options. Every function here computes for each row exactly what the per-row
function of :mod:`engine.rules.base` computes on that row's masked options alone; the
other options are never read into a sum or a maximum.
"""

from __future__ import annotations

import numpy as np

from engine.errors import PolicyError
from engine.rules.base import NORMALISATIONS, TIE_TOLERANCE, comparable


def masked_tolerance(
    values: np.ndarray, mask: np.ndarray, relative: float = TIE_TOLERANCE
) -> np.ndarray:
    """:func:`~engine.rules.base.tolerance` over the options (axis 0) ``mask`` marks:
    ``relative * max(1, max |finite marked values|)``, axis 0 reduced.

    Examples
    --------
    >>> v = np.array([[2e9, np.nan], [-np.inf, 0.5], [5e9, 1.0]])
    >>> masked_tolerance(v, np.array([[True, True], [True, True], [False, True]])).tolist()
    [2.0, 1e-09]
    """
    finite = np.where(mask & np.isfinite(values), np.abs(values), 0.0)
    return relative * np.maximum(1.0, np.max(finite, axis=0, initial=0.0))


def masked_max(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """max over the marked options (axis 0) of ``values`` (already :func:`comparable`, so no
    NaN); -inf where nothing is marked."""
    return np.max(np.where(mask, values, -np.inf), axis=0, initial=-np.inf)


def within(values: np.ndarray, best: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """values == best or values >= best - tol (the test of
    :func:`engine.rules.registry._within`), broadcast; an infinite best ties only itself."""
    return (values == best) | (values >= best - tol)


def masked_favourites(cw: np.ndarray, mask: np.ndarray, relative: float) -> np.ndarray:
    """right[a, T, n] = 1 when a maximises CW_T over row n's marked options (within
    tolerance; :func:`~engine.rules.base.favourites`), else 0."""
    column = comparable(cw)
    marked = mask[:, None, :]
    best = masked_max(column, marked)
    tol = masked_tolerance(column, marked, relative)
    return (marked & within(column, best, tol)).astype(float)


def dot_theories(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_T x[a, T, n] * weights[T, n], (A, N), summed theory by theory in order (as a
    per-row product over the few theories)."""
    total = x[:, 0] * weights[0]
    for t in range(1, x.shape[1]):
        total = total + x[:, t] * weights[t]
    return total


def centre(cw: np.ndarray, normalisation: str, mask: np.ndarray) -> np.ndarray:
    """centre_T per row, (T, N) (:func:`~engine.rules.base.centre`): 0 for ``none``, the
    minimum for ``range``, the mean for ``variance``, over the marked options (summed in
    option order, as a per-row sum over the options)."""
    if normalisation not in NORMALISATIONS:
        raise PolicyError(
            f"unknown normalisation {normalisation!r}; expected one of {', '.join(NORMALISATIONS)}"
        )
    if normalisation == "none":
        return np.zeros(cw.shape[1:])
    if normalisation == "range":
        low = np.full(cw.shape[1:], np.inf)
        for a in range(cw.shape[0]):
            low = np.minimum(low, np.where(mask[a], cw[a], np.inf))
        return low
    total = np.zeros(cw.shape[1:])
    for a in range(cw.shape[0]):
        total = total + np.where(mask[a], cw[a], 0.0)
    return total / np.maximum(mask.sum(axis=0), 1)


def inverse_scale(
    cw: np.ndarray, normalisation: str, mask: np.ndarray, middle: np.ndarray
) -> np.ndarray:
    """1 / s_T per row, (T, N) (:func:`~engine.rules.base.inverse_scale` of
    :func:`~engine.rules.base.normalisers`): s_T the range or the population standard
    deviation over the marked options (``middle`` is their :func:`centre`); 0 where s_T is
    within ``TIE_TOLERANCE`` of 0 relative to the largest marked |CW_T|; 1 for ``none``."""
    if normalisation == "none":
        return np.ones(cw.shape[1:])
    high = np.full(cw.shape[1:], -np.inf)
    squares = np.zeros(cw.shape[1:])
    spread = np.zeros(cw.shape[1:])
    for a in range(cw.shape[0]):
        marked = mask[a]
        if normalisation == "range":
            high = np.maximum(high, np.where(marked, cw[a], -np.inf))
        else:
            deviation = np.where(marked, cw[a] - middle, 0.0)
            squares = squares + deviation**2
        spread = np.maximum(spread, np.where(marked, np.abs(cw[a]), 0.0))
    if normalisation == "range":
        scale = high - middle
    else:
        scale = np.sqrt(squares / np.maximum(mask.sum(axis=0), 1))
    degenerate = scale <= TIE_TOLERANCE * np.maximum(1.0, spread)
    return np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, scale))
