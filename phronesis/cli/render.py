"""Rich rendering of decisions, observations and decision tables."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from engine.decision.result import Decision
from phronesis.cli.options import console


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
