"""Utility Engineering inputs (models.datasets.utility_engineering): outcomes, fitted
utilities, lotteries as decision problems, and the whole shipped files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.decision.pipeline import decide
from engine.errors import DataError
from models.datasets.utility_engineering import (
    Lottery,
    lottery_problem,
    read_fitted_utilities,
    read_lotteries,
    read_outcomes,
)
from models.learn.exchange_rates import read_country_choices

LOTTERIES = (
    "utility_analysis__experiments__expected_utility_implicit__implicit_lotteries__options.json"
)


def _folder(shared_data: Path) -> Path:
    folder = shared_data / "utility_engineering"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


def test_a_lottery_problem_has_expected_value_sum_p_u() -> None:
    lottery = Lottery("a coin", ("heads", "tails", "edge"), (0.5, 0.4, 0.1), 0)
    utilities = {"heads": 2.0, "tails": -1.0, "edge": 10.0}
    problem = lottery_problem(lottery, utilities)
    value = decide(problem).options[0].expected_values["utility"]
    assert value == pytest.approx(0.5 * 2.0 - 0.4 * 1.0 + 0.1 * 10.0)


def test_malformed_lotteries_and_outcomes_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "lotteries.json"
    lottery = {"option": "L", "sub_options": [{"option": "a", "probability": 0.5}]}
    bad.write_text(json.dumps({"base_options": [lottery]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"base_options\[0\]: probabilities sum to 0.5"):
        read_lotteries(bad)
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps({"Money": ["$1", "$1"]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"category 'Money', item 2: duplicate outcome"):
        read_outcomes(outcomes)
    outcomes.write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="invalid JSON"):
        read_outcomes(outcomes)


def test_the_whole_shipped_files_import_without_drops(shared_data: Path) -> None:
    folder = _folder(shared_data)
    hierarchical = folder / "utility_analysis__shared_options__options_hierarchical.json"
    data = json.loads(hierarchical.read_text(encoding="utf-8"))
    outcomes = read_outcomes(hierarchical)
    assert len(outcomes) == sum(len(v) for v in data.values()) == 510
    assert len({o.category for o in outcomes}) == 30
    lotteries = read_lotteries(folder / LOTTERIES)
    assert len(lotteries) == len(json.loads((folder / LOTTERIES).read_text())["base_options"])
    assert len(lotteries) == 20
    texts = {o.text for o in outcomes}
    for path in sorted((folder / "fork_notrichardren").glob("*results_utilities*.json")):
        fitted = read_fitted_utilities(path)
        assert len(fitted.utilities) == len(json.loads(path.read_text())["options"]) == 510
        assert set(fitted.utilities) == texts
    choices_file = next((folder / "fork_PredictablyWeird").glob("*.csv"))
    with choices_file.open(newline="", encoding="utf-8") as f:
        records = [r for r in csv.reader(f, delimiter="|") if r]
    choices = read_country_choices(choices_file)
    assert len(choices.first) == len(records) == 1646
