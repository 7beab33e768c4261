"""The ``phronesis`` command line (typer + rich): the app and its commands, registered
explicitly. User errors print one readable line to stderr and exit with code 2; no traceback.

Command modules import only typer and rich at import time; each command imports what it uses
when it runs, so ``phronesis --help`` and a decision on a discrete problem stay fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.markup import escape

from engine.errors import PhronesisError
from engine.ir.limits import LIMITS
from phronesis.cli import bench, decide, learn, network, ontology
from phronesis.cli.options import errors, fail

app = typer.Typer(
    name="phronesis",
    help="Probabilistic ethical reasoning: decisions under empirical and normative uncertainty.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for group in (decide, network, ontology, learn, bench):
    group.register(app)


@app.callback()
def limits(
    limit: Annotated[
        list[str] | None,
        typer.Option(
            "--limit",
            help="Raise a resource limit, NAME=N (repeatable; before the command): "
            f"{', '.join(LIMITS)}.",
        ),
    ] = None,
) -> None:
    """Probabilistic ethical reasoning: decisions under empirical and normative uncertainty."""
    for setting in limit or ():
        name, _, number = setting.partition("=")
        chosen = LIMITS.get(name.strip())
        digits = number.strip().replace("_", "").replace(",", "")
        if chosen is None or not digits.isdigit() or int(digits) <= 0:
            fail(
                f"--limit {setting}: expected NAME=N with N a positive integer and NAME one of "
                f"{', '.join(LIMITS)}"
            )
        os.environ[chosen.variable] = digits


def main() -> None:
    """The console script ``phronesis``."""
    try:
        app()
    except PhronesisError as exc:  # an error raised outside a command's own handler
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
