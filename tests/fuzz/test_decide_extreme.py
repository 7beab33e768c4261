"""Fuzzing ``decide`` over generated problems with extreme numbers: utilities, value weights
and norm weights near the IR's bound (``engine.ir.fields.MAX_MAGNITUDE``), tiny probabilities,
under every rule of ``engine.rules.registry.RULES`` and every normalisation. The result is
valid JSON without non-finite numbers, with a chosen option or an abstention."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phronesis
from engine.ir import DecisionProblem
from engine.ir.fields import MAX_MAGNITUDE
from engine.rules.registry import NORMALISATIONS, RULES
from tests.fuzz.mutations import accepted_or_refused, check_decision
from tests.strategies import decision_problems

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAGNITUDES = st.sampled_from(
    [
        MAX_MAGNITUDE,
        -MAX_MAGNITUDE,
        MAX_MAGNITUDE * 0.999,
        -MAX_MAGNITUDE / 3,
        1e-15,
        -1e-300,
        0.0,
        1.0,
    ]
)
TINY = st.sampled_from([1e-300, 5e-324, 1e-16, 1e-9, 0.0])


@st.composite
def extreme_problems(draw: st.DrawFn) -> DecisionProblem:
    """A random problem whose utilities and weights are drawn near the bound and whose first
    CPT's first row puts a tiny probability on all but its last state."""
    problem = draw(decision_problems())
    values = tuple(
        dataclasses.replace(v, table=tuple(draw(MAGNITUDES) for _ in v.table))
        for v in problem.values
    )
    norms = tuple(dataclasses.replace(n, weight=abs(draw(MAGNITUDES))) for n in problem.norms)
    theories = tuple(
        dataclasses.replace(
            t,
            value_weights=tuple(
                (name, draw(st.sampled_from([1.0, -1.0, 0.5, 0.0, 1e-15])))
                for name, _ in t.value_weights
            ),
        )
        for t in problem.theories
    )
    first = problem.cpts[0]
    k = len(problem.variables[0].states)
    tiny = draw(TINY)
    row = (tiny,) * (k - 1) + (1.0 - tiny * (k - 1),)
    cpts = (dataclasses.replace(first, table=row + first.table[k:]), *problem.cpts[1:])
    return dataclasses.replace(problem, values=values, norms=norms, theories=theories, cpts=cpts)


@SETTINGS
@given(problem=extreme_problems())
def test_every_rule_and_normalisation(problem: DecisionProblem) -> None:
    for rule in sorted(RULES):
        for normalisation in NORMALISATIONS:
            decision = accepted_or_refused(
                phronesis.decide, problem, rule=rule, normalisation=normalisation
            )
            if decision is not None:
                check_decision(problem, decision)
