"""The DailyDilemmas value taxonomy as an importable ontology module.

Source: Chiu et al. (2024), "DailyDilemmas: Revealing Value Preferences of LLMs with Quandaries
of Daily Life" (CC-BY-4.0), file ``data/values.csv``: 301 values, each mapped to at most one
category of each of five theories (World Values Survey, Moral Foundations, Aristotle's virtues,
Plutchik's emotions, Maslow's needs). Each value becomes an individual of ``phr:ValueDimension``
and of the core ontology's class for each category it is mapped to. The CSV is read at run time
from a path the user gives; nothing of it ships with phronesis.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from ontology.errors import OntologyLoadError
from ontology.vocabulary import CORE_IRI, DCTERMS, PHR

DAILY_DILEMMAS = Namespace("https://w3id.org/phronesis/values/dailydilemmas#")
MODULE_IRI = URIRef("https://w3id.org/phronesis/values/dailydilemmas")
CITATION = (
    "Chiu, Jiang & Choi (2024), DailyDilemmas: Revealing Value Preferences of LLMs with "
    "Quandaries of Daily Life, data/values.csv (CC-BY-4.0)"
)

#: CSV column -> (category as written in the CSV -> core ontology class).
THEORY_CLASSES: dict[str, dict[str, URIRef]] = {
    "WVS": {
        "Traditional": PHR.TraditionalValue,
        "Secular-rational": PHR.SecularRationalValue,
        "Survival": PHR.SurvivalValue,
        "Self-expression": PHR.SelfExpressionValue,
    },
    "MFT": {
        "Care": PHR.CareFoundation,
        "Fairness": PHR.FairnessFoundation,
        "Loyalty": PHR.LoyaltyFoundation,
        "Authority": PHR.AuthorityFoundation,
        "Purity": PHR.PurityFoundation,
        "Liberty": PHR.LibertyFoundation,
    },
    "Virtue": {
        "Courage": PHR.Courage,
        "Temperance": PHR.Temperance,
        "Liberality": PHR.Liberality,
        "Magnificence": PHR.Magnificence,
        "Magnanimity": PHR.Magnanimity,
        "Ambition": PHR.Ambition,
        "Patience": PHR.Patience,
        "Truthfulness": PHR.Truthfulness,
        "Wittiness": PHR.Wittiness,
        "Friendliness": PHR.Friendliness,
        "Modesty": PHR.Modesty,
        "Righteous Indignation": PHR.RighteousIndignation,
        "Justice": PHR.Justice,
    },
    "Emotion": {
        "joy": PHR.JoyEmotion,
        "trust": PHR.TrustEmotion,
        "fear": PHR.FearEmotion,
        "surprise": PHR.SurpriseEmotion,
        "sadness": PHR.SadnessEmotion,
        "disgust": PHR.DisgustEmotion,
        "anger": PHR.AngerEmotion,
        "anticipation": PHR.AnticipationEmotion,
        "love": PHR.LoveEmotion,
        "submission": PHR.SubmissionEmotion,
        "awe": PHR.AweEmotion,
        "disapproval": PHR.DisapprovalEmotion,
        "remorse": PHR.RemorseEmotion,
        "contempt": PHR.ContemptEmotion,
        "aggressiveness": PHR.AggressivenessEmotion,
        "optimism": PHR.OptimismEmotion,
    },
    "Maslow": {
        "physiological": PHR.PhysiologicalNeed,
        "safety": PHR.SafetyNeed,
        "love and belonging": PHR.LoveAndBelongingNeed,
        "self-esteem": PHR.EsteemNeed,
        "esteem": PHR.EsteemNeed,
        "self-actualization": PHR.SelfActualizationNeed,
    },
}


@dataclass(frozen=True, slots=True)
class MappedValue:
    """One row of values.csv: the value and the core classes it belongs to."""

    name: str
    iri: str
    classes: tuple[str, ...]


def value_iri(name: str) -> URIRef:
    """``"respect for others' property"`` -> ``dd:respect_for_others_property``."""
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    return DAILY_DILEMMAS[slug or "value"]


def read_values(csv_path: str | Path) -> tuple[MappedValue, ...]:
    """Parse values.csv, failing with the row and column of any unknown category."""
    path = Path(csv_path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise OntologyLoadError(str(path), f"cannot read value table ({exc.strerror})") from None
    missing = [c for c in ("value", *THEORY_CLASSES) if rows and c not in rows[0]]
    if not rows or missing:
        raise OntologyLoadError(
            str(path),
            f"expected a CSV with columns value, {', '.join(THEORY_CLASSES)}; missing {missing}",
        )
    values = []
    for number, row in enumerate(rows, start=2):
        classes = []
        for column, mapping in THEORY_CLASSES.items():
            category = (row.get(column) or "").strip()
            if not category:
                continue
            if category not in mapping:
                raise OntologyLoadError(
                    str(path),
                    f"line {number}, column {column}: unknown category {category!r}; expected one "
                    f"of {sorted(mapping)}",
                )
            classes.append(str(mapping[category]))
        name = row["value"].strip()
        values.append(MappedValue(name, str(value_iri(name)), tuple(sorted(set(classes)))))
    iris = [v.iri for v in values]
    duplicate = next((v for v in values if iris.count(v.iri) > 1), None)
    if duplicate is not None:
        raise OntologyLoadError(str(path), f"two values map to the IRI <{duplicate.iri}>")
    return tuple(values)


def value_module_graph(csv_path: str | Path) -> Graph:
    """The value taxonomy module: one individual per value, typed with its theory classes."""
    graph = Graph()
    graph.bind("phr", PHR)
    graph.bind("dd", DAILY_DILEMMAS)
    graph.bind("dcterms", DCTERMS)
    graph.add((MODULE_IRI, RDF.type, OWL.Ontology))
    graph.add((MODULE_IRI, OWL.imports, CORE_IRI))
    graph.add((MODULE_IRI, RDFS.label, Literal("DailyDilemmas value taxonomy", lang="en")))
    graph.add((MODULE_IRI, DCTERMS.source, Literal(CITATION)))
    graph.add((MODULE_IRI, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    for value in read_values(csv_path):
        node = URIRef(value.iri)
        graph.add((node, RDF.type, OWL.NamedIndividual))
        graph.add((node, RDF.type, PHR.ValueDimension))
        for klass in value.classes:
            graph.add((node, RDF.type, URIRef(klass)))
        graph.add((node, RDFS.label, Literal(value.name, lang="en")))
        graph.add((node, PHR.name, Literal(value.name)))
    return graph


def write_value_module(csv_path: str | Path, out: str | Path) -> Path:
    """Write the module as Turtle (importable next to the core ontology) and return its path."""
    out = Path(out)
    value_module_graph(csv_path).serialize(destination=out, format="turtle")
    return out
