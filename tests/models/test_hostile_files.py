"""Hostile network and influence-diagram files (issue 10): each is refused with one short
ScenarioError naming the file, never a library traceback, and exit code 2 on the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import ScenarioError
from models.formats.influence import read_influence_diagram
from models.formats.networks import read_network
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

NETWORKS = {
    "huge_cardinality.uai": ("BAYES\n1\n1000000000\n1\n1 0\n\n1000000000\n0.5 0.5\n", "expected"),
    "scope_out_of_range.uai": ("BAYES\n1\n2\n1\n2 0 5\n\n2\n0.5 0.5\n", "variable index"),
    "garbage.bif": ("this is not a network\n", "expected network"),
    "nan.bif": (
        "network x { }\nvariable a { type discrete [ 2 ] { y, n }; }\n"
        "probability ( a ) { table NaN, 0.5; }\n",
        "expected a number",
    ),
    "cardinality.bif": (
        "network x { }\nvariable a { type discrete [ 3 ] { y, n }; }\n"
        "probability ( a ) { table 0.5, 0.5; }\n",
        "declares [3] states and lists 2",
    ),
    "entities.xml": (
        '<?xml version="1.0"?>\n<!DOCTYPE b [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        "<BIF><NETWORK>&b;</NETWORK></BIF>\n",
        "DTD",
    ),
}

DIAGRAMS = {
    "encoding.xdsl": ('<?xml version="1.0" encoding="klingon"?>\n<smile id="x"/>\n', "encoding"),
    "entities.xdsl": (
        '<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        "<smile><nodes>&b;</nodes></smile>\n",
        "DTD",
    ),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_hostile_network_files_are_refused(name: str, tmp_path: Path) -> None:
    text, expected = NETWORKS[name]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError, match=re.escape(expected)) as caught:
        read_network(path)
    assert name in str(caught.value) and len(str(caught.value)) < 300
    result = CliRunner().invoke(app, ["posterior", str(path), "--target", "a"])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(DIAGRAMS))
def test_hostile_influence_diagram_files_are_refused(name: str, tmp_path: Path) -> None:
    text, expected = DIAGRAMS[name]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError, match=re.escape(expected)):
        read_influence_diagram(path)
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_csv_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    from models.formats.tabular import read_table

    path = tmp_path / "bad.csv"
    path.write_bytes(b"option_a,option_b,choice\n\xff\xfe,b,A\n")
    with pytest.raises(ScenarioError, match="line 2: not UTF-8"):
        read_table(path)


@pytest.mark.parametrize("steps", ["0", "-1"])
def test_learn_utilities_refuses_no_optimiser_steps(steps: str) -> None:
    result = CliRunner().invoke(
        app, ["learn", "utilities", str(EXAMPLES / "data" / "drink_choices.csv"), "--steps", steps]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
