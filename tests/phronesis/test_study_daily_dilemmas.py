"""The DailyDilemmas study (phronesis.studies.daily_dilemmas): the profile formula by hand, the
principle-score check, and the report on the shipped data."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from phronesis.cli import study as study_cli
from phronesis.studies.daily_dilemmas import (
    BASELINE,
    DecisionRecord,
    profile_cells,
    run_daily_dilemmas,
)
from phronesis.studies.daily_dilemmas_report import TOLERANCE, write_daily_dilemmas_report


def test_profile_is_selected_minus_neglected_over_the_taxonomy_total() -> None:
    categories = {
        "honesty": {"moral_foundations": "Fairness"},
        "kindness": {"moral_foundations": "Care"},
        "order": {"moral_foundations": "Authority", "maslow": "safety"},
    }
    decisions = [
        DecisionRecord("p", "1", "to_do", ("honesty", "order"), ("kindness",)),
        DecisionRecord("p", "2", "not_to_do", ("honesty",), ("order",)),
        DecisionRecord("p", "3", "(abstain)", (), ()),
    ]
    cells = {(c.taxonomy, c.category): c for c in profile_cells(decisions, categories, ["p"])}
    # moral foundations: Fairness 2 selected, Authority 1 + 1, Care 0 + 1: total 5
    assert cells[("moral_foundations", "Fairness")].profile == pytest.approx(2 / 5)
    assert cells[("moral_foundations", "Authority")].profile == 0.0
    assert cells[("moral_foundations", "Care")].profile == pytest.approx(-1 / 5)
    assert (cells[("maslow", "safety")].selected, cells[("maslow", "safety")].neglected) == (1, 1)
    assert ("virtues", "Truthfulness") not in cells


def test_study_on_the_shipped_data(shared_data: Path, tmp_path: Path) -> None:
    if not (shared_data / "daily_dilemmas").is_dir():
        pytest.skip("DailyDilemmas files are not present under ../shared/data/daily_dilemmas")
    study = run_daily_dilemmas(shared_data)
    assert len(study.dilemmas.problems) == 4 and study.situations == 1360
    assert study.principles["data__principle_claude.csv"] == 59
    assert len(study.policies) == 17  # the five theories and 16 ModelSpec principles
    assert len(study.decisions) == 4 * 17
    baseline = [d for d in study.decisions if d.policy == BASELINE]
    assert all(d.choice in ("to_do", "not_to_do") for d in baseline)
    # every principle x scope score reproduces the stored one
    assert len(study.scores) == 112
    assert max(s.max_difference for s in study.scores) <= TOLERANCE
    report = write_daily_dilemmas_report(study, tmp_path / "out")
    text = report.read_text(encoding="utf-8")
    assert "112 of 112 principle x scope scores match" in text
    for png in ("profile.png", "principle_scores.png"):
        assert (tmp_path / "out" / png).read_bytes()[:4] == b"\x89PNG"
    assert pq.read_table(tmp_path / "out" / "decisions.parquet").num_rows == 68
    profile = pq.read_table(tmp_path / "out" / "profile.parquet").to_pylist()
    for taxonomy in {r["taxonomy"] for r in profile if r["policy"] == BASELINE}:
        mine = [r for r in profile if r["policy"] == BASELINE and r["taxonomy"] == taxonomy]
        assert sum(abs(r["profile"]) for r in mine) <= 1.0 + 1e-12


def test_study_command_runs_daily_dilemmas(shared_data: Path, tmp_path: Path) -> None:
    if not (shared_data / "daily_dilemmas").is_dir():
        pytest.skip("DailyDilemmas files are not present under ../shared/data/daily_dilemmas")
    app = typer.Typer()
    study_cli.register(app)
    app.command("unused")(lambda: None)  # two commands: typer keeps the command's name
    out = tmp_path / "dd"
    args = ["study", "daily-dilemmas", "--data", str(shared_data), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out / "decisions.parquet").num_rows == 2 * 17
    result = CliRunner().invoke(app, ["study", "nope", "--out", str(out)])
    assert result.exit_code == 2 and "unknown study 'nope'" in result.output
