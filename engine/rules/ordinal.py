"""The Borda rule for theories that give only an ordering of the options."""

from __future__ import annotations

import numpy as np

from engine.rules.base import (
    DEFAULT_OPTIONS,
    Aggregate,
    RuleOptions,
    comparable,
    tolerance,
    weighted_sum,
)


def borda_scores(cw: np.ndarray, relative: float) -> np.ndarray:
    """B_T(a) = #{b : b ranks below a in T} - #{b : b ranks above a in T} per theory."""
    scores = np.zeros(cw.shape)
    for t in range(cw.shape[1]):
        column = comparable(cw[:, t])  # NaN ranks last; infinities rank as they compare
        tol = tolerance(column, relative)
        below = (column[None, :] < column[:, None] - tol).sum(axis=1)
        above = (column[None, :] > column[:, None] + tol).sum(axis=1)
        scores[:, t] = below - above
    return scores


def borda(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Credence-weighted Borda score (MacAskill 2016, "Normative uncertainty as a voting
    problem", Mind 125(500); MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 3):

        score(a) = sum_T C(T) B_T(a),
        B_T(a)   = #{b : CW_T(b) < CW_T(a)} - #{b : CW_T(b) > CW_T(a)}.

    Only each theory's ordering of the feasible options is used (options a theory ranks
    equal get equal Borda scores), so the rule suits ordinal theories; cardinal theories
    contribute their ordering only. ``normalisation`` is ignored.

    Examples
    --------
    >>> cw = np.array([[3.0, 1.0], [2.0, 3.0], [1.0, 2.0]])
    >>> borda(cw, np.array([0.6, 0.4]), "none").scores.round(12).tolist()
    [0.4, 0.8, -1.2]
    """
    scores = weighted_sum(borda_scores(cw, options.tolerance), credences)
    return Aggregate(scores=scores, theory_weights=None)


def rank_ordinal_theories(
    cw: np.ndarray,
    ordinal: np.ndarray,
    relative: float,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """``cw`` (..., options, theories) with the column of each ordinal theory (``ordinal``:
    one bool per theory) replaced by its Borda scores B_T among the options ``mask`` marks
    (all when ``None``); the other entries are unchanged.

    An ordinal theory ranks options without magnitudes, so it may enter a cardinal rule only
    through its ranking: its Borda scores stand in for its choiceworthiness and are then
    normalised like the cardinal theories' (MacAskill, Bykvist & Ord 2020, *Moral
    Uncertainty*, ch. 4, "Ordinal theories", and ch. 5 on mixing them with cardinal ones).

    Examples
    --------
    >>> cw = np.array([[10.0, 5.0], [0.0, 6.0], [-90.0, 7.0]])
    >>> rank_ordinal_theories(cw, np.array([True, False]), 1e-9).tolist()
    [[2.0, 5.0], [0.0, 6.0], [-2.0, 7.0]]
    """
    ordinal = np.asarray(ordinal, dtype=bool)
    if not ordinal.any():
        return cw
    out = np.array(cw, dtype=float, copy=True)
    if mask is None:
        mask = np.ones(out.shape[:-1], dtype=bool)
    others = mask[..., None, :]  # (..., 1, options): the options b compared with each a
    for t in np.flatnonzero(ordinal):
        column = comparable(out[..., t])
        finite = np.where(mask & np.isfinite(column), np.abs(column), 0.0)
        tol = relative * np.maximum(1.0, finite.max(axis=-1, initial=0.0))[..., None, None]
        a, b = column[..., :, None], column[..., None, :]
        below = ((b < a - tol) & others).sum(axis=-1)
        above = ((b > a + tol) & others).sum(axis=-1)
        out[..., t] = np.where(mask, below - above, out[..., t])
    return out
