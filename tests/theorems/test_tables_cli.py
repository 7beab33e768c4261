"""`phronesis compile --verify`: the folder of table files with its certificates, exit codes
and one-line errors."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from engine.analyses.decision_table import DecisionTable
from tests.conftest import EXAMPLES
from tests.theorems.test_tables import PROBE, probe, weird_scenario  # noqa: F401 (fixture)
from theorems.tables.files import FOLDER_FILES, read_certificates, read_json, read_npz

AV = str(EXAMPLES / "av_emergency.yaml")


def invoke(*args: str):
    from phronesis.cli.app import app

    return CliRunner().invoke(app, list(args))


def test_verify_writes_the_folder_with_certificates_of_that_table(tmp_path, probe):  # noqa: F811
    out = tmp_path / "controller"
    result = invoke("compile", AV, "-o", "detection", "-o", "oncoming_vehicle",
                    "--verify", probe, "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FOLDER_FILES)
    table = read_json(out / "table.json")
    assert read_npz(out / "table.npz").digest == table.digest
    (certificate,) = read_certificates(out / "certificates.json")
    assert certificate.property == probe and certificate.proved
    assert certificate.witness["table_sha256"] == table.digest
    assert [c.to_dict() for c in table.certificates] == [certificate.to_dict()]
    assert f'PHRONESIS_TABLE_SHA256 "{table.digest}"' in (out / "table.h").read_text()
    assert "proved" in result.output and probe in " ".join(result.output.split())
    legacy = DecisionTable.from_json((out / "table.json").read_text())
    assert legacy.lookup({"detection": "negative", "oncoming_vehicle": "yes"}) == "swerve_right"


def test_a_refuted_property_still_writes_the_files_and_exits_1(tmp_path, probe):  # noqa: F811
    scenario = tmp_path / "weird.yaml"
    scenario.write_text(yaml.safe_dump(weird_scenario()), encoding="utf-8")
    out = tmp_path / "out"
    args = ["-o", "sensor a", "-o", "sensor_a", "--verify", f"{probe},{probe}"]
    result = invoke("compile", str(scenario), *args, "--out", str(out), "--c-prefix", "ctl")
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert f"not proved: {probe} (refuted)" in text and "counterexample" in text
    (certificate,) = read_certificates(out / "certificates.json")
    assert certificate.refuted and certificate.witness["evidence"]
    assert "int ctl_decide(const int *states)" in (out / "table.h").read_text()


def test_without_verify_out_json_is_the_decision_table_as_before(tmp_path):
    out = tmp_path / "table.json"
    result = invoke("compile", AV, "-o", "detection", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data) == {"problem_hash", "observables", "settings", "entries"}
    header = tmp_path / "table.h"
    result = invoke("compile", AV, "-o", "detection", "--out", str(header))
    assert result.exit_code == 0, result.output
    assert "int phronesis_decide(const int *states)" in header.read_text()


def test_user_errors_exit_2_with_one_line(tmp_path, probe):  # noqa: F811
    cases = [
        (["--verify", probe, "--out", str(tmp_path / "t.json")], "the output is a folder"),
        (["--verify", "no_such_property"], "unknown property 'no_such_property'"),
        (["--verify", probe, "--c-prefix", "9lives"], "expected a C identifier"),
        (["--verify-all", "-o", "radar"], "unknown observable 'radar'"),
    ]
    for extra, words in cases:
        result = invoke("compile", AV, "-o", "detection", *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert words in " ".join(result.output.split()), result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "t.json").exists()
