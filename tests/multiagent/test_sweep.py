"""Sweeps (issue 12): a parameter grid x seeds gives one table, byte-identical in-process and on
a local Ray cluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import phronesis
from engine.errors import ScenarioError
from multiagent.config import SimulationConfig
from multiagent.sweep import at_point, grid
from tests.conftest import EXAMPLES

SIMULATIONS = EXAMPLES / "simulations"


def _config(tmp_path: Path) -> Path:
    (tmp_path / "junction.yaml").write_text(
        (SIMULATIONS / "junction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "sweep.yaml"
    config.write_text(
        (SIMULATIONS / "junction.sim.yaml").read_text(encoding="utf-8")
        + "sweep: {learning.self_weight: [0.5, 0.9], population.concentration: [2, 20]}\n",
        encoding="utf-8",
    )
    return config


def test_the_grid_runs_every_point_for_every_seed(tmp_path: Path) -> None:
    study = phronesis.simulate(_config(tmp_path), agents=40, steps=3, seeds=2)
    table = study.table()
    assert len(study.runs) == 4 * 2 and table.num_rows == 8 * 3
    points = {
        (r.point["learning.self_weight"], r.point["population.concentration"]) for r in study.runs
    }
    assert points == {(0.5, 2), (0.5, 20), (0.9, 2), (0.9, 20)}
    assert set(table.column("learning.self_weight").to_pylist()) == {0.5, 0.9}


def test_a_bad_sweep_field_names_it() -> None:
    config = SimulationConfig(scenario="junction.yaml")
    with pytest.raises(ScenarioError, match=r"sweep \(learning.self_weight\)"):
        at_point(config, {"learning.self_weight": 2.0}, "sweep.yaml")
    assert grid({}) == [{}]


@pytest.mark.distributed
def test_ray_gives_byte_identical_tables(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    config = _config(tmp_path)
    local = phronesis.simulate(config, agents=60, steps=3, seeds=2)
    try:
        remote = phronesis.simulate(config, agents=60, steps=3, seeds=2, ray=True)
    finally:
        ray.shutdown()
    here, there = local.write(tmp_path / "here"), remote.write(tmp_path / "ray")
    for a, b in zip(here, there, strict=True):  # metrics.parquet, runs.parquet
        assert a.read_bytes() == b.read_bytes()
    # the first run's final state (for the network plot) comes back from Ray too
    assert remote.runs[0].final is not None and all(r.final is None for r in remote.runs[1:])
    np.testing.assert_array_equal(
        remote.runs[0].final.population.credences, local.runs[0].final.population.credences
    )
    assert (remote.runs[0].final.neighbours != local.runs[0].final.neighbours).nnz == 0
