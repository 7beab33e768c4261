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
from phronesis.cli import bench, data, decide, learn, network, ontology, simulate, study, verify
from phronesis.cli.options import errors, fail

app = typer.Typer(
    name="phronesis",
    help="Probabilistic ethical reasoning: decisions under empirical and normative uncertainty.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for group in (decide, network, ontology, learn, simulate, bench, verify, data, study):
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
    """The console script ``phronesis``: a user error (a bad file, option or argument) is one
    line on stderr and exit code 2."""
    if len(sys.argv) <= 1:
        app()  # prints the help
    try:
        code = app(standalone_mode=False)
    except PhronesisError as exc:  # an error raised outside a command's own handler
        _one_line(str(exc))
    except typer.Abort:
        errors.print("Aborted.")
        sys.exit(1)
    except typer.TyperException as exc:  # a usage error: bad option, value or command
        context = getattr(exc, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        _one_line(f"{exc.format_message()}{where}")
    sys.exit(code if isinstance(code, int) else 0)


def _one_line(message: str) -> None:
    text = " ".join(message.split())
    errors.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
