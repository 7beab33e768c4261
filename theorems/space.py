"""The finite evidence space of a task, enumerated in chunks, and the digest of a decision
table over it.

Assignment number ``k`` (0 <= k < Π_v (|states(v)| + 1)) is the mixed-radix number whose digits
are the observables' states in task order, the last varying fastest, digit ``|states(v)|``
meaning "not observed" — the order of ``itertools.product`` over ``(*states, "*")``, which is
also the order of :class:`engine.analyses.decision_table.DecisionTable` entries.

The table digest is SHA-256 over a header (format, problem hash, observables with their
states, options) followed, assignment by assignment, by the chosen option as little-endian
int16 (-1 where the row abstains) — so a verified table written to disk and the table a proof
enumerated can be compared byte for byte, without re-deciding anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.kernel.batch import DecisionBatch
from engine.kernel.decide import decide_rows
from engine.kernel.space import decide_assignments, evidence_index, space_tables
from theorems.task import Task

#: assignments decided per kernel call
CHUNK = 1 << 16
DIGEST_FORMAT = "phronesis-table/1"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Assignments ``start`` .. ``start + len(index) - 1``: their evidence index matrix (rows x
    ``compiled.columns``, -1 unobserved) and their digits (rows x observables, ``|states|`` =
    unobserved)."""

    start: int
    index: np.ndarray
    digits: np.ndarray


def radices(task: Task) -> np.ndarray:
    """|states(v)| + 1 per observable."""
    return np.array([len(task.problem.states(v)) + 1 for v in task.observables], dtype=np.int64)


def digits_of(task: Task, numbers: np.ndarray) -> np.ndarray:
    """The digits (len(numbers) x observables) of assignment numbers."""
    bases = radices(task)
    if not len(bases):
        return np.zeros((len(numbers), 0), dtype=np.intp)
    return np.stack(np.unravel_index(numbers, tuple(bases)), axis=1).astype(np.intp)


def index_of(task: Task, digits: np.ndarray) -> np.ndarray:
    """The kernel's evidence index matrix for digits (``|states|`` becomes -1)."""
    return evidence_index(task.compiled, task.observables, digits)


def chunks(
    task: Task, size: int = CHUNK, start: int = 0, stop: int | None = None
) -> Iterator[Chunk]:
    """The assignments ``start`` .. ``stop`` (default: all) in chunks of ``size``."""
    stop = task.space_size if stop is None else stop
    for first in range(start, stop, size):
        numbers = np.arange(first, min(first + size, stop), dtype=np.int64)
        digits = digits_of(task, numbers)
        yield Chunk(first, index_of(task, digits), digits)


def decider(task: Task) -> Callable[[Chunk], DecisionBatch]:
    """A function deciding a chunk of the task's space: from joint sums over the observables
    (:mod:`engine.kernel.space`, one query per target set for the whole space) where they fit
    in memory, else row by row with :func:`engine.kernel.decide.decide_rows`. Both decide a
    row as ``decide_rows`` does (``tests/engine/test_kernel_space.py``)."""
    tables = space_tables(task.compiled, task.observables)
    if tables is None:
        return lambda chunk: decide_rows(task.compiled, chunk.index)
    return lambda chunk: decide_assignments(tables, chunk.start, chunk.start + len(chunk.index))


def evidence_of(task: Task, digits: np.ndarray) -> dict[str, str]:
    """One assignment's digits as ``{variable: state}`` (unobserved variables left out)."""
    problem = task.problem
    return {
        name: problem.states(name)[int(d)]
        for name, d in zip(task.observables, digits, strict=True)
        if int(d) < len(problem.states(name))
    }


class TableDigest:
    """Incremental SHA-256 of a decision table over a task's space (see the module docstring):
    ``update(chosen)`` chunk by chunk, in assignment order, then ``hexdigest()``."""

    def __init__(self, task: Task) -> None:
        problem = task.problem
        header = {
            "format": DIGEST_FORMAT,
            "problem_hash": problem.content_hash,
            "observables": [[v, list(problem.states(v))] for v in task.observables],
            "options": list(problem.decision.options),
        }
        self._hash = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
        self.count = 0

    def update(self, chosen: np.ndarray) -> None:
        self._hash.update(np.asarray(chosen, dtype="<i2").tobytes())
        self.count += len(chosen)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
