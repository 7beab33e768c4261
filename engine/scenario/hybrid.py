"""Scenario-file sections for continuous variables (``continuous:``, ``logistic:``) -> IR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.errors import InvalidProblem, listing
from engine.ir import ContinuousVariable, LogisticCPT
from engine.ir.continuous import FAMILY_PARAMETERS
from engine.ir.fields import check_parents
from engine.scenario.models import ContinuousModel, VariableModel
from engine.scenario.tables import flatten_table

if TYPE_CHECKING:
    pass


def continuous_variables(
    models: Sequence[ContinuousModel], states: dict[str, tuple[str, ...]]
) -> tuple[ContinuousVariable, ...]:
    """Each ``continuous:`` entry with its parameter table flattened (row-major over parents)."""
    found: list[ContinuousVariable] = []
    for model in models:
        if model.name in states or any(v.name == model.name for v in found):
            raise InvalidProblem(
                f"continuous.{model.name}",
                f"duplicate name {model.name!r}; variables and the decision need unique names",
            )
        where = f"continuous.{model.name}.parameters"
        check_parents(
            f"continuous.{model.name}",
            model.parents,
            states,
            unknown_fix="continuous parents go under coefficients",
        )
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
    assert variable.logistic is not None
    where = f"variables.{variable.name}.logistic"
    check_parents(
        f"variables.{variable.name}",
        variable.parents,
        states,
        unknown_fix="continuous parents go under logistic.inputs",
    )
    child_states = tuple(variable.states)
    inputs = tuple(variable.logistic.inputs)
    for name in inputs:
        if name not in continuous:
            raise InvalidProblem(
                f"{where}.inputs",
                f"{name!r} is not a continuous variable; "
                f"expected one of {listing(sorted(continuous))}",
            )
    for state, row in variable.logistic.weights.items():
        if state not in child_states:
            raise InvalidProblem(
                f"{where}.weights",
                f"unknown state {state!r}; expected one of {listing(child_states)}",
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
