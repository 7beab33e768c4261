"""A decision problem's structure as arrays, built once per compiled problem: the target sets
its decisions query, and for each value, norm and policy case the table that turns a posterior
over a target set into a number (shared/DESIGN.md, "Decision semantics", steps 1-4).

    EV_v(a)       = sum_x P(x | do(a), e) U_v(a, x)          (utility: (options, *cards))
    P(viol_n | a) = sum_x P(x | do(a), e) 1[event_n(x)] binds_n(a)
    P(case | e)   = sum_x P(x | do(a), e) 1[C(x)]   (the first a with P(e | do(a)) > 0)
    P(event | a)  = sum_x P(x | do(a), e) 1[event(x)]  (double effect theories' effects, then
                                                         conflicts under `conflicts: abstain`)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ir import DecisionProblem
from engine.ir.conflicts import norm_conflicts
from engine.semantics.double_effect import TheoryEffects, theory_effects
from engine.semantics.double_effect import effects as listed_effects
from engine.semantics.events import (
    conflict_clauses,
    event_indicator,
    theory_endorses,
    theory_matrices,
    violable,
    violation_clauses,
)


@dataclass(frozen=True, slots=True)
class Reduction:
    """One number per (row, option) from the posterior over target set ``target``:
    sum_x P(x) ``table[a, x]`` with ``table`` shaped (options, *cards of the targets)."""

    target: int
    table: np.ndarray


@dataclass(frozen=True, slots=True)
class Structure:
    """Target sets (each a tuple of chance variables) and the reductions over them."""

    targets: tuple[tuple[str, ...], ...]
    values: tuple[Reduction, ...]
    norms: tuple[Reduction, ...]
    cases: tuple[Reduction, ...]
    case_keys: tuple[tuple[str, int], ...]
    #: events read by tests of a row: the double effect theories' effects (columns
    #: 0 .. effects - 1, :mod:`engine.semantics.double_effect`), then, under ``conflicts:
    #: abstain``, each conflict's "both norms in force" (:mod:`engine.decision.dilemmas`)
    events: tuple[Reduction, ...]
    effects: int
    effect_tests: tuple[TheoryEffects, ...]  # which effects each double effect theory reads
    value_weights: np.ndarray  # (theories, values)
    norm_penalties: np.ndarray  # (theories, norms)
    penalises: np.ndarray  # (theories, norms) bool: T weighs violations of norm k as a penalty


def problem_structure(problem: DecisionProblem) -> Structure:
    """The arrays of ``problem`` (discrete: every variable has a table)."""
    decision = problem.decision.name
    options = problem.decision.options
    targets: dict[tuple[str, ...], int] = {}

    def target(variables: tuple[str, ...]) -> int:
        return targets.setdefault(variables, len(targets))

    values = []
    for value in problem.values:
        chance = tuple(p for p in value.parents if p != decision)
        utility = problem.utility_array(value.name)
        if decision in value.parents:
            utility = np.moveaxis(utility, value.parents.index(decision), 0)
        else:
            utility = np.broadcast_to(utility, (len(options), *utility.shape))
        values.append(Reduction(target(chance), np.ascontiguousarray(utility, dtype=np.float64)))

    norms = []
    for norm in problem.norms:
        if norm.modality == "permission":  # binds no option: never violated
            norms.append(Reduction(target(()), np.zeros(len(options))))
            continue
        clauses = violation_clauses(problem, norm)
        variables = tuple(dict.fromkeys(c.variable for group in clauses for c in group))
        indicator = event_indicator(problem, variables, clauses)
        bound = np.array([violable(problem, norm, o) for o in options], dtype=np.float64)
        table = bound.reshape(-1, *([1] * indicator.ndim)) * indicator[None]
        norms.append(Reduction(target(variables), table))

    cases, keys = [], []
    for policy in problem.policies:
        for k, case in enumerate(policy.cases):
            variables = tuple(dict.fromkeys(c.variable for c in case.when))
            indicator = event_indicator(problem, variables, (case.when,))
            every = np.broadcast_to(indicator, (len(options), *indicator.shape)).astype(float)
            cases.append(Reduction(target(variables), every))  # read under a possible option
            keys.append((policy.name, k))

    events = []
    listed = listed_effects(problem)
    groups = [(effect.when,) for effect in listed]
    if problem.conflicts == "abstain":
        conflicts = norm_conflicts(problem.norms, options)
        groups += [conflict_clauses(problem, conflict) for conflict in conflicts]
    for clauses in groups:
        variables = tuple(dict.fromkeys(c.variable for group in clauses for c in group))
        indicator = event_indicator(problem, variables, clauses)
        every = np.broadcast_to(indicator, (len(options), *indicator.shape)).astype(float)
        events.append(Reduction(target(variables), every))

    weights, penalties = theory_matrices(problem, problem.theories)
    penalises = np.array(
        [
            [t.norm_handling == "penalty" and theory_endorses(t, n.name) for n in problem.norms]
            for t in problem.theories
        ],
        dtype=bool,
    ).reshape(len(problem.theories), len(problem.norms))
    return Structure(
        targets=tuple(targets),
        values=tuple(values),
        norms=tuple(norms),
        cases=tuple(cases),
        case_keys=tuple(keys),
        events=tuple(events),
        effects=len(listed),
        effect_tests=theory_effects(problem),
        value_weights=weights,
        norm_penalties=penalties,
        penalises=penalises,
    )
