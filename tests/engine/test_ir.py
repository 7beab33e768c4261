"""IR invariants and JSON round-trip."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings

from engine.errors import InvalidProblem
from engine.ir import CPT, BayesianNetwork, DecisionNode, DecisionProblem, Theory, Variable
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.strategies import decision_problems


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_round_trip_through_json(path):
    problem = load_scenario(path)
    again = DecisionProblem.from_json(problem.to_json())
    assert again == problem
    assert again.content_hash == problem.content_hash
    assert again.to_json() == problem.to_json()


@given(decision_problems())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_problems_round_trip(problem):
    again = DecisionProblem.from_json(problem.to_json())
    assert again == problem
    assert again.content_hash == problem.content_hash


def test_hash_ignores_provenance_but_not_content():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    moved = dataclasses.replace(
        problem, provenance=dataclasses.replace(problem.provenance, source="x")
    )
    assert moved.content_hash == problem.content_hash
    assert moved != problem  # provenance differs
    edited = dataclasses.replace(problem, description="changed")
    assert edited.content_hash != problem.content_hash


def test_tampered_hash_is_rejected():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    data = json.loads(problem.to_json())
    data["cpts"][0]["table"][0] = 0.7
    data["cpts"][0]["table"][1] = 0.3
    with pytest.raises(InvalidProblem, match="content_hash"):
        DecisionProblem.from_dict(data)


def test_problem_is_frozen():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.name = "other"  # type: ignore[misc]


def test_network_has_decision_as_uniform_root():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    net = problem.network()
    assert net.variables[0].name == "action"
    assert net.cpt("action").table == pytest.approx((1 / 3,) * 3)
    assert BayesianNetwork.from_json(net.to_json()) == net


def _problem(**changes):
    base = dict(
        name="p",
        variables=(Variable("x", ("a", "b")),),
        decision=DecisionNode("d", ("o1", "o2")),
        cpts=(CPT("x", (), (0.5, 0.5)),),
        theories=(Theory("t", "cardinal", 1.0),),
    )
    return DecisionProblem(**(base | changes))


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"cpts": ()}, "variables.x.cpt", "no CPT"),
        ({"cpts": (CPT("x", (), (0.5, 0.6)),)}, "variables.x.cpt", "sums to 1.1"),
        ({"cpts": (CPT("x", ("y",), (0.5, 0.5)),)}, "variables.x.cpt.parents", "unknown parent"),
        ({"cpts": (CPT("x", (), (1.0,)),)}, "variables.x.cpt.table", "expected 2 entries"),
        ({"cpts": (CPT("x", (), (float("nan"), 0.5)),)}, "variables.x.cpt.table[0]", "finite"),
        ({"theories": ()}, "theories", "at least one"),
        ({"theories": (Theory("t", "cardinal", 0.5),)}, "theories", "sum to 0.5"),
        ({"decision": DecisionNode("d", ())}, "decision.options", "at least one option"),
        ({"decision": DecisionNode("d", ("o", "o"))}, "decision.options", "duplicate"),
        ({"decision": DecisionNode("x", ("o",))}, "variables.x", "duplicate name"),
    ],
)
def test_invariants_name_the_field(changes, field, text):
    with pytest.raises(InvalidProblem) as info:
        _problem(**changes)
    assert info.value.field == field
    assert text in str(info.value)


def test_cycle_is_named():
    variables = (Variable("x", ("a", "b")), Variable("y", ("a", "b")))
    cpts = (CPT("x", ("y",), (0.5,) * 4), CPT("y", ("x",), (0.5,) * 4))
    with pytest.raises(InvalidProblem, match=r"cycle x -> y -> x"):
        _problem(variables=variables, cpts=cpts)
