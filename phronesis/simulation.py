"""Simulations from config files: ``phronesis.simulate`` and ``phronesis simulate`` (issue 12).

Each (sweep point, seed) is one run (population, networks and every draw come from the seed);
the per-step metrics of all runs form one table (the swept fields, ``seed``, ``t``, one column
per metric) written as Parquet with the config and the problem's content hash in its metadata,
so the same config and seeds give byte-identical files, in-process or on Ray.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
from multiagent.sweep import SweepRun, run_sweep


@dataclass(frozen=True, slots=True)
class Study:
    """The runs of one config: the config as run, the problem's content hash, and one
    :class:`~multiagent.sweep.SweepRun` per (sweep point, seed)."""

    config: SimulationConfig
    problem_hash: str
    runs: tuple[SweepRun, ...]

    def table(self) -> Any:
        """All runs' per-step metrics as one Arrow table, with the study's metadata."""
        import pyarrow

        columns: dict[str, list[Any]] = {}
        for run in self.runs:
            steps = len(run.metrics["t"])
            for name, value in run.point.items():
                columns.setdefault(name, []).append(np.full(steps, value))
            columns.setdefault("seed", []).append(np.full(steps, run.seed, dtype=np.int64))
            for name, values in run.metrics.items():
                columns.setdefault(name, []).append(values)
        table = pyarrow.table({k: np.concatenate(v) for k, v in columns.items()})
        metadata = {
            "phronesis.config": json.dumps(as_dict(self.config), sort_keys=True),
            "phronesis.problem_hash": self.problem_hash,
        }
        return table.replace_schema_metadata(metadata)

    def write(self, folder: str | Path) -> Path:
        """Write ``metrics.parquet`` into ``folder`` (created) and return its path."""
        import pyarrow.parquet

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "metrics.parquet"
        pyarrow.parquet.write_table(self.table(), path)
        return path


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
