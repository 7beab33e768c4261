"""``phronesis simulate``: many agents deciding together over time (issue 12)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError
from phronesis.cli.options import console, fail

if TYPE_CHECKING:
    from phronesis.simulation import Study


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to ``app``."""
    app.command()(simulate)


def simulate(
    config: Annotated[Path, typer.Argument(help="Simulation config (YAML/JSON).")],
    agents: Annotated[int | None, typer.Option("--agents", help="Number of agents.")] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="Steps per run.")] = None,
    seeds: Annotated[int | None, typer.Option("--seeds", help="Runs (seed, seed+1, ...).")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for metrics.parquet, runs.parquet and plots."),
    ] = None,
    ray: Annotated[
        bool, typer.Option("--ray", help="Run the sweep on Ray (a local cluster by default).")
    ] = False,
    address: Annotated[
        str | None, typer.Option("--address", help="With --ray: the address of a Ray cluster.")
    ] = None,
) -> None:
    """Simulate agents deciding together: every agent decides in one kernel call per step;
    prints the last step's metrics (mean over runs); with --out writes them all per step
    (metrics.parquet) and per run (runs.parquet) with plots (and the network, if any); a
    config's sweep (grid of fields x seeds) runs in-process or on Ray (--ray)."""
    from rich.progress import Progress

    from phronesis.simulation import simulate as run

    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("simulating (runs)", total=None)
            study = run(
                config,
                agents=agents,
                steps=steps,
                seeds=seeds,
                ray=ray,
                ray_address=address,
                on_run=lambda: progress.update(task, advance=1),
            )
    except PhronesisError as exc:
        fail(str(exc))
    model = study.config
    table = Table(
        title=f"{model.agents:,} agents, {model.steps} steps, {len(study.runs)} run(s): last step"
    )
    table.add_column("metric")
    table.add_column("mean over runs", justify="right")
    for name in study.runs[0].metrics:
        if name == "t":
            continue
        value = sum(float(r.metrics[name][-1]) for r in study.runs) / len(study.runs)
        table.add_row(escape(name), f"{value:.4g}")
    console.print(table)
    if out is not None:
        for path in write_study(study, out):
            console.print(f"wrote {escape(str(path))}")


def write_study(study: Study, out: Path) -> list[Path]:
    """metrics.parquet (per step), runs.parquet (per run) and the plots: metric trajectories
    and credences over the steps, and with a network the first run's network coloured by
    final credence."""
    from phronesis import plots

    metrics = study.runs[0].metrics
    shown = [
        n
        for n in metrics
        if n.startswith(("choice.share.", "welfare.mean.")) or n == "violations.any_rate"
    ]
    written = [
        *study.write(out),
        plots.trajectories(study, shown, out / "metrics.png"),
        plots.credences(study, out / "credences.png"),
    ]
    drawn = plots.final_network(study, out / "network.png")
    return written if drawn is None else [*written, drawn]
