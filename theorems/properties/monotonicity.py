"""Monotonicity in evidence the user marks as monotone (see :data:`STATEMENT`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.errors import listing
from engine.kernel.batch import DecisionBatch
from engine.kernel.decide import decide_rows
from theorems.methods.exhaustive import ChunkCheck, Counterexample
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import PropertyError, register_property
from theorems.space import Chunk, evidence_of, index_of, radices
from theorems.task import Task

DIRECTIONS = ("increasing", "decreasing")

STATEMENT = (
    "Monotonicity: given the parameter monotone = {X: {o: direction}} (X an observable, o an "
    "option, direction 'increasing' or 'decreasing'), for every pair of evidence assignments "
    "e, e' of the space that agree everywhere except that X is observed in state i in e and "
    "in state i + 1 in e' (states in the order the problem lists them): 'increasing' — if o "
    "is chosen at e then o is chosen at e' (raising X never makes the decision switch away "
    "from o); 'decreasing' — if o is chosen at e' then o is chosen at e (raising X never makes "
    "it switch toward o). Adjacent states suffice: by induction the same holds for any i < j."
)

Marks = tuple[tuple[str, int, str, str], ...]  # (variable, position, option, direction)


def marks(task: Task) -> Marks:
    """The ``monotone`` parameter, checked: (variable, position among the observables,
    option, direction) in a fixed order."""
    given = task.parameters.get("monotone")
    where = "parameter 'monotone'"
    if not isinstance(given, Mapping) or not given:
        raise PropertyError(
            f"{where}: expected {{variable: {{option: increasing|decreasing}}}}, found {given!r}"
        )
    options = task.compiled.options
    found = []
    for variable, per_option in sorted(given.items()):
        if variable not in task.observables:
            raise PropertyError(
                f"{where}: {variable!r} is not an observable; expected one of "
                f"{listing(task.observables)}"
            )
        if not isinstance(per_option, Mapping) or not per_option:
            raise PropertyError(
                f"{where}: {variable!r}: expected {{option: increasing|decreasing}}"
            )
        for option, direction in sorted(per_option.items()):
            if option not in options:
                raise PropertyError(
                    f"{where}: {variable}: unknown option {option!r}; expected one of "
                    f"{listing(options)}"
                )
            if direction not in DIRECTIONS:
                raise PropertyError(
                    f"{where}: {variable}.{option}: {direction!r} is not increasing or decreasing"
                )
            found.append((variable, task.observables.index(variable), option, direction))
    return tuple(found)


def prepare(task: Task) -> tuple[Task, Marks]:
    return task, marks(task)


def _raised(
    context: tuple[Task, Marks], chunk: Chunk, position: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose observable ``position`` is observed below its top state, and the index
    matrix of those rows with that state raised by one."""
    task, _ = context
    states = radices(task)[position] - 1
    rows = np.flatnonzero(chunk.digits[:, position] < states - 1)
    digits = chunk.digits[rows].copy()
    digits[:, position] += 1
    return rows, index_of(task, digits)


def violations(context: tuple[Task, Marks], chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    task, found = context
    bad = np.zeros(len(batch), dtype=bool)
    raised_by: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for _, position, option, direction in found:
        if position not in raised_by:
            rows, index = _raised(context, chunk, position)
            chosen = decide_rows(task.compiled, index).chosen if rows.size else rows
            raised_by[position] = rows, chosen
        rows, higher = raised_by[position]
        o = task.compiled.options.index(option)
        lower = batch.chosen[rows]
        if direction == "increasing":
            bad[rows] |= (lower == o) & (higher != o)
        else:
            bad[rows] |= (lower != o) & (higher == o)
    return bad


def _broken(
    found: Marks, options: tuple[str, ...], variable: str, lower: str | None, higher: str | None
) -> tuple[str, str] | None:
    for name, _, option, direction in found:
        if name != variable:
            continue
        if direction == "increasing" and lower == option and higher != option:
            return option, direction
        if direction == "decreasing" and lower != option and higher == option:
            return option, direction
    return None


def describe(
    task: Task, context: tuple[Task, Marks], batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    _, given = context
    options = task.compiled.options
    digits = np.array([found.digits])
    for variable, position, _, _ in given:
        if digits[0, position] >= radices(task)[position] - 2:
            continue
        higher = digits.copy()
        higher[0, position] += 1
        other = decide_rows(task.compiled, index_of(task, higher))
        names = [options[int(c)] if c >= 0 else None for c in (batch.chosen[0], other.chosen[0])]
        hit = _broken(given, options, variable, *names)
        if hit is not None:
            option, direction = hit
            raised = evidence_of(task, higher[0])
            return {
                "variable": variable,
                "option": option,
                "direction": direction,
                "raised_evidence": raised,
                "raised_chosen": names[1],
                "what": (
                    f"raising {variable} to {raised[variable]!r} switches the decision from "
                    f"{names[0]!r} to {names[1]!r} ({direction} in {option!r})"
                ),
            }
    raise AssertionError("a monotonicity counterexample without a violating neighbour")


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    lower = redecide(task, witness["evidence"])
    higher = redecide(task, witness["raised_evidence"])
    variable = witness["variable"]
    states = task.problem.states(variable)
    low, high = witness["evidence"].get(variable), witness["raised_evidence"].get(variable)
    if low not in states or high not in states or states.index(high) != states.index(low) + 1:
        return f"the raised evidence does not raise {variable!r} by one state"
    if {k: v for k, v in witness["evidence"].items() if k != variable} != {
        k: v for k, v in witness["raised_evidence"].items() if k != variable
    }:
        return "the two evidence assignments differ in more than the monotone variable"
    if _broken(marks(task), task.compiled.options, variable, lower.option, higher.option) is None:
        return (
            f"the {lower.via} decides {lower.option!r}, then {higher.option!r}: no switch in the "
            "wrong direction"
        )
    return None


SPEC = Enumerated(
    "monotonicity",
    STATEMENT,
    ChunkCheck(prepare, violations),
    describe,
    confirm,
    parameters=lambda task: {"monotone": task.parameters.get("monotone")},
    needs=("monotone",),
)
PROPERTY = register_property(enumerated_property(SPEC))
