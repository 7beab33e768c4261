"""Meaning-preserving rewrites of a :class:`~engine.ir.DecisionProblem`.

Reordering options or renaming states changes how a problem is written, not what it means;
decisions must not change under either (checked by property tests).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from engine.ir.nodes import CPT, Clause, ValueDimension, Variable
from engine.ir.problem import DecisionProblem


def reorder_options(problem: DecisionProblem, order: Sequence[str]) -> DecisionProblem:
    """The same problem with the decision's options listed in ``order`` (a permutation)."""
    options = problem.decision.options
    if sorted(order) != sorted(options):
        raise ValueError(f"order {list(order)} is not a permutation of {list(options)}")
    permutation = [options.index(o) for o in order]
    name = problem.decision.name

    def permute(parents: tuple[str, ...], table: np.ndarray) -> tuple[float, ...]:
        if name in parents:
            table = np.take(table, permutation, axis=parents.index(name))
        return tuple(float(x) for x in table.ravel())

    cpts = tuple(
        CPT(c.child, c.parents, permute(c.parents, problem.cpt_array(c.child)))
        for c in problem.cpts
    )

    def shaped(parents: tuple[str, ...], flat: tuple[float, ...]) -> np.ndarray:
        shape = tuple(len(problem.states(p)) for p in parents)
        return np.asarray(flat, dtype=np.float64).reshape(*shape, -1)

    values = tuple(
        dataclasses.replace(
            v,
            table=permute(v.parents, problem.utility_array(v.name)),
            linear=tuple(
                dataclasses.replace(
                    t, coefficients=permute(v.parents, shaped(v.parents, t.coefficients))
                )
                for t in v.linear
            ),
        )
        for v in problem.values
    )
    continuous = tuple(
        dataclasses.replace(c, parameters=permute(c.parents, shaped(c.parents, c.parameters)))
        for c in problem.continuous
    )
    logistic = tuple(
        dataclasses.replace(c, bias=permute(c.parents, shaped(c.parents, c.bias)))
        for c in problem.logistic
    )
    decision = dataclasses.replace(problem.decision, options=tuple(order))
    return dataclasses.replace(
        problem,
        decision=decision,
        cpts=cpts,
        values=values,
        continuous=continuous,
        logistic=logistic,
    )


def rename_states(
    problem: DecisionProblem, variable: str, mapping: Mapping[str, str]
) -> DecisionProblem:
    """The same problem with the states of chance variable ``variable`` renamed by ``mapping``."""

    def rename(state: str) -> str:
        return mapping.get(state, state)

    variables = tuple(
        Variable(v.name, tuple(map(rename, v.states)), v.description) if v.name == variable else v
        for v in problem.variables
    )
    norms = tuple(
        dataclasses.replace(
            n,
            condition=tuple(
                Clause(c.variable, tuple(map(rename, c.states))) if c.variable == variable else c
                for c in n.condition
            ),
        )
        for n in problem.norms
    )
    return dataclasses.replace(problem, variables=variables, norms=norms)


def with_value(problem: DecisionProblem, value: ValueDimension) -> DecisionProblem:
    """``problem`` with ``value`` replacing the value dimension of the same name."""
    values = tuple(value if v.name == value.name else v for v in problem.values)
    return dataclasses.replace(problem, values=values)
