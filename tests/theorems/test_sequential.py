"""Wald's SPRT (theorems.methods.sequential): boundaries, decisions on clear streams, and its
operating characteristic on many seeded Bernoulli streams (error rates within alpha and beta)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorems.methods.sequential import SequentialTestError, SprtDesign, sprt


def stream(p: float, seed: int, length: int = 10_000) -> list[bool]:
    return (np.random.default_rng(seed).random(length) < p).tolist()


def test_boundaries_are_walds_conservative_ones() -> None:
    design = SprtDesign(p0=0.8, p1=0.95, alpha=0.01, beta=0.05)
    assert design.upper == pytest.approx(math.log(100))
    assert design.lower == pytest.approx(math.log(0.05))
    assert design.llr(10, 9) == pytest.approx(9 * math.log(0.95 / 0.8) + math.log(0.05 / 0.2))


def test_all_successes_accept_h1_after_the_hand_computed_count() -> None:
    # each success adds log(0.99 / 0.9) = 0.0953; log(1 / 0.05) = 2.9957 needs 32 of them
    design = SprtDesign(p0=0.9, p1=0.99, alpha=0.05, beta=0.05)
    result = sprt(design, iter(lambda: True, None))
    assert (result.decision, result.runs, result.successes) == ("accept_h1", 32, 32)
    assert result.llr >= design.upper > design.llr(31, 31)


def test_failures_accept_h0_and_truncation_is_undecided() -> None:
    design = SprtDesign(p0=0.9, p1=0.99, alpha=0.05, beta=0.05, max_runs=3)
    assert sprt(design, [False, False, True]).decision == "accept_h0"
    assert sprt(design, [False, False, True]).runs == 2
    undecided = sprt(design, [True, True, True, True])
    assert (undecided.decision, undecided.runs) == ("undecided", 3)
    assert sprt(design, []).decision == "undecided"


@pytest.mark.parametrize("p, expected", [(0.99, "accept_h1"), (0.4, "accept_h0")])
def test_clear_streams_decide_right(p: float, expected: str) -> None:
    design = SprtDesign(p0=0.7, p1=0.9, alpha=0.05, beta=0.05)
    for seed in range(20):
        assert sprt(design, stream(p, seed)).decision == expected


@pytest.mark.parametrize("p, wrong, bound", [(0.7, "accept_h1", 0.05), (0.9, "accept_h0", 0.05)])
def test_operating_characteristic_within_error_bounds(p: float, wrong: str, bound: float) -> None:
    # at the hypotheses' edges p = p0 and p = p1, over 2,000 seeded streams, the share of wrong
    # decisions stays below the bound (Wald's inequality) plus three binomial standard errors
    design = SprtDesign(p0=0.7, p1=0.9, alpha=0.05, beta=0.05, max_runs=10_000)
    streams = 2000
    wrong_count = sum(sprt(design, stream(p, seed)).decision == wrong for seed in range(streams))
    slack = 3 * math.sqrt(bound * (1 - bound) / streams)
    assert wrong_count / streams <= bound + slack


def test_errors_shrink_further_from_the_hypotheses() -> None:
    design = SprtDesign(p0=0.7, p1=0.9, alpha=0.05, beta=0.05)
    far = sum(sprt(design, stream(0.5, s)).decision == "accept_h1" for s in range(500))
    assert far == 0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"p0": 0.9, "p1": 0.8, "alpha": 0.05, "beta": 0.05}, "p0, p1"),
        ({"p0": 0.0, "p1": 0.8, "alpha": 0.05, "beta": 0.05}, "p0, p1"),
        ({"p0": 0.5, "p1": 0.8, "alpha": 0.5, "beta": 0.05}, "alpha"),
        ({"p0": 0.5, "p1": 0.8, "alpha": 0.05, "beta": 0.0}, "beta"),
        ({"p0": 0.5, "p1": 0.8, "alpha": 0.05, "beta": 0.05, "max_runs": 0}, "max_runs"),
    ],
)
def test_invalid_designs_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(SequentialTestError, match=field):
        SprtDesign(**kwargs)  # type: ignore[arg-type]
    assert issubclass(SequentialTestError, ValueError)
