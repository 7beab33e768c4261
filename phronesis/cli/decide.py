"""The decision commands: decide, explain, validate, schema, demo, compile.

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
    BackendOption,
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

if TYPE_CHECKING:
    from engine.decision.result import Decision
    from engine.ir import DecisionProblem


def register(app: typer.Typer) -> None:
    """Add the decision commands to ``app``."""
    for command in (decide, explain, validate, schema, demo):
        app.command()(command)
    app.command(name="compile")(compile_table)


def load_problem(path: Path, scenario: Path | None = None) -> DecisionProblem:
    """A scenario file, or an ontology with its scenario, as a DecisionProblem."""
    from phronesis.inputs import load_problem as load

    return load(path, scenario=scenario)


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
    from engine.rules.registry import RuleOptions
    from phronesis.api import decide

    draw_seed, trim = extra.pop("draw_seed", None), extra.pop("trim", None)
    options = None
    if draw_seed is not None or trim is not None:
        options = RuleOptions(seed=draw_seed, trim=0.1 if trim is None else trim)
    problem = load_problem(file, scenario)
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
) -> None:
    """Decide a problem: the chosen option (or abstention), per-option table and explanation;
    P(best) when the problem has parameter uncertainty; effective sample size and standard
    errors when it has continuous variables (--backend pyro)."""
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
        )
    except PhronesisError as exc:
        fail(str(exc))
    if as_json:
        print(result.to_json())
        return
    show_decision(problem.name, result)


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


def validate(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    scenario: Annotated[Path | None, typer.Option("--scenario")] = None,
) -> None:
    """Check a file; exit 0 if valid, 2 with a one-line message otherwise."""
    try:
        problem = load_problem(file, scenario)
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


def compile_table(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    observe: Annotated[
        list[str], typer.Option("--observe", "-o", help="An observable variable (repeatable).")
    ],
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: BackendOption = "auto",
    out: Annotated[Path | None, typer.Option("--out", help="Write the table as JSON.")] = None,
) -> None:
    """Decide every combination of the observed variables ahead of time (a lookup table)."""
    from engine.analyses.decision_table import compile_decision_table

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
