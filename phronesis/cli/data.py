"""``phronesis data import``: a public moral-decision dataset as decision problems.

Registered on the main app (:mod:`phronesis.cli.app`) through :func:`register`. Writes one
scenario JSON per problem and a manifest (:mod:`models.datasets.export`); a malformed row stops
the import with one line naming the file, row and column (exit 2) unless ``--skip-bad``, which
imports the rest and reports each skipped row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError
from phronesis.cli.options import console, fail

data_app = typer.Typer(
    name="data",
    help="Import public moral-decision datasets (MoralChoice, DailyDilemmas, Utility "
    "Engineering) as decision problems.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to ``app`` (once, however often it is called)."""
    if "data" not in {group.name for group in app.registered_groups}:
        app.add_typer(data_app, name="data")


@data_app.command("import")
def import_dataset(
    name: Annotated[str, typer.Argument(help="Dataset: moralchoice | daily-dilemmas.")],
    paths: Annotated[list[Path], typer.Argument(help="The dataset's file(s).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for problems/ and manifest.json.")],
    skip_bad: Annotated[
        bool,
        typer.Option("--skip-bad", help="Skip malformed rows (reported) instead of stopping."),
    ] = False,
    prior: Annotated[
        float | None,
        typer.Option(
            "--prior",
            help="moralchoice: P(violated) of a 'No Agreement' annotation (default 0.5).",
        ),
    ] = None,
) -> None:
    """Import PATHS of dataset NAME: problems/<row id>.json (scenarios that `phronesis decide`
    reads) and manifest.json (counts, skipped rows with reasons, provenance)."""
    from models.datasets import importer
    from models.datasets.export import write_import

    try:
        load = importer(name)
        options = {}
        if prior is not None:
            if name != "moralchoice":
                fail(f"--prior applies to moralchoice only, not {name!r}; leave it out")
            from models.datasets.moralchoice import MoralChoiceModel

            options["model"] = MoralChoiceModel(prior=prior)
        results = [load(path, skip_bad=skip_bad, **options) for path in paths]
        manifest = write_import(results, out)
    except PhronesisError as exc:
        fail(str(exc))
    table = Table(title=f"{name}: imported into {out}")
    for column in ("file", "rows", "imported", "skipped"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for result in results:
        table.add_row(
            escape(Path(result.source).name),
            str(result.rows),
            str(len(result.problems)),
            str(len(result.skipped)),
        )
    console.print(table)
    for result in results:
        for skipped in result.skipped:
            console.print(f"skipped: {skipped.reason}", highlight=False, markup=False)
    console.print(f"wrote {manifest}", highlight=False, markup=False)
