"""Invariants of the hybrid part of the IR (:mod:`engine.ir.continuous`).

Messages use the scenario's field paths (``continuous.lidar_range.parameters``) and say how to
fix the input, like :mod:`engine.ir.checks`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from engine.errors import InvalidProblem, listing
from engine.ir.continuous import FAMILY_PARAMETERS, LINEAR_LOCATION
from engine.ir.fields import check_finite, check_parents

#: where a continuous parent belongs instead of a table's parents
CONTINUOUS_PARENTS = (
    "list it under coefficients (continuous children) or inputs (logistic CPDs of discrete "
    "children)"
)

if TYPE_CHECKING:
    from engine.ir.continuous import ContinuousVariable, LinearTerm, LogisticCPT

#: parameters that must be strictly positive, per family.
POSITIVE: dict[str, tuple[str, ...]] = {
    "normal": ("scale",),
    "lognormal": ("scale",),
    "beta": ("alpha", "beta"),
}


def check_hybrid(
    continuous: Sequence[ContinuousVariable],
    logistic: Sequence[LogisticCPT],
    states: dict[str, tuple[str, ...]],
) -> None:
    """Continuous variables and logistic CPDs against the discrete ``states`` (name -> states)."""
    names: set[str] = set()
    for variable in continuous:
        _check_continuous(variable, states, names)
        names.add(variable.name)
    for variable in continuous:
        _check_coefficients(variable, names)
    children: set[str] = set()
    for cpt in logistic:
        where = f"variables.{cpt.child}.logistic"
        if cpt.child not in states:
            raise InvalidProblem(where, f"logistic CPD for unknown variable {cpt.child!r}")
        if cpt.child in children:
            raise InvalidProblem(where, "more than one logistic CPD for this variable")
        children.add(cpt.child)
        check_parents(
            where, cpt.parents, states, continuous=names, continuous_fix=CONTINUOUS_PARENTS
        )
        if not cpt.inputs:
            raise InvalidProblem(
                f"{where}.inputs", "a logistic CPD needs at least one continuous input"
            )
        for name in cpt.inputs:
            if name not in names:
                raise InvalidProblem(
                    f"{where}.inputs",
                    f"{name!r} is not a continuous variable; "
                    f"expected one of {listing(sorted(names))}",
                )
        n_child = len(states[cpt.child])
        rows = math.prod(len(states[p]) for p in cpt.parents)
        _check_numbers(f"{where}.bias", cpt.bias, rows * n_child)
        _check_numbers(f"{where}.weights", cpt.weights, n_child * len(cpt.inputs))


def check_linear_terms(
    where: str,
    terms: Sequence[LinearTerm],
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    continuous: Iterable[str],
) -> None:
    known = set(continuous)
    rows = math.prod(len(states[p]) for p in parents)
    for term in terms:
        if term.variable not in known:
            raise InvalidProblem(
                f"{where}.linear",
                f"{term.variable!r} is not a continuous variable; "
                "expected one of "
                f"{listing(sorted(known)) or 'none (declare it under continuous:)'}",
            )
        _check_numbers(f"{where}.linear.{term.variable}", term.coefficients, rows)


def hybrid_edges(
    continuous: Sequence[ContinuousVariable], logistic: Sequence[LogisticCPT]
) -> list[tuple[str, str]]:
    """(parent, child) edges the hybrid part adds to the graph."""
    edges = [(p, v.name) for v in continuous for p in (*v.parents, *v.continuous_parents)]
    edges += [(p, c.child) for c in logistic for p in (*c.parents, *c.inputs)]
    return edges


def _check_continuous(
    variable: ContinuousVariable, states: dict[str, tuple[str, ...]], seen: set[str]
) -> None:
    where = f"continuous.{variable.name}"
    if not isinstance(variable.name, str) or not variable.name.strip():
        raise InvalidProblem("continuous", f"expected a non-empty name, found {variable.name!r}")
    if variable.name in states or variable.name in seen:
        raise InvalidProblem(
            where,
            f"duplicate name {variable.name!r}; variables and the decision need unique names",
        )
    if variable.distribution not in FAMILY_PARAMETERS:
        raise InvalidProblem(
            f"{where}.distribution",
            f"unknown distribution {variable.distribution!r}; "
            f"expected one of {', '.join(FAMILY_PARAMETERS)}",
        )
    check_parents(
        where, variable.parents, states, continuous=seen, continuous_fix=CONTINUOUS_PARENTS
    )
    names = FAMILY_PARAMETERS[variable.distribution]
    configurations = math.prod(len(states[p]) for p in variable.parents)
    _check_numbers(f"{where}.parameters", variable.parameters, configurations * len(names))
    for row in range(configurations):
        for k, name in enumerate(names):
            x = variable.parameters[row * len(names) + k]
            if name in POSITIVE[variable.distribution] and not x > 0:
                raise InvalidProblem(
                    f"{where}.parameters",
                    f"{name} must be > 0 (row {row} of the parent configurations), found {x}",
                )


def _check_coefficients(variable: ContinuousVariable, known: set[str]) -> None:
    where = f"continuous.{variable.name}.coefficients"
    if variable.coefficients and variable.distribution not in LINEAR_LOCATION:
        raise InvalidProblem(
            where,
            f"a {variable.distribution} variable cannot depend on continuous parents; only "
            f"{' and '.join(LINEAR_LOCATION)} locations are linear in them",
        )
    seen: set[str] = set()
    for name, b in variable.coefficients:
        if name not in known:
            raise InvalidProblem(
                where,
                f"{name!r} is not a continuous variable; expected one of {listing(sorted(known))}",
            )
        if name == variable.name:
            raise InvalidProblem(where, f"{name!r} cannot be its own parent")
        if name in seen:
            raise InvalidProblem(where, f"{name!r} is listed twice")
        seen.add(name)
        _check_numbers(f"{where}.{name}", (b,), 1)


def _check_numbers(where: str, table: Sequence[float], expected: int) -> None:
    if len(table) != expected:
        raise InvalidProblem(where, f"expected {expected} numbers, found {len(table)}")
    for i, x in enumerate(table):
        check_finite(f"{where}[{i}]", x)
