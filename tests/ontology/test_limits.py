"""Deep hierarchies (issue 10, "Size"): read in linear time without recursion on their depth,
and refused before reasoning, with the depth found, the limit and how to raise it; every
refusal through the CLI is exit code 2 and one short stderr line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ontology.analyse import analyse_file
from ontology.errors import OntologyTooLarge
from ontology.limits import HIERARCHY_DEPTH, hierarchy_depth
from ontology.load import load_graph, read_graph
from tests.conftest import EXAMPLES
from tests.ontology.test_offline import BAD_IRI, BOMB, OWX_BOMB, REMOTE_CONTEXT, TTL_IMPORT

SCRIPT = Path(sys.executable).parent / "phronesis"
PHR = "https://w3id.org/phronesis/ontology#"


def chain(tmp_path: Path, n: int, suffix: str = ".ttl", under: str = "") -> Path:
    """A chain of ``n`` classes, each an rdfs:subClassOf the previous (the first one of
    ``under``, when given), as Turtle or RDF/XML."""
    path = tmp_path / f"chain{n}{suffix}"
    iri = "http://example.org/c#C"
    if suffix == ".ttl":
        lines = ["@prefix owl: <http://www.w3.org/2002/07/owl#> ."]
        lines.append("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .")
        top = f" ; rdfs:subClassOf <{under}>" if under else ""
        lines.append(f"<{iri}0> a owl:Class{top} .")
        lines += [f"<{iri}{i}> a owl:Class ; rdfs:subClassOf <{iri}{i - 1}> ." for i in range(1, n)]
    else:
        lines = [
            '<?xml version="1.0"?>',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"'
            ' xmlns:owl="http://www.w3.org/2002/07/owl#">',
        ]
        top = f'<rdfs:subClassOf rdf:resource="{under}"/>' if under else ""
        lines.append(f'<owl:Class rdf:about="{iri}0">{top}</owl:Class>')
        lines += [
            f'<owl:Class rdf:about="{iri}{i}"><rdfs:subClassOf rdf:resource="{iri}{i - 1}"/>'
            "</owl:Class>"
            for i in range(1, n)
        ]
        lines.append("</rdf:RDF>")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("suffix", [".ttl", ".rdf"])
def test_a_deep_context_chain_is_read_without_reasoning(suffix: str, tmp_path: Path) -> None:
    """3,000 levels below phr:Context: rdflib's property paths (the SHACL cycle check) recursed
    once per level, and the hierarchy built every class's ancestors (quadratic)."""
    knowledge, _ = analyse_file(chain(tmp_path, 3000, suffix, PHR + "Context"), "none")
    assert len(knowledge.contexts) == 3001
    assert knowledge.leaves == ("http://example.org/c#C2999",)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".ttl", ".rdf"])
def test_a_20000_class_chain_is_read_without_reasoning(suffix: str, tmp_path: Path) -> None:
    knowledge, _ = analyse_file(chain(tmp_path, 20_000, suffix, PHR + "Context"), "none")
    assert len(knowledge.contexts) == 20_001


@pytest.mark.parametrize("reasoner", ["owlrl", "hermit"])
def test_a_hierarchy_too_deep_to_reason_over_is_refused(reasoner: str, tmp_path: Path) -> None:
    path = chain(tmp_path, 2_000)
    with pytest.raises(OntologyTooLarge) as caught:
        analyse_file(path, reasoner)
    message = str(caught.value)
    assert "1,999 rdfs:subClassOf levels deep, above the limit of 64" in message
    assert HIERARCHY_DEPTH.variable in message and "--reasoner none" in message
    assert len(message) < 300 + len(str(path))


def test_the_depth_limit_is_raised_or_lowered_by_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = EXAMPLES / "ontology" / "icu_triage.ttl"
    assert hierarchy_depth(load_graph(path)) == 4
    monkeypatch.setenv(HIERARCHY_DEPTH.variable, "3")
    with pytest.raises(OntologyTooLarge, match="4 rdfs:subClassOf levels deep"):
        analyse_file(path, "owlrl")
    monkeypatch.setenv(HIERARCHY_DEPTH.variable, "5")
    knowledge, _ = analyse_file(path, "owlrl")
    assert knowledge.prescripts


def test_cycles_do_not_count_towards_the_depth(tmp_path: Path) -> None:
    path = tmp_path / "cycle.ttl"
    sub = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    path.write_text(
        f"<urn:a> {sub} <urn:b> .\n<urn:b> {sub} <urn:a> .\n<urn:c> {sub} <urn:a> .\n"
        f"<urn:d> {sub} <urn:top> .\n"
    )
    assert hierarchy_depth(read_graph(path)) == 1


CLI_CASES = {
    "deep.ttl": None,  # the 20,000-class chain, written by the test
    "bomb.rdf": BOMB,
    "bomb.owx": OWX_BOMB,
    "remote.jsonld": REMOTE_CONTEXT,
    "imports.ttl": TTL_IMPORT,
    "bad.owx": BAD_IRI["bad.owx"],
    "bad.ttl": BAD_IRI["bad.ttl"],
}


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_the_cli_refuses_with_one_short_line(name: str, tmp_path: Path) -> None:
    text = CLI_CASES[name]
    if text is None:
        path = chain(tmp_path, 20_000)
    else:
        path = tmp_path / name
        path.write_text(text)
    env = {k: v for k, v in os.environ.items() if k != HIERARCHY_DEPTH.variable}
    result = subprocess.run(
        [str(SCRIPT), "ontology", "check", str(path)],
        capture_output=True,
        text=True,
        env={**env, "PHRONESIS_REASONER": "owlrl"},
        timeout=120,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    assert len(lines[0]) <= 300 + len(str(path)), lines[0]
    assert str(path) in lines[0]
