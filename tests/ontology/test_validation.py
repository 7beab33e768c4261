"""Bad user graphs: each error names the IRI at fault and what to change."""

from __future__ import annotations

import shutil

import pytest

from ontology.analyse import analyse_file
from ontology.errors import ExtractionError, InconsistentOntologyError, ShapeViolationError
from ontology.extract import problem_from_ontology
from ontology.reason import java_available

needs_java = pytest.mark.skipif(not java_available(), reason="HermiT needs Java on the PATH")

PREFIXES = """
@prefix ex:   <http://example.org/t#> .
@prefix phr:  <https://w3id.org/phronesis/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

GOOD = """
ex:Care a owl:Class ; rdfs:subClassOf phr:Context ; phr:contextVariable "prognosis_B" .
ex:Good a owl:Class ; rdfs:subClassOf ex:Care ; phr:stateName "good" .
ex:Poor a owl:Class ; rdfs:subClassOf ex:Care ; phr:stateName "poor" .
ex:reallocate_to_A a phr:Option .
"""


def write(tmp_path, body: str, name: str = "user.ttl"):
    path = tmp_path / name
    path.write_text(PREFIXES + GOOD + body, encoding="utf-8")
    return path


def test_a_norm_without_a_modality(tmp_path):
    path = write(
        tmp_path, "ex:n a phr:Norm ; phr:concerns ex:reallocate_to_A ; phr:appliesIn ex:Poor ."
    )
    with pytest.raises(ShapeViolationError) as caught:
        analyse_file(path, "none")
    message = str(caught.value)
    assert "<http://example.org/t#n>" in message
    assert "exactly one modality" in message and "phr:Prohibition" in message
    assert str(path) in message


def test_a_norm_with_two_modalities(tmp_path):
    path = write(
        tmp_path,
        "ex:n a phr:Obligation , phr:Prohibition ; phr:concerns ex:reallocate_to_A .",
    )
    with pytest.raises(
        ShapeViolationError, match=r"<http://example.org/t#n>: .*exactly one modality"
    ):
        analyse_file(path, "none")


def test_an_option_that_is_missing(tmp_path):
    path = write(tmp_path, "ex:n a phr:Prohibition ; phr:appliesIn ex:Poor .")
    with pytest.raises(
        ShapeViolationError, match=r"#n>: phr:concerns: norm must concern exactly one option"
    ):
        analyse_file(path, "none")


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_an_applicability_outside_the_unit_interval(tmp_path, value):
    path = write(
        tmp_path,
        "ex:n a phr:Prohibition ; phr:concerns ex:reallocate_to_A ;\n"
        f"  phr:hasApplicability ex:a . ex:a phr:inContext ex:Poor ; phr:applicability {value} .",
    )
    with pytest.raises(ShapeViolationError) as caught:
        analyse_file(path, "none")
    message = str(caught.value)
    assert "<http://example.org/t#a>" in message
    assert "applicability P(E|C) must be one number in [0, 1]" in message
    assert f"found {value}" in message


def test_a_context_cycle(tmp_path):
    path = write(
        tmp_path,
        "ex:A a owl:Class ; rdfs:subClassOf ex:Care .\n"
        "ex:B a owl:Class ; rdfs:subClassOf ex:A .\n"
        "ex:A rdfs:subClassOf ex:B .",
    )
    with pytest.raises(ShapeViolationError) as caught:
        analyse_file(path, "none")
    assert {focus for focus, _ in caught.value.violations} == {
        "http://example.org/t#A",
        "http://example.org/t#B",
    }
    assert "cycle of rdfs:subClassOf; remove one link" in str(caught.value)


def test_an_option_the_scenario_does_not_define(tmp_path):
    path = write(
        tmp_path,
        "ex:stay a phr:Option .\n"
        "ex:n a phr:Prohibition ; phr:concerns ex:stay ; phr:appliesIn ex:Poor .",
    )
    shutil.copy("examples/ontology/icu_triage.scenario.yaml", tmp_path / "s.yaml")
    with pytest.raises(ExtractionError) as caught:
        problem_from_ontology(path, tmp_path / "s.yaml", reasoner="none")
    message = str(caught.value)
    assert "<http://example.org/t#n>" in message
    assert "option 'stay'" in message and "does not define" in message
    assert "['keep_B', 'reallocate_to_A']" in message


def test_a_context_variable_the_scenario_lacks(tmp_path):
    path = write(
        tmp_path,
        "ex:Other a owl:Class ; rdfs:subClassOf phr:Context ; phr:contextVariable "
        '"weather" . ex:Sun a owl:Class ; rdfs:subClassOf ex:Other .',
    )
    shutil.copy("examples/ontology/icu_triage.scenario.yaml", tmp_path / "s.yaml")
    with pytest.raises(
        ExtractionError, match=r"#Other>: context variable 'weather' .* is not defined"
    ):
        problem_from_ontology(path, tmp_path / "s.yaml", reasoner="none")


@needs_java
def test_unsatisfiable_classes_named_by_hermit(tmp_path):
    path = write(
        tmp_path, "ex:Weird a owl:Class ; rdfs:subClassOf phr:Obligation , phr:Prohibition ."
    )
    with pytest.raises(InconsistentOntologyError) as caught:
        analyse_file(path, "hermit")
    assert caught.value.unsatisfiable == ("http://example.org/t#Weird",)
    assert "unsatisfiable class(es): <http://example.org/t#Weird>" in str(caught.value)
    assert "disjoint" in str(caught.value)


@needs_java
def test_an_inconsistent_ontology_with_hermit(tmp_path):
    # valid shapes, but an option that is also a context situation: disjoint top classes
    path = write(tmp_path, "ex:reallocate_to_A a ex:Poor .")
    with pytest.raises(InconsistentOntologyError, match="HermiT finds the ontology inconsistent"):
        analyse_file(path, "hermit")


def test_an_inconsistent_ontology_with_owlrl(tmp_path):
    path = write(tmp_path, "ex:reallocate_to_A a ex:Poor .")
    with pytest.raises(InconsistentOntologyError, match="owlrl finds the ontology inconsistent"):
        analyse_file(path, "owlrl")


def test_a_file_that_does_not_parse(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("ex:a ex:b .", encoding="utf-8")
    from ontology.errors import OntologyLoadError

    with pytest.raises(OntologyLoadError, match=r"broken.ttl: not valid turtle"):
        analyse_file(path, "none")


@needs_java
def test_an_unsatisfiable_context_is_named_not_just_inconsistent(tmp_path):
    path = write(
        tmp_path,
        "ex:Never a owl:Class ; rdfs:subClassOf ex:Good , ex:Poor .\n"
        "ex:Good owl:disjointWith ex:Poor .",
    )
    with pytest.raises(InconsistentOntologyError) as caught:
        analyse_file(path, "hermit")
    assert caught.value.unsatisfiable == ("http://example.org/t#Never",)
    assert "a context that cannot hold makes the ontology inconsistent" in str(caught.value)


def test_a_weight_that_is_not_a_number(tmp_path):
    path = write(
        tmp_path,
        'ex:n a phr:Prohibition ; phr:concerns ex:reallocate_to_A ; phr:weight "heavy" ;\n'
        "  phr:appliesIn ex:Poor .",
    )
    with pytest.raises(ExtractionError, match=r"#n>: weight must be a number, found 'heavy'"):
        analyse_file(path, "none")


def test_an_applicability_that_is_not_a_number(tmp_path):
    path = write(
        tmp_path,
        "ex:n a phr:Prohibition ; phr:concerns ex:reallocate_to_A ;\n"
        '  phr:hasApplicability ex:a . ex:a phr:inContext ex:Poor ; phr:applicability "often" .',
    )
    with pytest.raises(ShapeViolationError, match=r"#a>: .*must be one number in \[0, 1\]"):
        analyse_file(path, "none")


ODRL_RULE_AS_NORM = """
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
ex:policy a odrl:Set ; odrl:prohibition ex:n .
ex:n a phr:Prohibition ; phr:concerns ex:reallocate_to_A ; phr:appliesIn ex:Poor ;
    odrl:action ex:reallocate_to_A .
"""


@pytest.mark.parametrize(
    ("reasoner", "error", "message"),
    [
        pytest.param(
            "none", ExtractionError, "ODRL rule is also typed a phr: prescript", id="none"
        ),
        pytest.param(
            "owlrl",
            InconsistentOntologyError,
            "Disjoint classes http://www.w3.org/ns/odrl/2/Rule",
            id="owlrl",
        ),
        pytest.param(
            "hermit",
            InconsistentOntologyError,
            "ODRL rule that is also a phr: prescript",
            marks=needs_java,
            id="hermit",
        ),
    ],
)
def test_an_odrl_rule_that_is_also_a_norm(tmp_path, reasoner, error, message):
    # it would be read twice, as a prescript and as a rule: odrl:Rule is disjoint with it
    path = write(tmp_path, ODRL_RULE_AS_NORM)
    with pytest.raises(error, match=message) as caught:
        analyse_file(path, reasoner)
    if reasoner != "hermit":  # HermiT proves inconsistency without naming the individual
        assert "http://example.org/t#n" in str(caught.value)
