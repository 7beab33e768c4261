"""Steps 1–4 of the decision semantics (shared/DESIGN.md): posteriors under do(option),
expected value per value dimension, probability of violating each norm, and choiceworthiness
per theory.

    EV_v(a)        = sum_x P(x | do(a), e) U_v(a, x)
    P(viol_n | a)  = P(event_n(a) | do(a), e)
    CW_T(a)        = sum_v w_{T,v} EV_v(a)
                     - [handling_T = penalty] sum_{n in N_T} weight_n P(viol_n | a)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from engine.backend import InferenceBackend
from engine.ir import Clause, DecisionProblem, Norm, Theory

if TYPE_CHECKING:
    from engine.assess_sampled import SamplingReport


@dataclass(frozen=True, slots=True)
class Assessment:
    """Per-option quantities, rows in the problem's option order."""

    options: tuple[str, ...]
    value_names: tuple[str, ...]
    norm_names: tuple[str, ...]
    theory_names: tuple[str, ...]
    expected_values: np.ndarray  # (options, values)
    violation: np.ndarray  # (options, norms)
    choiceworthiness: np.ndarray  # (options, theories)
    value_weights: np.ndarray  # (theories, values)
    norm_penalties: np.ndarray  # (theories, norms): weight_n if T penalises n, else 0
    #: P(condition of case k of policy p | e) per (p, k): the conditions of conditional
    #: policies, which concern the situation only, so they do not depend on the option.
    case_probability: dict[tuple[str, int], float] = field(default_factory=dict)
    #: for problems with continuous variables: how the expectations were sampled (ESS, errors)
    sampling: SamplingReport | None = None


def assess(
    problem: DecisionProblem, evidence: Mapping[str, str], backend: InferenceBackend
) -> Assessment:
    """Evaluate every option under ``evidence``: one batched query per target set (a problem
    with continuous variables: one set of weighted particles per option, see
    :mod:`engine.assess_sampled`; :func:`engine.decide.decide` first reduces one whose
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
            chosen = option == norm.option
            if chosen == (norm.modality == "prohibition"):
                violation[i, j] = float(probability[i])

    cases: dict[tuple[str, int], float] = {}
    for policy in problem.policies:
        for k, case in enumerate(policy.cases):
            variables = tuple(dict.fromkeys(c.variable for c in case.when))
            mass = np.sum(joint(variables)[0] * event_indicator(problem, variables, (case.when,)))
            cases[(policy.name, k)] = float(mass)

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
    )


def _assess_by_sampling(
    problem: DecisionProblem, evidence: Mapping[str, str], backend: InferenceBackend
) -> Assessment:
    from engine.assess_sampled import sampled_quantities

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


def theory_matrices(
    problem: DecisionProblem, theories: tuple[Theory, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(theories x values) value weights and (theories x norms) penalty weights."""
    value_index = {v.name: j for j, v in enumerate(problem.values)}
    weights = np.zeros((len(theories), len(problem.values)))
    penalties = np.zeros((len(theories), len(problem.norms)))
    for t, theory in enumerate(theories):
        for value, w in theory.value_weights:
            weights[t, value_index[value]] = w
        if theory.norm_handling == "penalty":
            for j, norm in enumerate(problem.norms):
                if theory_endorses(theory, norm.name):
                    penalties[t, j] = norm.weight
    return weights, penalties


def theory_endorses(theory: Theory, norm: str) -> bool:
    return theory.norms is None or norm in theory.norms


def violation_clauses(problem: DecisionProblem, norm: Norm) -> tuple[tuple[Clause, ...], ...]:
    """The norm's condition first, then the conditions of permissions that defeat it.

    The violation event is ``C_n and not (C_p1 or C_p2 ...)``; only defeasible prohibitions
    are defeated, by permissions of the same option with strictly higher priority.
    """
    defeaters: tuple[tuple[Clause, ...], ...] = ()
    if norm.modality == "prohibition" and norm.defeasible:
        defeaters = tuple(
            p.condition
            for p in problem.norms
            if p.modality == "permission" and p.option == norm.option and p.priority > norm.priority
        )
    return (norm.condition, *defeaters)


def event_indicator(
    problem: DecisionProblem,
    variables: tuple[str, ...],
    clauses: tuple[tuple[Clause, ...], ...],
) -> np.ndarray:
    """1 where the first clause group holds and none of the others does, over ``variables``."""
    shape = tuple(len(problem.states(v)) for v in variables)

    def holds(group: tuple[Clause, ...]) -> np.ndarray:
        mask = np.ones(shape, dtype=bool)
        for clause in group:
            axis = variables.index(clause.variable)
            states = problem.states(clause.variable)
            allowed = np.array([s in clause.states for s in states])
            mask &= allowed.reshape([-1 if k == axis else 1 for k in range(len(shape))])
        return mask

    event = holds(clauses[0])
    for defeater in clauses[1:]:
        event &= ~holds(defeater)
    return event.astype(np.float64)
