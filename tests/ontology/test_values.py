"""The DailyDilemmas value taxonomy (Chiu et al. 2024, CC-BY-4.0) as an ontology module."""

from __future__ import annotations

import csv

import pytest
from rdflib import RDF, Graph, URIRef

from ontology.errors import OntologyLoadError
from ontology.values import THEORY_CLASSES, read_values, value_iri, write_value_module
from ontology.vocabulary import PHR


@pytest.fixture(scope="module")
def values_csv(shared_data):
    path = shared_data / "daily_dilemmas" / "data__values.csv"
    if not path.is_file():
        pytest.skip(f"DailyDilemmas values table {path} is not present")
    return path


def test_every_mapped_value_lands_in_its_theory_classes(values_csv, tmp_path):
    module = write_value_module(values_csv, tmp_path / "values.ttl")
    graph = Graph().parse(module, format="turtle")
    with values_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 301
    for row in rows:
        node = value_iri(row["value"])
        types = set(graph.objects(node, RDF.type))
        assert PHR.ValueDimension in types, row["value"]
        expected = {
            THEORY_CLASSES[column][row[column].strip()]
            for column in THEORY_CLASSES
            if row[column].strip()
        }
        theory_types = {
            t for t in types if t not in (PHR.ValueDimension,) and str(t).startswith(str(PHR))
        }
        assert theory_types == expected, row["value"]


def test_examples_of_the_mapping(values_csv):
    by_name = {v.name: set(v.classes) for v in read_values(values_csv)}
    assert by_name["honesty"] == {
        str(PHR.FairnessFoundation),
        str(PHR.Truthfulness),
        str(PHR.TrustEmotion),
        str(PHR.EsteemNeed),
    }
    assert str(PHR.SafetyNeed) in by_name["safety"]
    assert str(URIRef(value_iri("respect for others' property"))).endswith(
        "respect_for_others_property"
    )


def test_an_unknown_category_names_line_and_column(tmp_path):
    bad = tmp_path / "values.csv"
    bad.write_text(",value,WVS,MFT,Virtue,Emotion,Maslow\n0,trust,Survival,Kindness,,,\n")
    with pytest.raises(OntologyLoadError, match=r"line 2, column MFT: unknown category 'Kindness'"):
        read_values(bad)
