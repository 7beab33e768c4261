"""Risk-sensitive choiceworthiness: CVaR_alpha of each theory's utility under do(a).

Per theory T the utility of an outcome x under option a is the random variable

    U_T(a, x) = sum_v w_{T,v} U_v(a, x) - [handling_T = penalty] sum_n weight_n 1[viol_n(a, x)]

whose mean is CW_T(a) (engine.semantics.assess). CVaR_alpha
 (Rockafellar & Uryasev 2000, "Optimization of
conditional value-at-risk", J. Risk 2(3); Acerbi & Tasche 2002 for discrete distributions) is
the mean of its worst alpha-tail:

    CVaR_alpha(U) = (1 / alpha) * integral_0^alpha VaR_u(U) du,

computed exactly from the joint posterior of every variable U_T depends on (one batched query),
splitting the atom at the alpha-quantile. alpha = 1 gives the expectation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.ir import DecisionProblem
from engine.semantics.assessment import Assessment
from engine.semantics.cvar import cvar
from engine.semantics.events import event_indicator, violable, violation_clauses


def risk_targets(problem: DecisionProblem, penalised: list[int]) -> tuple[str, ...]:
    """The chance variables U_T depends on: utility parents and penalised norms' conditions."""
    decision = problem.decision.name
    names: list[str] = []
    for value in problem.values:
        names.extend(p for p in value.parents if p != decision)
    for j in penalised:
        for group in violation_clauses(problem, problem.norms[j]):
            names.extend(c.variable for c in group)
    return tuple(dict.fromkeys(names))


def risk_choiceworthiness(
    problem: DecisionProblem,
    evidence: Mapping[str, str],
    backend: InferenceBackend,
    assessment: Assessment,
    alpha: float,
) -> np.ndarray:
    """CW^risk_T(a) = CVaR_alpha(U_T(a, X) | do(a), e), shaped (options, theories)."""
    decision = problem.decision.name
    options = problem.decision.options
    penalised = [
        j for j, _ in enumerate(problem.norms) if np.any(assessment.norm_penalties[:, j] != 0)
    ]
    clause_groups = {j: violation_clauses(problem, problem.norms[j]) for j in penalised}
    targets = risk_targets(problem, penalised)
    batch = [{**evidence, decision: option} for option in options]
    joint = backend.posterior(problem.network(), batch, targets)  # (options, *targets)
    shape = tuple(len(problem.states(t)) for t in targets)
    result = np.zeros((len(options), len(problem.theories)))
    for i, option in enumerate(options):
        utility = np.zeros((len(problem.values), *shape))
        for j, value in enumerate(problem.values):
            table = problem.utility_array(value.name)
            parents = list(value.parents)
            if decision in parents:
                table = np.take(table, i, axis=parents.index(decision))
                parents.remove(decision)
            utility[j] = broadcast_to_grid(table, parents, targets, shape)
        violated = np.zeros((len(problem.norms), *shape))
        for j in penalised:
            norm = problem.norms[j]
            if violable(problem, norm, option):
                groups = clause_groups[j]
                variables = tuple(dict.fromkeys(c.variable for g in groups for c in g))
                event = event_indicator(problem, variables, groups)
                violated[j] = broadcast_to_grid(event, list(variables), targets, shape)
        for t in range(len(problem.theories)):
            u = np.tensordot(assessment.value_weights[t], utility, axes=1) - np.tensordot(
                assessment.norm_penalties[t], violated, axes=1
            )
            result[i, t] = cvar(u.ravel(), joint[i].ravel(), alpha)
    return result


def broadcast_to_grid(
    table: np.ndarray,
    axes: list[str],
    targets: tuple[str, ...],
    shape: tuple[int, ...],
    leading: int = 0,
) -> np.ndarray:
    """``table`` over ``axes`` (a subset of ``targets``) broadcast to the grid ``shape``; its
    first ``leading`` axes (e.g. parameter draws) are kept in front."""
    lead = table.shape[:leading]
    order = sorted(range(len(axes)), key=lambda k: targets.index(axes[k]))
    moved = np.transpose(table, [*range(leading), *(leading + k for k in order)])
    expanded = [1] * len(targets)
    for k in order:
        expanded[targets.index(axes[k])] = table.shape[leading + k]
    return np.broadcast_to(moved.reshape(*lead, *expanded), (*lead, *shape))
