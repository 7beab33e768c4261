"""Invariance under renaming and reordering (see :data:`STATEMENT`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.kernel.batch import Abstain, DecisionBatch
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from theorems.methods.exhaustive import ChunkCheck, Counterexample
from theorems.methods.redecide import redecide
from theorems.methods.renaming import Renamed, renamed
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import register_property
from theorems.space import Chunk, index_of
from theorems.task import Task

STATEMENT = (
    "Invariance: for every evidence assignment e of the space, the problem rewritten with every "
    "variable, state and option renamed (options by a common prefix, which keeps their order "
    "by name) and its options, variables, CPTs, values, norms, theories and policies listed in "
    "reverse order (theorems.methods.renaming) chooses, at e renamed, the renamed option of the "
    "one the problem chooses at e, and abstains for the same reason where it abstains."
)


@dataclass(frozen=True, slots=True)
class Rewritten:
    """The rewritten problem compiled under the task's settings, the task viewed on it (its
    observables renamed, the same assignment numbers) and, per original option index, the
    rewritten problem's index of the same option."""

    renamed: Renamed
    task: Task
    back: np.ndarray


def prepare(task: Task) -> Rewritten:
    r = renamed(task.problem)
    compiled = compile_problem(r.problem, **task.compiled.arguments)
    view = Task(compiled, tuple(r.variables[v] for v in task.observables), task.settings)
    options = compiled.options
    to_original = np.array([task.compiled.options.index(_original(r, o)) for o in options])
    back = np.append(to_original, -1)  # -1 (abstain) maps to -1
    return Rewritten(r, view, back)


def _original(r: Renamed, option: str) -> str:
    return next(o for o, new in r.options.items() if new == option)


def decided(context: Rewritten, chunk: Chunk) -> DecisionBatch:
    return decide_rows(context.task.compiled, index_of(context.task, chunk.digits))


def violations(context: Rewritten, chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    other = decided(context, chunk)
    return (context.back[other.chosen] != batch.chosen) | (other.abstention != batch.abstention)


def describe(
    task: Task, context: Rewritten, batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    index = index_of(context.task, np.array([found.digits], dtype=np.intp))
    other = decide_rows(context.task.compiled, index)
    options = task.compiled.options
    theirs = options[int(context.back[other.chosen[0]])] if other.chosen[0] >= 0 else None
    return {
        "rewritten_chosen": theirs,
        "rewritten_abstention": Abstain(int(other.abstention[0])).name.lower(),
        "what": (
            f"the problem {_shown(batch)}, the renamed and reordered problem "
            f"{_shown(other, context)}"
        ),
    }


def _shown(batch: DecisionBatch, context: Rewritten | None = None) -> str:
    """'chooses X' or 'abstains (reason)' for a one-row batch (X by its original name)."""
    chosen = int(batch.chosen[0])
    if chosen < 0:
        return f"abstains ({Abstain(int(batch.abstention[0])).name.lower().replace('_', ' ')})"
    option = (
        batch.options[chosen]
        if context is None
        else _original(context.renamed, batch.options[chosen])
    )
    return f"chooses {option!r}"


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    r = renamed(task.problem)
    evidence = {r.variables[k]: r.states[k][v] for k, v in witness["evidence"].items()}
    first = redecide(task, witness["evidence"])
    second = redecide(task, evidence, r.problem)
    theirs = None if second.option is None else _original(r, second.option)
    if first.option != theirs:
        return None
    return f"the {first.via} chooses {first.option!r} on both problems"


SPEC = Enumerated("invariance", STATEMENT, ChunkCheck(prepare, violations), describe, confirm)
PROPERTY = register_property(enumerated_property(SPEC))
