"""The compile command: every decision a controller can face, decided ahead of time, written
as a table (JSON, .npz, C header) with the certificates of the properties proved on exactly
that table (:mod:`theorems.tables.verified`).

User errors print one line to stderr and exit with code 2; a property that is not proved
prints its verdict and exits with code 1 after the files are written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError
from phronesis.cli.options import (
    BackendOption,
    Normalisation,
    NormalisationOption,
    PolicyOption,
    RuleOption,
    console,
    fail,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from theorems.tables.verified import VerifiedTable


#: suffixes --out names a single file by (anything else with --verify is a folder)
TABLE_FILES = (".json", ".npz", ".h")
#: tables up to this many assignments are printed in full
SHOWN = 200


def compile_table(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    observe: Annotated[
        list[str], typer.Option("--observe", "-o", help="An observable variable (repeatable).")
    ],
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: BackendOption = "auto",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="FILE.json (the table; .npz or .h: that format only), or a folder: table.json, "
            "table.npz, table.h and certificates.json (always a folder with --verify).",
        ),
    ] = None,
    verify: Annotated[
        list[str] | None,
        typer.Option(
            "--verify",
            help="Check this property on exactly the table written (repeatable, or "
            "NAME,NAME); exit 1 if one is not proved.",
        ),
    ] = None,
    verify_all: Annotated[
        bool,
        typer.Option(
            "--verify-all",
            help="Check every applicable property; exit 1 if one is not proved.",
        ),
    ] = False,
    c_prefix: Annotated[
        str, typer.Option("--c-prefix", help="Symbol prefix of the C header (a C identifier).")
    ] = "phronesis",
) -> None:
    """Decide every combination of the observed variables ahead of time (a lookup table);
    with --verify / --verify-all, prove properties of exactly that table and write it with
    its certificates (JSON, .npz, C header) into the --out folder."""
    from theorems.tables.c_header import check_prefix

    names = [n.strip() for item in verify or [] for n in item.split(",") if n.strip()]
    verifying = verify_all or bool(names)
    suffix = out.suffix.lower() if out is not None else ""
    if verifying and suffix in TABLE_FILES:
        fail(
            f"--out {out}: with --verify the output is a folder (table.json, table.npz, "
            "table.h, certificates.json); name a folder"
        )
    existing_file = out is not None and out.exists() and not out.is_dir()
    if not verifying and (out is None or suffix == ".json" or existing_file):
        legacy_table(file, observe, rule, normalise, policy, backend, out)  # as before --verify
        return
    try:
        check_prefix(c_prefix)
        table = verified_table_of(
            file,
            observe,
            None if verify_all else names,
            rule=rule,
            normalisation=normalise.value if normalise else None,
            policy=policy,
            backend=backend,
        )
        if out is not None:
            write_table_files(table, out, c_prefix)
    except PhronesisError as exc:
        fail(str(exc))
    show_verified_table(table)
    if out is not None:
        console.print(f"wrote {escape(str(out))}", highlight=False)
    if verifying and not table.certificates:
        console.print("[yellow]no property applies to this table: nothing was proved[/]")
    unproved = [c for c in table.certificates if not c.proved]
    if unproved:
        listed = ", ".join(f"{c.property} ({c.verdict})" for c in unproved)
        console.print(f"[bold red]not proved:[/] {escape(listed)}", highlight=False)
        raise typer.Exit(1)


def legacy_table(
    file: Path,
    observe: list[str],
    rule: str | None,
    normalise: Normalisation | None,
    policy: str | None,
    backend: str,
    out: Path | None,
) -> None:
    """The table as :class:`engine.analyses.decision_table.DecisionTable` JSON (reasons in
    words, as ``decide`` gives them), printed and written to ``out``."""
    from engine.analyses.decision_table import compile_decision_table
    from phronesis.inputs import load_problem

    try:
        problem = load_problem(file)
        table = compile_decision_table(
            problem,
            observe,
            rule=rule,
            normalisation=normalise.value if normalise else None,
            policy=policy,
            backend=backend,
        )
    except PhronesisError as exc:
        fail(str(exc))
    if out is not None:
        table.save(out)
    grid = Table(title=f"Decision table for {problem.name} ({len(table.entries)} entries)")
    for name in (*table.observables, "option"):
        grid.add_column(escape(name))
    for key, (option, reason) in table.entries.items():
        grid.add_row(*map(escape, key), escape(option or f"ABSTAIN: {reason}"))
    console.print(grid)


def verified_table_of(
    file: Path, observe: list[str], names: list[str] | None, **settings: Any
) -> VerifiedTable:
    """Decide the whole evidence space of ``observe`` and check the named properties
    (``None``: every applicable one) on the same task, with progress bars for large spaces."""
    import dataclasses

    from rich.progress import Progress

    from phronesis.inputs import load_problem
    from theorems.space import CHUNK as SPACE_CHUNK
    from theorems.tables.verified import attach, decide_table
    from theorems.task import make_task
    from theorems.verify import verify

    problem = load_problem(file)
    task = make_task(problem, observe, **settings)
    with Progress(console=console, transient=True, disable=task.space_size <= SPACE_CHUNK) as bar:

        def progress(label: str) -> Callable[[int, int], None]:
            shown = bar.add_task(label, total=task.space_size)
            return lambda done, total: bar.update(shown, completed=done, total=total)

        table = decide_table(dataclasses.replace(task, progress=progress("deciding")))
        checked = verify(dataclasses.replace(task, progress=progress("verifying")), names)
    return attach(table, checked)


def write_table_files(table: VerifiedTable, out: Path, prefix: str) -> None:
    """Write ``table`` to ``out``: one file by its suffix (.json, .npz, .h) or the folder."""
    from theorems.tables.c_header import write_header
    from theorems.tables.files import write_json, write_npz, write_table_folder

    try:
        match out.suffix.lower():
            case ".json":
                write_json(table, out)
            case ".npz":
                write_npz(table, out)
            case ".h":
                write_header(table, out, prefix)
            case _:
                write_table_folder(table, out, prefix)
    except OSError as exc:
        fail(f"{out}: cannot write the table ({exc.strerror or exc})")


def show_verified_table(table: VerifiedTable) -> None:
    """The table (in full up to :data:`SHOWN` assignments, else the count of each
    decision) and one line per certificate."""
    title = (
        f"Decision table for {table.problem_name} ({table.size:,} entries, "
        f"sha256 {table.digest[:16]}…)"
    )
    grid = Table(title=escape(title))
    if table.size <= SHOWN:
        for name in (*table.observables, "option"):
            grid.add_column(escape(name))
        for k in range(table.size):
            option = table.option(k) or f"ABSTAIN: {table.reason(k)}"
            grid.add_row(*map(escape, table.evidence(k).values()), escape(option))
    else:
        grid.add_column("decision")
        grid.add_column("entries", justify="right")
        for k in sorted(set(range(len(table.options))) | {-1}):
            count = int((table.chosen == k).sum())
            name = table.options[k] if k >= 0 else "(abstain)"
            if count or k >= 0:
                grid.add_row(escape(name), f"{count:,}")
    console.print(grid)
    for c in table.certificates:
        colour = {"proved": "green", "refuted": "red"}.get(c.verdict, "yellow")
        detail = f": {c.reason}" if c.reason else ""
        if c.refuted and c.witness:
            detail += f" — counterexample {json.dumps(dict(c.witness), sort_keys=True)}"
        console.print(
            f"[{colour}]{c.verdict}[/] {escape(c.property)} ({escape(c.method)}){escape(detail)}",
            highlight=False,
        )
