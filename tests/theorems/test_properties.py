"""The built-in properties: verdicts and violation counts against the statements evaluated on
a per-row loop of the pipeline, known answers worked by hand, and checks that can fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.theorems import brute_force
from theorems.properties import consistency, invariance, optimality, pareto
from theorems.registry import PropertyError, get_property
from theorems.space import chunks
from theorems.task import make_task
from theorems.verify import verify


def _task(name: str, **kwargs):
    return make_task(load_scenario(EXAMPLES / name), backend="numpy", **kwargs)


CASES = [
    ("av_emergency.yaml", {}),
    ("av_emergency.yaml", {"policy": "harm_minimisation"}),
    ("icu_triage.yaml", {}),
    ("heinz_policies.yaml", {"policy": "consequentialist"}),
    ("heinz_policies.yaml", {"policy": "virtue_conditional"}),
    ("broken_penalty.yaml", {}),
]

STATEMENTS = {
    "deontic_safety": brute_force.deontic_unsafe,
    "optimality": brute_force.not_optimal,
    "weak_pareto": brute_force.pareto_dominated,
}


@pytest.mark.parametrize(("name", "settings"), CASES)
def test_verdicts_match_the_statements_on_a_pipeline_loop(name, settings):
    task = _task(name, **settings)
    decided = brute_force.rows(task)
    certificates = {c.property: c for c in verify(task, list(STATEMENTS))}
    for prop, violates in STATEMENTS.items():
        bad = [r for r in decided if violates(task, r.decision)]
        c = certificates[prop]
        assert c.details["violations"] == len(bad), prop
        if not bad:
            assert c.proved and c.witness["table_sha256"] == brute_force.table_sha256(task, decided)
            continue
        smallest = min(bad, key=lambda r: (len(r.evidence), r.number))
        assert c.refuted and c.witness["assignment"] == smallest.number, prop
        assert c.witness["evidence"] == smallest.evidence
        assert c.witness["chosen"] == smallest.decision.option


def test_heinz_under_the_consequentialist_policy_steals():
    # heinz_policies, policy consequentialist: credence 1 in the utilitarian theory, which does
    # not hold respect_property as a side-constraint; stealing violates it with probability 1
    # while do_not_steal violates nothing: refuted with no evidence (assignment 2 of 3).
    (c,) = verify(_task("heinz_policies.yaml", policy="consequentialist"), ["deontic_safety"])
    assert c.refuted and c.witness["evidence"] == {} and c.witness["assignment"] == 2
    assert c.witness["chosen"] == "steal" and c.witness["alternatives"] == ["do_not_steal"]
    assert c.witness["norms"] == [
        {"norm": "respect_property", "probability": 1.0, "threshold": 0.0}
    ]


def test_a_rule_that_overrides_a_conditional_policy_contradicts_it():
    # heinz_policies, deontological_conditional with --rule mft: where legal means are not
    # exhausted the policy's case puts respect_property first (only do_not_steal violates it with
    # probability 0), but MFT (the utilitarian theory, credence 0.6) chooses a theft.
    task = _task("heinz_policies.yaml", policy="deontological_conditional", rule="mft")
    (c,) = verify(task, ["consistency"])
    assert c.refuted and c.witness["kind"] == "policy"
    assert c.witness["evidence"] == {"legal_means_exhausted": "no"}
    assert c.witness["chosen"] == "steal_and_confess"
    (same,) = verify(
        _task("heinz_policies.yaml", policy="deontological_conditional"), ["consistency"]
    )
    assert same.proved


def test_monotonicity_in_detection():
    # av_emergency (observables pedestrian_present, detection, oncoming_vehicle): with no
    # pedestrian observed, a negative detection makes swerving right onto the footway the
    # choice (detection=positive: brake_straight; negative: swerve_right), so swerve_right is
    # increasing in detection (positive -> negative) and not decreasing; the smallest
    # counterexample observes detection=positive only (assignment 20 = digits (2, 0, 2)).
    up = _task(
        "av_emergency.yaml", parameters={"monotone": {"detection": {"swerve_right": "increasing"}}}
    )
    down = _task(
        "av_emergency.yaml", parameters={"monotone": {"detection": {"swerve_right": "decreasing"}}}
    )
    (proved,) = verify(up, ["monotonicity"])
    (refuted,) = verify(down, ["monotonicity"])
    assert proved.proved and proved.parameters["monotone"] == {
        "detection": {"swerve_right": "increasing"}
    }
    assert refuted.refuted and refuted.details["violations"] == 2
    assert refuted.witness["evidence"] == {"detection": "positive"}
    assert refuted.witness["raised_evidence"] == {"detection": "negative"}
    assert (refuted.witness["chosen"], refuted.witness["raised_chosen"]) == (
        "brake_straight",
        "swerve_right",
    )


def test_monotonicity_against_a_pipeline_loop():
    marks = {"oncoming_vehicle": {"swerve_left": "decreasing", "brake_straight": "increasing"}}
    task = _task("av_emergency.yaml", parameters={"monotone": marks})
    decided = {tuple(sorted(r.evidence.items())): r.decision.option for r in brute_force.rows(task)}
    bad = 0
    for evidence, low in decided.items():
        e = dict(evidence)
        if e.get("oncoming_vehicle") != "yes":
            continue
        high = decided[tuple(sorted({**e, "oncoming_vehicle": "no"}.items()))]
        bad += (low != "swerve_left" and high == "swerve_left") or (
            low == "brake_straight" and high != "brake_straight"
        )
    (c,) = verify(task, ["monotonicity"])
    assert bad > 0 and c.refuted and c.details["violations"] == bad


@pytest.mark.parametrize(
    ("marks", "match"),
    [
        ({"speed": {"brake_straight": "increasing"}}, "not an observable"),
        ({"detection": {"fly": "increasing"}}, "unknown option 'fly'"),
        ({"detection": {"brake_straight": "up"}}, "'up' is not increasing or decreasing"),
        ({}, "expected"),
    ],
)
def test_a_bad_monotone_parameter_names_it(marks, match):
    task = _task("av_emergency.yaml", parameters={"monotone": marks})
    with pytest.raises(PropertyError, match=match):
        verify(task, ["monotonicity"])


def test_monotonicity_needs_its_parameter():
    from theorems.registry import applicable

    task = _task("av_emergency.yaml")
    assert "monotonicity" not in [p.name for p in applicable(task)]
    marked = _task(
        "av_emergency.yaml", parameters={"monotone": {"detection": {"swerve_left": "increasing"}}}
    )
    assert "monotonicity" in [p.name for p in applicable(marked)]
    with pytest.raises(PropertyError, match="needs parameter 'monotone'"):
        verify(task, ["monotonicity"])


def test_every_property_has_a_statement_and_unknown_names_are_listed():
    for name in (
        "deontic_safety",
        "optimality",
        "consistency",
        "weak_pareto",
        "monotonicity",
        "invariance",
    ):
        assert len(get_property(name).statement) > 100
    with pytest.raises(PropertyError, match="unknown property 'safety'; expected one of"):
        verify(_task("heinz.yaml"), ["safety"])


# -- the chunk checks fail where they should (batches altered by hand) -----------------------


def _batch(task):
    from engine.kernel.decide import decide_rows

    chunk = next(chunks(task))
    return chunk, decide_rows(task.compiled, chunk.index)


def test_optimality_flags_a_choice_below_the_best_score():
    task = _task("av_emergency.yaml")
    chunk, batch = _batch(task)
    assert not optimality.violations(None, chunk, batch).any()
    worst = np.nanargmin(np.where(batch.permissible, batch.scores, np.nan), axis=1)
    altered = dataclasses.replace(batch, chosen=worst)
    distinct = np.nanmax(batch.scores, axis=1) > np.nanmin(batch.scores, axis=1) + 1e-6
    assert (optimality.violations(None, chunk, altered) == distinct).all() and distinct.any()


def test_weak_pareto_flags_a_dominated_choice():
    task = _task("broken_penalty.yaml")  # one value: safety; swerve has the higher EV always
    chunk, batch = _batch(task)
    assert not pareto.violations(None, chunk, batch).any()
    brake = dataclasses.replace(batch, chosen=np.zeros_like(batch.chosen))
    assert pareto.violations(None, chunk, brake).all()


def test_consistency_flags_a_contradicted_policy():
    task = _task("icu_triage.yaml", policy="crisis_standards")
    chunk, batch = _batch(task)
    assert not consistency.violations(None, chunk, batch).any()
    contradicted = dataclasses.replace(
        batch, policy_consistent=np.zeros_like(batch.policy_consistent)
    )
    assert consistency.violations(None, chunk, contradicted).all()


def test_invariance_catches_a_rewrite_that_changes_the_meaning(monkeypatch):
    from engine.ir.nodes import ValueDimension
    from engine.ir.transform import with_value
    from theorems.methods import renaming

    real = renaming.renamed

    def flipped(problem):  # a "rewrite" that negates the safety utility: not meaning-preserving
        safety = problem.value("safety")
        negated = ValueDimension(safety.name, safety.parents, tuple(-x for x in safety.table))
        return real(with_value(problem, negated))

    task = _task("broken_penalty.yaml")
    assert verify(task, ["invariance"])[0].proved
    monkeypatch.setattr(invariance, "renamed", flipped)
    (c,) = verify(task, ["invariance"])
    assert (
        c.refuted and c.witness["chosen"] == "swerve" and c.witness["rewritten_chosen"] == "brake"
    )


def test_invariance_with_outcomes_observed_under_a_conditional_policy():
    task = _task(
        "heinz_policies.yaml",
        observables=("legal_means_exhausted", "heinz_jailed"),
        policy="deontological_conditional",
    )
    (c,) = verify(task, ["invariance"])
    assert c.proved, c.reason
