"""Network files (BIF, BIF.gz, XMLBIF/BIFXML, Hugin .net, UAI): reading, cross-checks, errors.

Posteriors of every file read here are compared with pyAgrum's LazyPropagation on the *same
file* to 1e-9. aGrUM's BIFXML alarm and insurance have rows rounded to 1 +- 1e-5; the reader
rescales them (and says so), so the pyAgrum side is normalised with ``normalizeAsCPT`` too.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ScenarioError
from models.formats.networks import network_format, read_network, write_network
from models.pgmpy.backend import PgmpyBackend, import_pgmpy
from models.pgmpy.convert import from_pgmpy
from tests.conftest import ROOT

PREFIX = "src__testunits__ressources__"
PGMPY_MODELS = (
    Path(importlib.util.find_spec("pgmpy").submodule_search_locations[0])
    / "utils"
    / "example_models"
)


@pytest.fixture(scope="module")
def data(shared_data: Path) -> Path:
    folder = shared_data / "influence_diagrams"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


def pgmpy_model(name: str) -> Path:
    path = PGMPY_MODELS / name
    if not path.is_file():
        pytest.skip(f"pgmpy does not ship {path}")
    return path


def pyagrum_posteriors(path: Path, network, n_sets: int = 3, seed: int = 0):
    """(target, evidence, pyAgrum posterior in the IR's state order) for a few evidence sets."""
    pytest.importorskip("pyagrum")
    import pyagrum as gum

    bn = gum.loadBN(str(path))
    for node in bn.nodes():
        bn.cpt(node).normalizeAsCPT()
    rng = random.Random(seed)
    names = [v.name for v in network.variables]
    cases = []
    while len(cases) < n_sets:
        observed = rng.sample(names, 3)
        evidence = {v: rng.choice(network.states(v)) for v in observed}
        target = rng.choice([n for n in names if n not in evidence])
        engine = gum.LazyPropagation(bn)
        engine.setEvidence(evidence)
        try:
            engine.makeInference()
            posterior = engine.posterior(target)
        except Exception:  # evidence of probability 0: draw again
            continue
        labels = list(bn.variable(target).labels())
        values = np.asarray(posterior.toarray(), dtype=np.float64)
        cases.append((target, evidence, values[[labels.index(s) for s in network.states(target)]]))
    return cases


def assert_agrees_with_pyagrum(path: Path, network, source: Path | None = None) -> None:
    backend = PgmpyBackend()
    for target, evidence, expected in pyagrum_posteriors(source or path, network):
        ours = backend.posterior(network, [evidence], [target])[0]
        np.testing.assert_allclose(ours, expected, atol=1e-9, err_msg=f"{target} | {evidence}")


@pytest.mark.parametrize(
    ("name", "n_variables"),
    [("bifxml__alarm.bifxml", 37), ("bifxml__insurance.bifxml", 27), ("bifxml__dog.bifxml", 5)],
)
def test_bifxml_agrees_with_pyagrum(data, name, n_variables):
    path = data / f"{PREFIX}{name}"
    network = read_network(path)
    assert len(network.variables) == n_variables
    assert network.provenance.format == "xmlbif" and network.provenance.source == str(path)
    assert_agrees_with_pyagrum(path, network)


def test_rounded_rows_are_rescaled_and_noted(data):
    network = read_network(data / f"{PREFIX}bifxml__alarm.bifxml")
    assert "HREKG: 3 row(s) rescaled to sum to 1" in network.description


def test_hugin_net_agrees_with_pyagrum(data):
    path = data / f"{PREFIX}net__alarm.net"
    network = read_network(path)
    assert len(network.variables) == 37 and network.states("HISTORY") == ("TRUE", "FALSE")
    assert_agrees_with_pyagrum(path, network)


@pytest.mark.parametrize("name", ["asia.bif.gz", "alarm.bif.gz"])
def test_bif_gz_agrees_with_pyagrum(tmp_path, name):
    path = pgmpy_model(name)
    network = read_network(path)
    assert network.provenance.format == "bif"
    plain = tmp_path / name.removesuffix(".gz")  # pyAgrum reads plain BIF only
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert_agrees_with_pyagrum(path, network, source=plain)


def test_uai_follows_the_specification(data):
    """UAI asia is the asia network: the same posteriors as pgmpy's asia.bif.gz.

    The UAI 2008 format lists a table in scope order with the last variable fastest. Both
    pgmpy 1.1 (rows and columns swapped) and pyAgrum 3.3 (parents reversed, float32) read it
    otherwise, so the reference here is the BIF of the same network.
    """
    uai = read_network(data / f"{PREFIX}uai__asia.uai")
    assert [v.name for v in uai.variables][:2] == ["var_0", "var_1"]
    assert uai.states("var_0") == ("s0", "s1")
    bif = read_network(pgmpy_model("asia.bif.gz"))
    names = ["asia", "smoke", "bronc", "lung", "tub", "either", "dysp", "xray"]
    to_bif = {f"var_{i}": n for i, n in enumerate(names)}
    backend = PgmpyBackend()
    rng = random.Random(1)
    for _ in range(5):
        observed = rng.sample(sorted(to_bif), 2)
        evidence = {v: rng.choice(("s0", "s1")) for v in observed}
        target = rng.choice([v for v in to_bif if v not in evidence])
        ours = backend.posterior(uai, [evidence], [target])[0]
        same = {to_bif[v]: ("yes", "no")[int(s[1])] for v, s in evidence.items()}
        expected = backend.posterior(bif, [same], [to_bif[target]])[0]
        np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_formats_by_extension():
    assert network_format("a.BIF.GZ") == "bif" and network_format("x.bifxml") == "xmlbif"
    assert network_format("x.net") == "net" and network_format("x.uai") == "uai"
    with pytest.raises(ScenarioError, match=r"x\.csv: unknown network file extension"):
        network_format("x.csv")


# -- malformed files --------------------------------------------------------------------------
BIF = """network toy { }
variable rain { type discrete [ 2 ] { yes, no }; }
variable wet { type discrete [ 2 ] { yes, no }; }
probability ( rain ) { table 0.2, 0.8; }
probability ( wet | rain ) {
  (yes) 0.9, 0.1;
  (no) 0.2, 0.8;
}
"""
NET = """net { }
node rain { states = ( "yes" "no" ); }
node wet { states = ( "yes" "no" ); }
potential ( rain ) { data = ( 0.2 0.8 ); }
potential ( wet | rain ) { data = (( 0.9 0.1 ) ( 0.2 0.8 )); }
"""
XML = """<?xml version="1.0"?>
<BIF VERSION="0.3"><NETWORK><NAME>toy</NAME>
<VARIABLE TYPE="nature"><NAME>rain</NAME><OUTCOME>yes</OUTCOME><OUTCOME>no</OUTCOME></VARIABLE>
<VARIABLE TYPE="nature"><NAME>wet</NAME><OUTCOME>yes</OUTCOME><OUTCOME>no</OUTCOME></VARIABLE>
<DEFINITION><FOR>rain</FOR><TABLE>0.2 0.8</TABLE></DEFINITION>
<DEFINITION><FOR>wet</FOR><GIVEN>rain</GIVEN><TABLE>0.9 0.1 0.2 0.8</TABLE></DEFINITION>
</NETWORK></BIF>
"""
UAI = "BAYES\n2\n2 2\n2\n1 0\n2 0 1\n2\n 0.2 0.8\n4\n 0.9 0.1 0.2 0.8\n"

GOOD = {"bif": BIF, "net": NET, "xml": XML, "uai": UAI}
BROKEN = {
    # (format, defect): (edit of the good text, words the message must contain)
    ("bif", "truncated"): (lambda t: t[:150], "variables.rain.cpt: no probability table given"),
    ("bif", "size"): (
        lambda t: t.replace("(no) 0.2, 0.8;", "(no) 0.2, 0.8, 0.1;"),
        "variables.wet.cpt: row '(no) 0.2, 0.8, 0.1' has 3 entries, expected 2",
    ),
    ("bif", "sum"): (
        lambda t: t.replace("table 0.2, 0.8", "table 0.2, 0.7"),
        "variables.rain.cpt: row (no parents) sums to 0.9, expected 1",
    ),
    ("bif", "parent"): (
        lambda t: t.replace("wet | rain", "wet | cloud"),
        "variables.wet.parents: unknown variable 'cloud'",
    ),
    ("net", "truncated"): (lambda t: t[:120], "variables.wet.cpt: no probability table"),
    ("net", "size"): (
        lambda t: t.replace("( 0.2 0.8 ));", "( 0.2 0.8 0.3 ));"),
        "variables.wet.cpt: expected 4 entries (2 x 2), found 5",
    ),
    ("net", "sum"): (
        lambda t: t.replace("( 0.9 0.1 )", "( 0.9 0.3 )"),
        "variables.wet.cpt: row (rain=yes) sums to 1.2, expected 1",
    ),
    ("net", "parent"): (
        lambda t: t.replace("wet | rain", "wet | cloud"),
        "variables.wet.parents: unknown variable 'cloud'",
    ),
    ("xml", "truncated"): (lambda t: t[:200], "not well-formed XML"),
    ("xml", "size"): (
        lambda t: t.replace("0.9 0.1 0.2 0.8", "0.9 0.1 0.2"),
        "variables.wet.cpt: expected 4 entries (2 x 2), found 3",
    ),
    ("xml", "sum"): (
        lambda t: t.replace("0.9 0.1 0.2 0.8", "0.9 0.1 0.2 0.9"),
        "variables.wet.cpt: row (rain=no) sums to 1.1, expected 1",
    ),
    ("xml", "parent"): (
        lambda t: t.replace("<GIVEN>rain", "<GIVEN>cloud"),
        "variables.wet.parents: unknown parent 'cloud'",
    ),
    ("uai", "truncated"): (lambda t: t[:22], "the file ends where"),
    ("uai", "size"): (
        lambda t: t.replace("0.9 0.1 0.2 0.8", "0.9 0.1 0.2"),
        "entry 3 of variables.var_1.cpt (4 expected)",
    ),
    ("uai", "sum"): (
        lambda t: t.replace(" 0.2 0.8\n4", " 0.2 0.7\n4"),
        "variables.var_0.cpt: row (no parents) sums to 0.9, expected 1",
    ),
    ("uai", "parent"): (
        lambda t: t.replace("2 0 1\n", "2 5 1\n"),
        "variables.var_1.cpt.parents: unknown variable index",
    ),
}


@pytest.mark.parametrize("fmt", sorted(GOOD))
def test_small_files_read(tmp_path, fmt):
    path = tmp_path / f"toy.{fmt}"
    path.write_text(GOOD[fmt])
    network = read_network(path)
    assert network.cpt_array(network.cpts[-1].child).tolist() == [[0.9, 0.1], [0.2, 0.8]]


@pytest.mark.parametrize(("fmt", "defect"), sorted(BROKEN))
def test_malformed_files_give_clear_errors(tmp_path, fmt, defect):
    edit, words = BROKEN[fmt, defect]
    path = tmp_path / f"{defect}.{fmt}"
    path.write_text(edit(GOOD[fmt]))
    with pytest.raises(ScenarioError) as info:
        read_network(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert words in message, message
    assert "Traceback" not in message and isinstance(info.value, ValueError)


def test_other_file_errors(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        read_network(tmp_path / "missing.bif")
    with pytest.raises(ScenarioError, match="unknown network file extension"):
        read_network(tmp_path / "toy.yaml")
    bad_gz = tmp_path / "bad.bif.gz"
    bad_gz.write_bytes(b"not gzip")
    with pytest.raises(ScenarioError, match="cannot read the file"):
        read_network(bad_gz)
    markov = tmp_path / "m.uai"
    markov.write_text(UAI.replace("BAYES", "MARKOV"))
    with pytest.raises(ScenarioError, match="only BAYES"):
        read_network(markov)
    diagram = tmp_path / "id.xml"
    diagram.write_text(XML.replace('TYPE="nature"><NAME>wet', 'TYPE="decision"><NAME>wet'))
    with pytest.raises(ScenarioError, match="influence diagram"):
        read_network(diagram)


def test_normalise_reads_tables_of_counts(tmp_path):
    path = tmp_path / "counts.bif"
    path.write_text(BIF.replace("table 0.2, 0.8", "table 20, 80"))
    with pytest.raises(ScenarioError, match="--normalise"):
        read_network(path)
    network = read_network(path, normalise=True)
    assert network.cpt("rain").table == (0.2, 0.8)
    assert "rescaled" in network.description


@pytest.mark.parametrize("suffix", ["bif", "bif.gz", "xmlbif", "net"])
def test_write_then_read_is_the_same_network(tmp_path, suffix):
    network = read_network(pgmpy_model("asia.bif.gz"))
    again = read_network(write_network(network, tmp_path / f"asia.{suffix}"))
    assert again.content_hash == network.content_hash


def test_uai_write_then_read_keeps_every_table(tmp_path):
    network = read_network(pgmpy_model("alarm.bif.gz"))
    again = read_network(write_network(network, tmp_path / "alarm.uai"))
    for original, copy in zip(network.variables, again.variables, strict=True):
        assert len(original.states) == len(copy.states)
        assert network.cpt(original.name).table == again.cpt(copy.name).table


# -- the readers: any BIF / Hugin layout pgmpy and pyAgrum read, pgmpy left unimported --------
def test_bif_table_of_a_conditional_lists_the_child_slowest(tmp_path):
    """``table`` lists P(child | parents) with the child's states slowest (pgmpy, pyAgrum)."""
    path = tmp_path / "table.bif"
    path.write_text(
        BIF.replace("  (yes) 0.9, 0.1;\n  (no) 0.2, 0.8;", "  table 0.9, 0.2, 0.1, 0.8;")
    )
    assert read_network(path).cpt_array("wet").tolist() == [[0.9, 0.1], [0.2, 0.8]]


def test_bif_variants_read(tmp_path):
    """Comments, quoted names, properties, ``default`` rows and the old header without ``|``."""
    text = """// written by hand
network "toy" { property author = "someone" ; }
/* two
   variables */
variable "rain" { type discrete[2] { "yes" "no" }; property position = (10, 20) ; }
variable wet { type discrete [ 2 ] { yes, no }; }
probability ( rain ) { table 0.2 0.8 ; }
probability ( wet rain ) {
  default 0.5, 0.5;
  (yes) 0.9, 0.1;  // the only row given
}
"""
    path = tmp_path / "variants.bif"
    path.write_text(text)
    network = read_network(path)
    assert network.name == "toy" and network.states("rain") == ("yes", "no")
    assert network.cpt("wet").parents == ("rain",)
    assert network.cpt_array("wet").tolist() == [[0.9, 0.1], [0.5, 0.5]]
    assert network.description == ""


def test_hugin_attributes_and_comments_are_skipped(tmp_path):
    text = """% a Hugin file
net { node_size = (80 40); HR_Desc = ""; }
discrete node rain { label = "Rain; today"; position = (100 200); states = ("yes" "no"); }
node wet { states = ("yes" "no"); }
potential (rain) { data = ( 0.2 0.8 ); }   % prior
potential ( wet | rain ) {
    data = ((0.9 0.1)    %  rain=yes
            (0.2 0.8));  %  rain=no
    experience = (1 1);
}
"""
    path = tmp_path / "attributes.net"
    path.write_text(text)
    assert read_network(path).cpt_array("wet").tolist() == [[0.9, 0.1], [0.2, 0.8]]


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("undeclared.bif", BIF.replace("wet | rain", "dry | rain"), "variables.dry: unknown var"),
        (
            "states.bif",
            BIF.replace("[ 2 ] { yes, no }; }\nvariable wet", "[ 3 ] { yes, no }; }\nvariable wet"),
            "variables.rain.states: declares [3] states and lists 2",
        ),
        (
            "twice.bif",
            BIF + "probability ( rain ) { table 0.5, 0.5; }\n",
            "a second probability table",
        ),
        ("row.bif", BIF.replace("(no) 0.2", "(maybe) 0.2"), "unknown state 'maybe' of rain"),
        ("word.bif", BIF.replace("table 0.2, 0.8", "table 0.2, O.8"), "line 4: expected a number"),
        (
            "quote.bif",
            BIF.replace("{ yes, no }; }\nvariable wet", '{ "yes, no }; }\nvariable wet'),
            "line 2: a string",
        ),
        ("decision.net", NET.replace("node wet", "decision wet"), "variables.wet: a decision node"),
        ("nodata.net", NET.replace("data = ( 0.2 0.8 );", ""), "variables.rain.cpt: no data"),
        ("extra.uai", UAI + "7\n", "unexpected '7' after the last table"),
        (
            "cycle.bif",
            BIF.replace(
                "( rain ) { table 0.2, 0.8; }", "( rain | wet ) { table 0.5 0.5 0.5 0.5; }"
            ),
            "variables: the graph has a cycle",
        ),
    ],
)
def test_reader_errors_name_the_place(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        read_network(path)
    assert str(info.value).startswith(f"{path}: ") and words in str(info.value), str(info.value)


@pytest.mark.parametrize("fmt", sorted(GOOD))
def test_every_prefix_reads_or_says_why(tmp_path, fmt):
    """A file cut anywhere either reads or raises ScenarioError; nothing else escapes."""
    path = tmp_path / f"cut.{fmt}"
    for end in range(len(GOOD[fmt])):
        path.write_text(GOOD[fmt][:end])
        try:
            read_network(path)
        except ScenarioError as exc:
            assert str(exc).startswith(str(path))


def test_reading_imports_neither_pgmpy_nor_torch(tmp_path):
    """Every format is read with numpy and the standard library only (a fresh interpreter)."""
    heavy = ("pgmpy", "torch", "jax", "pandas", "scipy", "sklearn")
    paths = []
    for suffix in ("bif", "bif.gz", "xml", "xmlbif", "bifxml", "net", "uai"):
        data = GOOD[{"bif.gz": "bif", "xmlbif": "xml", "bifxml": "xml"}.get(suffix, suffix)]
        path = tmp_path / f"toy.{suffix}"
        path.write_bytes(gzip.compress(data.encode()) if suffix.endswith(".gz") else data.encode())
        paths.append(str(path))
    script = f"""
import json, sys
from models.formats.networks import read_network
found = {{}}
for path in {paths!r}:
    read_network(path)
    found[path] = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps(found))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {path: [] for path in paths}


SMALL_BNLEARN = {"asia", "cancer", "earthquake", "survey", "sachs", "child", "alarm", "insurance"}
BNLEARN = sorted(p.name.removesuffix(".bif.gz") for p in PGMPY_MODELS.glob("*.bif.gz"))


@functools.cache
def pgmpy_bif_reader() -> type:
    """pgmpy's BIFReader with its pyparsing grammar built once (a build takes about 2 s)."""
    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader
    grammars: dict = {}

    class CachedGrammar(BIFReader):
        def get_variable_grammar(self):
            if "variable" not in grammars:
                grammars["variable"] = BIFReader.get_variable_grammar(self)
            return grammars["variable"]

        def get_probability_grammar(self):
            if "probability" not in grammars:
                grammars["probability"] = BIFReader.get_probability_grammar(self)
            return grammars["probability"]

    return CachedGrammar


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[] if n in SMALL_BNLEARN else [pytest.mark.slow]) for n in BNLEARN],
)
def test_reader_agrees_with_pgmpys_bif_reader(name):
    """The same IR as pgmpy's BIFReader + from_pgmpy (the reader before): equal content hashes,
    variables in the same order, tables equal to the last bit."""
    path = pgmpy_model(f"{name}.bif.gz")
    ours = read_network(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pgmpy_bif_reader()(string=gzip.decompress(path.read_bytes()).decode("utf-8"))
        theirs = from_pgmpy(reader.get_model(), name, str(path), "bif")
    assert ours.content_hash == theirs.content_hash
    assert (ours.name, ours.variables, ours.cpts) == (theirs.name, theirs.variables, theirs.cpts)
    assert ours.provenance == theirs.provenance and ours.description == ""
