"""Deontic safety: never a prohibited option while a permitted one exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.decision.permissibility import VIOLATION_TOLERANCE
from engine.kernel.batch import DecisionBatch
from theorems.methods.exhaustive import ChunkCheck, Counterexample, nothing
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import register_property
from theorems.space import Chunk
from theorems.task import Task

STATEMENT = (
    "Deontic safety: for every evidence assignment e of the space, if some option b is possible "
    "(P(e | do(b)) > 0) and prohibited by no stated norm, then the chosen option c is prohibited "
    "by no stated norm either — where option a is prohibited at e when some norm n of the "
    "problem that binds a (a prohibition of a, an obligation to another option; permissions "
    "defeat defeasible prohibitions as in the norm semantics) has P(viol_n | do(a), e) > "
    "threshold_n, whatever the theories' credences or norm handling. Abstaining is safe."
)


def prohibited(batch: DecisionBatch) -> np.ndarray:
    """(N, A): some norm binding the option is violated with probability above its threshold."""
    norms = batch.compiled.problem.norms
    if not norms:
        return np.zeros(batch.chosen.shape + (len(batch.options),), dtype=bool)
    thresholds = np.array([n.threshold for n in norms])
    return (batch.violation > thresholds + VIOLATION_TOLERANCE).any(axis=2)


def violations(context: Any, chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    """The rows choosing a prohibited option while a possible unprohibited one exists."""
    bad = prohibited(batch)
    safe = (batch.possible & ~bad).any(axis=1)
    rows = np.arange(len(batch))
    chosen = batch.chosen
    return (chosen >= 0) & safe & bad[rows, np.maximum(chosen, 0)]


def describe(
    task: Task, context: Any, batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    problem = task.problem
    c = int(batch.chosen[0])
    option = batch.options[c]
    norms = [
        {"norm": n.name, "probability": float(batch.violation[0, c, k]), "threshold": n.threshold}
        for k, n in enumerate(problem.norms)
        if batch.violation[0, c, k] > n.threshold + VIOLATION_TOLERANCE
    ]
    bad = prohibited(batch)[0]
    alternatives = [o for a, o in enumerate(batch.options) if batch.possible[0, a] and not bad[a]]
    names = ", ".join(repr(n["norm"]) for n in norms)
    return {
        "norms": norms,
        "alternatives": alternatives,
        "what": (
            f"chose {option!r}, which violates {names}, while {alternatives[0]!r} violates no norm"
        ),
    }


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    """The pipeline's decision at the witness's evidence chooses a prohibited option while an
    unprohibited one exists."""
    decided = redecide(task, witness["evidence"])
    thresholds = {n.name: n.threshold for n in task.problem.norms}

    def broken(option: str) -> list[str]:
        return [
            n
            for n, p in decided.norm_violation[option].items()
            if p > thresholds[n] + VIOLATION_TOLERANCE
        ]

    if decided.option is None:
        return f"the {decided.via} abstains there"
    if not broken(decided.option):
        return f"the {decided.via} chooses {decided.option!r}, which violates no norm"
    clean = [o for o in decided.norm_violation if decided.is_possible(o) and not broken(o)]
    if not clean:
        return f"the {decided.via} finds every option prohibited there"
    return None


SPEC = Enumerated("deontic_safety", STATEMENT, ChunkCheck(nothing, violations), describe, confirm)
PROPERTY = register_property(enumerated_property(SPEC))
