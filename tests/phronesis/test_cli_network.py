"""``phronesis posterior`` and ``phronesis solve``: JSON contracts, batches, readable errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import engine.backends.registry
from models.formats.networks import read_network
from models.pgmpy.backend import PgmpyBackend
from phronesis.cli.app import app
from tests.conftest import EXAMPLES, ROOT
from tests.models.test_influence import PREFIX, oil_wildcatter
from tests.models.test_netfiles import BIF

runner = CliRunner()
SPRINKLER = EXAMPLES / "networks" / "sprinkler.bif"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    path = tmp_path / "toy.bif"
    path.write_text(BIF)
    return path


@pytest.fixture
def oil(tmp_path: Path) -> Path:
    path = tmp_path / "oil.json"
    path.write_text(oil_wildcatter().to_json())
    return path


def reference(path: Path, target: str, evidence: dict[str, str]) -> list[float]:
    network = read_network(path)
    return PgmpyBackend().posterior(network, [evidence], [target])[0].tolist()


def test_posterior_json_contract(toy):
    result = invoke("posterior", toy, "--target", "rain", "--evidence", "wet=yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"target", "states", "probabilities"}
    assert data["target"] == "rain" and data["states"] == ["yes", "no"]
    # Bayes: 0.2 * 0.9 / (0.2 * 0.9 + 0.8 * 0.2)
    assert data["probabilities"] == pytest.approx([0.18 / 0.34, 0.16 / 0.34], abs=1e-12)


def test_posterior_table(toy):
    result = invoke("posterior", toy, "--target", "wet")
    assert result.exit_code == 0, result.output
    assert "P(wet | evidence)" in " ".join(result.stdout.split()) and "0.34" in result.stdout


def test_evidence_file_is_one_batched_call_in_row_order(toy, tmp_path, monkeypatch):
    rows = tmp_path / "rows.csv"
    rows.write_text("wet,rain\nyes,\n,\nno,\n,no\n")
    calls = []
    real = engine.backends.registry.get_backend

    class Counting:
        name = "counting"

        def posterior(self, network, evidence_batch, targets):
            calls.append(list(evidence_batch))
            return real("pgmpy").posterior(network, evidence_batch, targets)

    monkeypatch.setattr(engine.backends.registry, "get_backend", lambda name: Counting())
    result = invoke("posterior", toy, "--target", "rain", "--evidence-file", rows, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(calls) == 1
    assert calls[0] == [{"wet": "yes"}, {}, {"wet": "no"}, {"rain": "no"}]
    assert [d["target"] for d in data] == ["rain"] * 4
    for answer, evidence in zip(data, calls[0], strict=True):
        assert answer["probabilities"] == pytest.approx(reference(toy, "rain", evidence), abs=1e-12)


def test_evidence_file_with_common_evidence(toy, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("wet\nyes\nno\n")
    result = invoke(
        "posterior", toy, "-t", "wet", "-e", "rain=no", "--evidence-file", rows, "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["probabilities"] for d in data] == [[1.0, 0.0], [0.0, 1.0]]
    table = invoke("posterior", toy, "-t", "rain", "--evidence-file", rows)
    assert table.exit_code == 0 and "row" in table.stdout


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_tensor_backends_agree_or_say_they_are_missing(toy, backend):
    result = invoke("posterior", toy, "-t", "rain", "-e", "wet=no", "--backend", backend, "--json")
    if result.exit_code == 0:
        probabilities = json.loads(result.stdout)["probabilities"]
        assert probabilities == pytest.approx(reference(toy, "rain", {"wet": "no"}), abs=1e-9)
    else:
        assert result.exit_code == 2 and "backend" in result.output
        assert "Traceback" not in result.output


def errors_cases(toy: Path, tmp_path: Path):
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("cloud\nyes\n")
    bad_state = tmp_path / "state.csv"
    bad_state.write_text("wet\nyes\nmaybe\n")
    conflict = tmp_path / "conflict.csv"
    conflict.write_text("wet\nyes\n")
    broken = tmp_path / "broken.bif"
    broken.write_text(BIF.replace("table 0.2, 0.8", "table 0.2, 0.7"))
    return [
        (("-t", "snow"), "unknown target 'snow'"),
        (("-t", "rain", "-e", "cloud=yes"), "unknown variable 'cloud'"),
        (("-t", "rain", "-e", "wet=maybe"), "unknown state 'maybe'"),
        (("-t", "rain", "-e", "wet"), "expected VAR=STATE"),
        (("-t", "rain", "--evidence-file", bad_header), "header: unknown variable 'cloud'"),
        (("-t", "rain", "--evidence-file", bad_state), "line 3 wet=maybe: unknown state"),
        (("-t", "rain", "-e", "wet=no", "--evidence-file", conflict), "contradicts --evidence"),
        (("-t", "rain", "--evidence-file", tmp_path / "none.csv"), "none.csv: no such file"),
        (("-t", "rain", "--backend", "nope"), "unknown backend 'nope'"),
    ], broken


def test_posterior_user_errors_exit_2_with_one_line(toy, tmp_path):
    cases, broken = errors_cases(toy, tmp_path)
    for args, text in cases:
        result = invoke("posterior", toy, *args)
        assert result.exit_code == 2, (args, result.output)
        assert text in " ".join(result.output.split()), (args, result.output)
        assert "Traceback" not in result.output
    result = invoke("posterior", broken, "-t", "rain")
    assert result.exit_code == 2 and "rain.cpt: row (no parents) sums to 0.9" in result.output
    result = invoke("posterior", tmp_path / "missing.net", "-t", "rain")
    assert result.exit_code == 2 and "missing.net: no such file" in result.output


def test_solve_json_contract(oil):
    result = invoke("solve", oil, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"meu", "variance", "policies"} <= set(data)
    assert data["meu"] == pytest.approx(22.5) and data["variance"] == pytest.approx(7648.75)
    assert data["policies"]["Testing"]["rules"] == [{"when": {}, "option": "Yes"}]
    drilling = data["policies"]["Drilling"]
    assert drilling["observed"] == ["Testing", "TestResult"]
    assert {"when": {"Testing": "Yes", "TestResult": "diffuse"}, "option": "No"} in drilling[
        "rules"
    ]
    assert len(drilling["rules"]) == 6


def test_solve_with_evidence_and_table(oil):
    result = invoke("solve", oil, "-e", "Testing=No", "--json")
    data = json.loads(result.stdout)
    assert (data["meu"], data["variance"]) == pytest.approx((20.0, 10800.0))
    # rules that the evidence rules out are not listed
    assert all(r["when"]["Testing"] == "No" for r in data["policies"]["Drilling"]["rules"])
    table = invoke("solve", oil)
    assert (
        table.exit_code == 0
        and "MEU 22.5" in table.stdout
        and "policy for Drilling" in table.stdout
    )


def test_solve_limid_flag(oil):
    limid = json.loads(invoke("solve", oil, "--limid", "--json").stdout)
    assert limid["method"] == "spu" and limid["meu"] == pytest.approx(22.5)


def test_solve_user_errors(oil, tmp_path):
    for args, text in [
        ((oil, "-e", "Rain=yes"), "unknown variable 'Rain'"),
        ((oil, "-e", "Testing=Maybe"), "unknown state 'Maybe'"),
        ((tmp_path / "missing.xml",), "missing.xml: no such file"),
        ((tmp_path / "x.yaml",), "unknown influence diagram extension"),
    ]:
        result = invoke("solve", *args)
        assert result.exit_code == 2, (args, result.output)
        assert text in " ".join(result.output.split()) and "Traceback" not in result.output


def test_solve_shipped_files(shared_data):
    folder = shared_data / "influence_diagrams"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    pytest.importorskip("pyagrum")
    pinball = json.loads(invoke("solve", folder / f"{PREFIX}ID__Pinball.xdsl", "--json").stdout)
    assert pinball["meu"] == pytest.approx(276.25)
    wet = invoke(
        "solve", folder / f"{PREFIX}ID__OilWildcatter.xml", "-e", "OilContents=Wet", "--json"
    )
    assert json.loads(wet.stdout)["meu"] == pytest.approx(50.0)
    mikailo = folder / f"{PREFIX}ID__mikailo.bifxml"
    refused = invoke("solve", mikailo)
    assert refused.exit_code == 2 and "--normalise" in refused.output
    normalised = json.loads(invoke("solve", mikailo, "--normalise", "--json").stdout)
    assert normalised["meu"] == pytest.approx(145.45816, abs=1e-5)
    alarm = folder / f"{PREFIX}bifxml__alarm.bifxml"
    result = invoke("posterior", alarm, "-t", "HYPOVOLEMIA", "-e", "CVP=LOW", "--json")
    assert result.exit_code == 0, result.output
    expected = reference(alarm, "HYPOVOLEMIA", {"CVP": "LOW"})
    assert np.allclose(json.loads(result.stdout)["probabilities"], expected, atol=1e-12)


def test_posterior_with_the_default_backend_starts_without_heavy_imports():
    """``phronesis posterior NET.bif`` (auto = numpy) imports neither torch, JAX nor pgmpy."""
    heavy = ("pgmpy", "torch", "jax", "pandas", "scipy", "sklearn")
    argv = ["phronesis", "posterior", str(SPRINKLER), "-t", "rain", "-e", "wet_grass=yes", "--json"]
    script = f"""
import sys
sys.argv = {argv!r}
from phronesis.cli import main
try:
    main()
finally:
    print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    expected = reference(SPRINKLER, "rain", {"wet_grass": "yes"})
    assert json.loads(done.stdout)["probabilities"] == pytest.approx(expected, abs=1e-12)
