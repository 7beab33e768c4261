"""Optimality: the chosen option maximises the rule's aggregated score among the permissible
options (see :data:`STATEMENT`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.kernel.batch import DecisionBatch
from engine.rules.base import comparable, tolerance
from theorems.methods.exhaustive import ChunkCheck, Counterexample, nothing
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import Enumerated, enumerated_property
from theorems.registry import register_property
from theorems.space import Chunk
from theorems.task import Task

STATEMENT = (
    "Optimality: for every evidence assignment e of the space at which an option c is chosen, "
    "c is permissible and score(c) >= max over permissible options b of score(b) - tol, where "
    "score is the aggregated choiceworthiness of the rule in force (MEC: sum_T C_T CW'_T(a) "
    "after normalisation; other rules their own score; a lexical policy its level) and "
    "tol = r * max(1, max_b |score(b)|) with r the rule's relative tie tolerance "
    "(engine.rules.base.tolerance, 1e-9 by default). Abstaining is optimal."
)


def _relative(task: Task) -> float:
    return float(task.compiled.settings.options.tolerance)


def violations(context: Any, chunk: Chunk, batch: DecisionBatch) -> np.ndarray:
    relative = float(batch.compiled.settings.options.tolerance)
    chosen = batch.chosen >= 0
    if not chosen.any():
        return chosen
    scores = np.where(batch.permissible, comparable(batch.scores), -np.inf)
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    tol = relative * np.maximum(1.0, finite.max(axis=1))
    mine = scores[np.arange(len(batch)), np.maximum(batch.chosen, 0)]
    return chosen & ((mine == -np.inf) | (mine < scores.max(axis=1) - tol))


def describe(
    task: Task, context: Any, batch: DecisionBatch, found: Counterexample
) -> dict[str, Any]:
    c = int(batch.chosen[0])
    scores = np.where(batch.permissible[0], comparable(batch.scores[0]), -np.inf)
    best = int(np.argmax(scores))
    option, other = batch.options[c], batch.options[best]
    mine = None if not np.isfinite(scores[c]) else float(scores[c])
    return {
        "score": mine,
        "best": other,
        "best_score": float(scores[best]),
        "what": (
            f"chose {option!r}, which is not permissible"
            if mine is None
            else f"chose {option!r} (score {mine:.6g}) over {other!r} (score {scores[best]:.6g})"
        ),
    }


def confirm(task: Task, witness: Mapping[str, Any]) -> str | None:
    decided = redecide(task, witness["evidence"])
    if decided.option is None:
        return f"the {decided.via} abstains there"
    scores = {o: s for o, s in decided.scores.items() if decided.permissible[o] and s is not None}
    mine = scores.get(decided.option)
    if mine is None:
        return None  # the chosen option is not permissible
    row = np.array(list(scores.values()))
    if mine >= row.max() - tolerance(row, _relative(task)):
        return f"the {decided.via} chooses {decided.option!r}, whose score {mine:.6g} is the best"
    return None


SPEC = Enumerated("optimality", STATEMENT, ChunkCheck(nothing, violations), describe, confirm)
PROPERTY = register_property(enumerated_property(SPEC))
