"""Scenario-file sections for continuous variables (``continuous:``, ``logistic:``) -> IR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.continuous import FAMILY_PARAMETERS, ContinuousVariable, LogisticCPT
from engine.errors import InvalidProblem

if TYPE_CHECKING:
    from engine.scenario import ContinuousModel, VariableModel


def continuous_variables(
    models: Sequence[ContinuousModel], states: dict[str, tuple[str, ...]]
) -> tuple[ContinuousVariable, ...]:
    """Each ``continuous:`` entry with its parameter table flattened (row-major over parents)."""
    from engine.scenario import flatten_table

    found: list[ContinuousVariable] = []
    for model in models:
        if model.name in states or any(v.name == model.name for v in found):
            raise InvalidProblem(
                f"continuous.{model.name}",
                f"duplicate name {model.name!r}; variables and the decision need unique names",
            )
        where = f"continuous.{model.name}.parameters"
        _discrete_parents(f"continuous.{model.name}", model.parents, states, "coefficients")
        names = FAMILY_PARAMETERS[model.distribution]
        _require_parameters(where, model.parameters, model.parents, names, model.distribution)
        found.append(
            ContinuousVariable(
                model.name,
                model.distribution,
                tuple(model.parents),
                flatten_table(where, model.parameters, model.parents, states, names),
                tuple(model.coefficients.items()),
                model.description,
            )
        )
    return tuple(found)


def logistic_cpt(
    variable: VariableModel, states: dict[str, tuple[str, ...]], continuous: set[str]
) -> LogisticCPT:
    """A ``logistic:`` block: bias shaped like a CPT, weights state -> {input: w} (0 if absent)."""
    from engine.scenario import flatten_table

    assert variable.logistic is not None
    where = f"variables.{variable.name}.logistic"
    _discrete_parents(f"variables.{variable.name}", variable.parents, states, "logistic.inputs")
    child_states = tuple(variable.states)
    inputs = tuple(variable.logistic.inputs)
    for name in inputs:
        if name not in continuous:
            raise InvalidProblem(
                f"{where}.inputs",
                f"{name!r} is not a continuous variable; expected one of {sorted(continuous)}",
            )
    for state, row in variable.logistic.weights.items():
        if state not in child_states:
            raise InvalidProblem(
                f"{where}.weights",
                f"unknown state {state!r}; expected one of {list(child_states)}",
            )
        for name in row:
            if name not in inputs:
                raise InvalidProblem(
                    f"{where}.weights.{state}",
                    f"{name!r} is not one of the inputs {list(inputs)}",
                )
    weights = tuple(
        float(variable.logistic.weights.get(state, {}).get(name, 0.0))
        for state in child_states
        for name in inputs
    )
    bias = flatten_table(
        f"{where}.bias", variable.logistic.bias, variable.parents, states, child_states
    )
    return LogisticCPT(variable.name, tuple(variable.parents), inputs, bias, weights)


def _discrete_parents(
    where: str, parents: Sequence[str], states: dict[str, tuple[str, ...]], continuous_field: str
) -> None:
    for parent in parents:
        if parent not in states:
            raise InvalidProblem(
                f"{where}.parents",
                f"unknown parent {parent!r}; expected a discrete variable or the decision, one "
                f"of {sorted(states)} (continuous parents go under {continuous_field})",
            )


def _require_parameters(
    where: str, table: Any, parents: Sequence[str], names: tuple[str, ...], family: str
) -> None:
    """Every row given as a mapping must name exactly the family's parameters (no silent 0)."""
    rows = [table] if not parents else list(table.values()) if isinstance(table, dict) else []
    keys = [""] if not parents else list(table) if isinstance(table, dict) else []
    if not parents and not isinstance(table, dict):
        shape = ", ".join(f"{n}: ..." for n in names)
        raise InvalidProblem(where, f"expected a mapping {{{shape}}}, found {table!r}")
    for key, row in zip(keys, rows, strict=True):
        if not isinstance(row, dict):
            continue  # lists are checked for length by flatten_table
        missing = [n for n in names if n not in row]
        if missing:
            at = f"{where}[{key}]" if key else where
            raise InvalidProblem(
                at,
                f"missing {', '.join(missing)}; a {family} distribution needs "
                f"{' and '.join(names)}",
            )
