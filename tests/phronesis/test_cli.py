"""The command line: JSON contract, readable errors, demo, explain, schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from phronesis.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
HEINZ = str(EXAMPLES / "heinz.yaml")


def invoke(*args):
    return runner.invoke(app, list(args))


def test_decide_json_contract():
    result = invoke(
        "decide", str(EXAMPLES / "av_emergency.yaml"), "--evidence", "detection=negative", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"option", "abstain", "options", "explanation", "provenance"}
    assert data["option"] == "swerve_right" and data["abstain"] is None
    row = data["options"][0]
    assert set(row) >= {"option", "expected_values", "choiceworthiness", "score", "norm_violation"}
    assert data["provenance"]["backend"] == "numpy"  # auto: the cheapest exact backend
    assert data["provenance"]["evidence"] == {"detection": "negative"}
    assert len(data["provenance"]["problem_hash"]) == 64


@pytest.mark.parametrize(
    ("policy", "option", "principle"),
    [
        ("deontological", "do_not_steal", "respect_property"),
        ("consequentialist", "steal", "liberty"),
        ("virtue", "steal_and_confess", "honesty"),
    ],
)
def test_heinz_policies_print_different_resolutions(policy, option, principle):
    result = invoke("decide", HEINZ, "--policy", policy)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"heinz: {option}" in text
    assert f"Decisive principle of policy '{policy}': '{principle}'" in text


def test_rule_and_normalisation_options():
    result = invoke("decide", HEINZ, "--rule", "mft", "--normalise", "range", "--json")
    data = json.loads(result.output)
    assert data["provenance"]["rule"] == "mft"
    assert data["provenance"]["normalisation"] == "range"


def test_abstain_in_json():
    # under the deontological policy with credence 1 on kantian, refraining is the only
    # permissible option; forcing the MFT rule keeps it (abstention is tested in the API tests)
    data = json.loads(invoke("decide", HEINZ, "--policy", "deontological", "--json").output)
    assert data["option"] == "do_not_steal"
    assert [e["norm"] for e in data["explanation"]["exclusions"]] == ["respect_property"] * 2


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["decide", HEINZ, "--policy", "nihilist"], "has no policy 'nihilist'"),
        (["decide", HEINZ, "--rule", "dice"], "unknown decision rule 'dice'"),
        (["decide", HEINZ, "-e", "wife_survives=perhaps"], "unknown state 'perhaps'"),
        (["decide", HEINZ, "-e", "wife_survives"], "expected VAR=STATE"),
        (["decide", "missing.yaml"], "cannot read file"),
        (["decide", "notes.txt"], "unknown file type"),
    ],
)
def test_user_errors_exit_2_with_one_message(args, text):
    result = invoke(*args)
    assert result.exit_code == 2
    assert text in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_explain_lists_contributions():
    result = invoke("explain", HEINZ, "--policy", "consequentialist")
    assert result.exit_code == 0, result.output
    assert "liberty" in result.output and "+18" in result.output


def test_schema_is_json_schema():
    schema = json.loads(invoke("schema").output)
    assert schema["title"] == "phronesis scenario"
    assert {"decision", "theories"} <= set(schema["required"])


def test_demo_runs_every_example():
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    for name in ("heinz", "av_emergency", "icu_triage"):
        assert name in result.output


def test_console_script_runs_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    completed = subprocess.run(
        [sys.executable, "-m", "phronesis.cli.app", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "decision: required field is missing" in " ".join(completed.stderr.split())
