"""DailyDilemmas adapter (models.datasets.daily_dilemmas), principles and their scores
(models.datasets.principles), and the literal cells they are stored in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from engine.decision.pipeline import decide
from engine.errors import DataError
from models.datasets.daily_dilemmas import import_dilemmas, read_value_table
from models.datasets.literals import count_dict, literal
from models.datasets.principles import Principle, read_principles, recomputed_scores
from tests.conftest import EXAMPLES

FIXTURE = EXAMPLES / "studies" / "daily_dilemmas_sample.csv"
SCORED = (
    "data__principle_openai_gpt-4_with_system_prompt.csv",
    "data__principle_openai_gpt4_eval_with_system_prompt_system_prompt_sup_value.csv",
    "data__principle_openai_gpt4_eval_with_system_prompt_system_prompt_opp_value.csv",
)


def _folder(shared_data: Path) -> Path:
    folder = shared_data / "daily_dilemmas"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_literal_cells_parse_without_running_code() -> None:
    cnt = "{'a': defaultdict(<class 'int'>, {'selected': 2}), 'b': defaultdict(<class 'int'>, {})}"
    assert count_dict("f", "x", cnt) == {
        "a": {"selected": 2, "neglected": 0},
        "b": {"selected": 0, "neglected": 0},
    }
    assert literal("f", "x", "[nan, 'Care']") == [None, "Care"]
    with pytest.raises(DataError, match="f: x: expected a Python list or dict literal"):
        literal("f", "x", "__import__('os').getcwd()")


def test_a_dilemma_becomes_options_values_and_theories() -> None:
    result = import_dilemmas(FIXTURE)  # no value table beside it: the rows' own categories
    assert (result.rows, len(result.problems), result.skipped) == (2, 2, ())
    item = result.problems[0]
    p = item.problem
    assert (item.row_id, item.line, p.name) == ("9001", 2, "dilemma_9001")
    assert p.decision.options == ("to_do", "not_to_do")
    assert {v.name: v.table for v in p.values} == {
        "honesty": (1.0, 0.0),
        "trust": (1.0, 0.0),
        "self-interest": (0.0, 1.0),
    }
    assert p.value("trust").frameworks == (
        "world_values_survey.survival",
        "moral_foundations.loyalty",
        "plutchik.trust",
        "maslow.love_and_belonging",
    )
    assert "parties: You" in p.value("self-interest").description
    weights = {t.name: dict(t.value_weights) for t in p.theories}
    assert weights["virtues"] == {"honesty": 1.0}
    assert weights["world_values_survey"] == {"trust": 1.0, "self-interest": 1.0}
    assert [t.credence for t in p.theories] == [0.2] * 5
    # MFT, virtues, emotions and Maslow prefer the honest action; WVS is indifferent
    assert decide(p).option == "to_do"


def test_the_value_table_overrides_the_rows_categories(tmp_path: Path) -> None:
    table = tmp_path / "values.csv"
    table.write_text(
        ",value,WVS,MFT,Virtue,Emotion,Maslow\n0,honesty,Traditional,Care,,,\n", encoding="utf-8"
    )
    p = import_dilemmas(FIXTURE, read_value_table(table)).problems[0].problem
    assert p.value("honesty").frameworks == (
        "world_values_survey.traditional",
        "moral_foundations.care",
    )


def test_principles_become_policies_through_value_weights() -> None:
    keep = Principle("Be honest", "", "test", "t.csv", 2, (("honesty", 1.0),), (("trust", 0.5),))
    spare = Principle("Spare feelings", "", "test", "t.csv", 3, (), (("honesty", 1.0),))
    p = import_dilemmas(FIXTURE, principles=(keep, spare)).problems[0].problem
    theory = p.theory(f"principle.{keep.slug}")
    assert (dict(theory.value_weights), theory.credence) == ({"honesty": 1.0, "trust": -0.5}, 0.0)
    assert decide(p, policy=keep.slug).option == "to_do"  # 1 - 0.5 > 0
    assert decide(p, policy=spare.slug).option == "not_to_do"  # -1 < 0


def test_malformed_dilemmas_name_the_row_and_column(tmp_path: Path) -> None:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    missing = tmp_path / "missing.csv"
    missing.write_text("\n".join([lines[0], lines[1], lines[3], lines[4]]) + "\n", "utf-8")
    with pytest.raises(DataError, match=r"dilemma '9001' \(lines 2\).*found 'to_do'"):
        import_dilemmas(missing)
    result = import_dilemmas(missing, skip_bad=True)
    assert (result.rows, len(result.problems), [s.row_id for s in result.skipped]) == (
        2,
        1,
        ["9001"],
    )
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        "\n".join(lines).replace("\"['honesty', 'trust']\"", "\"['honesty']\"", 1) + "\n",
        "utf-8",
    )
    with pytest.raises(DataError, match=r"line 2, column 'values_types': expected 1 entries"):
        import_dilemmas(ragged)


def test_situation_only_rows_become_problems_without_values(tmp_path: Path) -> None:
    path = tmp_path / "dilemma.csv"
    path.write_text(",idx,basic_situation,dilemma_situation\n0,7,x.,Should you?\n", "utf-8")
    result = import_dilemmas(path)
    p = result.problems[0].problem
    assert (result.rows, p.name, p.values, p.decision.options) == (
        1,
        "dilemma_7",
        (),
        ("to_do", "not_to_do"),
    )


def test_the_whole_shipped_files_import_without_drops(shared_data: Path) -> None:
    folder = _folder(shared_data)
    situations = import_dilemmas(folder / "data__dilemma.csv")
    assert len(situations.problems) == len(_csv_rows(folder / "data__dilemma.csv")) == 1360
    detail = folder / "data__dilemmas_with_detail_by_action_test.csv"
    result = import_dilemmas(detail)
    assert result.skipped == ()
    assert 2 * len(result.problems) == len(_csv_rows(detail)) == 8  # two rows per dilemma
    assert len(read_value_table(folder / "data__values.csv")) == 301
    # the policies of the 16 ModelSpec principles beside the file
    assert len(result.problems[0].problem.policies) == 16
    for name in (*SCORED, "data__principle_openai.csv", "data__principle_claude.csv"):
        principles, rows = read_principles(folder / name)
        assert len(principles) == rows == len(_csv_rows(folder / name))


def test_the_per_action_values_agree_with_the_value_table(shared_data: Path) -> None:
    folder = _folder(shared_data)
    table = read_value_table(folder / "data__values.csv")
    detail = import_dilemmas(folder / "data__dilemmas_with_detail_by_action_test.csv", {})
    for item in detail.problems:
        for value, stated in item.labels["categories"].items():
            assert value in table
            assert stated == table[value], value


def test_principle_scores_reproduce_the_stored_ones(shared_data: Path) -> None:
    """E[n_sup] - E[n_opp] recomputed from the stored counts and relevances equals the stored
    per-value scores, totals and combined scores to 1e-9 (floating-point rounding of sums of
    p_v * n_v with p_v in tenths)."""
    folder = _folder(shared_data)
    checked = 0
    for name in SCORED:
        for principle in read_principles(folder / name)[0]:
            for stored, score in zip(principle.scopes, recomputed_scores(principle), strict=True):
                assert score.supporting == pytest.approx(stored.totals["sup"], abs=1e-9)
                assert score.opposing == pytest.approx(stored.totals["opp"], abs=1e-9)
                assert score.combined == pytest.approx(stored.combined, abs=1e-9)
                for side in ("sup", "opp"):
                    assert score.per_value[side] == pytest.approx(stored.per_value[side])
                checked += 1
    assert checked == 16 * 1 + 16 * 3 + 16 * 3
