"""The shipped core ontology: OWL 2 DL vocabulary with labels and comments, consistent."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, URIRef

from ontology.load import core_graph
from ontology.reason import java_available, reason
from ontology.vocabulary import PHR

needs_java = pytest.mark.skipif(not java_available(), reason="HermiT needs Java on the PATH")


def test_every_class_and_property_has_a_label_and_a_comment():
    graph = core_graph()
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    entities = {
        s
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(PHR))
    }
    assert len(entities) > 100
    missing = sorted(
        str(e)
        for e in entities
        if graph.value(e, RDFS.label) is None or graph.value(e, RDFS.comment) is None
    )
    assert missing == []


def test_vocabulary_of_the_issue_is_present():
    graph = core_graph()
    for name in (
        "Context",
        "Prescript",
        "Norm",
        "Obligation",
        "Prohibition",
        "Permission",
        "Option",
        "Action",
        "Agent",
        "Role",
        "Stakeholder",
        "ValueDimension",
        "Right",
        "Duty",
        "Theory",
        "Policy",
        "MoralFoundationValue",
        "WorldValuesSurveyValue",
        "MaslowNeed",
        "AristotelianVirtue",
        "EmotionValue",
        "RAILDimension",
        "RAILFairness",
        "RAILSafety",
        "RAILReliability",
        "RAILTransparency",
        "RAILPrivacy",
        "RAILAccountability",
        "RAILInclusivity",
        "RAILUserImpact",
        "Valence",
        "AbstractionLevel",
    ):
        assert (PHR[name], RDF.type, OWL.Class) in graph, name
    for name in ("applicability", "weight", "priority", "defeasible", "credence", "relevance"):
        assert (PHR[name], RDF.type, OWL.DatatypeProperty) in graph, name
    for name in ("promotes", "demotes", "concerns", "governedBy", "valence", "levelOfAbstraction"):
        assert (PHR[name], RDF.type, OWL.ObjectProperty) in graph, name


@needs_java
def test_hermit_finds_the_core_consistent_with_no_unsatisfiable_class():
    reasoned = reason(core_graph(), "hermit", "phronesis.ttl")
    assert reasoned.reasoner == "hermit"
    assert reasoned.unsatisfiable == ()


def test_owlrl_finds_no_inconsistency_in_the_core():
    reasoned = reason(core_graph(), "owlrl", "phronesis.ttl")
    assert (PHR.Prohibition, RDFS.subClassOf, PHR.Prescript) in reasoned.closed


def test_importing_the_package_and_its_cli_loads_no_heavy_library():
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import json, sys\n"
        "import ontology, phronesis.cli.ontology\n"
        "heavy = ('owlready2', 'rdflib', 'pyshacl', 'owlrl', 'matplotlib')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
