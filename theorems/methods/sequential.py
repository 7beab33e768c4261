"""Wald's sequential probability ratio test for a Bernoulli success probability p.

H0: p ≤ p0 against H1: p ≥ p1 (p0 < p1). After n observations with s successes the
log-likelihood ratio of the simple hypotheses p = p1 and p = p0 is

    Λ_n = s · log(p1 / p0) + (n − s) · log((1 − p1) / (1 − p0)),

and the test stops at the first n with Λ_n ≥ log A (accept H1) or Λ_n ≤ log B (accept H0).
With A = 1 / α and B = β — Wald's conservative boundaries rather than the approximate
A = (1 − β) / α, B = β / (1 − α) — the error probabilities are bounded exactly:

    P_{p0}(accept H1) ≤ 1 / A = α,     P_{p1}(accept H0) ≤ B = β

(Wald 1945: α' ≤ (1 − β') / A and β' ≤ B (1 − α') for the test's actual error rates α', β').
The likelihood ratio is monotone in p, so the bounds hold for every p ≤ p0 and every p ≥ p1
(the operating characteristic is monotone in p). Stopping early at ``max_runs`` without a
decision ("undecided") only removes decisions, so it adds no error. Between p0 and p1 (the
indifference region) either decision may be taken.

References
----------
Wald, A. (1945), "Sequential tests of statistical hypotheses", *Annals of Mathematical
Statistics* 16(2), 117-186. Younes, H. & Simmons, R. (2002), "Probabilistic verification of
discrete event systems using acceptance sampling", CAV 2002 (the SPRT in statistical model
checking).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from engine.errors import PhronesisError

Decision = Literal["accept_h0", "accept_h1", "undecided"]


class SequentialTestError(PhronesisError, ValueError):
    """The test's design is invalid (probabilities out of range, p0 ≥ p1, no runs allowed)."""


@dataclass(frozen=True, slots=True)
class SprtDesign:
    """H0: p ≤ ``p0`` against H1: p ≥ ``p1`` with error bounds ``alpha`` (accepting H1 when
    p ≤ p0) and ``beta`` (accepting H0 when p ≥ p1), at most ``max_runs`` observations.

    Examples
    --------
    >>> design = SprtDesign(p0=0.5, p1=0.9, alpha=0.05, beta=0.05)
    >>> round(design.upper, 4), round(design.lower, 4)
    (2.9957, -2.9957)
    """

    p0: float
    p1: float
    alpha: float
    beta: float
    max_runs: int = 500

    def __post_init__(self) -> None:
        if not 0.0 < self.p0 < self.p1 < 1.0:
            raise SequentialTestError(
                f"p0, p1: expected 0 < p0 < p1 < 1, found p0={self.p0}, p1={self.p1}"
            )
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if not 0.0 < value < 0.5:
                raise SequentialTestError(f"{name}: expected a number in (0, 0.5), found {value}")
        if self.max_runs < 1:
            raise SequentialTestError(f"max_runs: expected at least 1, found {self.max_runs}")

    @property
    def upper(self) -> float:
        """log A = log(1 / α): accept H1 at or above it."""
        return -math.log(self.alpha)

    @property
    def lower(self) -> float:
        """log B = log β: accept H0 at or below it."""
        return math.log(self.beta)

    @property
    def success_step(self) -> float:
        """log(p1 / p0): what one success adds to Λ."""
        return math.log(self.p1 / self.p0)

    @property
    def failure_step(self) -> float:
        """log((1 − p1) / (1 − p0)) < 0: what one failure adds to Λ."""
        return math.log((1.0 - self.p1) / (1.0 - self.p0))

    def llr(self, runs: int, successes: int) -> float:
        """Λ after ``runs`` observations of which ``successes`` succeeded."""
        return successes * self.success_step + (runs - successes) * self.failure_step


@dataclass(frozen=True, slots=True)
class SprtResult:
    """Where the test stopped: the ``decision``, the observations drawn (``outcomes``, in
    order), the number of ``successes`` and the final log-likelihood ratio ``llr``."""

    decision: Decision
    outcomes: tuple[bool, ...]
    successes: int
    llr: float

    @property
    def runs(self) -> int:
        return len(self.outcomes)


def sprt(design: SprtDesign, outcomes: Iterable[bool]) -> SprtResult:
    """Run the test on ``outcomes``, drawn lazily: it stops at the first boundary crossed (see
    the module docstring), after ``design.max_runs`` observations, or when ``outcomes`` ends
    (then ``undecided``). Λ is recomputed from the counts at each step, so rounding does not
    accumulate.

    Examples
    --------
    >>> design = SprtDesign(p0=0.5, p1=0.9, alpha=0.05, beta=0.05)
    >>> result = sprt(design, iter(lambda: True, None))  # an endless run of successes
    >>> result.decision, result.runs
    ('accept_h1', 6)
    >>> sprt(design, [False, False]).decision
    'accept_h0'
    """
    drawn: list[bool] = []
    successes = 0
    llr = 0.0
    for outcome in outcomes:
        drawn.append(bool(outcome))
        successes += bool(outcome)
        llr = design.llr(len(drawn), successes)
        if llr >= design.upper:
            return SprtResult("accept_h1", tuple(drawn), successes, llr)
        if llr <= design.lower:
            return SprtResult("accept_h0", tuple(drawn), successes, llr)
        if len(drawn) >= design.max_runs:
            break
    return SprtResult("undecided", tuple(drawn), successes, llr)
