"""``phronesis posterior`` and ``phronesis solve``: network files and influence diagrams.

Registered on the main app (:mod:`phronesis.cli.app`) through :func:`register`.
User errors print one line and exit 2 (:func:`phronesis.cli.options.fail`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from engine.errors import EvidenceError, PhronesisError, ScenarioError
from phronesis.cli.options import BackendOption, EvidenceOption, console, fail

if TYPE_CHECKING:
    from engine.ir import BayesianNetwork

JsonOption = Annotated[bool, typer.Option("--json", help="Print the exact result as JSON.")]
NormaliseRowsOption = Annotated[
    bool,
    typer.Option(
        "--normalise", help="Divide every CPT row by its sum (tables of percentages or counts)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``posterior`` and ``solve`` to ``app`` (once, however often it is called)."""
    known = {command.name for command in app.registered_commands}
    if "posterior" not in known:
        app.command("posterior")(posterior)
    if "solve" not in known:
        app.command("solve")(solve)


def posterior(
    netfile: Annotated[Path, typer.Argument(help="BIF, XMLBIF/BIFXML, Hugin .net or UAI file.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Variable to query.")],
    evidence: EvidenceOption = None,
    evidence_file: Annotated[
        Path | None,
        typer.Option(
            "--evidence-file",
            help="CSV: a header of variable names, one evidence row a line, empty = unobserved.",
        ),
    ] = None,
    backend: BackendOption = "auto",
    normalise: NormaliseRowsOption = False,
    as_json: JsonOption = False,
) -> None:
    """P(TARGET | evidence) in a network file; --evidence-file answers all rows in one call."""
    from engine.backends.registry import get_backend
    from engine.ir.evidence import parse_evidence
    from models.formats.networks import read_network

    try:
        network = read_network(netfile, normalise=normalise)
        if target not in {v.name for v in network.variables}:
            raise EvidenceError(
                f"{netfile}: unknown target {target!r}; expected one of: "
                f"{', '.join(v.name for v in network.variables)}"
            )
        common = check_network_evidence(network, parse_evidence(evidence or []))
        rows = [common]
        if evidence_file is not None:
            rows = [common | row for row in read_evidence_rows(network, evidence_file, common)]
        result = get_backend(backend).posterior(network, rows, [target])
    except PhronesisError as exc:
        fail(str(exc))
    states = list(network.states(target))
    answers = [
        {"target": target, "states": states, "probabilities": [float(p) for p in row]}
        for row in result
    ]
    if as_json:
        print(json.dumps(answers if evidence_file is not None else answers[0]))
        return
    table = Table(title=f"P({target} | evidence) — {network.name}")
    if evidence_file is not None:
        table.add_column("row", justify="right")
    for state in states:
        table.add_column(state, justify="right")
    for i, answer in enumerate(answers, start=1):
        cells = [f"{p:.6g}" for p in answer["probabilities"]]
        table.add_row(*([str(i)] if evidence_file is not None else []), *cells)
    console.print(table)


def solve(
    idfile: Annotated[Path, typer.Argument(help="Influence diagram: BIFXML, XDSL, .jgum, JSON.")],
    evidence: EvidenceOption = None,
    limid: Annotated[
        bool | None,
        typer.Option(
            "--limid/--no-forgetting",
            help="Solve as a LIMID (single policy update) or with no-forgetting "
            "(default: no-forgetting when the decisions are totally ordered).",
        ),
    ] = None,
    normalise: NormaliseRowsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Optimal policy for every decision of an influence diagram, its MEU and variance."""
    from engine.ir.evidence import parse_evidence
    from models.formats.influence import read_influence_diagram
    from models.influence.solver import solve as solve_diagram

    try:
        no_forgetting = None if limid is None else not limid
        diagram = read_influence_diagram(idfile, no_forgetting=no_forgetting, normalise=normalise)
        solution = solve_diagram(diagram, parse_evidence(evidence or []))
    except PhronesisError as exc:
        fail(str(exc))
    data = solution.to_dict(diagram)
    if as_json:
        print(json.dumps(data))
        return
    console.print(
        f"[bold]{diagram.name}[/]: MEU {solution.meu:.6g}, variance {solution.variance:.6g} "
        f"({solution.method})",
        highlight=False,
    )
    for decision, policy in data["policies"].items():
        table = Table(title=f"policy for {decision}")
        for name in policy["observed"]:
            table.add_column(name)
        table.add_column(decision, style="bold green")
        for rule in policy["rules"]:
            table.add_row(*(rule["when"][n] for n in policy["observed"]), rule["option"])
        console.print(table)


def check_network_evidence(
    network: BayesianNetwork, evidence: Mapping[str, str], where: str = "evidence"
) -> dict[str, str]:
    """Evidence as a dict, or :class:`EvidenceError` naming the unknown variable or state."""
    known = {v.name: v.states for v in network.variables}
    for name, state in evidence.items():
        if name not in known:
            raise EvidenceError(
                f"{where}: unknown variable {name!r}; expected one of: {', '.join(known)}"
            )
        if state not in known[name]:
            raise EvidenceError(
                f"{where} {name}={state}: unknown state {state!r}; expected one of: "
                f"{', '.join(known[name])}"
            )
    return dict(evidence)


def read_evidence_rows(
    network: BayesianNetwork, path: Path, common: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """Rows of a CSV evidence file (header = variable names, empty cell = unobserved)."""
    common = common or {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header: Sequence[Any] = reader.fieldnames or []
            records = list(reader)
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(str(path), "", f"cannot read the CSV file ({exc})") from None
    if not header:
        raise ScenarioError(str(path), "header", "expected a header line of variable names")
    names = {v.name for v in network.variables}
    for column in header:
        if column not in names:
            raise ScenarioError(
                str(path),
                "header",
                f"unknown variable {column!r}; expected names from: {', '.join(sorted(names))}",
            )
    rows = []
    for line, record in enumerate(records, start=2):
        if None in record:
            raise ScenarioError(str(path), f"line {line}", "more cells than header columns")
        row = {k: v.strip() for k, v in record.items() if v is not None and v.strip()}
        for name, state in row.items():
            if name in common and common[name] != state:
                raise ScenarioError(
                    str(path),
                    f"line {line}",
                    f"{name}={state} contradicts --evidence {name}={common[name]}",
                )
        rows.append(check_network_evidence(network, row, f"{path}: line {line}"))
    if not rows:
        raise ScenarioError(str(path), "", "no evidence rows after the header")
    return rows
