"""Value of information: what observing a variable before deciding is expected to gain.

For an unobserved chance variable X that the decision cannot influence (not a descendant of
the decision, so it can be observed first and P(x | do(a), e) = P(x | e)):

    VOI(X)      = sum_x P(x | e) max_a S(a | e, x) - max_a S(a | e)
    p_change(X) = sum_x P(x | e) [decision(e, x) != decision(e)]

with S the rule's score over the options permissible in each context (Howard 1966,
"Information value theory", IEEE Trans. Syst. Sci. Cybern. 2(1); Raiffa & Schlaifer 1961
for the expected value of sample information). VOI is reported only where scores in
different contexts are on one scale: MEC and MFT with normalisation ``none`` (linear in the
posterior, so S(a | e) = sum_x P(x | e) S(a | e, x) and, when the permissible set does not
change with x, VOI >= 0 by Jensen's inequality, = 0 when X is independent of every value,
norm and policy condition given e). Side-constraints can make it negative: an observation
can reveal that the best option violates a hard norm. Every other rule (normalisations
rescale each context; ordinal and randomising rules have no common scale) and a context in
which the decision abstains get ``value = None``; ``p_change`` is reported for every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.backends.protocol import InferenceBackend
from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.decision.result import Decision, Observation
from engine.ir import DecisionProblem

COMPARABLE_RULES: frozenset[str] = frozenset({"mec", "mft"})


def observable_variables(problem: DecisionProblem, evidence: Mapping[str, str]) -> list[str]:
    """Chance variables neither observed nor downstream of the decision."""
    downstream = problem.descendants(problem.decision.name)
    return [
        v.name for v in problem.variables if v.name not in evidence and v.name not in downstream
    ]


def value_of_information(
    problem: DecisionProblem,
    evidence: Mapping[str, str],
    base: Decision,
    *,
    backend: str | InferenceBackend = "auto",
    **settings: Any,
) -> tuple[Observation, ...]:
    """One :class:`~engine.decision.result.Observation` per observable variable, most valuable first
    (by VOI, then by p_change, then by name). ``settings`` are the keyword options ``base``
    was decided with (rule, normalisation, policy, ...).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from engine.decision.pipeline import decide
    >>> av = load_scenario("examples/av_emergency.yaml")
    >>> top = value_of_information(av, {}, decide(av))[0]
    >>> top.variable, top.decisions
    ('oncoming_vehicle', {'yes': 'brake_straight', 'no': 'swerve_left'})
    """
    engine = get_backend(backend)
    rule = base.provenance["rule"]
    comparable = rule in COMPARABLE_RULES and base.provenance["normalisation"] == "none"
    network = problem.network()
    anchor = {**evidence, problem.decision.name: problem.decision.options[0]}
    found: list[Observation] = []
    for name in observable_variables(problem, evidence):
        states = problem.states(name)
        marginal = engine.posterior(network, [anchor], (name,))[0]
        decisions: dict[str, str | None] = {}
        probability: dict[str, float] = {}
        expected_best = 0.0
        value_defined = comparable and base.option is not None
        p_change = 0.0
        for state, p in zip(states, marginal, strict=True):
            probability[state] = float(p)
            if p <= 0.0:
                decisions[state] = base.option
                continue
            after = decide(problem, {**evidence, name: state}, backend=engine, **settings)
            decisions[state] = after.option
            if after.option != base.option:
                p_change += float(p)
            if after.option is None:
                value_defined = False
            elif value_defined:
                expected_best += float(p) * float(after.report(after.option).score or 0.0)
        value = None
        if value_defined and base.option is not None:
            before = float(base.report(base.option).score or 0.0)
            value = expected_best - before
            if abs(value) <= 1e-12 * max(1.0, abs(before)):  # round-off, not information
                value = 0.0
        found.append(Observation(name, value, p_change, probability, decisions))
    found.sort(
        key=lambda o: (
            -(o.value if o.value is not None else float("-inf")),
            -o.p_change,
            o.variable,
        )
    )
    return tuple(found)
