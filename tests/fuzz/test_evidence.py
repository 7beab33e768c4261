"""Fuzzing evidence strings (``-e VAR=STATE``): parsed and decided on, or refused with one
short PhronesisError line; an accepted decision has a valid result."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phronesis
from engine.ir.evidence import parse_evidence
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, check_decision

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCENARIOS = ("heinz.yaml", "icu_triage.yaml", "av_emergency.yaml", "av_continuous.yaml")
ODD = st.sampled_from(
    ["", " ", "=", "a=b=c", "14", "1_4", "nan", "inf", "-inf", "1e400", "0x10", "١٤", "x" * 3000]
)


@cache
def problem(name: str) -> phronesis.DecisionProblem:
    return phronesis.load(EXAMPLES / name)


@st.composite
def assignments(draw: st.DrawFn, chosen: phronesis.DecisionProblem) -> list[str]:
    """``VAR=STATE`` strings: known variables with known, unknown or odd states, the decision
    itself, continuous variables with odd numbers, and free text."""
    names = [v.name for v in chosen.variables] + [v.name for v in chosen.continuous]
    states = {v.name: v.states for v in chosen.variables}
    items = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([*names, chosen.decision.name, "nope"]))
        options = list(states.get(name, chosen.decision.options))
        value = draw(st.one_of(st.sampled_from(options), ODD, st.text(max_size=8)))
        items.append(f"{name}={value}")
    if draw(st.booleans()):
        items.append(draw(st.one_of(ODD, st.text(max_size=20))))
    return items


@SETTINGS
@given(data=st.data(), name=st.sampled_from(SCENARIOS))
def test_evidence_strings(data: st.DataObject, name: str) -> None:
    chosen = problem(name)
    items = data.draw(assignments(chosen))
    evidence = accepted_or_refused(lambda: parse_evidence(items))
    if evidence is None:
        return
    decision = accepted_or_refused(
        lambda: phronesis.decide(chosen, evidence, samples=0, particles=200)
    )
    if decision is not None:
        check_decision(chosen, decision)
