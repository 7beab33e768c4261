"""The ``phronesis`` command line: :func:`main` runs the typer app of :mod:`phronesis.cli.app`."""

from __future__ import annotations


def main() -> None:
    """The console script ``phronesis`` (the app is built on first use)."""
    from phronesis.cli.app import main as run

    run()
