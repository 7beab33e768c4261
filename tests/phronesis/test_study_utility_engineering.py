"""The Utility Engineering study (phronesis.studies.utility_engineering): the
expected-utility agent, the engine's expected values, and the report on the shipped data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from models.datasets.utility_engineering import Lottery
from phronesis.studies.utility_engineering import (
    UtilitySettings,
    expected_utility_check,
    run_utility_engineering,
    simulated_choices,
)
from phronesis.studies.utility_engineering_report import write_utility_report

LOTTERIES = (
    Lottery("L1", ("a", "b"), (0.5, 0.5), 0),
    Lottery("L2", ("b", "c", "d"), (0.2, 0.3, 0.5), 1),
    Lottery("L3", ("a", "d"), (0.9, 0.1), 2),
    Lottery("L4", ("c", "e"), (0.6, 0.4), 3),
)


def test_the_agent_is_an_expected_utility_maximiser_and_seeded() -> None:
    settings = UtilitySettings(pairs=200, seed=5)
    choices, mu = simulated_choices(LOTTERIES, settings)
    for lottery in LOTTERIES:
        assert mu[lottery.text] == pytest.approx(
            sum(p * mu[o] for o, p in zip(lottery.outcomes, lottery.probabilities, strict=True))
        )
    again, _ = simulated_choices(LOTTERIES, settings)
    assert np.array_equal(choices.chose_first, again.chose_first)
    assert not np.any(choices.first == choices.second)


def test_engine_expected_values_use_the_fitted_outcome_utilities() -> None:
    check = expected_utility_check(LOTTERIES, UtilitySettings(steps=400, pairs=3000, noise=0.2))
    mu = dict(zip(check.fit.options, check.fit.mu, strict=True))
    for lottery, value in zip(LOTTERIES, check.expected, strict=True):
        by_hand = sum(
            p * mu[o] for o, p in zip(lottery.outcomes, lottery.probabilities, strict=True)
        )
        assert value == pytest.approx(by_hand)
    assert check.correlation == pytest.approx(np.corrcoef(check.fitted, check.expected)[0, 1])
    # with little noise and many pairs per option the fit recovers the EU property
    assert check.correlation > 0.9


def test_study_on_the_shipped_data(shared_data: Path, tmp_path: Path) -> None:
    if not (shared_data / "utility_engineering").is_dir():
        pytest.skip("Utility Engineering files are not present under ../shared/data")
    study = run_utility_engineering(shared_data, UtilitySettings(steps=150, pairs=1500))
    assert len(study.outcomes) == 510 and len(study.choices.first) == 1646
    assert set(study.shipped) == {"llama-2-7b-instruct", "qwen25-vl-7b-instruct"}
    assert -1.0 <= study.model_correlation <= 1.0
    assert 0.0 <= study.choice_fit.cycle_probability_observed <= 1.0
    assert 0.5 < study.choice_fit.holdout_accuracy <= 1.0
    report = write_utility_report(study, tmp_path / "out")
    text = report.read_text(encoding="utf-8")
    assert f"{study.model_correlation:.3f}" in text
    assert pq.read_table(tmp_path / "out" / "lotteries.parquet").num_rows == 20
    assert pq.read_table(tmp_path / "out" / "shipped_utilities.parquet").num_rows == 1020
