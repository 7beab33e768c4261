"""The Borda rule for theories that give only an ordering of the options."""

from __future__ import annotations

import numpy as np

from engine.rules.base import DEFAULT_OPTIONS, Aggregate, RuleOptions, comparable, tolerance


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
    return Aggregate(scores=borda_scores(cw, options.tolerance) @ credences, theory_weights=None)
