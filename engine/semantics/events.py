"""Norm events and theory matrices, written once: when a norm is violated, which theories endorse
it, and the value weights and penalties of each theory."""

from __future__ import annotations

import numpy as np

from engine.ir import Clause, DecisionProblem, Norm, Theory


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


def binds(norm: Norm, option: str) -> bool:
    """True when choosing ``option`` can violate ``norm`` (shared/DESIGN.md, "Decision
    semantics" step 3): a prohibition of that option, or an obligation to another one. A
    permission binds no option.

    Examples
    --------
    >>> binds(Norm("n", "prohibition", "steal"), "steal")
    True
    >>> binds(Norm("o", "obligation", "help"), "help")
    False
    """
    if norm.modality == "permission":
        return False
    return (option == norm.option) == (norm.modality == "prohibition")


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
