"""Exhaustive checking: the decision kernel over every assignment of a task's evidence space.

The space (:mod:`theorems.space`) is decided chunk by chunk by the kernel
(:func:`theorems.space.decider`: joint sums over the observables, or
:func:`engine.kernel.decide.decide_rows`); each chunk's decisions go to a property's
:class:`ChunkCheck`, which marks the assignments that violate it, and to the
:class:`~theorems.space.TableDigest`. The scan reports the number of assignments checked, the
table's SHA-256, how many assignments violate the property and the *smallest* counterexample:
the one with the fewest observed variables, then the lowest assignment number. The order is
total, so the smallest counterexample does not depend on how the space was cut into chunks or
shards.

With ``task.executor == "ray"`` the space is cut into shards of whole chunks (ranges of
assignment numbers), scanned by Ray tasks, and the shards' tables hashed in assignment order by
the caller: the same verdict, counts and digest as a local scan. Ray is imported only then.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import BackendUnavailable
from engine.ir import DecisionProblem
from engine.kernel.batch import DecisionBatch
from engine.kernel.decide import decide_rows
from theorems.space import CHUNK, Chunk, TableDigest, chunks, decider, index_of, radices
from theorems.task import Task, make_task

#: shards per Ray worker CPU (several, so that a slow shard does not hold up the rest)
SHARDS_PER_CPU = 4

Violations = Callable[[Any, Chunk, DecisionBatch], np.ndarray]


@dataclass(frozen=True, slots=True)
class ChunkCheck:
    """How a property checks one chunk: ``prepare(task)`` builds what the check needs once per
    process (a transformed problem, parsed parameters); ``violations(context, chunk, batch)``
    returns a boolean mask over the chunk's assignments, True where the property fails.
    Both must be picklable (module-level functions) to run on Ray."""

    prepare: Callable[[Task], Any]
    violations: Violations


@dataclass(frozen=True, slots=True, order=True)
class Counterexample:
    """An assignment that violates a property, ordered by (observed variables, number)."""

    observed: int
    number: int
    digits: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Scan:
    """What a scan found: ``assignments`` checked, the table's ``table_sha256``, the number of
    ``violations`` and the ``smallest`` counterexample (``None`` when there is none)."""

    assignments: int
    table_sha256: str
    violations: int
    smallest: Counterexample | None


@dataclass(frozen=True, slots=True)
class _Part:
    """One range's result: its table (int16, assignment order) and, per check, the number of
    violations and the smallest counterexample."""

    table: bytes
    violations: tuple[int, ...]
    smallest: tuple[Counterexample | None, ...]


def nothing(task: Task) -> None:
    """A :attr:`ChunkCheck.prepare` for checks that need no context."""
    return None


def scan(task: Task, check: ChunkCheck, *, size: int = CHUNK, shards: int | None = None) -> Scan:
    """Decide the whole evidence space of ``task`` and check every assignment.

    ``size`` assignments are decided per kernel call. ``shards`` cuts the space into that many
    ranges scanned independently (on Ray when ``task.executor == "ray"``, else one after the
    other here) and combined in assignment order; by default a local scan is one range and a
    Ray scan uses :data:`SHARDS_PER_CPU` per cluster CPU.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> task = make_task(load_scenario("examples/icu_triage.yaml"), backend="numpy")
    >>> never = ChunkCheck(nothing, lambda context, chunk, batch: batch.chosen < -1)
    >>> result = scan(task, never)
    >>> result.assignments, result.violations, result.smallest
    (81, 0, None)
    """
    return scan_many(task, (check,), size=size, shards=shards)[0]


def scan_many(
    task: Task, checks: Sequence[ChunkCheck], *, size: int = CHUNK, shards: int | None = None
) -> list[Scan]:
    """:func:`scan` for several checks at once: the space is decided once and every chunk's
    decisions go to each check; one :class:`Scan` per check, in order."""
    total = task.space_size
    checks = tuple(checks)
    if task.executor == "ray":
        parts = _ray_parts(task, checks, size, shards)
    elif shards is None or shards <= 1:
        parts = iter([_scan_range(task, checks, 0, total, size, report=True)])
    else:
        ranges = shard_ranges(total, shards, size)
        parts = (_scan_range(task, checks, a, b, size) for a, b in ranges)
    digest = TableDigest(task)
    violations = [0] * len(checks)
    smallest: list[Counterexample | None] = [None] * len(checks)
    for part in parts:  # in assignment order
        digest.update(np.frombuffer(part.table, dtype="<i2"))
        for k, (count, found) in enumerate(zip(part.violations, part.smallest, strict=True)):
            violations[k] += count
            best = smallest[k]
            if found is not None and (best is None or found < best):
                smallest[k] = found
    sha = digest.hexdigest()
    return [Scan(digest.count, sha, v, s) for v, s in zip(violations, smallest, strict=True)]


def shard_ranges(total: int, shards: int, size: int = CHUNK) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges covering ``0 .. total`` in order, at most ``shards`` of them,
    each a whole number of ``size`` chunks (the last one shorter)."""
    per = max(1, math.ceil(math.ceil(total / size) / max(1, shards))) * size
    return [(start, min(start + per, total)) for start in range(0, total, per)] or [(0, 0)]


def _scan_range(
    task: Task,
    checks: tuple[ChunkCheck, ...],
    start: int,
    stop: int,
    size: int,
    *,
    report: bool = False,
) -> _Part:
    """Scan assignments ``start .. stop - 1``; ``report``: call ``task.progress``."""
    contexts = [check.prepare(task) for check in checks]
    top = radices(task) - 1
    tables: list[bytes] = []
    violations = [0] * len(checks)
    smallest: list[Counterexample | None] = [None] * len(checks)
    decide_chunk = decider(task)
    for chunk in chunks(task, size, start, stop):
        batch = decide_chunk(chunk)
        tables.append(np.asarray(batch.chosen, dtype="<i2").tobytes())
        observed = (chunk.digits < top).sum(axis=1)
        for k, (check, context) in enumerate(zip(checks, contexts, strict=True)):
            bad = np.flatnonzero(check.violations(context, chunk, batch))
            if not bad.size:
                continue
            violations[k] += int(bad.size)
            first = int(bad[np.lexsort((bad, observed[bad]))[0]])  # fewest observed, lowest
            found = Counterexample(
                int(observed[first]),
                chunk.start + first,
                tuple(int(d) for d in chunk.digits[first]),
            )
            best = smallest[k]
            if best is None or found < best:
                smallest[k] = found
        if report and task.progress is not None:
            task.progress(chunk.start + len(chunk.index), task.space_size)
    return _Part(b"".join(tables), tuple(violations), tuple(smallest))


def _ray_parts(
    task: Task, checks: tuple[ChunkCheck, ...], size: int, shards: int | None
) -> Iterator[_Part]:
    """The parts of a scan sharded on Ray (address: ``task.parameters["address"]``, default a
    local cluster), yielded in assignment order as they are collected."""
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(
            "executor 'ray': Ray is not installed; install it (pip install 'ray>=2.9') or "
            "verify locally (leave out --ray)"
        ) from None
    if not ray.is_initialized():
        ray.init(address=task.parameters.get("address"), include_dashboard=False)
    if shards is None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        shards = max(1, cpus * SHARDS_PER_CPU)
    remote = ray.remote(_scan_shard)
    problem = task.problem.to_json()
    settings = dict(task.settings)
    pending = [
        remote.remote(
            problem, task.observables, settings, dict(task.parameters), checks, a, b, size
        )
        for a, b in shard_ranges(task.space_size, shards, size)
    ]
    done = 0
    for future in pending:
        part = ray.get(future)
        done += len(part.table) // 2
        if task.progress is not None:
            task.progress(done, task.space_size)
        yield part


def _scan_shard(
    problem: str,
    observables: Sequence[str],
    settings: dict[str, Any],
    parameters: dict[str, Any],
    checks: tuple[ChunkCheck, ...],
    start: int,
    stop: int,
    size: int,
) -> _Part:
    """One Ray shard: rebuild the task from the problem's JSON and scan its range."""
    task = make_task(
        DecisionProblem.from_json(problem), observables, parameters=parameters, **settings
    )
    return _scan_range(task, checks, start, stop, size)


def decide_assignment(task: Task, digits: Sequence[int]) -> DecisionBatch:
    """The kernel's decision of one assignment (a one-row batch)."""
    return decide_rows(task.compiled, index_of(task, np.array([digits], dtype=np.intp)))
