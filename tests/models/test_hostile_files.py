"""Hostile network and influence-diagram files (issue 10): each is refused with one short
ScenarioError naming the file, never a library traceback, and exit code 2 on the command line."""

from __future__ import annotations

import gzip
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
    "long_token.uai": ("BAYES\n1\n2\n1\n1 0\n\n2\n0.5" + "<a>" * 5000 + " 0.5\n", "expected entry"),
    "long_kind.uai": ("{" * 5000 + "\n1\n2\n", "only BAYES"),
    "long_name.xmlbif": (
        '<?xml version="1.0"?>\n<BIF><NETWORK><VARIABLE TYPE="nature"><NAME>'
        + "(" * 5000
        + '</NAME><OUTCOME>y</OUTCOME></VARIABLE><VARIABLE TYPE="nature"><NAME>'
        + "(" * 5000
        + "</NAME><OUTCOME>y</OUTCOME></VARIABLE></NETWORK></BIF>\n",
        "declared twice",
    ),
    "long_token.net": (
        'net { }\nnode a { states = ( "y" "n" ); }\npotential ( a ) { data = ( 0'
        + "<a>" * 5000
        + " 1 ); }\n",
        "expected a number",
    ),
    "entities.xml": (
        '<?xml version="1.0"?>\n<!DOCTYPE b [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        "<BIF><NETWORK>&b;</NETWORK></BIF>\n",
        "DTD",
    ),
}

DIAGRAMS = {
    # pyAgrum allocated until it ran out of memory on these table entries (fuzz campaign)
    "nan.bifxml": (
        '<?xml version="1.0"?>\n<BIF VERSION="0.3"><NETWORK>'
        '<VARIABLE TYPE="nature"><NAME>w</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME>'
        "</VARIABLE><DEFINITION><FOR>w</FOR><TABLE>0.5 nan</TABLE></DEFINITION>"
        "</NETWORK></BIF>\n",
        "expected a finite number, found 'nan'",
    ),
    "underscore.bifxml": (
        '<?xml version="1.0"?>\n<BIF VERSION="0.3"><NETWORK>'
        '<VARIABLE TYPE="nature"><NAME>w</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME>'
        "</VARIABLE><DEFINITION><FOR>w</FOR><TABLE>0.5 1_000</TABLE></DEFINITION>"
        "</NETWORK></BIF>\n",
        "expected a finite number, found '1_000'",
    ),
    "inf.xdsl": (
        '<?xml version="1.0"?>\n<smile id="x"><nodes><cpt id="w"><state id="a"/>'
        '<state id="b"/><probabilities>inf 0.5</probabilities></cpt></nodes></smile>\n',
        "expected a finite number, found 'inf'",
    ),
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
    with pytest.raises(ScenarioError, match=re.escape(expected)) as caught:
        read_influence_diagram(path)
    assert len(str(caught.value)) < 300
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


def test_network_files_are_read_with_a_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.bif"
    path.write_bytes((EXAMPLES / "networks" / "sprinkler.bif").read_bytes())
    monkeypatch.setenv("PHRONESIS_MAX_NETWORK_BYTES", "100")
    with pytest.raises(ScenarioError, match="larger than 100 bytes; set PHRONESIS_MAX_NETWORK"):
        read_network(path)
    bomb = tmp_path / "bomb.bif.gz"
    bomb.write_bytes(gzip.compress(b" " * 10_000))  # the limit holds for the gunzipped size
    with pytest.raises(ScenarioError, match="larger than 100 bytes"):
        read_network(bomb)


def test_a_repeated_table_is_refused_as_it_is_read(tmp_path: Path) -> None:
    # 5,000 repeated blocks (800 kB) were all parsed before the error: > 10 s in the campaign
    block = "probability ( a ) {\n  table 0.5, 0.5;\n}\n"
    path = tmp_path / "repeated.bif"
    path.write_text("network x { }\nvariable a { type discrete [ 2 ] { y, n }; }\n" + block * 5000)
    with pytest.raises(
        ScenarioError, match=r"variables\.a\.cpt: a second probability table .*line 6"
    ):
        read_network(path)


def test_network_files_are_scanned_lazily_with_a_token_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a 1.5 MB mutated BIF took >10 s to tokenise before its first error, at line 19
    path = tmp_path / "brackets.net"
    path.write_text('net { }\nnode a { states = ( "y" "n" ); }\n' + "(" * 2_000_000 + "\n")
    with pytest.raises(ScenarioError, match="line 3: expected net, node or potential"):
        read_network(path)
    path.write_text(
        'net { }\nnode a { states = ( "y" "n" ); }\npotential ( a ) { data = ( '
        + "0.5 " * 5000
        + "); }\n"
    )
    monkeypatch.setenv("PHRONESIS_MAX_NETWORK_TOKENS", "1000")
    with pytest.raises(ScenarioError, match="more than 1000 tokens"):
        read_network(path)


def test_an_unknown_state_in_observations_is_quoted_short(tmp_path: Path) -> None:
    from models.learn.cpts import learn_cpts
    from phronesis.inputs import load

    path = tmp_path / "observations.csv"
    path.write_text("action,drug_obtained\nsteal_" + "{" * 5000 + ",yes\n")
    with pytest.raises(ScenarioError, match="unknown state 'steal_") as caught:
        learn_cpts(load(EXAMPLES / "heinz.yaml"), path)
    assert len(str(caught.value)) < 300


def test_a_holdout_that_leaves_no_pair_to_fit_is_refused() -> None:
    from models.learn.thurstone import fit_thurstonian, read_pairs

    choices = read_pairs(EXAMPLES / "data" / "drink_choices.csv")
    with pytest.raises(ScenarioError, match="leaves none to fit on"):
        fit_thurstonian(choices, steps=1, holdout=0.99)
