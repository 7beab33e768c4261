"""One schema: the scenario models and the IR agree field for field, and the JSON form derived
from the IR's dataclass fields round-trips."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import replace
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from engine.ir import (
    CPT,
    BayesianNetwork,
    Clause,
    ContinuousVariable,
    CPTUncertainty,
    DecisionNode,
    DecisionProblem,
    DoubleEffect,
    Effect,
    LinearTerm,
    LogisticCPT,
    Norm,
    Policy,
    PolicyCase,
    Provenance,
    Theory,
    UtilityUncertainty,
    ValueDimension,
    Variable,
)
from engine.ir.encode import KINDS, OMIT_AT_DEFAULT, RENAMED, encode
from engine.ir.influence import DecisionVariable, InfluenceDiagram, UtilityNode
from engine.scenario import load_scenario
from engine.scenario import models as scenario
from engine.scenario.models import (
    ContinuousModel,
    DecisionModel,
    DoubleEffectModel,
    EffectModel,
    IntervalModel,
    LogisticModel,
    NormModel,
    PolicyCaseModel,
    PolicyModel,
    ScenarioModel,
    TheoryModel,
    UtilityUncertaintyModel,
    ValueModel,
    VariableModel,
)
from tests.conftest import EXAMPLES
from tests.strategies import decision_problems

# -- the scenario models and the IR, field for field ------------------------------------------

#: scenario model -> the IR node it is lowered to (engine/scenario/lower.py).
PAIRS: dict[type[BaseModel], type] = {
    ScenarioModel: DecisionProblem,
    DecisionModel: DecisionNode,
    VariableModel: Variable,
    LogisticModel: LogisticCPT,
    ContinuousModel: ContinuousVariable,
    ValueModel: ValueDimension,
    UtilityUncertaintyModel: UtilityUncertainty,
    NormModel: Norm,
    IntervalModel: Clause,
    TheoryModel: Theory,
    PolicyModel: Policy,
    PolicyCaseModel: PolicyCase,
    DoubleEffectModel: DoubleEffect,
    EffectModel: Effect,
}

#: IR nodes with no scenario model of their own: where their fields are written instead.
WRITTEN_INSIDE: dict[type, str] = {
    CPT: "VariableModel.parents / .cpt",
    CPTUncertainty: "VariableModel.cpt_concentration",
    LinearTerm: "ValueModel.linear (variable -> coefficients)",
    Provenance: "the file itself (path and format), not its content",
    BayesianNetwork: "derived: DecisionProblem.network()",
}

#: (scenario model, field) with no IR field of the same name -> the IR field it becomes.
SCENARIO_ONLY: dict[tuple[type[BaseModel], str], tuple[type, str]] = {
    # A variable is written with its CPD; the IR keeps the variable and its CPT apart.
    (VariableModel, "parents"): (CPT, "parents"),
    (VariableModel, "cpt"): (CPT, "table"),  # per parent configuration -> flat table
    (VariableModel, "logistic"): (DecisionProblem, "logistic"),
    (VariableModel, "cpt_concentration"): (CPTUncertainty, "concentration"),
    # A value is written with its utility and its uncertainty.
    (ValueModel, "utility"): (ValueDimension, "table"),
    (ValueModel, "uncertainty"): (DecisionProblem, "uncertainty"),
}

#: (IR node, field) with no scenario field of the same name -> where it comes from (the scenario
#: model field it is read from, or None for what is derived rather than written).
IR_ONLY: dict[tuple[type, str], tuple[type[BaseModel], str] | None] = {
    (DecisionProblem, "cpts"): (VariableModel, "cpt"),
    (DecisionProblem, "logistic"): (VariableModel, "logistic"),
    (DecisionProblem, "uncertainty"): (VariableModel, "cpt_concentration"),  # and values[].
    (DecisionProblem, "provenance"): None,  # the file's path and format
    (DecisionProblem, "content_hash"): None,  # derived from the content
    (DecisionProblem, "_network"): None,  # a cache
    (LogisticCPT, "child"): (VariableModel, "name"),  # the variable it is written under
    (LogisticCPT, "parents"): (VariableModel, "parents"),
    (ValueDimension, "table"): (ValueModel, "utility"),
    (UtilityUncertainty, "value"): (ValueModel, "name"),  # the value it is written under
    (Clause, "variable"): (NormModel, "condition"),  # the condition's key
    (Clause, "states"): (NormModel, "condition"),  # a state or a list instead of an interval
    (Norm, "violated"): (NormModel, "condition"),  # the condition's key `violated`
    (Effect, "name"): (DoubleEffectModel, "good"),  # the key it is written under (or bad)
}


def _ir_fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda m: m.__name__)
def test_scenario_model_and_ir_node_agree_field_for_field(model):
    ir = PAIRS[model]
    written, declared = set(model.model_fields), _ir_fields(ir)
    for name in sorted(declared - written):
        assert (ir, name) in IR_ONLY, (
            f"{ir.__name__}.{name} has no field in {model.__name__}: add it there, or say in "
            "IR_ONLY where it comes from"
        )
    for name in sorted(written - declared):
        assert (model, name) in SCENARIO_ONLY, (
            f"{model.__name__}.{name} has no field in {ir.__name__}: add it there, or say in "
            "SCENARIO_ONLY which IR field it becomes"
        )


def test_known_differences_are_real():
    """Every listed difference is still a difference, and names fields that exist."""
    for (model, name), (ir, target) in SCENARIO_ONLY.items():
        assert name in model.model_fields and name not in _ir_fields(PAIRS[model])
        assert target in _ir_fields(ir), f"{ir.__name__} has no field {target}"
    for (ir, name), source in IR_ONLY.items():
        assert name in _ir_fields(ir)
        model = next((m for m, node in PAIRS.items() if node is ir), None)
        assert model is None or name not in model.model_fields
        if source is not None:
            assert source[1] in source[0].model_fields


def _models_in(module: types.ModuleType) -> set[type[BaseModel]]:
    return {
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
        and value.model_fields
    }


def _ir_classes(cls: type, found: set[type] | None = None) -> set[type]:
    """``cls`` and every dataclass its fields hold, however nested."""
    found = set() if found is None else found
    if cls in found:
        return found
    found.add(cls)
    for hint in typing.get_type_hints(cls).values():
        for inner in _flatten(hint):
            if dataclasses.is_dataclass(inner):
                _ir_classes(inner, found)
    return found


def _flatten(hint: Any) -> list[Any]:
    return [hint, *(x for arg in typing.get_args(hint) for x in _flatten(arg))]


def test_every_scenario_model_and_every_ir_node_is_paired():
    assert _models_in(scenario) == set(PAIRS)
    nodes = _ir_classes(DecisionProblem)
    unpaired = nodes - set(PAIRS.values()) - set(WRITTEN_INSIDE)
    assert not unpaired, f"IR nodes with no scenario model and no WRITTEN_INSIDE entry: {unpaired}"


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda m: m.__name__)
def test_shared_fields_have_the_same_defaults_and_choices(model):
    ir = PAIRS[model]
    hints = typing.get_type_hints(ir)
    ir_fields = {f.name: f for f in dataclasses.fields(ir)}
    for name, info in model.model_fields.items():
        if name not in ir_fields:
            continue
        ir_default = ir_fields[name].default
        if not info.is_required() and ir_default is not dataclasses.MISSING:
            assert _plain(info.default) == _plain(ir_default), f"{model.__name__}.{name}"
        choices = _literal(info.annotation), _literal(hints[name])
        if None not in choices:
            assert choices[0] == choices[1], f"{model.__name__}.{name}"


def _plain(value: Any) -> Any:
    """[] and {} written in a file are () in the IR."""
    return tuple(value) if isinstance(value, list | dict | tuple) else value


def _literal(hint: Any) -> frozenset[Any] | None:
    literals = [h for h in _flatten(hint) if typing.get_origin(h) is Literal]
    return frozenset(typing.get_args(literals[0])) if literals else None


def test_json_rules_name_real_fields():
    classes = {
        c.__name__: c
        for root in (DecisionProblem, InfluenceDiagram)
        for c in _ir_classes(root) | {root}
    }
    for name, omitted in OMIT_AT_DEFAULT.items():
        assert omitted <= _ir_fields(classes[name]), name
    for cls, field in RENAMED:
        assert field in _ir_fields(classes[cls])
    assert set(KINDS) <= set(classes)


# -- the JSON form ------------------------------------------------------------------------------

#: (examples/ontology/*.scenario.yaml need their ontology: tests/test_ontology_extract.py)
SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))


def _round_trips(problem: DecisionProblem) -> None:
    data = problem.to_dict()
    again = DecisionProblem.from_dict(data)
    assert again == problem
    assert again.to_dict() == data
    assert DecisionProblem.from_json(problem.to_json()) == problem
    for field in dataclasses.fields(DecisionProblem):
        if field.compare:
            assert getattr(again, field.name) == getattr(problem, field.name), field.name
    network = problem.network()
    assert BayesianNetwork.from_dict(network.to_dict()) == network


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_examples_round_trip(path):
    _round_trips(load_scenario(path))


@st.composite
def rich_problems(draw):
    """Random problems with the optional parts filled in: policies of each abstraction,
    parameter uncertainty, theories with their own norms, value frameworks."""
    problem = draw(decision_problems())
    theories = tuple(
        replace(t, norms=draw(st.none() | st.just(tuple(n.name for n in problem.norms))))
        for t in problem.theories
    )
    values = tuple(
        replace(v, frameworks=draw(st.sampled_from([(), ("care",), ("care", "fairness")])))
        for v in problem.values
    )
    principles = tuple(t.name for t in theories)
    situation = [
        v for v in problem.variables if v.name not in problem.descendants(problem.decision.name)
    ]
    policies = [
        Policy(
            "rule",
            draw(st.sampled_from(["deontological", "consequentialist", "virtue", "mixed"])),
            tuple((t.name, t.credence) for t in theories),
            rule=draw(st.none() | st.just("mec")),
            tolerance=draw(st.sampled_from([1e-9, 1e-6])),
            confidence=draw(st.sampled_from([0.95, 0.8])),
        ),
        Policy("ordering", "mixed", (), principles, abstraction="ordering"),
    ]
    if situation:
        variable = draw(st.sampled_from(situation))
        case = PolicyCase((Clause(variable.name, variable.states[:1]),), principles[:1])
        policies.append(Policy("cases", "mixed", (), abstraction="conditional", cases=(case,)))
    cpt = draw(st.sampled_from(problem.cpts))
    rows = len(cpt.table) // len(next(v for v in problem.variables if v.name == cpt.child).states)
    value = draw(st.sampled_from(values))
    uncertainty = draw(
        st.sampled_from(
            [
                (),
                (CPTUncertainty(cpt.child, tuple(float(k + 1) for k in range(rows))),),
                (UtilityUncertainty(value.name, "normal", (0.5,) * len(value.table)),),
                (
                    UtilityUncertainty(value.name, "interval", (1.0,) * len(value.table)),
                    CPTUncertainty(cpt.child, (2.0,) * rows),
                ),
            ]
        )
    )
    return replace(
        problem,
        theories=theories,
        values=values,
        policies=tuple(policies[: draw(st.integers(0, len(policies)))]),
        uncertainty=uncertainty,
        description=draw(st.sampled_from(["", "a random problem"])),
    )


@given(rich_problems())
def test_random_problems_round_trip(problem):
    _round_trips(problem)


def test_fields_at_their_default_are_left_out():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    policy = Policy("p", "mixed", ())
    data = encode(policy)
    assert not {"abstraction", "cases", "tolerance", "confidence"} & set(data)
    assert encode(replace(policy, tolerance=1e-3))["tolerance"] == 1e-3
    content = problem.content()
    assert not {"uncertainty", "continuous", "logistic", "provenance", "content_hash"} & set(
        content
    )
    assert "linear" not in content["values"][0]
    assert encode(Clause("x", ("a",))) == {"variable": "x", "states": ["a"]}
    assert encode(Clause("y", above=1)) == {"variable": "y", "states": [], "above": 1.0}


def test_floats_are_written_as_floats():
    """A float field given an int hashes as the float: YAML and ontology routes agree."""
    a = Theory("t", "cardinal", 1, (("v", 2),))
    b = Theory("t", "cardinal", 1.0, (("v", 2.0),))
    assert encode(a) == encode(b)
    assert isinstance(encode(a)["credence"], float)
    assert isinstance(encode(a)["value_weights"][0][1], float)


def test_json_written_before_the_derived_encoder_still_reads():
    """The hand-written JSON shape: a ``kind`` on each uncertainty, optional keys absent,
    ``value_weights`` as pairs, interval clauses with only the bounds that are set."""
    data = {
        "name": "old",
        "variables": [{"name": "x", "states": ["a", "b"]}],
        "decision": {"name": "d", "options": ["go", "stay"]},
        "cpts": [{"child": "x", "parents": ["d"], "table": [0.5, 0.5, 1, 0]}],
        "values": [{"name": "v", "parents": ["x"], "table": [1, 0]}],
        "norms": [
            {
                "name": "n",
                "modality": "prohibition",
                "option": "go",
                "condition": [{"variable": "x", "states": ["a"]}],
            }
        ],
        "theories": [{"name": "t", "kind": "cardinal", "credence": 1, "value_weights": [["v", 1]]}],
        "policies": [{"name": "p", "formalism": "mixed", "credences": [["t", 1]]}],
        "uncertainty": [
            {"kind": "dirichlet", "child": "x", "concentration": [2, 3]},
            {"kind": "interval", "value": "v", "scale": [0.1, 0.1]},
        ],
        "provenance": {"source": "old.json"},
    }
    problem = DecisionProblem.from_dict(data)
    assert problem.uncertainty == (
        CPTUncertainty("x", (2.0, 3.0)),
        UtilityUncertainty("v", "interval", (0.1, 0.1)),
    )
    assert problem.theories[0].value_weights == (("v", 1.0),)
    assert problem.policies[0] == Policy("p", "mixed", (("t", 1.0),))
    assert problem.provenance == Provenance(source="old.json")
    assert DecisionProblem.from_dict(problem.to_dict()) == problem


def test_influence_diagrams_keep_their_kind_and_round_trip():
    diagram = InfluenceDiagram(
        name="umbrella",
        variables=(Variable("rain", ("yes", "no")),),
        cpts=(CPT("rain", (), (0.3, 0.7)),),
        decisions=(DecisionVariable("take", ("yes", "no")),),
        utilities=(UtilityNode("comfort", ("take", "rain"), (1.0, 0.5, -2.0, 1.0)),),
        provenance=Provenance("u.json", "json"),
    )
    data = diagram.to_dict()
    assert data["kind"] == "influence_diagram" and "_order" not in data
    assert InfluenceDiagram.from_dict(data) == diagram


def test_the_hybrid_example_exercises_every_node():
    """Between them, the examples write every IR node, so the round trips above cover them."""
    used: set[type] = set()

    def walk(value: Any) -> None:
        if dataclasses.is_dataclass(value):
            used.add(type(value))
            for field in dataclasses.fields(value):
                if field.init:
                    walk(getattr(value, field.name))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)

    for path in SCENARIOS:
        walk(load_scenario(path))
    assert _ir_classes(DecisionProblem) - used <= {BayesianNetwork}
