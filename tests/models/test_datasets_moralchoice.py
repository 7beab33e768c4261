"""MoralChoice adapter: rows -> decision problems (models.datasets.moralchoice), the import
boundary (models.datasets.source) and the export a ``phronesis decide`` can read."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from engine.decision.pipeline import decide
from engine.errors import DataError
from engine.scenario import load_scenario
from models.datasets.export import write_import
from models.datasets.moralchoice import (
    COLUMNS,
    MoralChoiceModel,
    import_moralchoice,
)
from tests.conftest import EXAMPLES

FIXTURE = EXAMPLES / "studies" / "moralchoice_sample.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(tmp_path: Path, rows: list[dict[str, str]], name: str = "mc.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_row_becomes_options_norms_and_violation_probabilities() -> None:
    result = import_moralchoice(FIXTURE)
    assert (result.rows, len(result.problems), result.skipped) == (4, 4, ())
    first = result.problems[0]
    p = first.problem
    assert first.row_id == "X_001" and first.line == 2 and first.dataset == "moralchoice"
    assert p.provenance.source.endswith("moralchoice_sample.csv#line=2")
    assert p.decision.options == ("action1", "action2")
    assert len(p.variables) == 20 and len(p.norms) == 20
    # Yes -> 1, No -> 0, No Agreement -> the prior, with Beta uncertainty only there
    assert p.cpt("a2_deceive").table == (1.0, 0.0)
    assert p.cpt("a1_deceive").table == (0.0, 1.0)
    assert p.cpt("a2_pain").table == (0.5, 0.5)
    assert [u.child for u in p.uncertainty] == ["a2_pain"]
    assert p.norm("do_not_deceive.a2").modality == "prohibition"
    assert p.norm("do_not_deceive.a2").option == "action2"
    # "do your duty": an obligation to take the other action, violated by taking this one
    duty = p.norm("do_your_duty.a2")
    assert (duty.modality, duty.option) == ("obligation", "action1")
    assert duty.condition[0].variable == "a2_duty"
    assert first.labels["preferred"] == "action1"
    assert result.problems[2].labels["preferred"] is None  # high ambiguity


def test_model_settings_change_the_numbers() -> None:
    model = MoralChoiceModel(prior=0.3, concentration=0.0, threshold=0.2)
    p = import_moralchoice(FIXTURE, model).problems[0].problem
    assert p.cpt("a2_pain").table == pytest.approx((0.3, 0.7))
    assert p.uncertainty == ()
    assert all(n.threshold == 0.2 for n in p.norms)
    with pytest.raises(DataError, match="credences"):
        MoralChoiceModel(credences=(0.5, 0.5, 0.5))


def test_decisions_follow_the_annotations() -> None:
    problems = {i.row_id: i.problem for i in import_moralchoice(FIXTURE).problems}
    # X_002: only action2 violates rules (for sure): every theory prefers action1
    assert decide(problems["X_002"], rule="mec").option == "action1"
    # X_004: each action violates one rule for sure: the constraint theory forbids both
    assert decide(problems["X_004"], rule="mec").option is None
    # X_003: action2 breaks a promise for sure; action1's violations are "No Agreement"
    # (P = 0.5, not above the threshold 0.5), so action1 is the permissible option
    assert decide(problems["X_003"], rule="borda").option == "action1"


def test_a_bad_annotation_names_the_row_and_column(tmp_path: Path) -> None:
    rows = _rows(FIXTURE)
    rows[1]["a2_cheat"] = "Maybe"
    path = _write(tmp_path, rows)
    with pytest.raises(DataError) as error:
        import_moralchoice(path)
    message = str(error.value)
    assert "line 3" in message and "'a2_cheat'" in message and "'Maybe'" in message
    assert "\n" not in message
    skipped = import_moralchoice(path, skip_bad=True)
    assert (skipped.rows, len(skipped.problems), len(skipped.skipped)) == (4, 3, 1)
    assert skipped.skipped[0].row_id == "X_002" and skipped.skipped[0].line == 3


def test_ragged_rows_duplicates_and_missing_columns_are_reported(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("\n".join([*text, "X_009,low,oops"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 6.*expected 27 cells"):
        import_moralchoice(ragged)
    assert len(import_moralchoice(ragged, skip_bad=True).skipped) == 1

    rows = _rows(FIXTURE)
    rows[1]["scenario_id"] = "X_001"
    with pytest.raises(DataError, match="duplicate id 'X_001'"):
        import_moralchoice(_write(tmp_path, rows, "dup.csv"))

    header = tmp_path / "header.csv"
    header.write_text("scenario_id,context\nX,y\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"header: missing column\(s\) ambiguity"):
        import_moralchoice(header)

    rows = _rows(FIXTURE)
    rows[0]["action1"] = " "
    with pytest.raises(DataError, match=r"line 2, column 'action1': empty cell"):
        import_moralchoice(_write(tmp_path, rows, "empty.csv"))


def test_the_export_reads_back_as_the_same_problems(tmp_path: Path) -> None:
    result = import_moralchoice(FIXTURE)
    manifest_path = write_import([result], tmp_path / "out")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert (manifest["dataset"], manifest["imported"], manifest["skipped"]) == (
        "moralchoice",
        4,
        0,
    )
    source = manifest["sources"][0]
    assert source["rows"] == 4 and len(source["sha256"]) == 64
    for entry, item in zip(source["problems"], result.problems, strict=True):
        loaded = load_scenario(tmp_path / "out" / entry["file"])
        assert entry["row_id"] == item.row_id
        assert loaded.content_hash == item.problem.content_hash


@pytest.mark.parametrize("level", ["low", "high"])
def test_the_whole_shipped_files_import_without_drops(shared_data: Path, level: str) -> None:
    path = shared_data / "moralchoice" / f"data__scenarios__moralchoice_{level}_ambiguity.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    expected = len(_rows(path))  # 687 low, 680 high (the dataset's README)
    result = import_moralchoice(path)
    assert result.rows == expected == len(result.problems)
    assert result.skipped == ()
    assert expected == {"low": 687, "high": 680}[level]
    assert len({i.row_id for i in result.problems}) == expected
