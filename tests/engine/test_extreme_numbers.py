"""Numbers at the edge (issue 10): utilities and weights too large to sum are refused at the IR
boundary with the field, value and bound; the largest allowed magnitudes decide under every
rule with finite scores and valid JSON; the rules and the JSON output survive NaN and infinities
anyway; and the cycle check handles long chains without recursion."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from engine.decision.pipeline import decide
from engine.decision.result import json_safe
from engine.errors import InvalidProblem
from engine.ir import CPT, DecisionNode, DecisionProblem, Theory, Variable
from engine.ir.checks import check_acyclic
from engine.ir.fields import MAX_MAGNITUDE
from engine.ir.nodes import Clause, Norm, ValueDimension
from engine.rules.base import Aggregate
from engine.rules.registry import RULES, ranking, tied_with_best

OPTIONS = ("o1", "o2", "o3")


def _problem(utility: float = 1.0, weight: float = 1.0, norm_weight: float = 1.0, **changes):
    """Three options, two theories (one treats the norm as a constraint, one as a penalty), four
    values whose utilities reach +-``utility`` so naive sums of them would overflow at 1e308."""
    u = utility
    tables = [(u, -u, u), (u, -u, 0.0), (-u, u, u), (-u, u, 0.0)]
    values = tuple(ValueDimension(f"v{k}", ("d",), table) for k, table in enumerate(tables))
    base = dict(
        name="edge",
        variables=(Variable("x", ("a", "b")),),
        decision=DecisionNode("d", OPTIONS),
        cpts=(CPT("x", (), (0.5, 0.5)),),
        values=values,
        norms=(
            Norm("n", "prohibition", "o3", (Clause("x", ("a",)),), weight=norm_weight),
            Norm("m", "prohibition", "o2", (Clause("x", ("b",)),), weight=norm_weight),
        ),
        theories=(
            Theory(
                "t",
                "cardinal",
                0.6,
                tuple((f"v{k}", weight) for k in range(4)),
                norm_handling="penalty",
            ),
            Theory(
                "u",
                "cardinal",
                0.4,
                (("v0", weight), ("v1", weight), ("v2", -weight)),
                norm_handling="constraint",
                norms=("n",),
            ),
        ),
    )
    return DecisionProblem(**(base | changes))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_utilities_of_1e308_are_refused_naming_the_field(sign):
    with pytest.raises(InvalidProblem) as info:
        _problem(utility=sign * 1e308)
    assert info.value.field == "values.v0.table[0]"
    assert "1e+308" in str(info.value)
    assert f"{MAX_MAGNITUDE:g}" in str(info.value)


def test_value_weight_beyond_the_bound_is_refused():
    with pytest.raises(InvalidProblem) as info:
        _problem(weight=2 * MAX_MAGNITUDE)
    assert info.value.field == "theories.t.value_weights.v0"
    assert "2e+15" in str(info.value) and "1e+15" in str(info.value)


def test_norm_weight_beyond_the_bound_is_refused():
    with pytest.raises(InvalidProblem) as info:
        _problem(norm_weight=1e300)
    assert info.value.field == "norms.n.weight"
    assert "1e+300" in str(info.value) and "1e+15" in str(info.value)


def test_magnitude_exactly_at_the_bound_is_accepted():
    problem = _problem(utility=MAX_MAGNITUDE, weight=-MAX_MAGNITUDE, norm_weight=MAX_MAGNITUDE)
    assert problem.values[0].table[0] == MAX_MAGNITUDE


def _assert_finite_json(decision):
    text = json.dumps(decision.to_dict(), allow_nan=False)  # raises on NaN / inf
    assert json.loads(text)["options"]
    decision.to_json()
    for report in decision.options:
        for number in (*report.choiceworthiness.values(), *report.expected_values.values()):
            assert math.isfinite(number)
        if report.score is not None:
            assert math.isfinite(report.score)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(
    ("utility", "weight"), [(MAX_MAGNITUDE, MAX_MAGNITUDE), (-MAX_MAGNITUDE, MAX_MAGNITUDE)]
)
def test_largest_allowed_magnitudes_decide_under_every_rule(rule, utility, weight):
    problem = _problem(utility=utility, weight=weight, norm_weight=MAX_MAGNITUDE)
    decision = decide(problem, rule=rule)
    assert decision.option in OPTIONS or decision.abstain
    _assert_finite_json(decision)


@pytest.mark.parametrize("rule", ["borda", "mec", "lexicographic"])
def test_largest_magnitudes_with_evidence_excluding_an_option(rule):
    # x = a makes o3 violate the hard norm n: o3 is impermissible and has no score
    decision = decide(_problem(utility=MAX_MAGNITUDE, weight=MAX_MAGNITUDE), {"x": "a"}, rule=rule)
    assert decision.report("o3").score is None
    _assert_finite_json(decision)


NAN_CW = np.array([[np.inf, np.nan], [-np.inf, 1.0], [np.nan, np.inf]])


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_terminates_and_ranks_on_non_finite_choiceworthiness(rule):
    """The second line of defence: choiceworthiness the IR would never produce (inf, NaN)
    still yields an aggregate and a full ranking, no infinite loop, no empty ``min``."""
    with np.errstate(all="ignore"):
        aggregate = RULES[rule](NAN_CW, np.array([0.5, 0.5]), "range")
        order = ranking(aggregate, OPTIONS)
    assert sorted(order) == [0, 1, 2]
    tied_with_best(aggregate, order)


def test_ranking_puts_nan_last_and_ties_infinities():
    scores = np.array([np.nan, np.inf, 3.0, np.inf])
    aggregate = Aggregate(scores=scores, theory_weights=None)
    names = ("a", "b", "c", "d")
    assert ranking(aggregate, names) == [1, 3, 2, 0]
    assert tied_with_best(aggregate, [1, 3, 2, 0]) == [3]
    all_nan = Aggregate(scores=np.array([np.nan, np.nan]), theory_weights=None)
    assert ranking(all_nan, ("b", "a")) == [1, 0]


def test_lexicographic_terminates_on_nan_criteria():
    with np.errstate(all="ignore"):
        aggregate = RULES["lexicographic"](np.full((3, 2), np.nan), np.array([0.5, 0.5]), "none")
    assert np.isfinite(aggregate.scores).all()


def test_json_safe_replaces_non_finite_numbers():
    data = {"score": float("-inf"), "cw": [np.float64("nan"), 1.5], "t": (np.inf,), "ok": 2}
    assert json_safe(data) == {"score": None, "cw": [None, 1.5], "t": (None,), "ok": 2}
    json.dumps(json_safe(data), allow_nan=False)


def _chain(n: int) -> DecisionProblem:
    variables = tuple(Variable(f"x{i}", ("s0", "s1")) for i in range(n))
    cpts = (CPT("x0", ("d",), (0.5, 0.5, 0.5, 0.5)),) + tuple(
        CPT(f"x{i}", (f"x{i - 1}",), (0.9, 0.1, 0.2, 0.8)) for i in range(1, n)
    )
    return DecisionProblem(
        name="chain",
        variables=variables,
        decision=DecisionNode("d", ("o1", "o2")),
        cpts=cpts,
        values=(ValueDimension("v", ("d",), (1.0, 0.0)),),
        theories=(Theory("t", "cardinal", 1.0, (("v", 1.0),)),),
    )


@pytest.mark.parametrize("n", [1_000, 3_000])
def test_long_chain_builds_without_recursion_error(n):
    assert n > sys.getrecursionlimit() // 2
    problem = _chain(n)
    assert len(problem.variables) == n


def test_long_chain_cycle_check_is_iterative():
    n = 3 * sys.getrecursionlimit()
    states = {f"x{i}": ("s0", "s1") for i in range(n)}
    cpts = [CPT(f"x{i}", (f"x{i - 1}",), (0.5,) * 4) for i in range(1, n)]
    check_acyclic(states, cpts)  # no RecursionError
    closing = CPT("x0", (f"x{n - 1}",), (0.5,) * 4)
    with pytest.raises(InvalidProblem, match=r"the graph has a cycle x0 -> x1 -> .* -> x0"):
        check_acyclic(states, [closing, *cpts])


def test_cycle_is_still_reported_with_its_message():
    with pytest.raises(InvalidProblem) as info:
        DecisionProblem(
            name="cyclic",
            variables=(Variable("a", ("y", "n")), Variable("b", ("y", "n"))),
            decision=DecisionNode("d", ("o1", "o2")),
            cpts=(CPT("a", ("b",), (0.5,) * 4), CPT("b", ("a",), (0.5,) * 4)),
            theories=(Theory("t", "cardinal", 1.0),),
        )
    assert info.value.field == "variables"
    assert "the graph has a cycle a -> b -> a; CPTs must form a DAG" in str(info.value)


def test_an_integer_beyond_float_range_is_refused_without_quoting_it() -> None:
    from engine.errors import InvalidProblem
    from engine.ir.fields import check_finite

    with pytest.raises(InvalidProblem, match="within float range") as caught:
        check_finite("values.v.table[0]", 10**400)
    assert len(str(caught.value)) < 150
