"""Compiled decision tables agree with deciding each observation afresh."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine.analyses.decision_table import UNOBSERVED, DecisionTable, compile_decision_table
from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.scenario import load_scenario
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

CASES = [
    ("av_emergency.yaml", ["detection"], None),
    ("icu_triage.yaml", ["sofa_A", "sofa_B"], None),
    ("heinz.yaml", ["drug_obtained"], "virtue"),
]


@pytest.mark.parametrize(("name", "observables", "policy"), CASES)
def test_table_equals_fresh_decisions(name, observables, policy):
    problem = load_scenario(EXAMPLES / name)
    table = compile_decision_table(problem, observables, policy=policy)
    sizes = [len(problem.states(v)) + 1 for v in observables]
    assert len(table.entries) == __import__("math").prod(sizes)
    for key, (option, _) in table.entries.items():
        evidence = {v: s for v, s in zip(observables, key, strict=True) if s != UNOBSERVED}
        try:
            expected = decide(problem, evidence, policy=policy).option
        except EvidenceError:
            expected = None
        assert option == expected, key
        assert table.lookup(evidence) == expected


def test_table_round_trips_and_names_the_problem():
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    table = compile_decision_table(problem, ["detection"])
    assert DecisionTable.from_json(table.to_json()) == table
    assert table.problem_hash == problem.content_hash


def test_unknown_observable_and_evidence_are_errors():
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    with pytest.raises(EvidenceError, match="unknown observable 'radar'"):
        compile_decision_table(problem, ["radar"])
    table = compile_decision_table(problem, ["detection"])
    with pytest.raises(EvidenceError, match="recompile with --observe"):
        table.lookup({"oncoming_vehicle": "yes"})


def test_cli_compile_writes_json(tmp_path):
    out = tmp_path / "table.json"
    result = CliRunner().invoke(
        app, ["compile", str(EXAMPLES / "av_emergency.yaml"), "-o", "detection", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    by_state = {e["evidence"]["detection"]: e["option"] for e in data["entries"]}
    assert by_state == {
        "positive": "brake_straight",
        "negative": "swerve_right",
        "*": "brake_straight",
    }
