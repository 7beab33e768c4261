"""Loaders for every format, HermiT and owlrl agreeing, and norm inheritance by subcontexts."""

from __future__ import annotations

import functools
import io
import os

import pytest
from rdflib import RDF, Graph, URIRef

from engine.errors import BackendUnavailable
from ontology.analyse import analyse_file
from ontology.knowledge import Knowledge, read_knowledge
from ontology.load import load_graph, read_graph
from ontology.reason import java_available, reason, resolve_reasoner
from ontology.vocabulary import ODRL, PHR
from tests.conftest import EXAMPLES

needs_java = pytest.mark.skipif(not java_available(), reason="HermiT needs Java on the PATH")
SHIPPED = ("av_emergency.ttl", "icu_triage.ttl")


@functools.cache
def knowledge(name: str, reasoner: str) -> Knowledge:
    return analyse_file(EXAMPLES / "ontology" / name, reasoner, validate=False)[0]


def governs(k: Knowledge) -> set[tuple[str, str]]:
    """The inferred norm set: (prescript, leaf context) pairs."""
    return {(a.prescript, a.context) for a in k.applicability}


@needs_java
@pytest.mark.parametrize("name", SHIPPED)
def test_hermit_and_owlrl_infer_the_same_norm_sets(name):
    hermit, owlrl = knowledge(name, "hermit"), knowledge(name, "owlrl")
    assert hermit.reasoner == "hermit" and owlrl.reasoner == "owlrl"
    assert governs(hermit) == governs(owlrl)
    assert hermit.applicability == owlrl.applicability
    assert hermit.variables == owlrl.variables
    assert hermit.prescripts == owlrl.prescripts


@pytest.mark.parametrize("name", SHIPPED)
def test_owlrl_path_with_hermit_disabled(name, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no java: auto must fall back to owlrl
    monkeypatch.delenv("PHRONESIS_REASONER", raising=False)
    assert resolve_reasoner("auto") == "owlrl"
    with pytest.raises(BackendUnavailable, match="HermiT reasoner needs Java"):
        resolve_reasoner("hermit")
    k = analyse_file(EXAMPLES / "ontology" / name, "auto", validate=False)[0]
    assert k.reasoner == "owlrl"
    assert governs(k) == governs(knowledge(name, "owlrl"))


def test_the_environment_forces_owlrl(monkeypatch):
    monkeypatch.setenv("PHRONESIS_REASONER", "owlrl")
    assert resolve_reasoner("auto") == "owlrl"
    monkeypatch.setenv("PHRONESIS_REASONER", "pellet")
    with pytest.raises(ValueError, match="PHRONESIS_REASONER='pellet' is not a reasoner"):
        resolve_reasoner("auto")


ICU = "https://w3id.org/phronesis/examples/icu#"


@pytest.mark.parametrize("reasoner", ["owlrl", pytest.param("hermit", marks=needs_java)])
def test_a_norm_stated_for_a_parent_context_applies_in_subcontexts_after_reasoning(reasoner):
    # icu:no_withdrawal is stated for icu:CriticalCare only, two levels above the leaves
    before = governs(knowledge("icu_triage.ttl", "none"))
    after = governs(knowledge("icu_triage.ttl", reasoner))
    inherited = {
        (ICU + "no_withdrawal", ICU + "GoodPrognosisB"),
        (ICU + "no_withdrawal", ICU + "PoorPrognosisB"),
    }
    stated_on_leaf = (ICU + "reallocation_when_poor_prognosis", ICU + "PoorPrognosisB")
    assert inherited <= after
    assert not inherited & before
    assert stated_on_leaf in before and stated_on_leaf in after


def _serialised(tmp_path, fmt: str, suffix: str):
    graph = read_graph(EXAMPLES / "ontology" / "icu_triage.ttl")
    path = tmp_path / f"icu_triage{suffix}"
    path.write_bytes(graph.serialize(format=fmt, encoding="utf-8"))
    (tmp_path / "icu_triage.scenario.yaml").write_bytes(
        (EXAMPLES / "ontology" / "icu_triage.scenario.yaml").read_bytes()
    )
    return path


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("xml", ".rdf"), ("xml", ".owl"), ("json-ld", ".jsonld"), ("nt", ".nt")]
)
def test_every_rdf_format_reads_the_same(tmp_path, fmt, suffix):
    path = _serialised(tmp_path, fmt, suffix)
    k = analyse_file(path, "owlrl", validate=False)[0]
    reference = knowledge("icu_triage.ttl", "owlrl")
    assert k.prescripts == reference.prescripts
    assert k.applicability == reference.applicability
    assert k.variables == reference.variables


def test_owl_xml_through_owlready2_reads_the_same():
    k = analyse_file(EXAMPLES / "ontology" / "icu_triage.owx", "owlrl")[0]
    reference = knowledge("icu_triage.ttl", "owlrl")
    assert k.prescripts == reference.prescripts
    assert k.applicability == reference.applicability


def test_owlready2_never_touches_the_default_world():
    import owlready2

    before = len(list(owlready2.default_world.ontologies))
    if java_available():
        knowledge("av_emergency.ttl", "hermit")
    analyse_file(EXAMPLES / "ontology" / "icu_triage.owx", "none", validate=False)
    assert len(list(owlready2.default_world.ontologies)) == before


def test_no_owlready2_object_reaches_the_ir():
    from ontology.extract import problem_from_ontology

    problem = problem_from_ontology(EXAMPLES / "ontology" / "icu_triage.owx", reasoner="owlrl")
    assert problem.to_json()  # plain data all the way down
    text = io.StringIO(problem.to_json()).getvalue()
    assert "owlready" not in text
    assert os.path.basename(str(problem.provenance.source)).startswith("icu_triage")


def test_an_unknown_suffix(tmp_path):
    from ontology.errors import OntologyLoadError

    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(OntologyLoadError, match=r"x.csv: unknown ontology suffix '.csv'"):
        read_graph(path)


def test_read_graph_does_not_merge_the_core():
    graph = read_graph(EXAMPLES / "ontology" / "av_emergency.ttl")
    assert isinstance(graph, Graph) and len(graph) < 150


POLICY = "https://w3id.org/phronesis/examples/av-policy#"


@pytest.mark.parametrize("reasoner", ["owlrl", pytest.param("hermit", marks=needs_java)])
def test_annotated_odrl_rules_are_not_inferred_prescripts(reasoner):
    # phr:priority / phr:defeasible / phr:threshold annotate ODRL rules too; with domains of
    # phr:Prescript alone, reasoning made each annotated rule a prescript with no modality
    graph = load_graph(EXAMPLES / "ontology" / "av_usage_policy.ttl")
    reasoned = reason(graph, reasoner)
    for name in ("no_sacrifice_of_uninvolved", "keep_out_of_oncoming_lane", "brake_when_blocked"):
        types = {str(t) for t in reasoned.closed.objects(URIRef(POLICY + name), RDF.type)}
        assert not {t for t in types if t.startswith(str(PHR))}, name
        assert types & {str(ODRL.Prohibition), str(ODRL.Permission)}, name
    k = read_knowledge(graph, reasoned, "av_usage_policy.ttl")
    assert k.prescripts == ()
    assert [r.name for r in k.odrl] == [
        "brake_when_blocked",
        "keep_out_of_oncoming_lane",
        "no_sacrifice_of_uninvolved",
    ]
