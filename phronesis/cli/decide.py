"""The decision commands: decide, explain, validate, schema, demo (and compile, from
:mod:`phronesis.cli.table`).

User errors (bad files, unknown evidence, unknown policies) print one readable line to stderr
and exit with code 2; no traceback.
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
    EXAMPLES,
    ConflictsOption,
    DecisionBackendOption,
    DrawSeedOption,
    EvidenceOption,
    Normalisation,
    NormalisationOption,
    OnSilenceOption,
    ParticlesOption,
    PolicyOption,
    RiskOption,
    RuleOption,
    SamplesOption,
    SeedOption,
    TieBreakOption,
    TrimOption,
    console,
    fail,
)
from phronesis.cli.render import show_decision, show_observations
from phronesis.cli.table import compile_table
from phronesis.cli.validate import validate

if TYPE_CHECKING:
    from engine.decision.result import Decision
    from engine.ir import DecisionProblem


def register(app: typer.Typer) -> None:
    """Add the decision commands to ``app``."""
    for command in (decide, explain, validate, schema, demo):
        app.command()(command)
    app.command(name="compile")(compile_table)


def load_problem(
    path: Path, scenario: Path | None = None, conflicts: str | None = None
) -> DecisionProblem:
    """A scenario file, or an ontology with its scenario, as a DecisionProblem; ``conflicts``
    replaces the file's resolution of conflicts of norms (weight | priority | abstain)."""
    import dataclasses

    from phronesis.inputs import load_problem as load

    problem = load(path, scenario=scenario)
    conflicts = None if conflicts is None else str(conflicts)
    if conflicts is None or conflicts == problem.conflicts:
        return problem
    return dataclasses.replace(problem, conflicts=conflicts)


def rule_options(draw_seed: int | None, trim: float | None) -> Any:
    """The rule options of --draw-seed and --trim (``None``: the rules' defaults)."""
    from engine.rules.base import DEFAULT_OPTIONS, RuleOptions

    if draw_seed is None and trim is None:
        return None
    return RuleOptions(seed=draw_seed, trim=DEFAULT_OPTIONS.trim if trim is None else trim)


def run_decision(
    file: Path,
    evidence: list[str] | None,
    rule: str | None,
    normalise: Normalisation | None,
    policy: str | None,
    backend: str,
    scenario: Path | None = None,
    **extra: Any,
) -> tuple[DecisionProblem, Decision]:
    """Load and decide; ``extra`` are further keyword options of :func:`phronesis.api.decide`
    (``risk``, ``tie_break``, ``samples``, ``seed``, ``value_of_information``) plus
    ``draw_seed`` and ``trim`` for the rule options."""
    from engine.ir.evidence import parse_evidence
    from phronesis.api import decide

    options = rule_options(extra.pop("draw_seed", None), extra.pop("trim", None))
    problem = load_problem(file, scenario, extra.pop("conflicts", None))
    return problem, decide(
        problem,
        parse_evidence(evidence or []),
        rule=rule,
        normalisation=normalise.value if normalise else None,
        policy=policy,
        backend=backend,
        rule_options=options,
        **extra,
    )


def decide(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    evidence: EvidenceOption = None,
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: DecisionBackendOption = "auto",
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario for an ontology FILE.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the exact result as JSON.")
    ] = False,
    risk: RiskOption = None,
    tie_break: TieBreakOption = None,
    samples: SamplesOption = None,
    seed: SeedOption = 0,
    draw_seed: DrawSeedOption = None,
    trim: TrimOption = None,
    particles: ParticlesOption = None,
    on_silence: OnSilenceOption = "abstain",
    conflicts: ConflictsOption = None,
    evidence_file: Annotated[
        Path | None,
        typer.Option(
            "--evidence-file",
            help="CSV of evidence rows (header: variable names; empty cell: unobserved; "
            "optional credence:THEORY columns), decided together by the decision kernel.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="With --evidence-file: write the decisions (.parquet or .csv)."),
    ] = None,
) -> None:
    """Decide a problem: the chosen option (or abstention), per-option table and explanation;
    P(best) when the problem has parameter uncertainty; effective sample size and standard
    errors when it has continuous variables (--backend pyro). With --evidence-file, decide
    every row of a table at once (--out writes the decisions)."""
    if evidence_file is not None:
        try:
            decide_many(
                file,
                scenario,
                evidence_file,
                out,
                evidence=evidence,
                rule=rule,
                normalisation=normalise.value if normalise else None,
                policy=policy,
                backend=backend,
                tie_break=tie_break,
                on_silence=on_silence,
                risk=risk,
                draw_seed=draw_seed,
                trim=trim,
                conflicts=conflicts,
            )
        except PhronesisError as exc:
            fail(str(exc))
        return
    if out is not None:
        fail("--out needs --evidence-file (a table of evidence rows to decide)")
    try:
        problem, result = run_decision(
            file,
            evidence,
            rule,
            normalise,
            policy,
            backend,
            scenario,
            risk=risk,
            tie_break=tie_break,
            samples=samples,
            seed=seed,
            draw_seed=draw_seed,
            trim=trim,
            particles=particles,
            on_silence=on_silence,
            conflicts=conflicts,
        )
    except PhronesisError as exc:
        fail(str(exc))
    if as_json:
        print(result.to_json())
        return
    show_decision(problem.name, result)


#: rows decided per kernel call when a progress bar is shown
CHUNK = 100_000


def decide_many(
    file: Path,
    scenario: Path | None,
    evidence_file: Path,
    out: Path | None,
    *,
    evidence: list[str] | None,
    draw_seed: int | None,
    trim: float | None,
    conflicts: str | None = None,
    **settings: Any,
) -> None:
    """Decide every row of ``evidence_file`` with the decision kernel; print the counts of each
    option and write the decisions to ``out``."""
    from rich.progress import Progress

    from engine.ir.evidence import parse_evidence
    from engine.kernel.batch import Abstain
    from engine.kernel.compiled import compile_problem
    from engine.kernel.decide import decide_rows
    from phronesis.tables import read_evidence_table, to_arrow

    problem = load_problem(file, scenario, conflicts)
    rows, credences = read_evidence_table(problem, evidence_file)
    common = parse_evidence(evidence or [])
    if common:
        rows = [{**common, **row} for row in rows]
    compiled = compile_problem(problem, rule_options=rule_options(draw_seed, trim), **settings)
    parts = []
    with Progress(console=console, transient=True, disable=len(rows) <= CHUNK) as progress:
        task = progress.add_task("deciding", total=len(rows))
        for start in range(0, len(rows), CHUNK):
            stop = min(start + CHUNK, len(rows))
            batch = decide_rows(
                compiled,
                compiled.encode(rows[start:stop]),
                credences=None if credences is None else credences[start:stop],
            )
            parts.append(batch)
            progress.update(task, advance=stop - start)
    table = Table(title=f"{len(rows):,} decisions of {problem.name}")
    table.add_column("decision")
    table.add_column("rows", justify="right")
    counts: dict[str, int] = {}
    for batch in parts:
        for a, option in enumerate(batch.options):
            counts[option] = counts.get(option, 0) + int((batch.chosen == a).sum())
        for code in Abstain:
            if code != Abstain.NONE:
                key = f"(abstain: {code.name.lower().replace('_', ' ')})"
                counts[key] = counts.get(key, 0) + int((batch.abstention == code).sum())
    for name, count in counts.items():
        if count or not name.startswith("("):
            table.add_row(escape(name), f"{count:,}")
    console.print(table)
    if out is not None:
        import pyarrow

        from phronesis.tables import write_table

        write_table(pyarrow.concat_tables([to_arrow(b) for b in parts]), out)
        console.print(f"wrote {escape(str(out))}")


def explain(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    evidence: EvidenceOption = None,
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: DecisionBackendOption = "auto",
    scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
    top: Annotated[int, typer.Option("--top", help="How many contributions to list.")] = 5,
    risk: RiskOption = None,
    tie_break: TieBreakOption = None,
    draw_seed: DrawSeedOption = None,
    trim: TrimOption = None,
    seed: SeedOption = 0,
    particles: ParticlesOption = None,
    on_silence: OnSilenceOption = "abstain",
) -> None:
    """Explain a decision: narrative, the contributions that moved it, and the observations
    most worth making before deciding (value of information)."""
    try:
        _, result = run_decision(
            file,
            evidence,
            rule,
            normalise,
            policy,
            backend,
            scenario,
            risk=risk,
            tie_break=tie_break,
            samples=0,
            seed=seed,
            draw_seed=draw_seed,
            trim=trim,
            value_of_information=True,
            particles=particles,
            on_silence=on_silence,
        )
    except PhronesisError as exc:
        fail(str(exc))
    console.print(result.explanation.narrative, highlight=False, markup=False)
    contributions = result.explanation.top(top)
    if contributions:
        table = Table(
            title=f"Top contributions to the margin over '{result.explanation.runner_up}'"
        )
        for column in ("kind", "name", "theory", "amount"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for c in contributions:
            table.add_row(c.kind, c.name, c.theory, f"{c.amount:+.4g}")
        console.print(table)
    show_observations(result)


def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from engine.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))


def demo(
    backend: DecisionBackendOption = "auto",
) -> None:
    """Run the shipped examples and print their decisions."""
    from engine.backends.registry import choose, spec_of
    from engine.scenario import load_scenario
    from phronesis.api import decide as decide_problem

    try:
        for path in sorted(EXAMPLES.glob("*.yaml")):
            problem = load_scenario(path)
            console.rule(f"[bold]{problem.name}[/] — {path.name}")
            console.print(problem.description, highlight=False, markup=False)
            chosen_backend = backend
            if (
                problem.is_hybrid
                and backend != "auto"
                and not spec_of(backend).capabilities.continuous
            ):
                chosen_backend = choose(continuous=True).name
                console.print(
                    f"[dim](continuous variables: sampled with {chosen_backend}, not {backend})[/]"
                )
            for policy in (None, *(p.name for p in problem.policies)):
                result = decide_problem(problem, policy=policy, backend=chosen_backend)
                label = f"policy {policy}" if policy else "default credences"
                chosen = result.option or f"ABSTAIN ({result.abstain})"
                console.print(
                    f"[bold]{escape(label)}[/]: [green]{escape(chosen)}[/]", highlight=False
                )
                console.print(f"  {result.explanation.narrative}", highlight=False, markup=False)
    except PhronesisError as exc:
        fail(str(exc))
