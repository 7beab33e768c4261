"""``phronesis study``: a reproducible study on a public dataset, written as a report.

Registered on the main app (:mod:`phronesis.cli.app`) through :func:`register`. User errors
print one line and exit 2 (:func:`phronesis.cli.options.fail`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhronesisError
from phronesis.cli.options import console, fail


def register(app: typer.Typer) -> None:
    """Add ``study`` to ``app``."""
    app.command("study")(study)


def study(
    name: Annotated[
        str, typer.Argument(help="Study: moralchoice | daily-dilemmas | utility-engineering.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.md, its PNG plots and Parquet tables.")
    ],
    data: Annotated[
        Path,
        typer.Option("--data", help="Folder with the datasets (one folder per dataset)."),
    ] = Path("../shared/data"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random draw.")] = 0,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Only the first N rows of each file (0: all).")
    ] = 0,
) -> None:
    """Run study NAME on the data under --data and write its report into --out."""
    from rich.progress import Progress

    from phronesis.studies import run_study

    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{name}: deciding", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = run_study(name, data, out, seed=seed, limit=limit, progress=advance)
    except PhronesisError as exc:
        fail(str(exc))
    console.print(f"wrote {report}", highlight=False, markup=False)
