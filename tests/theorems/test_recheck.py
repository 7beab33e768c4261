"""Re-checking certificates: a certificate stands on its problem, and re-checking catches a
tampered verdict, a changed problem, a changed table and a counterexample that is not one."""

from __future__ import annotations

import dataclasses

import pytest

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.certificate import Certificate
from theorems.task import make_task
from theorems.verify import recheck, verify

BROKEN = EXAMPLES / "broken_penalty.yaml"


@pytest.fixture(scope="module")
def task():
    return make_task(load_scenario(BROKEN))


@pytest.fixture(scope="module")
def certificates(task):
    return {c.property: c for c in verify(task)}


def _through_json(c: Certificate) -> Certificate:
    return Certificate.from_json(c.to_json())


def test_every_certificate_stands_after_a_round_trip_through_json(task, certificates):
    for c in certificates.values():
        result = recheck(task, _through_json(c))
        assert result.ok, (c.property, result.reason)


def test_a_proof_whose_property_is_refuted_does_not_stand(task, certificates):
    refuted = certificates["deontic_safety"]
    forged = dataclasses.replace(
        refuted,
        verdict="proved",
        witness={"table_sha256": refuted.details["table_sha256"], "assignments": 9},
    )
    result = recheck(task, forged)
    assert not result.ok
    assert "re-checking finds a counterexample at assignment 2" in result.reason


def test_a_refutation_of_a_true_property_does_not_stand(task, certificates):
    proved = certificates["optimality"]
    forged = dataclasses.replace(
        proved,
        verdict="refuted",
        witness={"evidence": {"pedestrian_on_pavement": "yes"}, "chosen": "swerve"},
    )
    result = recheck(task, forged)
    assert not result.ok and "the counterexample does not stand" in result.reason


def test_a_counterexample_moved_to_safe_evidence_does_not_stand(task, certificates):
    c = certificates["deontic_safety"]
    moved = dataclasses.replace(
        c, witness={**c.witness, "evidence": {"pedestrian_on_pavement": "no"}}
    )
    result = recheck(task, moved)
    assert not result.ok and "violates no norm" in result.reason


def test_a_changed_problem_fails_on_its_hash(certificates):
    problem = load_scenario(BROKEN)
    heavier = dataclasses.replace(problem.norms[0], weight=100.0)
    changed = make_task(dataclasses.replace(problem, norms=(heavier,)))
    for c in certificates.values():
        result = recheck(changed, c)
        assert not result.ok and result.reason.startswith("the problem changed")


def test_a_changed_table_digest_fails(task, certificates):
    c = certificates["consistency"]
    edited = dataclasses.replace(c, witness={**c.witness, "table_sha256": "0" * 64})
    result = recheck(task, edited)
    assert not result.ok and result.reason.startswith("the decision table changed")


def test_changed_settings_or_observables_fail(task, certificates):
    c = certificates["weak_pareto"]
    other = make_task(load_scenario(BROKEN), policy=None, rule="mft")
    assert "the settings differ" in recheck(other, c).reason
    fewer = make_task(load_scenario(BROKEN), ("road_wet",))
    assert "the parameters differ" in recheck(fewer, c).reason


def test_a_certificate_relabelled_as_another_property_is_rechecked_as_that_one(task, certificates):
    # the deontic-safety counterexample is no optimality counterexample: swerve has the best score
    c = dataclasses.replace(certificates["deontic_safety"], property="optimality")
    result = recheck(task, c)
    assert not result.ok and "whose score -20 is the best" in result.reason
    # a proof relabelled as another property that also holds on the same table still stands
    assert recheck(task, dataclasses.replace(certificates["weak_pareto"], property="optimality")).ok
