"""Ontologies are read offline and contained (issue 10): entity bombs, remote JSON-LD contexts
and OWL/XML imports of other ontologies are refused before rdflib or owlready2 parses them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ontology.errors import OntologyLoadError
from ontology.load import read_graph
from ontology.vocabulary import CORE_IRI

BOMB = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/x"><rdfs:label>&c;</rdfs:label></rdf:Description>
</rdf:RDF>
"""

REMOTE_CONTEXT = '{"@context": "https://example.org/context.jsonld", "@id": "x", "name": "y"}'

IMPORT = """<?xml version="1.0"?>
<Ontology xmlns="http://www.w3.org/2002/07/owl#" ontologyIRI="http://example.org/o">
    <Import>http://example.org/elsewhere.owl</Import>
</Ontology>
"""


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bomb.rdf", BOMB, "DTD"),
        ("remote.jsonld", REMOTE_CONTEXT, "remote JSON-LD @context 'https://example.org"),
        ("nested.jsonld", '{"@graph": [{"@context": ["https://e.org/c"]}]}', "remote JSON-LD"),
        ("imports.owx", IMPORT, "imports 'http://example.org/elsewhere.owl'"),
    ],
)
def test_nothing_is_expanded_or_fetched(name: str, text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(OntologyLoadError, match=message) as caught:
        read_graph(path)
    assert len(str(caught.value)) < 400


def test_an_inline_json_ld_context_is_read(tmp_path: Path) -> None:
    path = tmp_path / "inline.jsonld"
    path.write_text(
        '{"@context": {"name": "http://schema.org/name"}, "@id": "http://e.org/x", "name": "y"}'
    )
    assert len(read_graph(path)) == 1


@pytest.mark.parametrize("named", ["../elsewhere.yaml", "/etc/passwd"])
def test_a_scenario_named_in_an_ontology_stays_in_its_folder(named: str, tmp_path: Path) -> None:
    from engine.errors import ScenarioError
    from ontology.extract import problem_from_ontology

    source = (
        Path(__file__).resolve().parents[2] / "examples/ontology/av_emergency.ttl"
    ).read_text()
    folder = tmp_path / "inner"
    folder.mkdir()
    path = folder / "av.ttl"
    path.write_text(source.replace("av_emergency.scenario.yaml", named))
    with pytest.raises(ScenarioError, match="leaves the ontology's folder"):
        problem_from_ontology(path, reasoner="none")


def _with_literal(tmp_path: Path, literal: str) -> Path:
    """examples/ontology/av_emergency.ttl with every phr:weight replaced by ``literal``."""
    import re as regex

    root = Path(__file__).resolve().parents[2] / "examples" / "ontology"
    text = (root / "av_emergency.ttl").read_text()
    text = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + text
    text = regex.sub(r"phr:weight [0-9.]+", f"phr:weight {literal}", text)
    for name in ("av_emergency.ttl", "av_emergency.scenario.yaml"):
        (tmp_path / name).write_text(text if name.endswith(".ttl") else (root / name).read_text())
    return tmp_path / "av_emergency.ttl"


@pytest.mark.parametrize("reasoner", ["owlrl", "hermit"])
@pytest.mark.parametrize("literal", ['"abc"^^xsd:decimal', '"NaN"^^xsd:double'])
def test_malformed_literals_are_one_clean_line(literal: str, reasoner: str, tmp_path: Path) -> None:

    if reasoner == "hermit" and shutil.which("java") is None:
        pytest.skip("HermiT needs Java")
    path = _with_literal(tmp_path, literal)
    script = Path(sys.executable).parent / "phronesis"
    env = {**os.environ, "PHRONESIS_REASONER": reasoner}
    result = subprocess.run(
        [str(script), "ontology", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode != 0:  # refused: one short line
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1


OWX_BOMB = """<?xml version="1.0"?>
<!DOCTYPE Ontology [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<Ontology xmlns="http://www.w3.org/2002/07/owl#" ontologyIRI="http://example.org/o">
    <Declaration><Class IRI="http://example.org/&c;"/></Declaration>
</Ontology>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "http://example.org/evil.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""

TTL_IMPORT = """@prefix owl: <http://www.w3.org/2002/07/owl#> .
<http://example.org/o> a owl:Ontology ; owl:imports <http://example.org/elsewhere.ttl> .
"""

RDF_IMPORT = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:owl="http://www.w3.org/2002/07/owl#">
  <owl:Ontology rdf:about="http://example.org/o">
    <owl:imports rdf:resource="http://example.org/elsewhere.owl"/>
  </owl:Ontology>
</rdf:RDF>
"""


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bomb.owx", OWX_BOMB, "DTD"),
        ("external.rdf", EXTERNAL_DTD, "'http://example.org/evil.dtd' is not fetched"),
        ("imports.ttl", TTL_IMPORT, "imports 'http://example.org/elsewhere.ttl'"),
        ("imports.rdf", RDF_IMPORT, "imports 'http://example.org/elsewhere.owl'"),
        (
            "scoped.jsonld",
            '{"@context": {"p": {"@id": "http://e.org/p", "@context": "http://e.org/c"}},'
            ' "@id": "http://e.org/x", "p": {"@id": "http://e.org/y"}}',
            "remote JSON-LD @context 'http://e.org/c'",
        ),
        (
            "import.jsonld",
            '{"@context": {"@version": 1.1, "@import": "http://e.org/c"}, "@id": "http://e.org/x"}',
            "remote JSON-LD @context 'http://e.org/c'",
        ),
    ],
)
def test_more_that_is_not_expanded_or_fetched(
    name: str, text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(OntologyLoadError, match=message) as caught:
        read_graph(path)
    assert len(str(caught.value)) < 300 and "\n" not in str(caught.value)


def test_the_core_ontology_may_be_imported(tmp_path: Path) -> None:
    path = tmp_path / "core.ttl"
    path.write_text(TTL_IMPORT.replace("http://example.org/elsewhere.ttl", str(CORE_IRI)))
    assert len(read_graph(path)) == 2


BACKSLASH = "http://example.org/a\\b"
CONTEXT = "https://w3id.org/phronesis/ontology#Context"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
BAD_IRI = {
    "bad.owx": f"""<?xml version="1.0"?>
<Ontology xmlns="http://www.w3.org/2002/07/owl#" ontologyIRI="http://example.org/o">
    <Declaration><Class IRI="{BACKSLASH}"/></Declaration>
    <SubClassOf><Class IRI="{BACKSLASH}"/><Class IRI="{CONTEXT}"/></SubClassOf>
</Ontology>
""",
    "bad.ttl": f"<{BACKSLASH}> <{SUBCLASS}> <{CONTEXT}> .\n",
    "bad.n3": f"<{BACKSLASH}> <{SUBCLASS}> <{CONTEXT}> .\n",
    "bad.rdf": f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="{BACKSLASH}"><rdfs:subClassOf rdf:resource="{CONTEXT}"/>
  </rdf:Description>
</rdf:RDF>
""",
    "bad.jsonld": json.dumps({"@id": BACKSLASH, SUBCLASS: {"@id": CONTEXT}}),
}


@pytest.mark.parametrize("name", sorted(BAD_IRI))
def test_an_iri_with_a_backslash_is_refused_in_every_format(name: str, tmp_path: Path) -> None:
    """rdflib reads it, then raised a bare Exception when writing the graph out for HermiT."""
    path = tmp_path / name
    path.write_text(BAD_IRI[name])
    with pytest.raises(OntologyLoadError, match=r"a\\b>: the IRI holds '\\\\'.*%5C") as caught:
        read_graph(path)
    assert len(str(caught.value)) < 300


def test_a_control_character_in_an_iri_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "bad.nt"
    path.write_text(f"<http://example.org/a\\u0008> <{SUBCLASS}> <{CONTEXT}> .\n")
    with pytest.raises(OntologyLoadError, match=r"<http://example.org/a\\x08>") as caught:
        read_graph(path)
    assert "\x08" not in str(caught.value)
