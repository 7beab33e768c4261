"""Row-batched rules that weigh theories by credence: MEC, MFT, MFO, Borda, the parliament.

Each computes, for every row at once, what the rule of the same name in :mod:`engine.rules`
computes on that row's permissible options. Arrays are option-major (:mod:`engine.kernel.
masked`): ``cw`` (A, T, N), ``credences`` (T, N), ``permissible`` (A, N); scores are (A, N).
Sources are cited on the per-row rules.
"""

from __future__ import annotations

import numpy as np

from engine.kernel.masked import (
    centre,
    dot_theories,
    inverse_scale,
    masked_favourites,
    masked_tolerance,
)
from engine.kernel.rule_batch import RuleBatch
from engine.rules.base import RuleOptions, comparable


def mec_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """MEC (:func:`~engine.rules.expected.maximise_expected_choiceworthiness`):
    score(a) = sum_T k_T (CW_T(a) - centre_T), k_T = C(T) / s_T, the centre and scale over
    each row's permissible options.

    Examples
    --------
    >>> cw = np.array([[[10.0], [0.0]], [[0.0], [1.0]]])  # (A, T, N): 2 options, 2 theories
    >>> ok = np.ones((2, 1), dtype=bool)
    >>> mec = mec_batch(cw, np.array([[0.2], [0.8]]), ok, "range", RuleOptions())
    >>> mec.scores.round(12).tolist()
    [[0.2], [0.8]]
    """
    middle = centre(cw, normalisation, permissible)
    weights = credences * inverse_scale(cw, normalisation, permissible, middle)
    return RuleBatch(scores=dot_theories(cw - middle, weights), theory_weights=weights)


def mft_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """MFT (:func:`~engine.rules.expected.my_favourite_theory`): score(a) = CW_F(a) for the
    theory F of highest credence in the row (first on ties), MEC as tie-break."""
    favourite = np.argmax(credences, axis=0)
    rows = np.arange(credences.shape[1])
    weights = np.zeros_like(credences)
    weights[favourite, rows] = 1.0
    mec = mec_batch(cw, credences, permissible, normalisation, options)
    return RuleBatch(scores=cw[:, favourite, rows], tiebreak=mec.scores, theory_weights=weights)


def mfo_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """MFO (:func:`~engine.rules.expected.my_favourite_option`):
    score(a) = sum_T C(T) [a maximises CW_T over the permissible options], MEC as tie-break."""
    right = masked_favourites(cw, permissible, options.tolerance)
    mec = mec_batch(cw, credences, permissible, normalisation, options)
    return RuleBatch(scores=dot_theories(right, credences), tiebreak=mec.scores)


def borda_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Borda (:func:`~engine.rules.ordinal.borda`): score(a) = sum_T C(T) B_T(a),
    B_T(a) = #{b : CW_T(b) < CW_T(a) - tol} - #{b : CW_T(b) > CW_T(a) + tol} over the
    permissible b, counted by an (A, A, N) comparison per theory."""
    points = np.zeros(cw.shape)
    for t in range(cw.shape[1]):
        column = comparable(cw[:, t])  # (A, N)
        tol = masked_tolerance(column, permissible, options.tolerance)
        others = column[None, :, :]  # [a, b, n] = CW_T(b)
        mask = permissible[None, :, :]
        below = (mask & (others < (column - tol)[:, None, :])).sum(axis=1)
        above = (mask & (others > (column + tol)[:, None, :])).sum(axis=1)
        points[:, t] = below - above
    return RuleBatch(scores=dot_theories(points, credences))


def parliament_chances(
    cw: np.ndarray, credences: np.ndarray, permissible: np.ndarray, relative: float
) -> np.ndarray:
    """chance(a) = sum_T C(T) [a in top_T] / |top_T| per row, (A, N)
    (:func:`~engine.rules.parliament.proportional_chances`); 0 at impermissible options."""
    right = masked_favourites(cw, permissible, relative)
    return dot_theories(right / right.sum(axis=0), credences)


def parliament_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Moral parliament (:func:`~engine.rules.parliament.parliament`): proportional chances,
    MEC as tie-break. With ``options.seed`` every row draws with the one uniform number
    u = ``default_rng(seed).random()`` that ``Generator.choice(p=...)`` draws for a row
    (the seed is the same for every row): the first permissible option whose cumulative
    normalised chance exceeds u, as ``cdf.searchsorted(u, side="right")``."""
    chances = parliament_chances(cw, credences, permissible, options.tolerance)
    chances = np.where(permissible, chances, 0.0)
    drawn = None
    if options.seed is not None:
        u = np.random.default_rng(options.seed).random()
        cdf = np.cumsum(chances / chances.sum(axis=0), axis=0)
        cdf = cdf / cdf[-1]
        drawn = np.argmax(permissible & (cdf > u), axis=0)
    mec = mec_batch(cw, credences, permissible, normalisation, options)
    return RuleBatch(scores=chances, tiebreak=mec.scores, chances=chances, drawn=drawn)
