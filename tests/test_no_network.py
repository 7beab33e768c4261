"""Nothing phronesis reads reaches the network (issue 10, "Offline and contained").

With every way of opening a connection blocked (``socket.socket.connect``,
``socket.create_connection``, ``socket.getaddrinfo``; a blocked call is recorded and raises),
every loader runs on every shipped example: :func:`phronesis.load` on the scenarios, networks
and influence diagrams, the ontology pipeline (load, SHACL, owlrl, extraction) on every
ontology example, CPT and utility learning on the example data, and the hostile ontologies that
name remote IRIs (remote JSON-LD contexts, imports, external DTDs), which must be refused
without an attempt.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

ONTOLOGY_EXAMPLES = EXAMPLES / "ontology"
HOSTILE = {
    "remote.jsonld": '{"@context": "http://example.org/context.jsonld", "@id": "http://e.org/x"}',
    "imports.ttl": "<http://example.org/o> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
    "    <http://www.w3.org/2002/07/owl#imports> <http://example.org/elsewhere.ttl> .\n",
    "imports.owx": '<?xml version="1.0"?>\n<Ontology xmlns="http://www.w3.org/2002/07/owl#"'
    ' ontologyIRI="http://example.org/o">\n<Import>http://example.org/x.owl</Import>\n'
    "</Ontology>\n",
    "dtd.rdf": '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "http://example.org/x.dtd">\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
}


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Block networking for the test; the list records every attempt (each also raises)."""
    tried: list[str] = []

    def refuse(name: str):
        def blocked(*args: object, **kwargs: object) -> None:
            tried.append(f"{name}{args[1:] if name == 'connect' else args}")
            raise OSError(f"network blocked by the test: {name}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield tried


def _files(folder: Path, *patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in folder.glob(pattern))


def test_the_shipped_examples_are_loaded_offline(attempts: list[str]) -> None:
    import phronesis

    files = _files(EXAMPLES, "*.yaml", "*.json") + _files(EXAMPLES / "networks", "*")
    assert len(files) >= 7
    for path in files:
        assert phronesis.load(path) is not None, path
    assert attempts == []


def test_the_ontology_examples_are_read_reasoned_and_extracted_offline(
    attempts: list[str],
) -> None:
    from ontology.analyse import analyse_file
    from ontology.extract import problem_from_knowledge, problem_from_ontology

    ontologies = _files(ONTOLOGY_EXAMPLES, "*.ttl", "*.owx")
    assert len(ontologies) >= 4
    for path in ontologies:
        knowledge, _ = analyse_file(path, "owlrl")
        if knowledge.scenario is not None:
            problem = problem_from_knowledge(knowledge, path, None)
            assert problem.norms, path
    problem = problem_from_ontology(
        ONTOLOGY_EXAMPLES / "av_usage_policy.ttl",
        ONTOLOGY_EXAMPLES / "av_emergency.scenario.yaml",
        reasoner="none",
    )
    assert problem.norms
    assert attempts == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_remote_iris_are_refused_without_an_attempt(
    name: str, tmp_path: Path, attempts: list[str]
) -> None:
    from ontology.errors import OntologyLoadError
    from ontology.load import read_graph

    path = tmp_path / name
    path.write_text(HOSTILE[name])
    with pytest.raises(OntologyLoadError, match="http://example.org/"):
        read_graph(path)
    assert attempts == []


def test_learning_from_the_example_data_is_offline(attempts: list[str]) -> None:
    import phronesis
    from models.learn.cpts import learn_cpts
    from models.learn.thurstone import read_pairs

    problem = phronesis.load(EXAMPLES / "heinz.yaml")
    fit = learn_cpts(problem, EXAMPLES / "data" / "heinz_observations.csv")
    assert fit is not None
    assert read_pairs(EXAMPLES / "data" / "drink_choices.csv") is not None
    assert attempts == []


def test_the_block_works(attempts: list[str]) -> None:
    with pytest.raises(OSError, match="network blocked"):
        socket.create_connection(("example.org", 80), timeout=1)
    assert len(attempts) == 1
