"""Weak Pareto within each context (see :data:`STATEMENT`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.kernel.batch import DecisionBatch
from engine.rules.base import TIE_TOLERANCE
from theorems.methods.exhaustive import ChunkCheck, Counterexample, nothing
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import register_property
from theorems.space import Chunk
from theorems.task import Task

STATEMENT = (
    "Weak Pareto within each context: for every evidence assignment e of the space at which an "
    "option c is chosen, no permissible option b is strictly better than c in every value "
    "dimension: not (EV_v(b | e) > EV_v(c | e) + tol for every value v), with "
    "EV_v(a | e) = sum_x P(x | do(a), e) U_v(a, x) and tol = 1e-9 * max(1, max |EV|) over the "
    "row. A problem without value dimensions satisfies it trivially (no option is better in "
    "every one of zero dimensions in the sense required: at least one dimension)."
)


def dominators(ev: np.ndarray, permissible: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """(N, A): permissible options strictly better than the chosen one in every value."""
    n = len(chosen)
    if ev.shape[2] == 0:
        return np.zeros(permissible.shape, dtype=bool)
    tol = TIE_TOLERANCE * np.maximum(1.0, np.abs(ev).max(axis=(1, 2)))
    mine = ev[np.arange(n), np.maximum(chosen, 0)]  # (N, V)
    better = (ev > mine[:, None, :] + tol[:, None, None]).all(axis=2)
    return better & permissible & (chosen >= 0)[:, None]


def violations(context: Any, chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    return dominators(batch.expected_values, batch.permissible, batch.chosen).any(axis=1)


def describe(
    task: Task, context: Any, batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    c = int(batch.chosen[0])
    better = dominators(batch.expected_values, batch.permissible, batch.chosen)[0]
    b = int(np.flatnonzero(better)[0])
    values = [v.name for v in task.problem.values]
    ev = batch.expected_values[0]
    return {
        "dominated_by": batch.options[b],
        "expected_values": {
            batch.options[c]: {v: float(ev[c, j]) for j, v in enumerate(values)},
            batch.options[b]: {v: float(ev[b, j]) for j, v in enumerate(values)},
        },
        "what": (
            f"chose {batch.options[c]!r}, while {batch.options[b]!r} is permissible and "
            "better in every value"
        ),
    }


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    decided = redecide(task, witness["evidence"])
    if decided.option is None:
        return f"the {decided.via} abstains there"
    mine = decided.expected_values[decided.option]
    if not mine:
        return "the problem has no value dimensions"
    scale = max([1.0, *(abs(x) for ev in decided.expected_values.values() for x in ev.values())])
    for option, ev in decided.expected_values.items():
        if decided.permissible[option] and all(
            ev[v] > mine[v] + TIE_TOLERANCE * scale for v in mine
        ):
            return None
    return f"no permissible option is better than {decided.option!r} in every value"


SPEC = Enumerated("weak_pareto", STATEMENT, ChunkCheck(nothing, violations), describe, confirm)
PROPERTY = register_property(enumerated_property(SPEC))
