"""Every class of hostile input found in issue 10, through the real command line, in a process
limited to 4 GiB of address space and 10 s: refused with exit code 2 and one short stderr line
(no traceback, no library logging), or decided when the input is valid and within the limits.

The other hostile-input tests check each reader's message in-process; this one checks the
promise as a controller would meet it: a fresh ``phronesis`` process under a memory limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

MEMORY = 4 * 1024**3
SECONDS = 10
HUGE_INT = "1" + "0" * 400


@dataclass(frozen=True)
class Case:
    """Files to write, the command line (``{dir}`` is the folder they are in), the exit code
    expected and a text the stderr line must contain (for exit 2)."""

    files: dict[str, bytes]
    argv: tuple[str, ...]
    code: int = 2
    says: str = ""
    never: str = ""


def _scenario(variables: list, values: list, norms: tuple = ()) -> bytes:
    theory = {
        "name": "t",
        "kind": "cardinal",
        "credence": 1.0,
        "value_weights": {v["name"]: 1.0 for v in values},
    }
    document = {
        "name": "big",
        "decision": {"name": "act", "options": ["a", "b"]},
        "variables": variables,
        "values": values,
        "norms": list(norms),
        "theories": [theory],
    }
    return json.dumps(document).encode()


def _root(name: str, k: int) -> dict:
    return {"name": name, "states": [f"s{i}" for i in range(k)], "cpt": [1.0 / k] * k}


def _alias_bomb(levels: int = 10) -> bytes:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


HEINZ = (EXAMPLES / "heinz.yaml").read_text(encoding="utf-8")
AV = (EXAMPLES / "av_continuous.yaml").read_text(encoding="utf-8")


def _decide(name: str, *extra: str) -> tuple[str, ...]:
    return ("decide", f"{{dir}}/{name}", *extra)


def _extreme_utility(sign: str) -> bytes:
    written = "utility: {yes: 100, no: 0}"
    assert written in HEINZ
    return HEINZ.replace(written, f"utility: {{yes: {sign}1e308, no: 0}}").encode()


RDF_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
<rdf:Description rdf:about="http://example.org/x"><rdfs:label>&d;</rdfs:label></rdf:Description>
</rdf:RDF>
"""
OWX_HEAD = b'<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#" '
PHR = (
    b"@prefix phr: <https://w3id.org/phronesis#> .\n"
    b"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)


def _many_states(n: int = 2000) -> bytes:
    return _scenario([_root("x", n)], [{"name": "v", "parents": ["x"], "utility": 1}])


CASES: dict[str, Case] = {
    # scenario files
    "non_utf8": Case({"s.yaml": "name: café\n".encode("latin-1")}, ("validate", "{dir}/s.yaml")),
    "deep_yaml": Case({"s.yaml": b"name: " + b"[" * 5000}, ("validate", "{dir}/s.yaml")),
    "deep_json": Case({"s.json": b"[" * 100_000}, ("validate", "{dir}/s.json")),
    "huge_json_int": Case(
        {"s.json": b'{"name": ' + b"9" * 5000 + b"}"}, ("validate", "{dir}/s.json")
    ),
    "huge_yaml_int_in_cpt": Case(
        {"s.yaml": HEINZ.replace("steal: [0.8, 0.2]", f"steal: [{HUGE_INT}, 0.2]", 1).encode()},
        _decide("s.yaml"),
        says="beyond the float range",
    ),
    "alias_bomb": Case({"s.yaml": _alias_bomb()}, ("validate", "{dir}/s.yaml"), says="alias"),
    "duplicate_key": Case(
        {"s.yaml": b"name: a\nname: b\n"}, ("validate", "{dir}/s.yaml"), says="duplicate key"
    ),
    # numbers at the edge
    "utility_1e308_lexicographic": Case(
        {"s.yaml": _extreme_utility("")}, _decide("s.yaml", "--rule", "lexicographic")
    ),
    "utility_minus_1e308_default": Case({"s.yaml": _extreme_utility("-")}, _decide("s.yaml")),
    "utility_1e308_borda_json": Case(
        {"s.yaml": _extreme_utility("")}, _decide("s.yaml", "--rule", "borda", "--json")
    ),
    # size
    "parents_25": Case(
        {
            "s.json": _scenario(
                [
                    *(_root(f"p{i}", 2) for i in range(25)),
                    {
                        "name": "c",
                        "states": ["y", "n"],
                        "parents": [f"p{i}" for i in range(25)],
                        "cpt": [0.5, 0.5],
                    },
                ],
                [{"name": "v", "parents": ["c"], "utility": {"y": 1, "n": 0}}],
            )
        },
        _decide("s.json"),
        says="table_entries",
    ),
    "dense_40": Case(
        {
            "s.json": _scenario(
                [
                    {
                        "name": f"x{i}",
                        "states": [f"s{j}" for j in range(10)],
                        "parents": [f"x{j}" for j in range(i)],
                        "cpt": [0.1] * 10,
                    }
                    for i in range(40)
                ],
                [{"name": "v", "parents": ["x0"], "utility": 1}],
            )
        },
        _decide("s.json"),
        says="limit",
    ),
    "chain_1000_is_decided": Case(
        {
            "s.json": _scenario(
                [
                    _root("x0", 2),
                    *(
                        {
                            "name": f"x{i}",
                            "states": ["s0", "s1"],
                            "parents": [f"x{i - 1}"],
                            "cpt": [[0.9, 0.1], [0.2, 0.8]],
                        }
                        for i in range(1, 1000)
                    ),
                ],
                [{"name": "v", "parents": ["x999", "act"], "utility": [1, 0, 0, 1]}],
            )
        },
        _decide("s.json"),
        code=0,
    ),
    "norm_over_12": Case(
        {
            "s.json": _scenario(
                [_root(f"x{i}", 10) for i in range(12)],
                [{"name": "v", "parents": ["x0"], "utility": 1}],
                (
                    {
                        "name": "n",
                        "modality": "prohibition",
                        "option": "a",
                        "condition": {f"x{i}": "s0" for i in range(12)},
                    },
                ),
            )
        },
        ("validate", "{dir}/s.json"),
        says="factor_entries",
    ),
    "value_8_parents_scalar": Case(
        {
            "s.json": _scenario(
                [_root(f"x{i}", 10) for i in range(8)],
                [{"name": "v", "parents": [f"x{i}" for i in range(8)], "utility": 1}],
            )
        },
        _decide("s.json"),
        says="table_entries",
    ),
    "million_states": Case(
        {
            "s.json": _scenario(
                [{"name": "x", "states": [str(i) for i in range(10**6)]}],
                [{"name": "v", "parents": ["x"], "utility": 1}],
            )
        },
        _decide("s.json"),
        says="states",
    ),
    "limit_raised_decides": Case(
        {"s.json": _many_states(20)},
        ("--limit", "states=20", "decide", "{dir}/s.json"),
        code=0,
    ),
    "limit_lowered_refuses": Case(
        {"s.json": _many_states(20)},
        ("--limit", "states=10", "decide", "{dir}/s.json"),
        says="--limit states=N",
    ),
    # network files
    "uai_huge_cardinality": Case(
        {"n.uai": b"BAYES\n1\n1000000000\n1\n1 0\n\n1000000000\n0.5 0.5\n"},
        ("posterior", "{dir}/n.uai", "--target", "a"),
    ),
    "uai_scope_out_of_range": Case(
        {"n.uai": b"BAYES\n1\n2\n1\n2 0 5\n\n2\n0.5 0.5\n"},
        ("posterior", "{dir}/n.uai", "--target", "a"),
    ),
    "uai_one_state_is_read": Case(
        {"n.uai": b"BAYES\n2\n1 2\n2\n1 0\n2 0 1\n\n1\n1.0\n\n2\n0.3 0.7\n"},
        ("posterior", "{dir}/n.uai", "--target", "var_1"),
        code=0,
    ),
    "xdsl_unknown_encoding": Case(
        {"d.xdsl": b'<?xml version="1.0" encoding="klingon"?>\n<smile id="x"/>\n'},
        ("solve", "{dir}/d.xdsl"),
    ),
    "bif_cardinality_mismatch": Case(
        {
            "n.bif": b"network x { }\nvariable a { type discrete [ 3 ] { y, n }; }\n"
            b"probability ( a ) { table 0.5, 0.5; }\n"
        },
        ("posterior", "{dir}/n.bif", "--target", "a"),
    ),
    "bif_garbage": Case(
        {"n.bif": b"this is not a network\n"}, ("posterior", "{dir}/n.bif", "--target", "a")
    ),
    "bif_nan": Case(
        {
            "n.bif": b"network x { }\nvariable a { type discrete [ 2 ] { y, n }; }\n"
            b"probability ( a ) { table NaN, 0.5; }\n"
        },
        ("posterior", "{dir}/n.bif", "--target", "a"),
        says="number",
    ),
    # ontologies
    "rdf_entity_bomb": Case(
        {"o.rdf": RDF_BOMB}, ("ontology", "check", "{dir}/o.rdf", "--reasoner", "none")
    ),
    "owx_backslash_iri": Case(
        {
            "o.owx": OWX_HEAD
            + b'ontologyIRI="http://example.org/o">\n'
            + b'<Declaration><Class IRI="http://example.org/a\\b"/></Declaration>\n</Ontology>\n'
        },
        ("ontology", "check", "{dir}/o.owx", "--reasoner", "none"),
    ),
    "decimal_literal": Case(
        {"o.ttl": PHR + b'<http://example.org/n> phr:weight "abc"^^xsd:decimal .\n'},
        ("ontology", "check", "{dir}/o.ttl", "--reasoner", "owlrl"),
    ),
    "nan_weight": Case(
        {"o.ttl": PHR + b'<http://example.org/n> phr:weight "NaN"^^xsd:double .\n'},
        ("ontology", "check", "{dir}/o.ttl", "--reasoner", "owlrl"),
    ),
    "remote_jsonld_context": Case(
        {"o.jsonld": b'{"@context": "https://example.org/c.jsonld", "@id": "x", "name": "y"}'},
        ("ontology", "check", "{dir}/o.jsonld", "--reasoner", "none"),
        says="example.org",
    ),
    "owx_remote_import": Case(
        {
            "o.owx": OWX_HEAD
            + b'ontologyIRI="http://example.org/o">\n'
            + b"<Import>http://example.org/elsewhere.owl</Import>\n</Ontology>\n"
        },
        ("ontology", "check", "{dir}/o.owx", "--reasoner", "none"),
        says="elsewhere.owl",
    ),
    # learning
    "learn_zero_steps": Case(
        {}, ("learn", "utilities", str(EXAMPLES / "data" / "drink_choices.csv"), "--steps", "0")
    ),
    "learn_negative_steps": Case(
        {}, ("learn", "utilities", str(EXAMPLES / "data" / "drink_choices.csv"), "--steps", "-1")
    ),
    "csv_not_utf8": Case(
        {"d.csv": b"option_a,option_b,choice\n\xff\xfe,b,A\n"},
        ("learn", "utilities", "{dir}/d.csv"),
        says="line 2",
    ),
    # messages
    "every_state_listed": Case(
        {"s.json": _many_states()}, _decide("s.json", "-e", "x=nope"), says="more"
    ),
    "internal_names": Case(
        {"s.yaml": AV.encode()},
        _decide(
            "s.yaml",
            *("-e", "lidar_range=5", "-e", "road_friction=0.5", "-e", "impact_speed=3"),
            *("-e", "pedestrian_present=no", "-e", "pedestrian_hit=yes"),
        ),
        says="probability 0",
        never=".observed",
    ),
    "underscore_number": Case({"s.yaml": AV.encode()}, _decide("s.yaml", "-e", "lidar_range=1_4")),
}


def _run(case: Case, folder: Path) -> subprocess.CompletedProcess[str] | None:
    folder.mkdir()
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    argv = [a.replace("{dir}", str(folder)) for a in case.argv]
    # the limit is set by the child itself: a preexec_fn would fork this (JAX-threaded) process
    code = (
        "import resource; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY})); "
        "from phronesis.cli import main; main()"
    )
    try:
        return subprocess.run(
            [sys.executable, "-c", code, *argv],
            capture_output=True,
            text=True,
            timeout=SECONDS,
            env={**__import__("os").environ, "PHRONESIS_REASONER": "owlrl"},
        )
    except subprocess.TimeoutExpired:
        return None


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run every case once, two at a time (each is a fresh interpreter)."""
    root = tmp_path_factory.mktemp("hostile")
    run: Callable[[str], object] = lambda name: _run(CASES[name], root / name)  # noqa: E731
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_class_is_answered_within_limits(name: str, outcomes: dict[str, object]) -> None:
    case = CASES[name]
    result = outcomes[name]
    assert result is not None, f"{name}: no answer within {SECONDS} s"
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == case.code, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    if case.code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr[-2000:]
        assert len(lines[0]) <= 300, lines[0]
        assert case.says in lines[0], lines[0]
        if case.never:
            assert case.never not in lines[0], lines[0]
