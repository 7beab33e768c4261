"""Row-batched non-fanatical rules: credence-weighted trimmed mean and median of normalised
choiceworthiness (:mod:`engine.rules.robust`, where the sources are cited).

Each (option, row) is a weighted sample of its T normalised scores, put in the order of a
stable sort (``np.argsort(kind="stable")``: NaN last, equal values in theory order) by
counting, for each theory, the theories that precede it: T^2 comparisons of whole row
vectors, much faster than N * A sorts of a few numbers. Theories of credence 0 are dropped by
the per-row rule; here they stay in the order with weight exactly 0, which leaves every
cumulative weight unchanged, and their values are masked out of every sum.
"""

from __future__ import annotations

import numpy as np

from engine.errors import PolicyError
from engine.kernel.masked import centre, inverse_scale
from engine.kernel.rule_batch import RuleBatch
from engine.rules.base import RuleOptions

#: the half-width of the band around 1/2 in which the median averages two atoms (as per row)
_MEDIAN_BAND = 1e-12


def stable_ranks(x: np.ndarray) -> list[np.ndarray]:
    """rank_i = the place of x_i (axis 1) in a stable ascending sort with NaN last: for each
    pair i < j, j goes first iff x_j < x_i (a number before a NaN), else i does.

    Examples
    --------
    >>> x = np.array([[[2.0], [np.nan], [1.0], [2.0]]])
    >>> [int(r[0, 0]) for r in stable_ranks(x)]
    [1, 3, 0, 2]
    """
    size = x.shape[1]
    nan = np.isnan(x)
    ranks = [np.zeros(x.shape[:1] + x.shape[2:], dtype=np.int8) for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            j_first = (x[:, j] < x[:, i]) | (nan[:, i] & ~nan[:, j])
            ranks[i] += j_first
            ranks[j] += ~j_first
    return ranks


def _sorted_sample(
    cw: np.ndarray, credences: np.ndarray, permissible: np.ndarray, normalisation: str
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """(x, w, kept): per place r in the sorted order, (A, N) each: the normalised score, its
    normalised credence (0 for a theory of credence 0) and whether its theory is kept."""
    middle = centre(cw, normalisation, permissible)
    normalised = (cw - middle) * inverse_scale(cw, normalisation, permissible, middle)
    kept = credences > 0
    weight = np.where(kept, credences, 0.0)
    total = weight[0]
    for t in range(1, weight.shape[0]):
        total = total + weight[t]
    share = weight / total  # (T, N)
    ranks = stable_ranks(normalised)
    xs, ws, ks = [], [], []
    for r in range(len(ranks)):
        x, w, k = normalised[:, 0], share[0], kept[0]
        x, w, k = np.broadcast_arrays(x, w, k)
        for t in range(1, len(ranks)):
            at = ranks[t] == r
            x = np.where(at, normalised[:, t], x)
            w = np.where(at, share[t], w)
            k = np.where(at, kept[t], k)
        xs.append(x)
        ws.append(w)
        ks.append(k)
    return xs, ws, ks


def _trimmed(
    xs: list[np.ndarray], ws: list[np.ndarray], ks: list[np.ndarray], trim: float
) -> np.ndarray:
    """(1 / (1 - 2k)) sum_i overlap_i x_i over the sorted sample
    (:func:`~engine.rules.robust.weighted_trimmed_mean`)."""
    upper = np.zeros(xs[0].shape)
    total = np.zeros(xs[0].shape)
    for r, (x, w, k) in enumerate(zip(xs, ws, ks, strict=True)):
        upper = w if r == 0 else upper + w
        lower = upper - w
        overlap = np.clip(np.minimum(upper, 1.0 - trim) - np.maximum(lower, trim), 0.0, None)
        term = np.where(k, overlap * x, 0.0)
        total = term if r == 0 else total + term
    return total / (1.0 - 2.0 * trim)


def _median(xs: list[np.ndarray], ws: list[np.ndarray], ks: list[np.ndarray]) -> np.ndarray:
    """Q(1/2) of the sorted sample, the midpoint of two atoms when 1/2 falls between them
    (:func:`~engine.rules.robust.weighted_median`). A theory of weight 0 repeats the
    cumulative weight of the one before it, so the first place reaching 1/2 is a kept one."""
    places = len(xs)
    cumulative = []
    for r, w in enumerate(ws):
        cumulative.append(w if r == 0 else cumulative[-1] + w)
    lo = np.zeros(xs[0].shape, dtype=np.int64)
    for r in reversed(range(places)):
        lo = np.where(cumulative[r] >= 0.5 - _MEDIAN_BAND, r, lo)
    at_lo, cum_lo = np.zeros(lo.shape), np.zeros(lo.shape)
    nxt_positive, nxt_kept = np.full(lo.shape, -1), np.full(lo.shape, -1)
    for r in reversed(range(places)):
        here = lo == r
        at_lo = np.where(here, xs[r], at_lo)
        cum_lo = np.where(here, cumulative[r], cum_lo)
        later = ks[r] & (r > lo)
        nxt_kept = np.where(later, r, nxt_kept)
        nxt_positive = np.where(later & (ws[r] > 0), r, nxt_positive)
    nxt = np.where(nxt_positive >= 0, nxt_positive, nxt_kept)
    at_next = np.zeros(lo.shape)
    for r in range(places):
        at_next = np.where(nxt == r, xs[r], at_next)
    between = (np.abs(cum_lo - 0.5) <= _MEDIAN_BAND) & (nxt_kept >= 0)
    return np.where(between, (at_lo + at_next) / 2.0, at_lo)


def trimmed_mean_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """k-trimmed credence-weighted mean of normalised choiceworthiness per row
    (:func:`~engine.rules.robust.trimmed_mean`), k = ``options.trim`` in [0, 1/2)."""
    if not 0.0 <= options.trim < 0.5:
        raise PolicyError(f"trimmed-mean: trim must be in [0, 0.5), found {options.trim}")
    return RuleBatch(
        scores=_trimmed(*_sorted_sample(cw, credences, permissible, normalisation), options.trim)
    )


def median_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Credence-weighted median of normalised choiceworthiness per row
    (:func:`~engine.rules.robust.median`).

    Examples
    --------
    >>> cw = np.array([[[0.0], [1.0], [100.0]]])  # (A, T, N): 1 option, 3 theories, 1 row
    >>> median_batch(cw, np.array([[0.3], [0.4], [0.3]]), np.ones((1, 1), bool), "none",
    ...              RuleOptions()).scores.tolist()
    [[1.0]]
    """
    return RuleBatch(scores=_median(*_sorted_sample(cw, credences, permissible, normalisation)))
