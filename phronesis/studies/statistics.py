"""Interval estimates a study reports: the Wilson score interval for a binomial proportion."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the standard normal quantile of a two-sided 95% interval, Phi^-1(0.975)
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Proportion:
    """``successes`` out of ``trials`` with its Wilson interval [``low``, ``high``]."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def estimate(self) -> float:
        return self.successes / self.trials if self.trials else math.nan


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Proportion:
    """The Wilson score interval (Wilson 1927, "Probable inference, the law of succession, and
    statistical inference", JASA 22(158):209-212; no continuity correction, method 3 of
    Newcombe 1998, Statistics in Medicine 17:857-872):

        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    with p = successes / n. Unlike the Wald interval it stays inside [0, 1] and is not empty
    at p = 0 or 1. With no trials the interval is [0, 1].

    Examples
    --------
    >>> iv = wilson_interval(81, 263)  # Newcombe (1998), Table I: 0.2553 to 0.3662
    >>> round(iv.low, 4), round(iv.high, 4)
    (0.2553, 0.3662)
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"expected 0 <= successes <= trials, found {successes} of {trials}")
    if trials == 0:
        return Proportion(0, 0, 0.0, 1.0)
    n = float(trials)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    # p lies inside the interval; min / max only undo rounding at p = 0 or 1
    low, high = max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))
    return Proportion(successes, trials, low, high)
