"""What ``phronesis simulate --out`` and :class:`phronesis.simulation.Study` write (issue 12):
the per-run summary table (one row per seed x sweep point) and the network plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import phronesis
from phronesis import plots
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

SIMULATIONS = EXAMPLES / "simulations"
JUNCTION = SIMULATIONS / "junction.sim.yaml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _copy_scenario(folder: Path) -> None:
    (folder / "junction.yaml").write_text(
        (SIMULATIONS / "junction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )


def test_the_cli_writes_both_tables_and_the_network_plot(tmp_path: Path) -> None:
    from matplotlib.image import imread

    result = CliRunner().invoke(
        app, ["simulate", str(JUNCTION), "--agents", "60", "--steps", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for name in ("metrics.parquet", "runs.parquet", "metrics.png", "credences.png"):
        assert (tmp_path / name).stat().st_size > 0
    picture = tmp_path / "network.png"
    assert picture.read_bytes()[:8] == PNG_SIGNATURE
    height, width, channels = imread(picture).shape
    assert height > 100 and width > 100 and channels in (3, 4)
    assert "network.png" in result.output


def test_no_network_no_network_plot(tmp_path: Path) -> None:
    _copy_scenario(tmp_path)
    config = tmp_path / "alone.yaml"
    config.write_text(
        "scenario: junction.yaml\nagents: 20\nsteps: 2\nobserve: [pedestrian]\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["simulate", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "runs.parquet").exists() and not (out / "network.png").exists()


def test_a_large_population_draws_its_first_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above NETWORK_AGENTS the first agents and the links among them are drawn, coloured by
    their final credence in the theory whose credences vary most."""
    drawn: list[tuple[tuple[int, int], np.ndarray]] = []
    real = plots.network

    def record(adjacency, values, path, *, title=""):  # noqa: ANN001, ANN202
        drawn.append((adjacency.shape, values))
        assert "the first 10 of 60 agents" in title
        return real(adjacency, values, path, title=title)

    monkeypatch.setattr(plots, "NETWORK_AGENTS", 10)
    monkeypatch.setattr(plots, "network", record)
    study = phronesis.simulate(JUNCTION, agents=60, steps=2)
    path = plots.final_network(study, tmp_path / "network.png")
    assert path is not None and path.read_bytes()[:8] == PNG_SIGNATURE
    credences = study.runs[0].final.population.credences
    theory = int(np.argmax(credences.var(axis=0)))
    assert drawn[0][0] == (10, 10)
    np.testing.assert_array_equal(drawn[0][1], credences[:10, theory])


def test_one_row_per_run_with_final_and_mean_metrics() -> None:
    study = phronesis.simulate(JUNCTION, agents=60, steps=4, seeds=2)
    runs = study.runs_table()
    assert runs.num_rows == 2
    assert runs.column("seed").to_pylist() == [0, 1]
    problem_hash = phronesis.load(SIMULATIONS / "junction.yaml").content_hash
    assert runs.column("problem_hash").to_pylist() == [problem_hash] * 2
    config = json.loads(runs.column("config")[0].as_py())
    assert config["agents"] == 60 and config["steps"] == 4
    assert runs.column("steps").to_pylist() == [4.0, 4.0]
    for row, run in enumerate(study.runs):
        m = run.metrics
        for name in (
            "welfare.mean.safety",
            "violations.rate.yield_to_pedestrians",
            "agreement.modal_share",
            "polarisation.variance.utilitarian",
            "convergence.max_abs",
        ):
            assert runs.column(f"final.{name}")[row].as_py() == m[name][-1]
            assert runs.column(f"mean.{name}")[row].as_py() == pytest.approx(m[name].mean())
    assert runs.schema.metadata[b"phronesis.problem_hash"].decode() == problem_hash


def test_the_summary_has_fairness_across_roles_and_means_skip_undefined_steps() -> None:
    study = phronesis.simulate(SIMULATIONS / "triage.sim.yaml", agents=200, steps=3)
    runs = study.runs_table()
    for name in ("fairness.gap", "fairness.ratio", "fairness.gini"):
        assert f"final.{name}" in runs.column_names and f"mean.{name}" in runs.column_names
    from multiagent.run import summarise

    summary = summarise(
        {"t": np.arange(1.0, 4.0), "progress.predict": np.array([0.5, 0.7, np.nan])}
    )
    assert summary["mean.progress.predict"] == pytest.approx(0.6)
    assert np.isnan(summary["final.progress.predict"]) and summary["steps"] == 3.0


def test_a_sweep_gives_one_row_per_point_and_seed_with_its_own_config(tmp_path: Path) -> None:
    _copy_scenario(tmp_path)
    config = tmp_path / "sweep.yaml"
    config.write_text(
        JUNCTION.read_text(encoding="utf-8") + "sweep: {learning.self_weight: [0.5, 0.9]}\n",
        encoding="utf-8",
    )
    study = phronesis.simulate(config, agents=40, steps=2, seeds=2)
    runs = study.runs_table()
    assert runs.num_rows == 4
    weights = runs.column("learning.self_weight").to_pylist()
    assert weights == [0.5, 0.5, 0.9, 0.9] and runs.column("seed").to_pylist() == [0, 1, 0, 1]
    for row, weight in enumerate(weights):
        config_row = json.loads(runs.column("config")[row].as_py())
        assert config_row["learning"]["self_weight"] == weight and config_row["sweep"] == {}
    steps_path, runs_path = study.write(tmp_path / "out")
    assert pq.read_table(runs_path).equals(runs)
    assert pq.read_table(steps_path).num_rows == 4 * 2
    assert study.runs[0].final is not None and all(r.final is None for r in study.runs[1:])


def test_runs_parquet_is_byte_identical_for_the_same_seed(tmp_path: Path) -> None:
    first = phronesis.simulate(JUNCTION, agents=50, steps=3, seeds=2).write(tmp_path / "a")[1]
    again = phronesis.simulate(JUNCTION, agents=50, steps=3, seeds=2).write(tmp_path / "b")[1]
    assert first.read_bytes() == again.read_bytes()


def test_a_sweep_that_changes_the_metrics_fills_the_missing_ones_with_nan(tmp_path: Path) -> None:
    """Without learning a run has no consensus.* metric; with DeGroot it has: both tables keep
    one column for it, NaN in the rows of the runs that lack it."""
    _copy_scenario(tmp_path)
    config = tmp_path / "kinds.yaml"
    config.write_text(
        JUNCTION.read_text(encoding="utf-8") + "sweep: {learning.kind: [none, degroot]}\n",
        encoding="utf-8",
    )
    study = phronesis.simulate(config, agents=20, steps=2)
    steps = study.table().column("consensus.max_abs").to_numpy()
    assert np.isnan(steps[:2]).all() and np.isfinite(steps[2:]).all()
    assert steps[2:].tolist() == study.runs[1].metrics["consensus.max_abs"].tolist()
    final = study.runs_table().column("final.consensus.max_abs").to_numpy()
    assert np.isnan(final[0]) and final[1] == study.runs[1].metrics["consensus.max_abs"][-1]
