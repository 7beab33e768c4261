"""Sweeps: a parameter grid x seeds, run in-process or on Ray, with the same results either way.

A sweep point overrides config fields by dotted name (``learning.self_weight``); every
(point, seed) is one run. On Ray, runs are grouped into tasks of ``runs_per_task`` so task
overhead stays small; workers rebuild the problem from its JSON (the IR, not the files) and
return only the per-step metrics (and, for the sweep's first run, its network and final
population, for plots), which are put back in (point, seed) order, and every run uses one BLAS
thread — so a sweep's table does not depend on where it ran.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.ir import DecisionProblem
from multiagent.build import build, progress_reference
from multiagent.config import SimulationConfig, validate_config
from multiagent.population import Population
from multiagent.run import simulate

Metrics = dict[str, np.ndarray]


@dataclass(frozen=True, slots=True)
class FinalState:
    """Where a run ended: its interaction network (adjacency, scipy.sparse; None without one)
    and its population after the last step."""

    neighbours: Any
    population: Population


@dataclass(frozen=True, slots=True)
class SweepRun:
    """One run of a sweep: the point's overrides, the seed and the per-step metrics; ``final``
    for the sweep's first run only (the others' final states are not kept)."""

    point: Mapping[str, Any]
    seed: int
    metrics: Metrics
    final: FinalState | None = None


def grid(sweep: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the swept values, in the order given (the last name varies
    fastest); one empty point without a sweep.

    >>> grid({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    names = list(sweep)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*sweep.values())]


def at_point(config: SimulationConfig, point: Mapping[str, Any], source: str) -> SimulationConfig:
    """``config`` with the point's dotted fields replaced, validated again."""
    data = config.model_dump()
    for name, value in point.items():
        node = data
        *path, last = name.split(".")
        for part in path:
            if not isinstance(node.get(part), dict):
                node[part] = {} if node.get(part) is None else node[part]
            node = node[part]
        node[last] = value
    data["sweep"] = {}
    return validate_config(data, source, "sweep")


def run_sweep(
    config: SimulationConfig,
    problem: DecisionProblem,
    *,
    source: str = "<config>",
    ray_address: str | None = None,
    use_ray: bool = False,
    runs_per_task: int = 4,
    on_run: Callable[[], None] | None = None,
) -> list[SweepRun]:
    """Every (point, seed) of ``config``'s sweep, in point-major, seed-minor order."""
    points = grid(config.sweep)
    configs = [at_point(config, p, source) for p in points]
    tasks = [(i, config.seed + k) for i in range(len(points)) for k in range(config.seeds)]
    if not use_ray:
        results = []
        for k, (i, seed) in enumerate(tasks):
            results.append(_run(configs[i], problem, seed, keep=k == 0))
            if on_run is not None:
                on_run()
    else:
        results = _on_ray(configs, problem, tasks, ray_address, runs_per_task, on_run)
    return [
        SweepRun(points[i], seed, metrics, final)
        for (i, seed), (metrics, final) in zip(tasks, results, strict=True)
    ]


def _run(
    config: SimulationConfig, problem: DecisionProblem, seed: int, *, keep: bool = False
) -> tuple[Metrics, FinalState | None]:
    """One run with BLAS on one thread: a threaded BLAS (or LAPACK, in the DeGroot consensus)
    may sum in another order, and a run must give the same bits in-process and on a Ray worker
    (which has a thread count of its own). ``keep``: return its final state too."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        simulator, population = build(config, problem, seed)
        reference = progress_reference(config, problem)
        result = simulate(simulator, population, config.steps, seed, reference=reference)
    final = FinalState(simulator.neighbours, result.final.population) if keep else None
    return result.metrics, final


def _run_chunk(
    configs: list[dict[str, Any]], problem_json: str, chunk: list[tuple[int, int]], first: bool
) -> list[tuple[Metrics, FinalState | None]]:
    """What a Ray task runs: rebuild the problem and configs, run its share of the tasks
    (keeping the final state of its first run when ``first``: the sweep's first run)."""
    problem = DecisionProblem.from_json(problem_json)
    models = [SimulationConfig.model_validate(c) for c in configs]
    return [
        _run(models[i], problem, seed, keep=first and k == 0) for k, (i, seed) in enumerate(chunk)
    ]


def _on_ray(
    configs: list[SimulationConfig],
    problem: DecisionProblem,
    tasks: list[tuple[int, int]],
    address: str | None,
    runs_per_task: int,
    on_run: Callable[[], None] | None,
) -> list[tuple[Metrics, FinalState | None]]:
    import ray

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_run_chunk)
    plain = [c.model_dump(mode="json") for c in configs]
    problem_json = ray.put(problem.to_json())
    chunks = [tasks[s : s + runs_per_task] for s in range(0, len(tasks), runs_per_task)]
    futures = [remote.remote(plain, problem_json, chunk, c == 0) for c, chunk in enumerate(chunks)]
    results: list[tuple[Metrics, FinalState | None]] = []
    for future, chunk in zip(futures, chunks, strict=True):
        results.extend(ray.get(future))
        if on_run is not None:
            for _ in chunk:
                on_run()
    return results
