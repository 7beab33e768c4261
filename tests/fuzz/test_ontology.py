"""Fuzzing ontology files (Turtle, RDF/XML, JSON-LD, OWL/XML): each mutated file is loaded,
validated and read, or refused with one short PhronesisError line. Few examples: a case
takes a tenth of a second without a reasoner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ontology.analyse import analyse_file
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, mutated

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FOLDER = EXAMPLES / "ontology"
SEEDS = {
    ".ttl": (
        (FOLDER / "icu_triage.ttl").read_bytes(),
        (FOLDER / "av_usage_policy.ttl").read_bytes(),
    ),
    ".owx": ((FOLDER / "icu_triage.owx").read_bytes(),),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-ontology")
    for scenario in FOLDER.glob("*.scenario.yaml"):
        shutil.copy(scenario, path / scenario.name)
    return path


@pytest.fixture(scope="module")
def serialised(folder: Path) -> dict[str, tuple[bytes, ...]]:
    """The Turtle seed as RDF/XML and JSON-LD, written by the loader's own graph."""
    from ontology.load import read_graph

    graph = read_graph(FOLDER / "icu_triage.ttl")
    return {
        ".rdf": (graph.serialize(format="xml").encode(),),
        ".jsonld": (graph.serialize(format="json-ld").encode(),),
    }


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_mutated_ontologies(suffix: str, folder: Path) -> None:
    @SETTINGS
    @given(data=mutated(SEEDS[suffix], max_rounds=2))
    def run(data: bytes) -> None:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(data)
        accepted_or_refused(lambda: analyse_file(path, "none"))

    run()


@pytest.mark.parametrize("suffix", [".rdf", ".jsonld"])
def test_mutated_serialisations(
    suffix: str, folder: Path, serialised: dict[str, tuple[bytes, ...]]
) -> None:
    @SETTINGS
    @given(data=mutated(serialised[suffix], max_rounds=2))
    def run(data: bytes) -> None:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(data)
        accepted_or_refused(lambda: analyse_file(path, "none"))

    run()
