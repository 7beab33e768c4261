"""``phronesis verify``: prove or refute properties of a problem's decisions over its evidence
space, with certificates; ``--recheck`` re-validates certificates.

Exit codes: 0 when every property checked is proved (with ``--recheck``: every certificate
stands), 1 when any is refuted or unknown (a certificate does not stand), 2 for bad input (one
line on stderr).
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
    NormalisationOption,
    PolicyOption,
    RuleOption,
    console,
    fail,
)

if TYPE_CHECKING:
    from theorems.certificate import Certificate

#: assignments above which a progress bar is shown
PROGRESS_FROM = 1 << 16


def register(app: typer.Typer) -> None:
    """Add ``verify`` to ``app``."""
    app.command(name="verify")(verify)


def verify(
    file: Annotated[Path, typer.Argument(help="Scenario (YAML/JSON) or ontology file.")],
    prop: Annotated[
        list[str] | None,
        typer.Option("--property", "-p", help="A property to check (repeatable)."),
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Check every applicable property (the default without --property) and list "
            "the ones skipped for want of a parameter.",
        ),
    ] = False,
    observe: Annotated[
        list[str] | None,
        typer.Option(
            "--observe",
            "-o",
            help="An observable spanning the evidence space (repeatable; default: the chance "
            "variables the decision cannot influence).",
        ),
    ] = None,
    rule: RuleOption = None,
    normalise: NormalisationOption = None,
    policy: PolicyOption = None,
    backend: BackendOption = "auto",
    monotone: Annotated[
        list[str] | None,
        typer.Option(
            "--monotone",
            help="VAR:OPTION=increasing|decreasing for the monotonicity property (repeatable).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="A CSV of situations and the option judged right (columns: observables, "
            "expected) for the alignment property.",
        ),
    ] = None,
    simulation: Annotated[
        Path | None,
        typer.Option(
            "--simulation",
            help="A simulation config (phronesis simulate) whose value dynamics the "
            "convergence property checks; FILE must be its scenario.",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="NAME=VALUE: a property parameter (VALUE read as JSON, else as text), e.g. "
            "threshold=0.8, confidence=0.99, radius=0.05 (repeatable).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the certificates (a JSON array).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the certificate (a JSON array when several)."),
    ] = None,
    ray: Annotated[
        bool, typer.Option("--ray", help="Shard the exhaustive checks on Ray (a local cluster).")
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="With --ray: the address of a running Ray cluster."),
    ] = None,
    recheck: Annotated[
        Path | None,
        typer.Option(
            "--recheck", help="Re-validate the certificate(s) in this file against FILE instead."
        ),
    ] = None,
) -> None:
    """Prove or refute properties of the decisions over every evidence assignment; exit 0 when
    all are proved, 1 when any is refuted or unknown, 2 for bad input."""
    try:
        if recheck is not None:
            code = _recheck(file, recheck, as_json, simulation)
        else:
            if prop and every:
                fail("--property and --all: give one or the other")
            if ray_address is not None and not ray:
                fail("--ray-address needs --ray")
            code = _verify(
                file,
                prop,
                every,
                observe,
                {
                    "rule": rule,
                    "normalisation": normalise.value if normalise else None,
                    "policy": policy,
                    "backend": backend,
                },
                _parameters(monotone, labels, param),
                simulation,
                as_json,
                out,
                ray,
                ray_address,
            )
    except PhronesisError as exc:
        fail(str(exc))
    raise typer.Exit(code)


def _parameters(
    marks: list[str] | None, labels: Path | None, given: list[str] | None
) -> dict[str, Any]:
    """The properties' parameters from the options: ``monotone`` marks, the ``labels`` file,
    and ``NAME=VALUE`` pairs (JSON values, else text)."""
    parameters: dict[str, Any] = {}
    monotone = _monotone(marks)
    if monotone is not None:
        parameters["monotone"] = monotone
    if labels is not None:
        parameters["labels"] = str(labels)
    for pair in given or ():
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--param {pair}: expected NAME=VALUE, e.g. threshold=0.8")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        parameters[name.strip()] = value
    return parameters


def _monotone(marks: list[str] | None) -> dict[str, dict[str, str]] | None:
    """``VAR:OPTION=DIRECTION`` marks as the ``monotone`` parameter."""
    if not marks:
        return None
    found: dict[str, dict[str, str]] = {}
    for mark in marks:
        head, _, direction = mark.partition("=")
        variable, _, option = head.partition(":")
        if not (variable.strip() and option.strip() and direction.strip()):
            fail(f"--monotone {mark}: expected VAR:OPTION=increasing or VAR:OPTION=decreasing")
        found.setdefault(variable.strip(), {})[option.strip()] = direction.strip()
    return found


def _verify(
    file: Path,
    names: list[str] | None,
    every: bool,
    observe: list[str] | None,
    settings: dict[str, Any],
    parameters: dict[str, Any],
    simulation: Path | None,
    as_json: bool,
    out: Path | None,
    ray: bool,
    address: str | None,
) -> int:
    from rich.progress import Progress

    from phronesis.api import verify as verify_problem
    from phronesis.inputs import load_problem
    from theorems.registry import PROPERTIES

    problem = load_problem(file)
    inputs: dict[str, Any] = {}
    if simulation is not None:
        from phronesis.verify_simulation import convergence_inputs, convergence_parameters

        parameters |= convergence_parameters(simulation)
        inputs = convergence_inputs(simulation)
    if address is not None:
        parameters["address"] = address
    with Progress(console=console, transient=True, disable=as_json) as bar:
        shown: dict[str, Any] = {}

        def progress(done: int, total: int) -> None:
            if total < PROGRESS_FROM:
                return
            if "id" not in shown:
                shown["id"] = bar.add_task("verifying", total=total)
            bar.update(shown["id"], completed=done, total=total)

        certificates = verify_problem(
            problem,
            names,
            observables=observe,
            parameters=parameters,
            progress=progress,
            executor="ray" if ray else "local",
            inputs=inputs,
            **settings,
        )
    if out is not None:
        data: Any = [c.to_dict() for c in certificates]
        text = json.dumps(data[0] if len(data) == 1 else data, indent=2, sort_keys=True)
        out.write_text(text + "\n", encoding="utf-8")
    if as_json:
        print(json.dumps([c.to_dict() for c in certificates], indent=2, sort_keys=True))
    else:
        skipped = []
        if every:
            skipped = [
                (p.name, [n for n in p.needs if n not in parameters])
                for _, p in sorted(PROPERTIES.items())
                if any(n not in parameters for n in p.needs)
            ]
        show_certificates(problem.name, certificates, skipped)
        if out is not None:
            console.print(f"wrote {escape(str(out))}")
    return 0 if all(c.proved for c in certificates) else 1


def show_certificates(
    name: str, certificates: list[Certificate], skipped: list[tuple[str, list[str]]]
) -> None:
    """The table of properties x verdict x method x witness, then each counterexample with
    the contributions that produced it."""
    table = Table(title=f"Properties of {escape(name)}")
    for column in ("property", "verdict", "method", "witness"):
        table.add_column(column)
    colour = {"proved": "green", "refuted": "red", "unknown": "yellow"}
    for c in certificates:
        table.add_row(
            escape(c.property),
            f"[{colour[c.verdict]}]{c.verdict}[/]",
            escape(c.method),
            escape(_summary(c)),
        )
    for prop, needs in skipped:
        table.add_row(escape(prop), "[dim]skipped[/]", "", escape(f"needs {', '.join(needs)}"))
    console.print(table)
    for c in certificates:
        if c.refuted:
            show_counterexample(c)


def _summary(c: Certificate) -> str:
    if c.proved and "table_sha256" in c.witness:
        return (
            f"{c.witness.get('assignments', 0):,} assignments, table sha256 "
            f"{str(c.witness['table_sha256'])[:12]}…"
        )
    if c.refuted:
        return c.reason or _scalars(c.witness)
    return c.reason or _scalars(c.witness)


def _scalars(witness: Any) -> str:
    """The witness's numbers and short texts (and pairs of numbers) as ``key=value``."""

    def shown(value: Any) -> str | None:
        if isinstance(value, bool) or isinstance(value, int | str) and len(str(value)) <= 24:
            return str(value)
        if isinstance(value, float):
            return f"{value:.4g}"
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) for v in value)
        ):
            return f"[{value[0]:.4g}, {value[1]:.4g}]"
        return None

    pairs = [(k, shown(v)) for k, v in sorted(dict(witness).items())]
    return ", ".join(f"{k}={v}" for k, v in pairs if v is not None)


def show_counterexample(c: Certificate) -> None:
    """The smallest counterexample: its evidence, the decision, what it violates, and the
    engine's explanation of the decision (narrative and largest contributions)."""
    evidence = c.witness.get("evidence", {})
    shown = ", ".join(f"{k}={v}" for k, v in evidence.items()) or "no evidence"
    console.rule(f"[bold]{escape(c.property)}[/]: smallest counterexample")
    console.print(f"evidence: {escape(shown)}", highlight=False)
    console.print(f"chosen: {escape(str(c.witness.get('chosen')))}", highlight=False)
    console.print(f"violated: {escape(str(c.witness.get('what', '')))}", highlight=False)
    explanation = c.details.get("explanation", {})
    if explanation.get("narrative"):
        console.print(explanation["narrative"], highlight=False, markup=False)
    contributions = explanation.get("contributions") or []
    if contributions:
        table = Table(title="Contributions to the margin over " + repr(explanation["runner_up"]))
        for column in ("kind", "name", "theory", "amount"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for term in contributions:
            table.add_row(
                term["kind"], escape(term["name"]), escape(term["theory"]), f"{term['amount']:+.4g}"
            )
        console.print(table)


def _recheck(file: Path, path: Path, as_json: bool, simulation: Path | None) -> int:
    from phronesis.api import recheck as recheck_certificate
    from phronesis.inputs import load_problem
    from theorems.certificate import Certificate, CertificateError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CertificateError(f"{path}: cannot read the certificate ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CertificateError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    items = data if isinstance(data, list) else [data]
    certificates = [Certificate.from_dict(item, str(path)) for item in items]
    problem = load_problem(file)
    inputs: dict[str, Any] = {}
    if any(c.property == "convergence" for c in certificates):
        from phronesis.verify_simulation import convergence_inputs

        config = simulation or next(
            c.parameters.get("simulation") for c in certificates if c.property == "convergence"
        )
        inputs = convergence_inputs(config)
    results = [(c, recheck_certificate(problem, c, inputs)) for c in certificates]
    if as_json:
        print(
            json.dumps(
                [
                    {"property": c.property, "verdict": c.verdict, "ok": r.ok, "reason": r.reason}
                    for c, r in results
                ],
                indent=2,
            )
        )
    else:
        table = Table(title=f"Re-checking {escape(str(path))}")
        for column in ("property", "verdict", "stands", "why"):
            table.add_column(column)
        for c, r in results:
            stands = "[green]yes[/]" if r.ok else "[red]no[/]"
            table.add_row(escape(c.property), c.verdict, stands, escape(r.reason))
        console.print(table)
    return 0 if all(r.ok for _, r in results) else 1
