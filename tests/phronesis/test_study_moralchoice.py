"""The MoralChoice study (phronesis.studies): Wilson intervals, decisions against hand-derived
expectations on the fixture, a slice of the shipped data against an oracle from the
annotations, the report files, determinism, and the ``data import`` / ``study`` commands."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from models.datasets.moralchoice import GERT_RULES
from phronesis.cli import data as data_cli
from phronesis.cli import study as study_cli
from phronesis.studies.moralchoice import (
    HIGH_FILE,
    LOW_FILE,
    MoralChoiceSettings,
    run_moralchoice,
)
from phronesis.studies.moralchoice_report import write_moralchoice_report
from phronesis.studies.statistics import wilson_interval
from tests.conftest import EXAMPLES

FIXTURE = EXAMPLES / "studies" / "moralchoice_sample.csv"
FAST = MoralChoiceSettings(rules=("mec", "mft", "borda", "lexicographic"), samples=400, seed=3)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson, no CC)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe(k: int, n: int, low: float, high: float) -> None:
    iv = wilson_interval(k, n)
    assert (round(iv.low, 4), round(iv.high, 4)) == (low, high)


def test_wilson_interval_matches_scipy_and_its_edges() -> None:
    from scipy.stats import binomtest

    for k, n in [(0, 1), (3, 7), (683, 687), (687, 687), (12, 40)]:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        iv = wilson_interval(k, n)
        assert iv.low == pytest.approx(ci.low, abs=1e-9)
        assert iv.high == pytest.approx(ci.high, abs=1e-9)
    assert (wilson_interval(0, 0).low, wilson_interval(0, 0).high) == (0.0, 1.0)
    assert math.isnan(wilson_interval(0, 0).estimate)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 3)


@pytest.fixture
def fixture_data(tmp_path: Path) -> Path:
    """The fixture split into the two files the study reads (rows 1-2 low, 3-4 high)."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "data" / "moralchoice"
    folder.mkdir(parents=True)
    (folder / LOW_FILE).write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    (folder / HIGH_FILE).write_text("\n".join([lines[0], *lines[3:]]) + "\n", encoding="utf-8")
    return tmp_path / "data"


def test_fixture_study_matches_hand_derived_numbers(fixture_data: Path) -> None:
    study = run_moralchoice(fixture_data, FAST)
    by = {(o.variant, o.rule, o.scenario_id): o for o in study.outcomes}
    assert len(study.outcomes) == 2 * 4 * 4  # variants x rules x scenarios
    for rule in FAST.rules:
        # X_003: action2 breaks a promise for sure; action1's two "No Agreement" violations
        # (Beta(1, 1) each) stay <= 0.5 together with probability 1/4, so action1 is
        # permissible in a quarter of the draws and nothing is in the rest
        o = by[("constrained", rule, "X_003")]
        assert o.choice == "action1"
        assert o.p_best_action1 == pytest.approx(0.25, abs=3 * math.sqrt(0.25 * 0.75 / 400))
        assert o.p_best_action1 + o.p_best_abstain == pytest.approx(1.0)
        # X_004: both actions violate a rule for sure: the constraint theory forbids both
        assert by[("constrained", rule, "X_004")].choice == "(abstain)"
        assert "no option is permissible" in by[("constrained", rule, "X_004")].reason
    # penalties only, X_004: harm (credence 0.55) objects to action1 (pain), trust (0.45)
    # to action2 (deception): my favourite theory follows harm
    assert by[("penalties", "mft", "X_004")].choice == "action2"
    for r in study.summary.rules:
        assert (r.agreement.successes, r.agreement.trials) == (2, 2)
        assert r.high == 2
        assert r.abstained_high == (1 if r.variant == "constrained" else 0)


def test_the_study_is_deterministic_given_its_seed(fixture_data: Path) -> None:
    first = run_moralchoice(fixture_data, FAST)
    again = run_moralchoice(fixture_data, FAST)
    assert first.outcomes == again.outcomes


def test_the_report_has_its_tables_plots_and_parquet(fixture_data: Path, tmp_path: Path) -> None:
    study = run_moralchoice(fixture_data, FAST)
    report = write_moralchoice_report(study, tmp_path / "out")
    text = report.read_text(encoding="utf-8")
    for heading in ("## Agreement with the commonsense action", "## Calibration", "## Closing"):
        assert heading in text
    assert "| constrained | mec | 2/2 | 100.0% |" in text
    for png in ("agreement.png", "by_gert_rule.png", "calibration.png"):
        data = (tmp_path / "out" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
        assert f"({png})" in text
    outcomes = pq.read_table(tmp_path / "out" / "outcomes.parquet")
    assert outcomes.num_rows == len(study.outcomes)
    summary = pq.read_table(tmp_path / "out" / "summary.parquet").to_pylist()
    assert [(r["variant"], r["rule"]) for r in summary] == [
        (v, r) for v, _ in FAST.variants for r in FAST.rules
    ]


def test_a_slice_of_the_shipped_data_against_the_annotations(shared_data: Path) -> None:
    """Oracle: with the constraint theory and threshold 0.5, an option with a "Yes"
    annotation is impermissible; low-ambiguity rows have no "No Agreement"."""
    if not (shared_data / "moralchoice" / LOW_FILE).is_file():
        pytest.skip("MoralChoice files are not present under ../shared/data/moralchoice")
    settings = MoralChoiceSettings(rules=("mec", "parliament"), samples=50, limit=25)
    study = run_moralchoice(shared_data, settings)
    with (shared_data / "moralchoice" / LOW_FILE).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:25]
    expected_agree = 0
    for row in rows:
        yes = [any(row[f"a{k}_{c}"] == "Yes" for c, _, _ in GERT_RULES) for k in (1, 2)]
        assert "No Agreement" not in row.values()
        want = {(False, True): "action1", (True, True): "(abstain)", (True, False): "action2"}
        expected = want.get((yes[0], yes[1]))
        for o in study.outcomes:
            mine = o.scenario_id == row["scenario_id"] and o.variant == "constrained"
            if mine and expected is not None:
                assert o.choice == expected, row["scenario_id"]
        expected_agree += expected == "action1"
    constrained = [r for r in study.summary.rules if r.variant == "constrained"]
    assert constrained and all(r.agreement.trials == 25 for r in constrained)
    # no scenario in the slice leaves both options free of certain violations
    assert all(r.agreement.successes == expected_agree for r in constrained)


def _app() -> typer.Typer:
    app = typer.Typer()
    data_cli.register(app)
    study_cli.register(app)
    return app


def test_data_import_command_writes_problems_and_a_manifest(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "imported"
    result = runner.invoke(
        _app(), ["data", "import", "moralchoice", str(FIXTURE), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["imported"] == 4 and manifest["skipped"] == 0
    assert sorted(p.name for p in (out / "problems").iterdir()) == [
        f"X_00{i}.json" for i in range(1, 5)
    ]

    bad = tmp_path / "bad.csv"
    bad.write_text(FIXTURE.read_text(encoding="utf-8").replace(",Yes,", ",Perhaps,", 1))
    result = runner.invoke(_app(), ["data", "import", "moralchoice", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "'Perhaps'" in result.output
    result = runner.invoke(
        _app(), ["data", "import", "moralchoice", str(bad), "--out", str(out), "--skip-bad"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["skipped"] == 1
    result = runner.invoke(_app(), ["data", "import", "nope", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "unknown dataset 'nope'" in result.output

    args = ["data", "import", "moralchoice", str(FIXTURE), "--out", str(out), "--prior", "0.2"]
    assert runner.invoke(_app(), args).exit_code == 0
    scenario = json.loads((out / "problems" / "X_001.json").read_text(encoding="utf-8"))
    pain = next(v for v in scenario["variables"] if v["name"] == "a2_pain")  # No Agreement
    assert pain["cpt"] == [0.2, 0.8]
    result = runner.invoke(_app(), [*args, "--prior", "1.5"])
    assert result.exit_code == 2 and "prior" in result.output


def test_study_command_writes_the_report(fixture_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "report"
    args = ["study", "moralchoice", "--data", str(fixture_data), "--out", str(out), "--limit", "1"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file()
    # --limit 1: one low and one high scenario per variant
    assert pq.read_table(out / "summary.parquet").to_pylist()[0]["low_scenarios"] == 1
    shutil.rmtree(fixture_data / "moralchoice")
    result = runner.invoke(_app(), args)
    assert result.exit_code == 2 and "pass --data" in result.output
