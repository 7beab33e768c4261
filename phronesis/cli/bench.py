"""phronesis bench: run a benchmark script from benchmarks/ in a source checkout."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from phronesis.cli.options import BENCHMARKS, fail


def bench(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Benchmark: inference, decisions, simulate, fuzz, p_best, thurstone, ontology, "
            "continuous, startup, queries."
        ),
    ],
) -> None:
    """Run a benchmark from benchmarks/ (extra arguments are passed on, e.g. --quick)."""
    import importlib.util as util

    path = BENCHMARKS / f"{name}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in BENCHMARKS.glob("*.py"))) or "none"
        fail(
            f"no benchmark {name!r} in {BENCHMARKS} (known: {known}); benchmarks ship with a "
            "source checkout, not with an installed wheel"
        )
    spec = util.spec_from_file_location(f"phronesis_bench_{name}", path)
    module = util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    sys.argv = [str(path), *ctx.args]
    code = module.main(list(ctx.args)) if _takes_argv(module.main) else module.main()
    raise typer.Exit(int(code or 0))


def _takes_argv(function: object) -> bool:
    import inspect

    return bool(inspect.signature(function).parameters)


def register(app: typer.Typer) -> None:
    """Add ``bench`` to ``app`` (extra arguments pass through to the benchmark)."""
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(bench)
