"""The moral parliament with proportional chances."""

from __future__ import annotations

import numpy as np

from engine.rules.base import DEFAULT_OPTIONS, Aggregate, RuleOptions, favourites, weighted_sum
from engine.rules.expected import maximise_expected_choiceworthiness


def proportional_chances(cw: np.ndarray, credences: np.ndarray, relative: float) -> np.ndarray:
    """chance(a) = sum_T C(T) [a in top_T] / |top_T|: each theory's delegates (in proportion
    to its credence) vote for its favourite option, splitting their votes evenly over ties."""
    right = favourites(cw, relative)
    return weighted_sum(right / right.sum(axis=0, keepdims=True), credences)


def parliament(
    cw: np.ndarray,
    credences: np.ndarray,
    normalisation: str,
    *,
    options: RuleOptions = DEFAULT_OPTIONS,
) -> Aggregate:
    """Moral parliament with proportional chances voting (Newberry & Ord 2021, "The
    Parliamentary Approach to Moral Uncertainty", FHI Technical Report 2021-2, §4):

        chance(a) = sum_T C(T) [a maximises CW_T] / #{b : b maximises CW_T}.

    Delegates vote sincerely for their theory's favourite; the pre-vote bargaining Newberry &
    Ord also discuss is not modelled. With ``options.seed`` set, the option is *drawn* from
    the chances (NumPy PCG64 seeded with ``seed``); without a seed the option with the largest
    chance is chosen, ties separated by MEC under ``normalisation`` and then by name. With one
    theory of credence 1 the chances are 1 on its favourite, so the rule reduces to MFT.

    Examples
    --------
    >>> cw = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> parliament(cw, np.array([0.7, 0.3]), "none").chances.tolist()
    [0.7, 0.3]
    """
    chances = proportional_chances(cw, credences, options.tolerance)
    drawn = None
    if options.seed is not None:
        rng = np.random.default_rng(options.seed)
        drawn = int(rng.choice(len(chances), p=chances / chances.sum()))
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(
        scores=chances, theory_weights=None, tiebreak=mec.scores, chances=chances, drawn=drawn
    )
