"""An IR pass: a hybrid problem whose continuous variables are all observed is a discrete one.

With every continuous variable Y observed at y (Lauritzen 1992; Koller & Friedman 2009, §14.1),

- Y's density becomes *virtual evidence* (Pearl 1988, *Probabilistic Reasoning in Intelligent
  Systems*, §2.2.2): a binary node ``Y.observed`` with P(yes | pa) = f(y | pa) / max_pa f(y | pa)
  (the scale cancels in every posterior) is added and observed at ``yes``;
- a logistic CPD with all inputs observed is the ordinary CPT softmax_j(bias[c, j] + w_j . y);
- a utility linear in Y folds into its table: U_v(c) + b_v(c) y;
- an interval clause on Y is true or false: it becomes a clause on ``Y.observed`` that holds
  with probability 1 or 0.

The result is a discrete :class:`~engine.ir.DecisionProblem` any exact backend decides, so a
problem with only *observed* continuous quantities (sensor readings, measurements) is decided
exactly, with no Monte-Carlo error.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.ir.continuous import ContinuousVariable, LogisticCPT
from engine.ir.nodes import CPT, Clause, Norm, Policy, ValueDimension, Variable
from engine.ir.problem import DecisionProblem

#: the state of a virtual-evidence node that the pass observes
OBSERVED = "yes"


def all_continuous_observed(problem: DecisionProblem, evidence: Mapping[str, Any]) -> bool:
    return all(v.name in evidence for v in problem.continuous)


def observe_continuous(
    problem: DecisionProblem, evidence: Mapping[str, Any]
) -> tuple[DecisionProblem, dict[str, Any]]:
    """The equivalent discrete problem and evidence (every continuous variable in ``evidence``,
    its value already checked against its support)."""
    values = {v.name: float(evidence[v.name]) for v in problem.continuous}
    likelihoods = [_virtual_evidence(problem, v, values) for v in problem.continuous]
    cpts = (*problem.cpts, *(_softmax_cpt(problem, c, values) for c in problem.logistic))
    variables = (
        *problem.variables,
        *(Variable(c.child, (OBSERVED, "no"), f"virtual evidence: {c.child}") for c in likelihoods),
    )
    reduced = dataclasses.replace(
        problem,
        variables=variables,
        cpts=(*cpts, *likelihoods),
        values=tuple(_fold_linear(problem, v, values) for v in problem.values),
        norms=tuple(_resolve_norm(n, values) for n in problem.norms),
        policies=tuple(_resolve_policy(p, values) for p in problem.policies),
        continuous=(),
        logistic=(),
    )
    discrete = {k: v for k, v in evidence.items() if k not in values}
    return reduced, discrete | {c.child: OBSERVED for c in likelihoods}


def log_density(
    variable: ContinuousVariable, theta: np.ndarray, loc_shift: float, y: float
) -> np.ndarray:
    """log f(y | theta) per parent configuration; theta (..., 2), loc shifted by sum_k b_k y_k."""
    first, second = theta[..., 0], theta[..., 1]
    if variable.distribution == "beta":
        log_beta = (
            np.vectorize(math.lgamma)(first)
            + np.vectorize(math.lgamma)(second)
            - np.vectorize(math.lgamma)(first + second)
        )
        return (first - 1) * math.log(y) + (second - 1) * math.log1p(-y) - log_beta
    loc = first + loc_shift
    x = math.log(y) if variable.distribution == "lognormal" else y
    normal = -0.5 * ((x - loc) / second) ** 2 - np.log(second) - 0.5 * math.log(2 * math.pi)
    return normal - x if variable.distribution == "lognormal" else normal


def _virtual_evidence(
    problem: DecisionProblem, variable: ContinuousVariable, values: Mapping[str, float]
) -> CPT:
    """P(Y.observed = yes | pa) proportional to f(y | pa), scaled so the largest entry is 1."""
    shape = tuple(len(problem.states(p)) for p in variable.parents)
    theta = np.asarray(variable.parameters, dtype=np.float64).reshape(*shape, 2)
    shift = sum(b * values[name] for name, b in variable.coefficients)
    log_f = log_density(variable, theta, shift, values[variable.name])
    scaled = np.exp(log_f - np.max(log_f))
    table = np.stack([scaled, 1.0 - scaled], axis=-1)
    return CPT(f"{variable.name}.observed", variable.parents, tuple(map(float, table.ravel())))


def _softmax_cpt(problem: DecisionProblem, cpt: LogisticCPT, values: Mapping[str, float]) -> CPT:
    n_child = len(problem.states(cpt.child))
    shape = tuple(len(problem.states(p)) for p in cpt.parents)
    bias = np.asarray(cpt.bias).reshape(*shape, n_child)
    weights = np.asarray(cpt.weights).reshape(n_child, len(cpt.inputs))
    logits = bias + weights @ np.array([values[x] for x in cpt.inputs])
    probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    return CPT(cpt.child, cpt.parents, tuple(map(float, probabilities.ravel())))


def _fold_linear(
    problem: DecisionProblem, value: ValueDimension, values: Mapping[str, float]
) -> ValueDimension:
    if not value.linear:
        return value
    table = np.asarray(value.table, dtype=np.float64)
    for term in value.linear:
        table = table + np.asarray(term.coefficients) * values[term.variable]
    return dataclasses.replace(value, table=tuple(map(float, table)), linear=())


def _resolve(condition: tuple[Clause, ...], values: Mapping[str, float]) -> tuple[Clause, ...]:
    """Each clause on an observed continuous y replaced by one on its virtual-evidence node
    that holds with probability 1 (``yes``, observed) or 0 (``no``), so conditions keep their
    shape (a conditional policy keeps its cases) and the discrete semantics apply unchanged."""
    resolved = []
    for clause in condition:
        if clause.variable not in values:
            resolved.append(clause)
            continue
        y = values[clause.variable]
        holds = (clause.above is None or y > clause.above) and (
            clause.below is None or y < clause.below
        )
        resolved.append(Clause(f"{clause.variable}.observed", (OBSERVED if holds else "no",)))
    return tuple(resolved)


def _resolve_norm(norm: Norm, values: Mapping[str, float]) -> Norm:
    return dataclasses.replace(norm, condition=_resolve(norm.condition, values))


def _resolve_policy(policy: Policy, values: Mapping[str, float]) -> Policy:
    cases = tuple(dataclasses.replace(c, when=_resolve(c.when, values)) for c in policy.cases)
    return dataclasses.replace(policy, cases=cases)
