"""Options shared by the commands (declared once), the consoles and the one way a command fails."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()


errors = Console(stderr=True)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Normalisation(StrEnum):
    none = "none"
    range = "range"
    variance = "variance"


EvidenceOption = Annotated[
    list[str] | None,
    typer.Option("--evidence", "-e", help="Observed state, VAR=STATE (repeatable)."),
]


RuleOption = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="Decision rule: mec | mft | mfo | borda | parliament | nash | trimmed-mean | median "
        "| lexicographic | pareto.",
    ),
]


RiskOption = Annotated[
    str | None,
    typer.Option("--risk", help="ev (expected value, default) or cvar:ALPHA, e.g. cvar:0.1."),
]


TieBreakOption = Annotated[
    str | None,
    typer.Option("--tie-break", help="'name': choose among incomparable options by name."),
]


SamplesOption = Annotated[
    int | None,
    typer.Option("--samples", help="Parameter draws for P(best) (default 1000; 0 skips it)."),
]


SeedOption = Annotated[
    int, typer.Option("--seed", help="Seed of the P(best) draws and of importance sampling.")
]


OnSilenceOption = Annotated[
    str,
    typer.Option(
        "--on-silence",
        help="Where the policy leaves the case open: abstain (default) or fallback (act on the "
        "rule's choice among the options the policy leaves open).",
    ),
]


ParticlesOption = Annotated[
    int | None,
    typer.Option(
        "--particles",
        help="Importance-sampling particles per option for continuous variables (default 10000).",
    ),
]


DrawSeedOption = Annotated[
    int | None,
    typer.Option("--draw-seed", help="parliament: draw the option from its chances (seeded)."),
]


TrimOption = Annotated[
    float | None, typer.Option("--trim", help="trimmed-mean: credence cut from each tail.")
]


NormalisationOption = Annotated[
    Normalisation | None, typer.Option("--normalise", help="Normalisation across theories.")
]


PolicyOption = Annotated[str | None, typer.Option("--policy", help="Name of a stated policy.")]


BackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Inference backend: numpy, torch, jax, pgmpy, pyro, or auto (chosen by capability).",
    ),
]


DecisionBackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Inference backend: numpy, torch, jax, pgmpy, pyro, or auto (an exact backend for "
        "discrete problems, a sampling one for problems with continuous variables).",
    ),
]


def fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


class Conflicts(StrEnum):
    """How a conflict of norms is resolved (engine.ir.nodes.CONFLICT_RESOLUTIONS)."""

    weight = "weight"
    priority = "priority"
    abstain = "abstain"


ConflictsOption = Annotated[
    Conflicts | None,
    typer.Option(
        "--conflicts",
        help="How a conflict of norms (a dilemma) is resolved, replacing the file's `conflicts`: "
        "weight (penalty theories weigh both violations), priority (the lower-priority norm "
        "yields) or abstain (above the file's conflict_threshold).",
    ),
]
