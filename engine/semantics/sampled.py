"""Steps 1–4 of the decision semantics for problems with continuous variables, by likelihood
weighting: every per-option quantity of :mod:`engine.semantics.assess` is a self-normalised
expectation over one set of weighted particles per option, with its Monte-Carlo standard error.

    EV_v(a)       = E_w[ U_v(a, x_s) + sum_t b_t(x_s) y_{t,s} ]      (particles s under do(a), e)
    P(viol_n | a) = E_w[ 1{event_n(a) holds at x_s} ]
    se(E_w[f])    = sqrt(sum_s wbar_s^2 (f_s - E_w[f])^2)             (Owen 2013, eq. 9.9)

Particles come from the ``particles`` method of a sampling backend
(:class:`~engine.backends.protocol.SamplingBackend`);
exact discrete backends cannot integrate over continuous variables and are refused with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.backends.protocol import SamplingBackend
from engine.backends.registry import require_discrete
from engine.ir import Clause, DecisionProblem
from engine.semantics.assessment import SamplingReport
from engine.semantics.events import theory_matrices, violable, violation_clauses

if TYPE_CHECKING:
    pass


def sampled_quantities(
    problem: DecisionProblem, evidence: Mapping[str, Any], backend: Any
) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, int], float], SamplingReport]:
    """Expected values (options, values), violation probabilities (options, norms), policy
    case probabilities and the sampling report, from one particle set per option."""
    particles, utility, violated, index = _per_particle(problem, evidence, backend)
    n_options = len(problem.decision.options)

    def stacked(per_particle: list[np.ndarray], statistic: Any) -> np.ndarray:
        if not per_particle:
            return np.zeros((n_options, 0))
        return np.stack([statistic(f) for f in per_particle], axis=-1)

    expected = stacked(utility, particles.mean)
    value_se = stacked(utility, particles.standard_error)
    violation = stacked(violated, particles.mean)
    violation_se = stacked(violated, particles.standard_error)
    cases: dict[tuple[str, int], float] = {}
    for policy in problem.policies:
        for k, case in enumerate(policy.cases):
            cases[(policy.name, k)] = float(
                particles.mean(_event(problem, (case.when,), index, particles.values))[0]
            )
    report = SamplingReport(
        "likelihood weighting",
        particles.num_samples,
        int(getattr(backend, "seed", 0)),
        tuple(float(x) for x in particles.ess),
        value_se,
        violation_se,
        np.nan_to_num(particles.weights),
        _theory_utilities(problem, particles, utility, violated),
    )
    return expected, violation, cases, report


def _theory_utilities(
    problem: DecisionProblem, particles: Any, utility: list[np.ndarray], violated: list[np.ndarray]
) -> np.ndarray:
    """U_T per particle, (options, S, theories): sum_v w_Tv U_v - sum_n penalty_Tn 1[viol_n]."""
    value_weights, penalties = theory_matrices(problem, problem.theories)
    n_options, n_samples = particles.weights.shape
    per_value = np.stack(utility, axis=-1) if utility else np.zeros((n_options, n_samples, 0))
    per_norm = np.stack(violated, axis=-1) if violated else np.zeros((n_options, n_samples, 0))
    return per_value @ value_weights.T - per_norm @ penalties.T


def _per_particle(
    problem: DecisionProblem, evidence: Mapping[str, Any], backend: Any
) -> tuple[Any, list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    """The particles, each value's utility and each norm's violation indicator per particle
    (each (options, S)), and the discrete sites' state indices."""
    if not isinstance(backend, SamplingBackend):
        require_discrete(problem.network(), getattr(backend, "name", str(backend)))
    decision = problem.decision.name
    options = problem.decision.options
    sites = _sites(problem)
    batch = [{**evidence, decision: option} for option in options]
    particles = backend.particles(problem.network(), batch, sites)
    index = {
        name: particles.values[name].astype(np.int64) for name in sites if _discrete(problem, name)
    }
    index[decision] = np.broadcast_to(np.arange(len(options))[:, None], particles.weights.shape)
    utility = [
        _utility_per_particle(problem, value.name, index, particles.values)
        for value in problem.values
    ]
    violated = []
    for norm in problem.norms:
        event = _event(problem, violation_clauses(problem, norm), index, particles.values)
        applies = np.array([violable(problem, norm, option) for option in options])
        violated.append(event * applies[:, None])
    return particles, utility, violated, index


def _sites(problem: DecisionProblem) -> tuple[str, ...]:
    """Every variable a utility, linear term, norm or policy case reads."""
    decision = problem.decision.name
    names: list[str] = []
    for value in problem.values:
        names += [p for p in value.parents if p != decision]
        names += [t.variable for t in value.linear]
    for norm in problem.norms:  # its condition and its defeaters'
        names += [c.variable for group in violation_clauses(problem, norm) for c in group]
    for policy in problem.policies:
        for case in policy.cases:
            names += [c.variable for c in case.when]
    return tuple(dict.fromkeys(names))


def _discrete(problem: DecisionProblem, name: str) -> bool:
    return all(v.name != name for v in problem.continuous)


def _utility_per_particle(
    problem: DecisionProblem,
    value: str,
    index: Mapping[str, np.ndarray],
    values: Mapping[str, np.ndarray],
) -> np.ndarray:
    """U_v(x_s) + sum_t b_t(x_s) y_{t,s} for every particle, shaped (options, S)."""
    dim = problem.value(value)
    shape = tuple(len(problem.states(p)) for p in dim.parents)
    cells = (
        np.ravel_multi_index(tuple(index[p] for p in dim.parents), shape)
        if dim.parents
        else np.zeros(index[problem.decision.name].shape, dtype=np.int64)
    )
    f = np.asarray(dim.table)[cells]
    for term in dim.linear:
        f = f + np.asarray(term.coefficients)[cells] * values[term.variable]
    return f


def _event(
    problem: DecisionProblem,
    clauses: tuple[tuple[Clause, ...], ...],
    index: Mapping[str, np.ndarray],
    values: Mapping[str, np.ndarray],
) -> np.ndarray:
    """1 where the first clause group holds and none of the others does, per particle; a
    continuous clause holds where above < y < below."""

    def holds(group: tuple[Clause, ...]) -> np.ndarray:
        mask = np.ones(index[problem.decision.name].shape, dtype=bool)
        for clause in group:
            if clause.is_interval:
                y = values[clause.variable]
                if clause.above is not None:
                    mask &= y > clause.above
                if clause.below is not None:
                    mask &= y < clause.below
                continue
            states = problem.states(clause.variable)
            allowed = np.array([s in clause.states for s in states])
            mask &= allowed[index[clause.variable]]
        return mask

    event = holds(clauses[0])
    for defeater in clauses[1:]:
        event &= ~holds(defeater)
    return event.astype(np.float64)
