"""Nash bargaining between theories."""

from __future__ import annotations

import numpy as np

from engine.rules.base import (
    DEFAULT_OPTIONS,
    Aggregate,
    RuleOptions,
    favourites,
    tolerance,
    weighted_sum,
)
from engine.rules.expected import maximise_expected_choiceworthiness


def disagreement_point(
    cw: np.ndarray, credences: np.ndarray, kind: str, relative: float
) -> np.ndarray:
    """d_T per theory.

    - ``random-dictator``: the choiceworthiness T expects if a theory drawn with probability
      C(S) picks its favourite (ties uniform): d_T = sum_S C(S) mean_{a in top_S} CW_T(a).
    - ``worst``: d_T = min_a CW_T(a), the worst feasible option for T.
    """
    if kind == "worst":
        return cw.min(axis=0)
    right = favourites(cw, relative)
    dictator = weighted_sum(right / right.sum(axis=0, keepdims=True), credences)  # P(a chosen)
    return weighted_sum(cw.T, dictator)  # sum_a P(a chosen) CW_T(a), in option order


def nash_bargaining(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Asymmetric Nash bargaining solution among theories, over the feasible options
    (Greaves & Cotton-Barratt, "A bargaining-theoretic approach to moral uncertainty", GPI
    Working Paper 2-2023 (2019 draft), J. Moral Philosophy; Nash 1950, "The bargaining
    problem", Econometrica 18(2); Kalai 1977 for the asymmetric, credence-weighted form):

        score(a) = prod_T max(CW_T(a) - d_T, 0) ** C(T)

    over the theories with C(T) > 0 that are not indifferent among the options; d_T is the
    disagreement point (default: the random-dictator point, :func:`disagreement_point`).
    The product is invariant to a positive affine rescaling of any one theory, so
    ``normalisation`` only affects the tie-break. We bargain over options, not lotteries.
    Options that leave some theory worse off than d_T are not individually rational and score
    -1; options no theory loses by score the product (0 when some theory gains nothing, e.g.
    when every theory has the same favourite, which is then d itself). Equal scores are
    separated by MEC under ``normalisation``; ``note`` says when no option strictly improves
    on d for every theory, or none is individually rational.

    Examples
    --------
    >>> cw = np.array([[4.0, 0.0], [3.0, 3.0], [0.0, 4.0]])
    >>> nash_bargaining(cw, np.array([0.5, 0.5]), "none").scores.round(3).tolist()
    [-1.0, 1.0, -1.0]
    """
    d = disagreement_point(cw, credences, options.disagreement, options.tolerance)
    active = [
        t
        for t in range(cw.shape[1])
        if credences[t] > 0 and np.ptp(cw[:, t]) > tolerance(cw[:, t], options.tolerance)
    ]
    log_product = np.zeros(cw.shape[0])
    strict = np.ones(cw.shape[0], dtype=bool)
    rational = np.ones(cw.shape[0], dtype=bool)
    for t in active:
        gain = cw[:, t] - d[t]
        tol = tolerance(cw[:, t], options.tolerance)
        strict &= gain > tol
        rational &= gain >= -tol
        log_product += credences[t] * np.log(np.where(gain > tol, gain, 1.0))
    scores = np.where(strict, np.exp(log_product), 0.0)
    scores = np.where(rational, scores, -1.0)
    note = ""
    if not rational.any():
        note = "no option is as good as the disagreement point for every theory; MEC decided"
    elif not strict.any():
        note = (
            "no option strictly improves on the disagreement point for every theory; MEC "
            "decided among the options no theory loses by"
        )
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(scores=scores, theory_weights=None, tiebreak=mec.scores, note=note)
