"""``phronesis learn``: CPTs from observations and Thurstonian utilities from pairwise choices.

Registered on the main app (:mod:`phronesis.cli.app`) through :func:`register`.
User errors print one line and exit 2 (:func:`phronesis.cli.options.fail`).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from engine.errors import PhronesisError
from phronesis.cli.decide import load_problem
from phronesis.cli.options import console, fail

learn_app = typer.Typer(
    name="learn",
    help="Learn a model's numbers from data: CPTs from observations, utilities from choices.",
    no_args_is_help=True,
)


class PriorChoice(StrEnum):
    bdeu = "bdeu"
    uniform = "uniform"
    scenario = "scenario"


class PairsFormat(StrEnum):
    auto = "auto"
    pairs = "pairs"
    utility_engineering = "utility-engineering"


def register(app: typer.Typer) -> None:
    """Add the ``learn`` command group to ``app`` (once, however often it is called)."""
    if "learn" not in {group.name for group in app.registered_groups}:
        app.add_typer(learn_app, name="learn")


@learn_app.command("cpts")
def cpts(
    data: Annotated[Path, typer.Argument(help="CSV: a header of variable names, one row a case.")],
    scenario: Annotated[
        Path, typer.Option("--scenario", help="Scenario (YAML/JSON) whose CPTs to learn.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the scenario with the learned CPTs (and their posterior concentration) "
            "here, as JSON (.json) or YAML.",
        ),
    ] = None,
    prior: Annotated[
        PriorChoice, typer.Option("--prior", help="Dirichlet prior: bdeu | uniform | scenario.")
    ] = PriorChoice.bdeu,
    strength: Annotated[
        float,
        typer.Option(
            "--prior-strength",
            help="Equivalent sample size (bdeu, scenario) or pseudo-count per cell (uniform).",
        ),
    ] = 1.0,
) -> None:
    """Posterior-mean CPTs of SCENARIO's variables from the observations in DATA."""
    from models.learn.cpts import learn_cpts

    try:
        problem = load_problem(scenario)
        fit = learn_cpts(problem, data, prior=prior.value, strength=strength)
    except PhronesisError as exc:
        fail(str(exc))
    table = Table(title=f"CPTs learned from {fit.samples} rows of {data}")
    for column in ("variable", "parents", "rows seen", "max |change|"):
        table.add_column(column, justify="left" if column in ("variable", "parents") else "right")
    for name in fit.learned:
        counts = fit.counts[name].sum(axis=-1)
        change = abs(fit.model.cpt_array(name) - problem.cpt_array(name)).max()
        parents = ", ".join(fit.model.cpt(name).parents) or "—"
        seen = f"{int((counts > 0).sum())}/{counts.size}"
        table.add_row(escape(name), escape(parents), seen, f"{change:.4g}")
    console.print(table)
    if fit.kept:
        console.print(
            f"kept as stated (a variable or parent has no column): {', '.join(fit.kept)}",
            highlight=False,
            markup=False,
        )
    console.print(
        f"prior {fit.prior} (strength {fit.strength:g}); problem hash "
        f"{fit.model.content_hash[:16]}",
        highlight=False,
        markup=False,
    )
    if out is not None:
        _write_scenario(scenario, out, fit)
        console.print(f"wrote {out}", highlight=False, markup=False)


def _write_scenario(scenario: Path, out: Path, fit: Any) -> None:
    import yaml

    from engine.scenario import read_document
    from models.learn.cpts import learned_document

    try:
        document = learned_document(read_document(scenario), fit)
    except PhronesisError as exc:
        fail(str(exc))
    if out.suffix.lower() == ".json":
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{out}: cannot write the learned scenario ({exc.strerror})")


@learn_app.command("utilities")
def utilities(
    pairs: Annotated[
        Path,
        typer.Argument(
            help="CSV with option_a, option_b, choice (A/B or the chosen label); or the "
            "Utility Engineering country file (N_A|country_A|N_B|country_B|choice|...)."
        ),
    ],
    fmt: Annotated[
        PairsFormat, typer.Option("--format", help="auto | pairs | utility-engineering.")
    ] = PairsFormat.auto,
    holdout: Annotated[
        float,
        typer.Option(
            "--holdout",
            help="Fraction of pairs held out for accuracy; the utilities shown are fitted on "
            "the rest (0 fits every pair).",
        ),
    ] = 0.2,
    steps: Annotated[int, typer.Option("--steps", min=1, help="Optimiser steps.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split and the fit.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Thurstonian utilities U(o) ~ N(mu, sigma^2) from pairwise choices, fitted with Pyro."""
    from models.learn.exchange_rates import exchange_rates, parse_outcome, read_country_choices
    from models.learn.thurstone import fit_thurstonian, read_pairs

    try:
        chosen = _detect(pairs) if fmt is PairsFormat.auto else fmt
        reader = read_country_choices if chosen is PairsFormat.utility_engineering else read_pairs
        choices = reader(pairs)
        fit = fit_thurstonian(choices, holdout=holdout, steps=steps, seed=seed)
    except PhronesisError as exc:
        fail(str(exc))
    rates = exchange_rates(fit) if any(parse_outcome(o) for o in fit.options) else None
    if as_json:
        print(json.dumps(_as_dict(fit, rates), indent=2, sort_keys=True, allow_nan=False))
        return
    table = Table(title=f"Thurstonian utilities from {len(choices.first)} choices in {pairs}")
    for column in ("option", "mu", "sigma"):
        table.add_column(column, justify="left" if column == "option" else "right")
    for i in sorted(range(len(fit.options)), key=lambda i: -fit.mu[i]):
        table.add_row(escape(fit.options[i]), f"{fit.mu[i]:+.3f}", f"{fit.sigma[i]:.3f}")
    console.print(table)
    console.print(
        f"accuracy: train {fit.train_accuracy:.3f}, hold-out {_fmt(fit.holdout_accuracy)} "
        f"(rows), {_fmt(fit.holdout_pair_accuracy)} (pairs); P(cycle) observed "
        f"{_fmt(fit.cycle_probability_observed)} over {fit.observed_triads} triads, model "
        f"{_fmt(fit.cycle_probability_model)}",
        highlight=False,
        markup=False,
    )
    if rates is not None and rates.rates:
        console.print("exchange rates (lives in X equal to one life in Y):", highlight=False)
        for (x, y), rate in sorted(rates.rates.items()):
            console.print(f"  {_fmt(rate)} in {x} = 1 in {y}", highlight=False, markup=False)


def _detect(path: Path) -> PairsFormat:
    """The Utility Engineering country file has no header and '|' separators."""
    try:
        with open(path, encoding="utf-8") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError):
        return PairsFormat.pairs  # the reader reports the problem with the file
    return PairsFormat.utility_engineering if first.count("|") >= 4 else PairsFormat.pairs


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.4g}"


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _as_dict(fit: Any, rates: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "options": [
            {"option": o, "mu": float(m), "sigma": float(s)}
            for o, m, s in zip(fit.options, fit.mu, fit.sigma, strict=True)
        ],
        "train_accuracy": _number(fit.train_accuracy),
        "holdout_accuracy": _number(fit.holdout_accuracy),
        "holdout_pair_accuracy": _number(fit.holdout_pair_accuracy),
        "cycle_probability_observed": _number(fit.cycle_probability_observed),
        "cycle_probability_model": _number(fit.cycle_probability_model),
        "observed_triads": fit.observed_triads,
        "steps": fit.steps,
        "seed": fit.seed,
    }
    if rates is not None:
        data["exchange_rates"] = [
            {"lives_in": x, "per_life_in": y, "rate": _number(r)}
            for (x, y), r in sorted(rates.rates.items())
        ]
        data["log_utility_curves"] = {
            g: {"slope": rates.slopes[g], "intercept": rates.intercepts[g], "r2": rates.r2[g]}
            for g in rates.slopes
        }
    return data
