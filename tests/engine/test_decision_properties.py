"""Laws of the decision rules, checked on random problems (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.decision.pipeline import decide
from engine.ir import CPT, Theory, ValueDimension
from engine.ir.transform import rename_states, reorder_options
from tests.strategies import decision_problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same(a, b):
    assert a.option == b.option
    assert a.abstain is None and b.abstain is None or (a.abstain and b.abstain)
    for report in a.options:
        other = b.report(report.option)
        assert report.permissible == other.permissible
        np.testing.assert_allclose(
            list(report.expected_values.values()),
            [other.expected_values[k] for k in report.expected_values],
            atol=1e-9,
        )


@given(
    decision_problems(),
    st.randoms(use_true_random=False),
    st.sampled_from(["none", "range", "variance"]),
)
@SETTINGS
def test_reordering_options_does_not_change_the_decision(problem, rng, normalisation):
    order = list(problem.decision.options)
    rng.shuffle(order)
    _same(
        decide(problem, normalisation=normalisation),
        decide(reorder_options(problem, order), normalisation=normalisation),
    )


@given(decision_problems(), st.sampled_from(["mec", "mft"]))
@SETTINGS
def test_renaming_states_does_not_change_the_decision(problem, rule):
    variable = problem.variables[0]
    mapping = {s: f"renamed_{s}" for s in variable.states}
    _same(
        decide(problem, rule=rule),
        decide(rename_states(problem, variable.name, mapping), rule=rule),
    )


def _with_dominated_option(problem):
    """Add option 'worst': every CPT treats it like the first option, every utility that
    depends on the decision scores it below the minimum, and no norm concerns it. Utilities
    that do not depend on the decision are the same for every option, so 'worst' is strictly
    dominated for every theory with a positive weight on a decision-dependent value."""
    decision = problem.decision
    options = (*decision.options, "worst")

    def extend(parents, table, worst_value=None):
        if decision.name not in parents:
            return tuple(float(x) for x in table.ravel())
        axis = parents.index(decision.name)
        first = np.take(table, [0], axis=axis)
        added = np.full_like(first, worst_value) if worst_value is not None else first
        return tuple(float(x) for x in np.concatenate([table, added], axis=axis).ravel())

    cpts = tuple(
        CPT(c.child, c.parents, extend(c.parents, problem.cpt_array(c.child))) for c in problem.cpts
    )
    values = tuple(
        ValueDimension(
            v.name,
            v.parents,
            extend(
                v.parents, problem.utility_array(v.name), problem.utility_array(v.name).min() - 100
            ),
        )
        for v in problem.values
    )
    return dataclasses.replace(
        problem,
        decision=dataclasses.replace(decision, options=options),
        cpts=cpts,
        values=values,
    )


def _dominance_ready(problem, scores):
    """Make 'worst' strictly dominated for every theory: add a value over the decision that
    every theory weighs positively, and keep only non-negative weights and no norm penalties."""
    stake = ValueDimension("stake", (problem.decision.name,), tuple(scores))
    theories = tuple(
        dataclasses.replace(
            t,
            value_weights=(*((v, max(w, 0.0)) for v, w in t.value_weights), ("stake", 1.0)),
            norm_handling="constraint" if t.norm_handling == "constraint" else "ignore",
        )
        for t in problem.theories
    )
    return dataclasses.replace(problem, values=(*problem.values, stake), theories=theories)


@given(
    decision_problems(),
    st.lists(st.integers(-5, 5), min_size=3, max_size=3),
    st.sampled_from(["mec", "mft"]),
)
@SETTINGS
def test_adding_a_strictly_dominated_option_does_not_change_the_decision(problem, scores, rule):
    problem = _dominance_ready(problem, [float(x) for x in scores[: len(problem.decision.options)]])
    before = decide(problem, rule=rule, normalisation="none")
    after = decide(_with_dominated_option(problem), rule=rule, normalisation="none")
    assert after.option == before.option
    worst = after.report("worst")
    if before.option is not None and worst.permissible:
        assert worst.score < after.report(before.option).score


@given(decision_problems(), st.sampled_from(["none", "range", "variance"]))
@SETTINGS
def test_with_one_theory_at_credence_one_mec_equals_mft(problem, normalisation):
    theories = tuple(
        dataclasses.replace(t, credence=1.0 if k == 0 else 0.0)
        for k, t in enumerate(problem.theories)
    )
    problem = dataclasses.replace(problem, theories=theories)
    mec = decide(problem, rule="mec", normalisation=normalisation)
    mft = decide(problem, rule="mft", normalisation=normalisation)
    assert mec.option == mft.option


@given(decision_problems())
@SETTINGS
def test_contributions_sum_to_the_margin(problem):
    result = decide(problem)
    explanation = result.explanation
    if explanation.runner_up is not None:
        total = sum(c.amount for c in explanation.contributions)
        assert abs(total - explanation.margin) <= 1e-9 * max(1.0, abs(explanation.margin))


@given(decision_problems())
@SETTINGS
def test_same_inputs_same_decision(problem):
    assert decide(problem).to_json() == decide(problem).to_json()


def test_range_normalisation_depends_on_the_option_set():
    """Known and documented: under range normalisation an irrelevant (dominated) option can
    change the decision, because it stretches a theory's range (MacAskill, Bykvist & Ord
    2020, ch. 4). The law above is therefore stated for normalisation 'none'."""
    from engine.ir import DecisionNode, DecisionProblem, Variable

    def problem(options, a_scores, b_scores):
        return DecisionProblem(
            name="iia",
            variables=(Variable("x", ("s",)),),
            decision=DecisionNode("d", options),
            cpts=(CPT("x", (), (1.0,)),),
            values=(
                ValueDimension("va", ("d",), a_scores),
                ValueDimension("vb", ("d",), b_scores),
            ),
            theories=(
                Theory("A", "cardinal", 0.6, (("va", 1.0),)),
                Theory("B", "cardinal", 0.4, (("vb", 1.0),)),
            ),
        )

    # Two options: A ranges p=1, q=0; B ranges p=0, q=1 -> scores p 0.6, q 0.4.
    two = problem(("p", "q"), (1.0, 0.0), (0.0, 3.0))
    assert decide(two, normalisation="range").option == "p"
    # z is strictly dominated by q in both theories, yet stretches A's range to 11:
    # A: p 11/11, q 10/11 -> scores p 0.6, q 0.6 * 10/11 + 0.4 = 0.945.
    three = problem(("p", "q", "z"), (1.0, 0.0, -10.0), (0.0, 3.0, 0.0))
    assert decide(three, normalisation="range").option == "q"
    assert decide(three, normalisation="none").option == decide(two, normalisation="none").option
