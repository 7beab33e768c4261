"""``phronesis ontology check|profile|values`` and ``decide FILE.ttl --scenario S``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from phronesis.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
ONTOLOGY = EXAMPLES / "ontology"


def test_check_summarises_a_valid_ontology():
    result = runner.invoke(
        app, ["ontology", "check", str(ONTOLOGY / "icu_triage.ttl"), "--reasoner", "owlrl"]
    )
    assert result.exit_code == 0, result.output
    assert "consistent and valid" in result.output
    assert "prognosis_B" in result.output and "no_withdrawal" in result.output
    assert "decision problem 'icu_triage'" in result.output


def test_check_reports_a_bad_graph_in_one_line_with_exit_2(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix phr: <https://w3id.org/phronesis/ontology#> .\n"
        "@prefix ex: <http://example.org/t#> .\n"
        "ex:n a phr:Norm ; phr:concerns ex:o .\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ontology", "check", str(bad), "--reasoner", "none"])
    assert result.exit_code == 2
    assert "error:" in result.output and "<http://example.org/t#n>" in result.output
    assert "exactly one modality" in result.output
    assert "Traceback" not in result.output


def test_profile_writes_png_csv_and_json(tmp_path):
    out = tmp_path / "p.png"
    result = runner.invoke(
        app,
        [
            "ontology",
            "profile",
            str(ONTOLOGY / "av_emergency.ttl"),
            "--out",
            str(out),
            "--csv",
            str(tmp_path / "p.csv"),
            "--json",
            str(tmp_path / "p.json"),
            "--reasoner",
            "owlrl",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "p.csv").read_text().startswith("prescript,pedestrian_present=no")
    assert '"matrix"' in (tmp_path / "p.json").read_text()


def test_profile_of_a_missing_file_exits_2(tmp_path):
    result = runner.invoke(
        app, ["ontology", "profile", str(tmp_path / "nope.ttl"), "--out", str(tmp_path / "p.png")]
    )
    assert result.exit_code == 2
    assert "nope.ttl: cannot read file" in result.output


def test_decide_routes_an_ontology_through_its_scenario():
    result = runner.invoke(
        app,
        [
            "decide",
            str(ONTOLOGY / "icu_triage.ttl"),
            "--scenario",
            str(ONTOLOGY / "icu_triage.scenario.yaml"),
            "-e",
            "sofa_B=high",
            "--json",
        ],
        env={"PHRONESIS_REASONER": "owlrl"},
    )
    assert result.exit_code == 0, result.output
    assert '"option": "reallocate_to_A"' in result.output


def test_values_imports_the_daily_dilemmas_table(shared_data, tmp_path):
    table = shared_data / "daily_dilemmas" / "data__values.csv"
    if not table.is_file():
        pytest.skip(f"{table} is not present")
    result = runner.invoke(
        app, ["ontology", "values", str(table), "--out", str(tmp_path / "v.ttl")]
    )
    assert result.exit_code == 0, result.output
    assert "301 values" in result.output
