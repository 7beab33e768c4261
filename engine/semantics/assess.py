"""Steps 1–4 of the decision semantics (shared/DESIGN.md): posteriors under do(option),
expected value per value dimension, probability of violating each norm, and choiceworthiness
per theory.

    EV_v(a)        = sum_x P(x | do(a), e) U_v(a, x)
    P(viol_n | a)  = P(event_n(a) | do(a), e)
    P(effect | a)  = P(when | do(a), e)   (double effect theories)
    CW_T(a)        = sum_v w_{T,v} EV_v(a)
                     - [handling_T = penalty] sum_{n in N_T} weight_n P(viol_n | a)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.ir import DecisionProblem
from engine.semantics.assessment import Assessment
from engine.semantics.double_effect import effects
from engine.semantics.events import event_indicator, theory_matrices, violable, violation_clauses
from engine.semantics.sampled import sampled_quantities

if TYPE_CHECKING:
    pass


def assess(
    problem: DecisionProblem, evidence: Mapping[str, str], backend: InferenceBackend
) -> Assessment:
    """Evaluate every option under ``evidence``: one batched query per target set (a problem
    with continuous variables: one set of weighted particles per option, see
    :mod:`engine.semantics.sampled`; :func:`engine.decision.pipeline.decide` first reduces one whose
    continuous variables are all observed to a discrete problem)."""
    if problem.is_hybrid:
        return _assess_by_sampling(problem, evidence, backend)
    decision = problem.decision.name
    options = problem.decision.options
    batch = [{**evidence, decision: option} for option in options]
    cache: dict[tuple[str, ...], np.ndarray] = {}
    network = problem.network()

    def joint(targets: tuple[str, ...]) -> np.ndarray:
        if targets not in cache:
            cache[targets] = backend.posterior(network, batch, targets)
        return cache[targets]

    expected = np.zeros((len(options), len(problem.values)))
    for j, value in enumerate(problem.values):
        utility = problem.utility_array(value.name)
        chance = tuple(p for p in value.parents if p != decision)
        posterior = joint(chance)
        for i in range(len(options)):
            u = utility
            if decision in value.parents:
                u = np.take(utility, i, axis=value.parents.index(decision))
            expected[i, j] = float(np.sum(posterior[i] * u))

    violation = np.zeros((len(options), len(problem.norms)))
    for j, norm in enumerate(problem.norms):
        if norm.modality == "permission":
            continue
        clauses = violation_clauses(problem, norm)
        variables = tuple(dict.fromkeys(c.variable for group in clauses for c in group))
        probability = np.sum(
            joint(variables) * event_indicator(problem, variables, clauses)[None],
            axis=tuple(range(1, len(variables) + 1)),
        )
        for i, option in enumerate(options):
            if violable(problem, norm, option):
                violation[i, j] = float(probability[i])

    cases: dict[tuple[str, int], float] = {}
    for policy in problem.policies:
        for k, case in enumerate(policy.cases):
            variables = tuple(dict.fromkeys(c.variable for c in case.when))
            mass = np.sum(joint(variables)[0] * event_indicator(problem, variables, (case.when,)))
            cases[(policy.name, k)] = float(mass)

    listed = effects(problem)
    effect = np.zeros((len(options), len(listed)))
    for k, e in enumerate(listed):
        variables = tuple(dict.fromkeys(c.variable for c in e.when))
        effect[:, k] = np.sum(
            joint(variables) * event_indicator(problem, variables, (e.when,))[None],
            axis=tuple(range(1, len(variables) + 1)),
        )

    weights, penalties = theory_matrices(problem, problem.theories)
    cw = expected @ weights.T - violation @ penalties.T
    return Assessment(
        options=options,
        value_names=tuple(v.name for v in problem.values),
        norm_names=tuple(n.name for n in problem.norms),
        theory_names=tuple(t.name for t in problem.theories),
        expected_values=expected,
        violation=violation,
        choiceworthiness=cw,
        value_weights=weights,
        norm_penalties=penalties,
        case_probability=cases,
        effect_probability=effect if listed else None,
    )


def _assess_by_sampling(
    problem: DecisionProblem, evidence: Mapping[str, str], backend: InferenceBackend
) -> Assessment:
    expected, violation, cases, report = sampled_quantities(problem, evidence, backend)
    weights, penalties = theory_matrices(problem, problem.theories)
    return Assessment(
        options=problem.decision.options,
        value_names=tuple(v.name for v in problem.values),
        norm_names=tuple(n.name for n in problem.norms),
        theory_names=tuple(t.name for t in problem.theories),
        expected_values=expected,
        violation=violation,
        choiceworthiness=expected @ weights.T - violation @ penalties.T,
        value_weights=weights,
        norm_penalties=penalties,
        case_probability=cases,
        sampling=report,
    )
