"""Rules that weigh theories by credence: MEC, My Favourite Theory, My Favourite Option."""

from __future__ import annotations

import numpy as np

from engine.rules.base import (
    DEFAULT_OPTIONS,
    Aggregate,
    RuleOptions,
    centre,
    favourites,
    inverse_scale,
    weighted_sum,
)


def maximise_expected_choiceworthiness(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """MEC: score(a) = sum_T C(T) CW'_T(a) (MacAskill, Bykvist & Ord 2020, *Moral
    Uncertainty*, ch. 2; normalisations ch. 4), with CW' as in :func:`~engine.rules.base.normalise`.

    Examples
    --------
    >>> cw = np.array([[10.0, 0.0], [0.0, 1.0]])
    >>> maximise_expected_choiceworthiness(cw, np.array([0.2, 0.8]), "none").scores.tolist()
    [2.0, 0.8]
    >>> mec = maximise_expected_choiceworthiness(cw, np.array([0.2, 0.8]), "range")
    >>> mec.scores.round(12).tolist()
    [0.2, 0.8]
    """
    weights = credences * inverse_scale(cw, normalisation)
    scores = weighted_sum(cw - centre(cw, normalisation), weights)
    return Aggregate(scores=scores, theory_weights=weights)


def my_favourite_theory(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """MFT: act on the theory with the highest credence (Gustafsson & Torpman 2014,
    "In defence of My Favourite Theory", Pacific Phil. Quarterly 95(2)).

    Credence ties go to the first theory listed; options the favourite ranks equal are
    separated by expected choiceworthiness under ``normalisation``.
    """
    favourite = int(np.argmax(credences))
    weights = np.zeros_like(credences)
    weights[favourite] = 1.0
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(scores=cw[:, favourite].copy(), theory_weights=weights, tiebreak=mec.scores)


def my_favourite_option(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """MFO: choose the option most likely to be right,

        score(a) = P(a is right) = sum_T C(T) [a maximises CW_T over the feasible options]

    (Lockhart 2000, *Moral Uncertainty and Its Consequences*, "PR2"; discussed as "My
    Favourite Option" by Gustafsson & Torpman 2014 and MacAskill, Bykvist & Ord 2020, ch. 2).
    Every option a theory ranks top (within tolerance) counts as right for it, so the scores
    need not sum to 1. The sum is added theory by theory in the order listed
    (:func:`~engine.rules.base.weighted_sum`), so that scores a tolerance apart tie or not
    the same way on every machine and in the row-batched kernel. Equal scores are separated
    by MEC under ``normalisation``.

    Examples
    --------
    >>> cw = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> my_favourite_option(cw, np.array([0.4, 0.3, 0.3]), "none").scores.tolist()
    [0.4, 0.6]
    """
    right = favourites(cw, options.tolerance)
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(
        scores=weighted_sum(right, credences), theory_weights=None, tiebreak=mec.scores
    )
