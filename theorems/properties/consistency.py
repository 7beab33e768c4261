"""Consistency: the same context and evidence give the same decision, and the active policy is
never contradicted where it speaks (see :data:`STATEMENT`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.kernel.batch import Abstain, DecisionBatch
from engine.kernel.decide import decide_rows
from theorems.methods.exhaustive import ChunkCheck, Counterexample, nothing
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import register_property
from theorems.space import Chunk
from theorems.task import Task

STATEMENT = (
    "Consistency: for every evidence assignment e of the space, (i) deciding e again — in another "
    "batch, at another row position (the chunk's even and odd rows as two batches, each in "
    "reverse order) — gives the same chosen option and the same abstention reason, and (ii) "
    "where the active policy gives a verdict on the decision it is 'consistent': the decision "
    "never contradicts the policy where the policy speaks (policy_consistent != 0)."
)


def again(batch: DecisionBatch) -> tuple[np.ndarray, np.ndarray]:
    """Chosen and abstention of the batch's rows decided again in two other batches."""
    chosen = np.empty_like(batch.chosen)
    abstention = np.empty_like(batch.abstention)
    for rows in (np.arange(0, len(batch), 2)[::-1], np.arange(1, len(batch), 2)[::-1]):
        if rows.size:
            other = decide_rows(batch.compiled, batch.index[rows])
            chosen[rows], abstention[rows] = other.chosen, other.abstention
    return chosen, abstention


def violations(context: Any, chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    chosen, abstention = again(batch)
    return (
        (chosen != batch.chosen) | (abstention != batch.abstention) | (batch.policy_consistent == 0)
    )


def describe(
    task: Task, context: Any, batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    options = batch.options
    first = int(batch.chosen[0])
    chosen, abstention = again(batch)
    policy = task.compiled.settings.policy
    name = policy.name if policy is not None else None
    if batch.policy_consistent[0] == 0:
        return {
            "kind": "policy",
            "policy": name,
            "what": f"chose {options[first]!r}, which contradicts policy {name!r}",
        }
    shown = [
        options[int(c)] if c >= 0 else f"abstain ({Abstain(int(a)).name.lower()})"
        for c, a in ((first, batch.abstention[0]), (chosen[0], abstention[0]))
    ]
    return {
        "kind": "repeat",
        "decisions": shown,
        "what": f"decided {shown[0]!r}, then {shown[1]!r}",
    }


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    decided = redecide(task, witness["evidence"])
    if witness.get("kind") == "policy":
        if decided.policy_consistent is False:
            return None
        return f"the {decided.via}'s decision {decided.option!r} does not contradict the policy"
    twice = redecide(task, witness["evidence"])
    kernel = decide_rows(task.compiled, [dict(witness["evidence"])])
    k = int(kernel.chosen[0])
    options = {decided.option, twice.option, task.compiled.options[k] if k >= 0 else None}
    if len(options) > 1:
        return None
    return f"the {decided.via} and the kernel both decide {decided.option!r}, every time"


SPEC = Enumerated("consistency", STATEMENT, ChunkCheck(nothing, violations), describe, confirm)
PROPERTY = register_property(enumerated_property(SPEC))
