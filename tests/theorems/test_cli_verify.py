"""``phronesis verify``: the table, the counterexample with its explanation, JSON, certificates
written and re-checked, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from phronesis.cli.app import app
from tests.conftest import EXAMPLES

runner = CliRunner()
BROKEN = str(EXAMPLES / "broken_penalty.yaml")
ICU = str(EXAMPLES / "icu_triage.yaml")
AV = str(EXAMPLES / "av_emergency.yaml")


def invoke(*args):
    return runner.invoke(app, ["verify", *args])


BUILT_IN = ("consistency", "deontic_safety", "invariance", "optimality", "weak_pareto")


def _each(names=BUILT_IN):
    return [arg for name in names for arg in ("-p", name)]


def test_all_proved_exits_0():
    result = invoke(ICU, *_each())
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for name in BUILT_IN:
        assert name in text
    assert text.count("81 assignments") == len(BUILT_IN)


def test_all_lists_the_properties_skipped_for_want_of_a_parameter():
    # other modules may register properties of their own: only ours are asserted on
    result = invoke(ICU, "--all")
    assert result.exit_code in (0, 1), result.output
    text = " ".join(result.output.split())
    assert all(name in text for name in BUILT_IN)
    assert "monotonicity │ skipped" in text and "needs monotone" in text


def test_a_refuted_property_exits_1_with_the_smallest_counterexample_explained():
    result = invoke(BROKEN, "--property", "deontic_safety")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "refuted" in text and "smallest counterexample" in text
    assert "evidence: pedestrian_on_pavement=yes" in text and "chosen: swerve" in text
    assert "Contributions to the margin over 'brake'" in text
    assert "keep_off_occupied_pavement" in text and "-10" in text


def test_json_is_an_array_of_certificates():
    result = invoke(BROKEN, "-p", "deontic_safety", "-p", "optimality", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [d["property"] for d in data] == ["deontic_safety", "optimality"]
    assert [d["verdict"] for d in data] == ["refuted", "proved"]
    assert data[0]["witness"]["evidence"] == {"pedestrian_on_pavement": "yes"}


def test_out_then_recheck(tmp_path):
    one, many = tmp_path / "one.json", tmp_path / "many.json"
    assert invoke(BROKEN, "-p", "weak_pareto", "--out", str(one)).exit_code == 0
    assert json.loads(one.read_text())["property"] == "weak_pareto"  # one: an object
    assert invoke(BROKEN, *_each(), "--out", str(many), "--json").exit_code == 1
    assert [c["property"] for c in json.loads(many.read_text())] == list(BUILT_IN)
    for path in (one, many):
        result = invoke(BROKEN, "--recheck", str(path))
        assert result.exit_code == 0, result.output
    data = json.loads(one.read_text())
    data["witness"]["table_sha256"] = "f" * 64
    one.write_text(json.dumps(data))
    result = invoke(BROKEN, "--recheck", str(one), "--json")
    assert result.exit_code == 1
    (row,) = json.loads(result.output)
    assert row["ok"] is False and row["reason"].startswith("the decision table changed")


def test_recheck_on_another_problem_fails(tmp_path):
    cert = tmp_path / "cert.json"
    assert invoke(ICU, "-p", "optimality", "--out", str(cert)).exit_code == 0
    result = invoke(AV, "--recheck", str(cert), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)[0]["reason"].startswith("the problem changed")


def test_observe_rule_policy_and_monotone_options():
    result = invoke(
        AV, "-p", "monotonicity", "--monotone", "detection:swerve_right=decreasing", "--json"
    )
    assert result.exit_code == 1
    (data,) = json.loads(result.output)
    assert data["witness"]["evidence"] == {"detection": "positive"}
    result = invoke(
        AV, "-p", "optimality", "-o", "detection", "--policy", "harm_minimisation", "--json"
    )
    (data,) = json.loads(result.output)
    assert result.exit_code == 0 and data["witness"]["assignments"] == 3
    assert data["settings"]["policy"] == "harm_minimisation"


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    cases = [
        (BROKEN, "-p", "safety"),
        (BROKEN, "-o", "nowhere"),
        (AV, "-p", "monotonicity"),
        (AV, "-p", "monotonicity", "--monotone", "detection"),
        (BROKEN, "-p", "optimality", "--all"),
        (BROKEN, "--ray-address", "ray://x:1"),
        (str(tmp_path / "missing.yaml"),),
        (BROKEN, "--recheck", str(tmp_path / "missing.json")),
    ]
    for args in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().startswith("error:"), args
        assert len(result.output.strip().splitlines()) == 1 or "error:" in result.output, args
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = invoke(BROKEN, "--recheck", str(bad))
    assert result.exit_code == 2 and "not JSON" in result.output
