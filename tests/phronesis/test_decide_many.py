"""Many decisions at once (issue 11): ``phronesis decide FILE --evidence-file ROWS.csv --out
DECISIONS.parquet`` decides every row with the kernel, each row as ``decide`` would; the
tables convert to Arrow / pandas; naming a backend again compiles nothing anew."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow.parquet
import pytest
from typer.testing import CliRunner

import phronesis
from phronesis.cli.app import app
from phronesis.tables import read_evidence_table, to_pandas
from tests.conftest import EXAMPLES

AV = EXAMPLES / "av_emergency.yaml"


def _write_rows(path: Path, problem, count: int, credences: bool) -> list[dict[str, str]]:
    rng = np.random.default_rng(3)
    columns = [v.name for v in problem.variables[:3]]
    theories = [t.name for t in problem.theories]
    rows = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + ([f"credence:{t}" for t in theories] if credences else []))
        for _ in range(count):
            cells = [str(rng.choice([*problem.states(c), ""])) for c in columns]
            extra = [repr(float(x)) for x in rng.dirichlet(np.ones(len(theories)))]
            writer.writerow(cells + (extra if credences else []))
            rows.append({c: s for c, s in zip(columns, cells, strict=True) if s})
    return rows


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_cli_decides_every_row_like_decide(tmp_path: Path, suffix: str) -> None:
    problem = phronesis.load(AV)
    rows = _write_rows(tmp_path / "rows.csv", problem, 40, credences=False)
    out = tmp_path / f"decisions{suffix}"
    result = CliRunner().invoke(
        app, ["decide", str(AV), "--evidence-file", str(tmp_path / "rows.csv"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "40 decisions" in result.output
    if suffix == ".parquet":
        chosen = pyarrow.parquet.read_table(out).column("option").to_pylist()
    else:
        with out.open(encoding="utf-8") as handle:
            chosen = [r["option"] for r in csv.DictReader(handle)]
    expected = [phronesis.decide(problem, row, samples=0).option for row in rows]
    assert chosen == expected


def test_per_row_credences_come_from_credence_columns(tmp_path: Path) -> None:
    problem = phronesis.load(AV)
    _write_rows(tmp_path / "rows.csv", problem, 10, credences=True)
    rows, credences = read_evidence_table(problem, tmp_path / "rows.csv")
    assert credences is not None and credences.shape == (10, len(problem.theories))
    batch = phronesis.decide_rows(phronesis.compile(problem), rows, credences=credences)
    frame = to_pandas(batch)
    assert list(frame["option"]) == list(batch.option_names)
    assert batch.decision(3).option == (batch.option_names[3] or None)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("nonsense", "unknown column 'nonsense'"),
        ("credence:utilitarian", "no credence column"),
    ],
)
def test_a_bad_evidence_file_is_one_line(tmp_path: Path, header: str, says: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(f"{header}\n0.5\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["decide", str(AV), "--evidence-file", str(path)])
    assert result.exit_code == 2
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_out_without_an_evidence_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["decide", str(AV), "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2 and "--evidence-file" in result.stderr


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_naming_a_backend_twice_compiles_its_queries_once(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models.tensor.backend as tensor

    plans = []
    original = tensor.build_plan
    monkeypatch.setattr(tensor, "build_plan", lambda *a, **k: plans.append(1) or original(*a, **k))
    problem = phronesis.load(EXAMPLES / "heinz.yaml")
    phronesis.decide(problem, {"drug_obtained": "no"}, backend=backend, samples=0)
    first = len(plans)
    phronesis.decide(problem, {"drug_obtained": "no"}, backend=backend, samples=0)
    assert len(plans) == first
