"""``phronesis ontology ...``: check an ontology, plot its ethical profile, import values.

Registered on the main app (:mod:`phronesis.cli.app`) through :func:`register`. User errors
print one line and exit 2 (``phronesis.cli.options.fail``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError
from phronesis.cli.options import console, fail


class ReasonerChoice(StrEnum):
    auto = "auto"
    hermit = "hermit"
    owlrl = "owlrl"
    none = "none"


ReasonerOption = Annotated[
    ReasonerChoice,
    typer.Option(
        "--reasoner",
        help="auto: HermiT when Java is present, else owlrl (env PHRONESIS_REASONER overrides).",
    ),
]

ontology_app = typer.Typer(
    name="ontology",
    help="Load, reason over and validate OWL / RDF / ODRL norms.",
    no_args_is_help=True,
)


@ontology_app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Ontology file (.ttl .owl .rdf .jsonld .nt .owx).")],
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Also extract the decision problem with it.")
    ] = None,
    reasoner: ReasonerOption = ReasonerChoice.auto,
) -> None:
    """Load, validate (SHACL), reason and summarise an ontology; exit 2 on the first problem."""
    from ontology.analyse import analyse_file

    try:
        knowledge, timings = analyse_file(file, reasoner.value)
        problem = None
        if scenario is not None or knowledge.scenario is not None:
            from ontology.extract import problem_from_knowledge

            problem = problem_from_knowledge(knowledge, file, scenario)
    except PhronesisError as exc:
        fail(str(exc))
    status = (
        "consistent and valid"
        if knowledge.reasoner != "none"
        else "valid (consistency not checked without a reasoner)"
    )
    console.print(
        f"{escape(str(file))}: {status} — reasoner {knowledge.reasoner}, "
        f"{knowledge.triples} triples, {len(knowledge.contexts)} contexts, "
        f"{len(knowledge.prescripts)} prescripts, {len(knowledge.odrl)} ODRL rules "
        f"(load {timings.load:.2f}s, validate {timings.validate:.2f}s, "
        f"reason {timings.reason:.2f}s, read {timings.read:.2f}s)",
        highlight=False,
        soft_wrap=True,
    )
    table = Table(title="Context variables (states are leaf contexts)")
    for column in ("variable", "root context", "states"):
        table.add_column(column)
    for variable in knowledge.variables:
        table.add_row(variable.name, variable.root, ", ".join(variable.states))
    console.print(table)
    table = Table(title="Prescripts and the leaf contexts they govern after reasoning")
    for column in ("prescript", "kind", "option", "governs", "source"):
        table.add_column(column)
    labels = {
        leaf: f"{v.name}={s}"
        for v in knowledge.variables
        for leaf, s in zip(v.leaves, v.states, strict=True)
    }
    for p in knowledge.prescripts:
        governed = knowledge.governed(p.iri)
        table.add_row(
            p.name,
            p.kind,
            p.option or "—",
            ", ".join(labels.get(c, c) for c in governed) or "nothing in scope",
            p.source,
        )
    console.print(table)
    if knowledge.odrl:
        table = Table(title="ODRL rules read as norms")
        for column in ("rule", "modality", "option", "constraints"):
            table.add_column(column)
        for rule in knowledge.odrl:
            constraints = "; ".join(
                f"{c.variable} {c.operator} {', '.join(c.values)}" for c in rule.constraints
            )
            table.add_row(rule.name, rule.modality, rule.option, constraints or "—")
        console.print(table)
    if problem is not None:
        console.print(
            f"decision problem {problem.name!r}: {len(problem.norms)} norms, "
            f"{len(problem.variables)} variables; hash {problem.content_hash[:16]}",
            highlight=False,
            soft_wrap=True,
        )


@ontology_app.command()
def profile(
    file: Annotated[Path, typer.Argument(help="Ontology file.")],
    out: Annotated[Path, typer.Option("--out", help="PNG heatmap to write.")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the matrix as CSV.")] = None,
    as_json: Annotated[Path | None, typer.Option("--json", help="Also write it as JSON.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="Only prescripts this role holds.")
    ] = None,
    reasoner: ReasonerOption = ReasonerChoice.auto,
) -> None:
    """Plot the ethical profile m[i, j] = w(e_i, c_j) · P(e_i | c_j) as a heatmap."""
    from ontology.analyse import analyse_file
    from ontology.profile import ethical_profile, plot_profile

    try:
        knowledge, _ = analyse_file(file, reasoner.value)
        matrix = ethical_profile(knowledge, role)
        if not matrix.prescripts or not matrix.contexts:
            fail(f"{file}: the profile is empty (no prescripts or no leaf contexts in scope)")
        plot_profile(matrix, out, title=f"Ethical profile — {file.name}")
        if csv is not None:
            csv.write_text(matrix.to_csv(), encoding="utf-8")
        if as_json is not None:
            as_json.write_text(matrix.to_json(), encoding="utf-8")
    except PhronesisError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write output: {exc}")
    console.print(
        f"wrote {escape(str(out))}: {len(matrix.prescripts)} prescripts × "
        f"{len(matrix.contexts)} contexts",
        highlight=False,
        soft_wrap=True,
    )


@ontology_app.command()
def values(
    csv_file: Annotated[Path, typer.Argument(help="DailyDilemmas data/values.csv.")],
    out: Annotated[Path, typer.Option("--out", help="Turtle module to write.")],
) -> None:
    """Import the DailyDilemmas value taxonomy (Chiu et al. 2024, CC-BY-4.0) as a Turtle module."""
    from ontology.values import read_values, write_value_module

    try:
        count = len(read_values(csv_file))
        write_value_module(csv_file, out)
    except PhronesisError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    console.print(f"wrote {escape(str(out))}: {count} values", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``ontology`` command group to the ``phronesis`` app."""
    app.add_typer(ontology_app, name="ontology")
