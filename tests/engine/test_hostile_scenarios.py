"""Hostile scenario files (issue 10): every class is one short ScenarioError naming the problem,
never a traceback or a hang, and ``phronesis validate`` reports it on one line with exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engine.errors import ScenarioError
from engine.scenario import document, load_scenario, parse_scenario, read_document
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

HEINZ = (EXAMPLES / "heinz.yaml").read_text(encoding="utf-8")
HUGE_INT = "1" + "0" * 400  # 401 digits: beyond float range (~1.8e308)


def alias_bomb(levels: int = 30) -> bytes:
    """ "Billion laughs": each level lists the previous one 10 times, so the last expands to
    10**levels nodes. Expanding even a fraction of that would never finish, so refusing it at
    all shows the loader counts aliases without expanding them (no timing needed)."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]")
    return ("\n".join(lines) + "\n").encode()


# name -> (file name, content, text the message must contain, text it must not quote)
CASES: dict[str, tuple[str, bytes, str, str]] = {
    "non_utf8": ("latin1.yaml", "name: café\n".encode("latin-1"), "not UTF-8: byte 0xe9", ""),
    "deep_yaml": (
        "deep.yaml",
        b"name: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "nested more than 100 levels deep",
        "[[[[",
    ),
    "deep_yaml_block": (
        "deep_block.yaml",
        "".join("  " * i + "-\n" for i in range(300)).encode(),
        "nested more than 100 levels deep",
        "",
    ),
    "deep_json": (
        "deep.json",
        b"[" * 100_000 + b"]" * 100_000,
        "nested more than 100 levels deep",
        "[[[[",
    ),
    "huge_json_int": (
        "huge_int.json",
        b'{"name": ' + b"9" * 5000 + b"}",
        "beyond the float range",
        "9" * 40,
    ),
    "huge_yaml_int_in_cpt": (
        "huge_int.yaml",
        HEINZ.replace("steal: [0.8, 0.2]", f"steal: [{HUGE_INT}, 0.2]", 1).encode(),
        "line 28: an integer of 401 characters is beyond the float range",
        "0" * 40,
    ),
    "alias_bomb": ("bomb.yaml", alias_bomb(), "aliases expand to more than 100,000 nodes", "lol"),
    "alias_cycle": ("cycle.yaml", b"name: &a [*a]\n", "a cycle", ""),
    "duplicate_yaml_key": (
        "duplicate.yaml",
        b"name: first\ndescription: x\nname: second\n",
        "line 3: duplicate key 'name' (first at line 1)",
        "",
    ),
    "duplicate_json_key": (
        "duplicate.json",
        b'{"name": "first", "name": "second"}',
        "duplicate key 'name'",
        "",
    ),
    "nan_json": ("nan.json", b'{"name": "x", "weight": NaN}', "NaN is not a valid JSON number", ""),
    "infinity_json": (
        "inf.json",
        b'{"name": "x", "weight": -Infinity}',
        "-Infinity is not a valid JSON number",
        "",
    ),
    "python_tag": (
        "tag.yaml",
        b"name: !!python/object/apply:os.system ['echo pwned']\n",
        "could not determine a constructor",
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_one_short_scenario_error(case, tmp_path):
    name, content, text, unquoted = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert text in message, message
    assert len(message) < 400, message
    if unquoted:
        assert unquoted not in message, message


def test_alias_bomb_is_refused_before_anything_is_constructed(tmp_path, monkeypatch):
    # Refused while composing nodes: no Python object is ever built from the expanded document.
    def construct(self, node):
        raise AssertionError("the alias bomb reached construction")

    monkeypatch.setattr(document._YamlLoader, "construct_document", construct)
    path = tmp_path / "bomb.yaml"
    path.write_bytes(alias_bomb())
    with pytest.raises(ScenarioError, match=r"bomb\.yaml: line 5: aliases expand"):
        read_document(path)


def test_aliases_and_merge_keys_within_budget_still_load(tmp_path):
    path = tmp_path / "shared.yaml"
    path.write_text(
        "row: &row [0.5, 0.5]\ncpt: {a: *row, b: *row}\nbase: &b {x: 1}\nd: {<<: *b, x: 2}\n"
    )
    assert read_document(path) == {
        "row": [0.5, 0.5],
        "cpt": {"a": [0.5, 0.5], "b": [0.5, 0.5]},
        "base": {"x": 1},
        "d": {"x": 2},
    }


def test_huge_int_in_cpt_given_as_data_is_a_clean_error():
    data = read_document(EXAMPLES / "heinz.yaml")
    data["variables"][0]["cpt"]["steal"] = [int(HUGE_INT), 0.2]
    with pytest.raises(ScenarioError, match="within float range") as info:
        parse_scenario(data, source="heinz.yaml")
    assert len(str(info.value)) < 400
    assert "0" * 40 not in str(info.value)


def test_oversize_file_with_a_small_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text("name: heinz\n" + "# padding\n" * 200)
    monkeypatch.setattr(document, "MAX_SCENARIO_BYTES", 100)
    monkeypatch.setattr(document, "MAX_YAML_BYTES", 100)
    monkeypatch.delenv("PHRONESIS_MAX_SCENARIO_BYTES", raising=False)
    with pytest.raises(ScenarioError) as info:
        read_document(path)
    message = str(info.value)
    size = path.stat().st_size
    assert f"file is {size:,} bytes, over the limit of 100 bytes" in message
    assert "PHRONESIS_MAX_SCENARIO_BYTES" in message and len(message) < 400
    monkeypatch.setenv("PHRONESIS_MAX_SCENARIO_BYTES", str(size))
    assert read_document(path) == {"name": "heinz"}
    monkeypatch.setenv("PHRONESIS_MAX_SCENARIO_BYTES", "lots")
    with pytest.raises(ScenarioError, match="must be a positive number of bytes"):
        read_document(path)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"name": "x"}')
    assert read_document(path) == {"name": "x"}


CLI_CASES = [*sorted(CASES), "oversize"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_validate_exits_2_with_one_stderr_line(case, tmp_path, monkeypatch):
    if case == "oversize":
        name, content, text = "big.yaml", b"name: heinz\n" * 20, "over the limit of 100 bytes"
        monkeypatch.setenv("PHRONESIS_MAX_SCENARIO_BYTES", "100")
    else:
        name, content, text, _ = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert text in lines[0] and len(lines[0]) < 400, lines[0]
