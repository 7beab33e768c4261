"""``phronesis validate``: check a scenario or ontology file; warn about dilemmas and note
contrary-to-duty norms and the means a double effect theory sees."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.errors import PhronesisError
from engine.ir import DecisionProblem
from phronesis.cli.options import console, fail


def validate(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
) -> None:
    """Check a file; exit 0 if valid, 2 with a one-line message otherwise."""
    from phronesis.inputs import load_problem

    try:
        problem = load_problem(file, scenario=scenario)
    except PhronesisError as exc:
        fail(str(exc))
    continuous = f" (+{len(problem.continuous)} continuous)" if problem.continuous else ""
    console.print(
        f"{file}: valid — {len(problem.variables)} variables{continuous}, "
        f"{len(problem.decision.options)} "
        f"options, {len(problem.values)} values, {len(problem.norms)} norms, "
        f"{len(problem.theories)} theories, {len(problem.policies)} policies; "
        f"hash {problem.content_hash[:16]}",
        highlight=False,
    )
    from engine.ir.conflicts import norm_conflicts

    for conflict in norm_conflicts(problem.norms, problem.decision.options):
        console.print(
            f"warning: dilemma {conflict.describe()}: no option satisfies both; "
            f"resolved by conflicts: {problem.conflicts}",
            highlight=False,
            markup=False,
        )
    for line in deontic_notes(problem):
        console.print(line, highlight=False, markup=False)


def deontic_notes(problem: DecisionProblem) -> list[str]:
    """One line per contrary-to-duty norm and per bad effect a double effect theory sees on a
    causal path to a good one (what ``validate`` tells a modeller)."""
    from engine.semantics.double_effect import means_path

    lines = [
        f"note: {n.name} is contrary-to-duty: in force only where "
        f"{' and '.join(n.violated)} {'is' if len(n.violated) == 1 else 'are'} violated"
        for n in problem.norms
        if n.violated
    ]
    influenced = problem.descendants(problem.decision.name)
    for theory in problem.theories:
        test = theory.double_effect
        for bad in test.bad if test else ():
            for good in test.good if test else ():
                path = means_path(problem, bad, good, influenced)
                if path is not None:
                    lines.append(
                        f"note: {theory.name}: bad effect {bad.name} is a means to good effect "
                        f"{good.name} ({' -> '.join(path)}); an option bringing both about "
                        "fails the double effect test"
                    )
    return lines
