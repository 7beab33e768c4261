"""Exceptions (``phr:unlessContext``) and contrary-to-duty links (``phr:contraryToDuty``) in the
ontology give the problem the scenario YAML states with ``unless:`` and ``condition.violated``.

Chisholm's (1963) example: it ought to be that he goes to help (where help is urgently needed);
if he does not go, he ought not to tell that he is coming. Options ``go``, ``stay_tell``,
``stay_silent``; context variables ``need`` (urgent 0.3 / routine 0.5 / idle 0.2; routine and
idle are both "not urgent") and ``road`` (clear 0.8 / blocked 0.2). Hand-worked: ``go_help``
(obligation to go, where need is urgent) is violated with P = 0.3 under either ``stay_*``;
``dont_tell`` (prohibition of ``stay_tell`` where ``go_help`` is violated) with P = 0.3 under
``stay_tell`` and 0 otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.decision.pipeline import decide
from engine.ir import Clause, DecisionProblem
from engine.scenario import load_scenario
from ontology.analyse import analyse_file
from ontology.errors import ExtractionError, OntologyError, ShapeViolationError
from ontology.extract import problem_from_knowledge, problem_from_ontology
from ontology.reason import java_available

EX = "http://example.org/d#"
OPTIONS = ("go", "stay_tell", "stay_silent")
REASONERS = [
    "owlrl",
    pytest.param("hermit", marks=pytest.mark.skipif(not java_available(), reason="needs Java")),
]

HEAD = f"""
@prefix ex:   <{EX}> .
@prefix phr:  <https://w3id.org/phronesis/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Need a owl:Class ; rdfs:subClassOf phr:Context ; phr:contextVariable "need" .
ex:Urgent a owl:Class ; rdfs:subClassOf ex:Need ; phr:stateName "urgent" .
ex:NotUrgent a owl:Class ; rdfs:subClassOf ex:Need .
ex:Routine a owl:Class ; rdfs:subClassOf ex:NotUrgent ; phr:stateName "routine" .
ex:Idle a owl:Class ; rdfs:subClassOf ex:NotUrgent ; phr:stateName "idle" .
ex:Road a owl:Class ; rdfs:subClassOf phr:Context ; phr:contextVariable "road" .
ex:Clear a owl:Class ; rdfs:subClassOf ex:Road ; phr:stateName "clear" .
ex:Blocked a owl:Class ; rdfs:subClassOf ex:Road ; phr:stateName "blocked" .
ex:go a phr:Option . ex:stay_tell a phr:Option . ex:stay_silent a phr:Option .
"""

GO_HELP = "ex:go_help a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Urgent .\n"
DONT_TELL = (
    "ex:dont_tell a phr:Prohibition ; phr:concerns ex:stay_tell ; phr:appliesIn ex:Need ;\n"
    "    phr:contraryToDuty ex:go_help .\n"
)


def _scenario(norms: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "chisholm",
        "decision": {"name": "act", "options": list(OPTIONS)},
        "variables": [
            {"name": "need", "states": ["urgent", "routine", "idle"], "cpt": [0.3, 0.5, 0.2]},
            {"name": "road", "states": ["clear", "blocked"], "cpt": [0.8, 0.2]},
        ],
        "values": [
            {
                "name": "welfare",
                "parents": ["act"],
                "utility": {"go": 1, "stay_tell": 0, "stay_silent": 0},
            }
        ],
        "theories": [
            {"name": "deon", "kind": "cardinal", "credence": 1.0, "norm_handling": "penalty"}
        ],
    }
    if norms is not None:
        data["norms"] = norms
    return data


def _write(tmp_path: Path, body: str) -> tuple[Path, Path]:
    path = tmp_path / "d.ttl"
    path.write_text(HEAD + body, encoding="utf-8")
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(_scenario()), encoding="utf-8")
    return path, scenario


def _yaml_route(tmp_path: Path, norms: list[dict[str, Any]]) -> DecisionProblem:
    full = tmp_path / "full.json"
    full.write_text(json.dumps(_scenario(norms)), encoding="utf-8")
    return load_scenario(full)


def _norm(name: str, modality: str, option: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "modality": modality, "option": option, "source": EX + name, **fields}


def _unchecked(path: Path, scenario: Path, reasoner: str = "owlrl") -> DecisionProblem:
    """The ontology route without the SHACL shapes: the loader's own checks must refuse."""
    knowledge, _ = analyse_file(path, reasoner, validate=False)
    return problem_from_knowledge(knowledge, path, scenario)


# ---------------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reasoner", REASONERS)
def test_an_exception_gives_the_problem_of_the_yaml_unless(tmp_path, reasoner):
    path, scenario = _write(
        tmp_path,
        "ex:go_help a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Need ;\n"
        "    phr:unlessContext ex:NotUrgent .\n",
    )
    problem = problem_from_ontology(path, scenario, reasoner=reasoner)
    norm = problem.norm("go_help")
    assert norm.condition == ()
    assert norm.unless == ((Clause("need", ("routine", "idle")),),)
    expected = _yaml_route(
        tmp_path, [_norm("go_help", "obligation", "go", unless={"need": ["routine", "idle"]})]
    )
    assert problem.content_hash == expected.content_hash


def test_several_exceptions_any_of_which_excuses_in_the_order_of_their_iris(tmp_path):
    path, scenario = _write(
        tmp_path,
        "ex:go_help a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Need ;\n"
        "    phr:unlessContext ex:Routine , ex:Blocked , ex:Idle .\n",
    )
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    # ex:Blocked < ex:Idle < ex:Routine
    expected = _yaml_route(
        tmp_path,
        [
            _norm(
                "go_help",
                "obligation",
                "go",
                unless=[{"road": "blocked"}, {"need": "idle"}, {"need": "routine"}],
            )
        ],
    )
    assert problem.content_hash == expected.content_hash
    # violated under stay_*: need urgent and road clear = 0.3 * 0.8
    decision = decide(problem, {}, backend="numpy")
    violation = {o: decision.report(o).norm_violation["go_help"] for o in OPTIONS}
    assert violation == pytest.approx({"go": 0.0, "stay_tell": 0.24, "stay_silent": 0.24})


def test_an_exception_is_kept_by_every_part_of_a_split_norm(tmp_path):
    path, scenario = _write(
        tmp_path,
        "ex:go_help a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Need ;\n"
        "    phr:hasApplicability [ phr:inContext ex:Urgent ; phr:weight 2 ] ;\n"
        "    phr:unlessContext ex:Blocked .\n",
    )
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    parts = [n for n in problem.norms if n.name.startswith("go_help__")]
    assert [n.name for n in parts] == ["go_help__urgent", "go_help__routine_idle"]
    assert all(n.unless == ((Clause("road", ("blocked",)),),) for n in parts)


# ---------------------------------------------------------------------------------------------
# Contrary-to-duty
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reasoner", REASONERS)
def test_a_contrary_to_duty_link_gives_the_problem_of_the_yaml_violated(tmp_path, reasoner):
    path, scenario = _write(tmp_path, GO_HELP + DONT_TELL)
    problem = problem_from_ontology(path, scenario, reasoner=reasoner)
    assert problem.norm("dont_tell").violated == ("go_help",)
    expected = _yaml_route(
        tmp_path,
        [
            _norm("dont_tell", "prohibition", "stay_tell", condition={"violated": "go_help"}),
            _norm("go_help", "obligation", "go", condition={"need": ["urgent"]}),
        ],
    )
    assert problem.content_hash == expected.content_hash


def test_the_contrary_to_duty_norm_is_violated_only_where_the_primary_is(tmp_path):
    path, scenario = _write(tmp_path, GO_HELP + DONT_TELL)
    decision = decide(problem_from_ontology(path, scenario, reasoner="owlrl"), {}, backend="numpy")
    primary = {o: decision.report(o).norm_violation["go_help"] for o in OPTIONS}
    secondary = {o: decision.report(o).norm_violation["dont_tell"] for o in OPTIONS}
    assert primary == pytest.approx({"go": 0.0, "stay_tell": 0.3, "stay_silent": 0.3})
    assert secondary == pytest.approx({"go": 0.0, "stay_tell": 0.3, "stay_silent": 0.0})
    # nonzero only under options that violate the primary norm (and that it prohibits)
    assert {o for o, p in secondary.items() if p > 0} == {
        o for o, p in primary.items() if p > 0 and o == "stay_tell"
    }
    routine = decide(problem_from_ontology(path, scenario, reasoner="owlrl"), {"need": "routine"})
    assert all(routine.report(o).norm_violation["dont_tell"] == 0.0 for o in OPTIONS)


def test_a_gated_primary_keeps_its_name_and_its_gate_joins_the_condition(tmp_path):
    primary = GO_HELP.replace(
        " .\n",
        " ;\n    phr:hasApplicability [ phr:inContext ex:Urgent ; phr:applicability 0.5 ] .\n",
    )
    path, scenario = _write(tmp_path, primary + DONT_TELL)
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    assert problem.norm("go_help").condition == (Clause("applies__go_help", ("yes",)),)
    assert problem.norm("dont_tell").violated == ("go_help",)
    decision = decide(problem, {}, backend="numpy")
    assert decision.report("stay_tell").norm_violation["dont_tell"] == pytest.approx(0.15)


def test_a_split_contrary_to_duty_norm_names_the_primary_in_every_part(tmp_path):
    secondary = DONT_TELL.replace(
        " .\n", " ;\n    phr:hasApplicability [ phr:inContext ex:Blocked ; phr:weight 3 ] .\n"
    ).replace("phr:appliesIn ex:Need", "phr:appliesIn ex:Road")
    path, scenario = _write(tmp_path, GO_HELP + secondary)
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    parts = {n.name: n.violated for n in problem.norms if n.name.startswith("dont_tell")}
    assert parts == {"dont_tell__clear": ("go_help",), "dont_tell__blocked": ("go_help",)}


def test_a_link_to_a_split_norm_is_refused(tmp_path):
    primary = GO_HELP.replace("phr:appliesIn ex:Urgent", "phr:appliesIn ex:Need").replace(
        " .\n", " ;\n    phr:hasApplicability [ phr:inContext ex:Urgent ; phr:weight 2 ] .\n"
    )
    path, scenario = _write(tmp_path, primary + DONT_TELL)
    with pytest.raises(ExtractionError) as caught:
        problem_from_ontology(path, scenario, reasoner="owlrl")
    message = str(caught.value)
    assert f"<{EX}dont_tell>" in message and "phr:contraryToDuty" in message
    assert "split into go_help__urgent, go_help__routine_idle" in message
    assert "one weight" in message


def test_a_link_to_a_norm_governing_no_context_is_refused(tmp_path):
    primary = GO_HELP.replace(" ; phr:appliesIn ex:Urgent", "")
    path, scenario = _write(tmp_path, primary + DONT_TELL)
    with pytest.raises(ExtractionError, match="governs no context") as caught:
        problem_from_ontology(path, scenario, reasoner="owlrl")
    assert f"<{EX}dont_tell>" in str(caught.value)
    assert "phr:contraryToDuty" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Bad input: an error naming the norm and the property, from the shapes and from the loader
# ---------------------------------------------------------------------------------------------

PERMISSION_WITH_EXCEPTION = (
    "ex:may_stay a phr:Permission ; phr:concerns ex:stay_silent ; phr:appliesIn ex:Need ;\n"
    "    phr:unlessContext ex:Urgent .\n"
)
LINK_TO_AN_OPTION = DONT_TELL.replace("phr:contraryToDuty ex:go_help", "phr:contraryToDuty ex:go")
LINK_TO_UNKNOWN = DONT_TELL.replace("ex:go_help", "ex:nothing")
PERMISSION_WITH_LINK = (
    "ex:may_stay a phr:Permission ; phr:concerns ex:stay_silent ; phr:appliesIn ex:Need ;\n"
    "    phr:contraryToDuty ex:go_help .\n"
)


@pytest.mark.parametrize(
    ("body", "norm", "prop"),
    [
        (PERMISSION_WITH_EXCEPTION, "may_stay", "phr:unlessContext"),
        (GO_HELP + LINK_TO_AN_OPTION, "dont_tell", "phr:contraryToDuty"),
        (GO_HELP + LINK_TO_UNKNOWN, "dont_tell", "phr:contraryToDuty"),
        (GO_HELP + PERMISSION_WITH_LINK, "may_stay", "phr:contraryToDuty"),
    ],
    ids=["exception-on-permission", "link-to-option", "link-to-unknown", "permission-link"],
)
def test_bad_terms_are_refused_by_the_shapes_and_by_the_loader(tmp_path, body, norm, prop):
    path, scenario = _write(tmp_path, body)
    with pytest.raises(ShapeViolationError) as shaped:
        problem_from_ontology(path, scenario, reasoner="owlrl")
    assert f"<{EX}{norm}>" in str(shaped.value) and prop in str(shaped.value)
    with pytest.raises(ExtractionError) as read:
        _unchecked(path, scenario)
    assert f"<{EX}{norm}>" in str(read.value) and prop in str(read.value)


def test_the_loader_says_what_the_target_is(tmp_path):
    path, scenario = _write(tmp_path, GO_HELP + LINK_TO_AN_OPTION)
    with pytest.raises(ExtractionError, match=f"names <{EX}go>, which is not a norm"):
        _unchecked(path, scenario)
    path, scenario = _write(tmp_path, PERMISSION_WITH_EXCEPTION)
    with pytest.raises(ExtractionError, match="'may_stay', which is a permission"):
        _unchecked(path, scenario)


@pytest.mark.parametrize("reasoner", REASONERS)
def test_a_cycle_of_links_is_refused_naming_it(tmp_path, reasoner):
    body = (
        "ex:a a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Need ;\n"
        "    phr:contraryToDuty ex:b .\n"
        "ex:b a phr:Prohibition ; phr:concerns ex:stay_tell ; phr:appliesIn ex:Need ;\n"
        "    phr:contraryToDuty ex:c .\n"
        "ex:c a phr:Prohibition ; phr:concerns ex:stay_silent ; phr:appliesIn ex:Need ;\n"
        "    phr:contraryToDuty ex:a .\n"
    )
    path, scenario = _write(tmp_path, body)
    with pytest.raises(ExtractionError) as caught:
        problem_from_ontology(path, scenario, reasoner=reasoner)
    message = str(caught.value)
    assert f"<{EX}a>" in message and "phr:contraryToDuty" in message
    assert "cycle (a -> b -> c -> a)" in message


def test_a_link_to_itself_is_a_cycle(tmp_path):
    path, scenario = _write(tmp_path, DONT_TELL.replace("ex:go_help", "ex:dont_tell"))
    with pytest.raises(ExtractionError, match=r"cycle \(dont_tell -> dont_tell\)"):
        problem_from_ontology(path, scenario, reasoner="owlrl")


@pytest.mark.parametrize(
    ("context", "found"),
    [
        ("ex:Elsewhere", "below no context variable"),
        ("ex:go", "which is not a context class"),
        ("phr:Context", "below no context variable"),
    ],
)
def test_an_exception_outside_one_context_variable_is_refused(tmp_path, context, found):
    path, scenario = _write(
        tmp_path,
        "ex:Elsewhere a owl:Class ; rdfs:subClassOf phr:Context .\n"
        "ex:go_help a phr:Obligation ; phr:concerns ex:go ; phr:appliesIn ex:Urgent ;\n"
        f"    phr:unlessContext {context} .\n",
    )
    with pytest.raises(OntologyError) as caught:
        problem_from_ontology(path, scenario, reasoner="owlrl")
    message = str(caught.value)
    assert f"<{EX}go_help>" in message and "phr:unlessContext" in message
    assert found in message


def test_the_example_of_the_docs(tmp_path):
    """docs/examples/ontology.md, "Exceptions and contrary-to-duty norms"."""
    path, scenario = _write(
        tmp_path,
        GO_HELP.replace(" .\n", " ; phr:unlessContext ex:Blocked .\n") + DONT_TELL,
    )
    expected = _yaml_route(
        tmp_path,
        [
            _norm("dont_tell", "prohibition", "stay_tell", condition={"violated": "go_help"}),
            _norm(
                "go_help",
                "obligation",
                "go",
                condition={"need": "urgent"},
                unless={"road": "blocked"},
            ),
        ],
    )
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    assert problem.content_hash == expected.content_hash
    decision = decide(problem, {}, backend="numpy")
    violation = {o: decision.report(o).norm_violation["dont_tell"] for o in OPTIONS}
    assert violation == pytest.approx({"go": 0.0, "stay_tell": 0.24, "stay_silent": 0.0})
