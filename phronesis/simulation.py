"""Simulations from config files: ``phronesis.simulate`` and ``phronesis simulate`` (issue 12).

Each (sweep point, seed) is one run (population, networks and every draw come from the seed);
the per-step metrics of all runs form one table (the swept fields, ``seed``, ``t``, one column
per metric) and their summaries another, one row per run (:func:`multiagent.run.summarise`:
the final and the mean value of each metric, with the run's config, seed and the problem's
content hash as columns), both written as Parquet with the config and the problem's content
hash in their metadata, so the same config and seeds give byte-identical files, in-process or
on Ray.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from multiagent.config import (
    SimulationConfig,
    as_dict,
    read_config,
    scenario_path,
    validate_config,
)
from multiagent.run import summarise
from multiagent.sweep import SweepRun, at_point, run_sweep


@dataclass(frozen=True, slots=True)
class Study:
    """The runs of one config: the config as run, the problem's content hash, and one
    :class:`~multiagent.sweep.SweepRun` per (sweep point, seed) — the first holding its
    network and final population (``runs[0].final``, for :func:`phronesis.plots.
    final_network`). :meth:`table` has one row per step, :meth:`runs_table` one per run."""

    config: SimulationConfig
    problem_hash: str
    runs: tuple[SweepRun, ...]

    def table(self) -> Any:
        """All runs' per-step metrics as one Arrow table, with the study's metadata. A metric
        some runs do not have (a sweep point without DeGroot learning has no ``consensus.*``)
        is NaN in their rows."""
        import pyarrow

        names = _union(run.metrics for run in self.runs)
        columns: dict[str, list[Any]] = {}
        for run in self.runs:
            steps = len(run.metrics["t"])
            for name, value in run.point.items():
                columns.setdefault(name, []).append(np.full(steps, value))
            columns.setdefault("seed", []).append(np.full(steps, run.seed, dtype=np.int64))
            for name in names:
                columns.setdefault(name, []).append(run.metrics.get(name, np.full(steps, np.nan)))
        table = pyarrow.table({k: np.concatenate(v) for k, v in columns.items()})
        return table.replace_schema_metadata(self._metadata())

    def runs_table(self) -> Any:
        """One row per run, as an Arrow table with the study's metadata: the swept fields,
        ``seed``, ``problem_hash``, ``config`` (the run's config as JSON: the sweep point
        applied, sorted keys), ``steps``, then ``final.<metric>`` and ``mean.<metric>`` for
        every per-step metric (:func:`multiagent.run.summarise`)."""
        import pyarrow

        names = _union(summarise(run.metrics) for run in self.runs)
        columns: dict[str, list[Any]] = {}
        for run in self.runs:
            for name, value in run.point.items():
                columns.setdefault(name, []).append(value)
            columns.setdefault("seed", []).append(run.seed)
            columns.setdefault("problem_hash", []).append(self.problem_hash)
            config = at_point(self.config, run.point, "<study>")
            columns.setdefault("config", []).append(json.dumps(as_dict(config), sort_keys=True))
            summary = summarise(run.metrics)
            for name in names:
                columns.setdefault(name, []).append(summary.get(name, np.nan))
        types = {"seed": pyarrow.int64(), "problem_hash": pyarrow.string()}
        arrays = {k: pyarrow.array(v, type=types.get(k)) for k, v in columns.items()}
        return pyarrow.table(arrays).replace_schema_metadata(self._metadata())

    def write(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``metrics.parquet`` (:meth:`table`, one row per step) and ``runs.parquet``
        (:meth:`runs_table`, one row per run) into ``folder`` (created); return their paths."""
        import pyarrow.parquet

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        steps, runs = out / "metrics.parquet", out / "runs.parquet"
        pyarrow.parquet.write_table(self.table(), steps)
        pyarrow.parquet.write_table(self.runs_table(), runs)
        return steps, runs

    def _metadata(self) -> dict[str, str]:
        return {
            "phronesis.config": json.dumps(as_dict(self.config), sort_keys=True),
            "phronesis.problem_hash": self.problem_hash,
        }


def _union(tables: Iterable[Mapping[str, Any]]) -> list[str]:
    """The names of all ``tables``, in the order they first appear."""
    return list(dict.fromkeys(name for table in tables for name in table))


def simulate(
    config: str | Path | SimulationConfig,
    *,
    agents: int | None = None,
    steps: int | None = None,
    seeds: int | None = None,
    base: str | Path | None = None,
    ray: bool = False,
    ray_address: str | None = None,
    on_run: Callable[[], None] | None = None,
) -> Study:
    """Run a simulation config (a file, or a validated config with ``base`` its folder) for
    ``seeds`` seeds (seed, seed + 1, ...) at every point of its sweep; ``agents``, ``steps``
    and ``seeds`` override it. ``ray=True`` runs the sweep on Ray (a local cluster, or the
    one at ``ray_address``)."""
    from phronesis.inputs import load_problem

    if isinstance(config, SimulationConfig):
        path = Path(base or ".") / "config.yaml"
        model = config
    else:
        path = Path(config)
        model = read_config(path)
    changes = {
        k: v for k, v in (("agents", agents), ("steps", steps), ("seeds", seeds)) if v is not None
    }
    if changes:  # validated like the file
        model = validate_config({**model.model_dump(), **changes}, str(path))
    problem = load_problem(scenario_path(path, model))
    runs = run_sweep(
        model,
        problem,
        source=str(path),
        ray_address=ray_address,
        use_ray=ray,
        on_run=on_run,
    )
    return Study(model, problem.content_hash, tuple(runs))
