"""The ``phronesis`` command line (typer + rich).

User errors (bad files, unknown evidence, unknown policies) print one readable line to stderr
and exit with code 2; no traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError

if TYPE_CHECKING:
    from engine.ir import DecisionProblem
    from engine.result import Decision

app = typer.Typer(
    name="phronesis",
    help="Probabilistic ethical reasoning: decisions under empirical and normative uncertainty.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

#: Modules that add commands with ``register(app)``; each is imported only if present.
EXTENSIONS = ("engine.cli_network", "ontology.cli", "models.cli_learn")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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
BackendOption = Annotated[str, typer.Option("--backend", help="Inference backend.")]
DecisionBackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Inference backend: pgmpy, torch, jax, pyro, or auto (pgmpy for discrete problems, "
        "pyro sampling for problems with continuous variables).",
    ),
]


def fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load_problem(path: Path, scenario: Path | None = None) -> DecisionProblem:
    """A scenario file, or an ontology with its scenario, as a DecisionProblem."""
    from engine.api import load

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
    """Load and decide; ``extra`` are further keyword options of :func:`engine.decide.decide`
    (``risk``, ``tie_break``, ``samples``, ``seed``, ``value_of_information``) plus
    ``draw_seed`` and ``trim`` for the rule options."""
    from engine.aggregate import RuleOptions
    from engine.decide import decide
    from engine.evidence import parse_evidence

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


@app.command()
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


@app.command()
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


def show_observations(result: Decision) -> None:
    """The value of information of each observable variable, most worth observing first."""
    observations = result.value_of_information
    if not observations:
        console.print("No unobserved variable can be observed before deciding.")
        return
    table = Table(title="Observations most worth making before deciding")
    for column in ("variable", "VOI", "P(decision changes)", "decision after each state"):
        table.add_column(column, justify="left" if column[0] in "vd" else "right")
    for o in observations:
        after = ", ".join(f"{s}→{d or 'abstain'}" for s, d in o.decisions.items())
        value = "n/a" if o.value is None else f"{o.value:.4g}"
        table.add_row(escape(o.variable), value, f"{o.p_change:.3g}", escape(after))
    console.print(table)


@app.command()
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


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from engine.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))


@app.command()
def demo(
    backend: DecisionBackendOption = "auto",
) -> None:
    """Run the shipped examples and print their decisions."""
    from engine.decide import decide as decide_problem
    from engine.scenario import load_scenario

    try:
        for path in sorted(EXAMPLES.glob("*.yaml")):
            problem = load_scenario(path)
            console.rule(f"[bold]{problem.name}[/] — {path.name}")
            console.print(problem.description, highlight=False, markup=False)
            chosen_backend = "pyro" if problem.is_hybrid and backend != "auto" else backend
            if chosen_backend != backend:
                console.print(f"[dim](continuous variables: sampled with pyro, not {backend})[/]")
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


def show_decision(name: str, result: Decision) -> None:
    """Render a Decision as rich tables."""
    chosen = result.option or "ABSTAIN"
    console.print(f"[bold]{escape(name)}[/]: [green]{escape(chosen)}[/]", highlight=False)
    if result.abstain:
        console.print(f"[yellow]{escape(result.abstain)}[/]", highlight=False)
    rows = result.options
    table = Table(title="Options (one column each)")
    table.add_column("")
    for r in rows:
        style = "bold green" if r.option == result.option else None
        table.add_column(escape(r.option), justify="right", header_style=style, style=style)
    table.add_row("permissible", *("yes" if r.permissible else "no" for r in rows))
    sampled = result.sampling
    for v in rows[0].expected_values:
        if sampled is None:
            table.add_row(f"EV {v}", *(f"{r.expected_values[v]:.4g}" for r in rows))
        else:
            table.add_row(
                f"EV {v}",
                *(
                    f"{r.expected_values[v]:.4g} ± {sampled['value_se'][r.option][v]:.2g}"
                    for r in rows
                ),
            )
    for t in rows[0].choiceworthiness:
        table.add_row(f"CW {t}", *(f"{r.choiceworthiness[t]:.4g}" for r in rows))
    for n in rows[0].norm_violation:
        table.add_row(f"P(violates {n})", *(f"{r.norm_violation[n]:.3g}" for r in rows))
    table.add_row("score", *("—" if r.score is None else f"{r.score:.4g}" for r in rows))
    if result.chances is not None:
        table.add_row("chance", *(f"{result.chances[r.option]:.3g}" for r in rows))
    if result.p_best is not None and result.p_best_se is not None:
        table.add_row(
            "P(best)",
            *(f"{result.p_best[r.option]:.3f} ± {result.p_best_se[r.option]:.3f}" for r in rows),
        )
    if sampled is not None:
        table.add_row("ESS", *(f"{sampled['ess'][r.option]:.0f}" for r in rows))
    console.print(table)
    if sampled is not None:
        console.print(
            f"Expectations by {sampled['method']} over {sampled['num_samples']} particles per "
            f"option (seed {sampled['seed']}; ± one Monte-Carlo standard error; ESS = effective "
            "sample size).",
            highlight=False,
        )
        margin = sampled.get("margin")
        if margin is not None:
            z = margin["z"]
            shown = "inf" if z is None else f"{z:.2f}"
            warn = (
                " [yellow]— within Monte-Carlo error: another seed may choose differently; "
                "raise --particles[/]"
                if z is not None and z < 2
                else ""
            )
            console.print(
                f"Margin over {escape(margin['runner_up'])}: {margin['margin']:.4g} ± "
                f"{margin['standard_error']:.2g} (z = {shown}){warn}",
                highlight=False,
            )
    if result.p_best is not None:
        abstain = result.p_best.get("(abstain)")
        extra = f"; P(no option permissible) = {abstain:.3f}" if abstain else ""
        console.print(
            f"P(best) from {result.p_best_samples} parameter draws (± one Monte-Carlo standard "
            f"error){extra}.",
            highlight=False,
        )
    if result.policy_consistent is not None:
        console.print(
            f"Consistent with policy: {'yes' if result.policy_consistent else 'NO'}",
            highlight=False,
        )
    console.print(result.explanation.narrative, highlight=False, markup=False)
    prov = result.provenance
    console.print(
        f"[dim]rule {prov['rule']} ({prov['normalisation']}), policy {prov['policy']}, "
        f"backend {prov['backend']}, problem {prov['problem_hash'][:16]}[/]",
        highlight=False,
    )


@app.command(name="compile")
def compile_table(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    observe: Annotated[
        list[str], typer.Option("--observe", "-o", help="An observable variable (repeatable).")
    ],
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: BackendOption = "pgmpy",
    out: Annotated[Path | None, typer.Option("--out", help="Write the table as JSON.")] = None,
) -> None:
    """Decide every combination of the observed variables ahead of time (a lookup table)."""
    from engine.decision_table import compile_decision_table

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


BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def bench(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Benchmark: inference, p_best, thurstone, ontology, continuous.")
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


def _register_extensions() -> None:
    for name in EXTENSIONS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


def main() -> None:
    _register_extensions()
    try:
        app()
    except PhronesisError as exc:  # an error raised outside a command's own handler
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
