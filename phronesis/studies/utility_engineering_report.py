"""The Utility Engineering study's report: ``report.md``, ``shipped_utilities.png`` (the two
models' utilities against each other), ``expected_utility.png`` (fitted lottery utilities
against the engine's expected values), and ``shipped_utilities.parquet``,
``choice_utilities.parquet``, ``lotteries.parquet``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phronesis.studies.report import markdown_table, pyplot, save_figure, write_parquet
from phronesis.studies.utility_engineering import UtilityStudy


def write_utility_report(study: UtilityStudy, out: Path) -> Path:
    """Write the report files into ``out``; return the path of ``report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    _plot_shipped(study, out / "shipped_utilities.png")
    _plot_expected(study, out / "expected_utility.png")
    rows = [
        (model, o.category, o.text, *fitted.utilities[o.text])
        for model, fitted in study.shipped.items()
        for o in study.outcomes
        if o.text in fitted.utilities
    ]
    write_parquet(
        dict(
            zip(
                ("model", "category", "outcome", "mean", "variance"),
                zip(*rows, strict=True),
                strict=True,
            )
        )
        if rows
        else {"model": []},
        out / "shipped_utilities.parquet",
    )
    fit = study.choice_fit
    write_parquet(
        {"outcome": list(fit.options), "mean": list(fit.mu), "sd": list(fit.sigma)},
        out / "choice_utilities.parquet",
    )
    check = study.expected_utility
    write_parquet(
        {
            "lottery": [lottery.text for lottery in check.lotteries],
            "fitted": list(check.fitted),
            "expected_value": list(check.expected),
            "agent": list(check.true),
        },
        out / "lotteries.parquet",
    )
    path = out / "report.md"
    path.write_text(_markdown(study), encoding="utf-8")
    return path


def _markdown(study: UtilityStudy) -> str:
    s, fit, check = study.settings, study.choice_fit, study.expected_utility
    categories = sorted({o.category for o in study.outcomes})
    category_rows = []
    for category in categories:
        texts = [o.text for o in study.outcomes if o.category == category]
        cells = []
        for fitted in study.shipped.values():
            means = [fitted.utilities[t][0] for t in texts if t in fitted.utilities]
            cells.append(f"{np.mean(means):+.2f}" if means else "—")
        category_rows.append([category, len(texts), *cells])
    shipped = markdown_table(["category", "outcomes", *study.shipped], category_rows)
    metrics = markdown_table(
        ["model", "train accuracy", "hold-out accuracy"],
        [
            [
                m,
                f"{f.metrics.get('accuracy', float('nan')):.3f}",
                f"{f.holdout_metrics.get('accuracy', float('nan')):.3f}",
            ]
            for m, f in study.shipped.items()
        ],
    )
    top = np.argsort(-fit.mu)[:5]
    bottom = np.argsort(fit.mu)[:5]
    return (
        "\n\n".join(
            [
                "# Utility Engineering: fitted utilities, transitivity and expected utility",
                "Data: Utility Engineering (Mazeika et al. 2025; MIT) and its forks "
                f"notrichardren and PredictablyWeird (MIT). {len(study.outcomes)} outcomes in "
                f"{len(categories)} categories; {len(fit.options)} outcomes in "
                f"{len(study.choices.first)} pairwise choices; {len(check.lotteries)} lotteries. "
                f"Fits: {s.steps} Adam steps, seed {s.seed}.",
                "## Shipped utilities (two models, 510 outcomes)\n\n"
                f"Pearson correlation of the two models' mean utilities: "
                f"{study.model_correlation:.3f}.\n\n"
                + metrics
                + "\n\nMean utility per category:\n\n"
                + shipped
                + "\n\n![shipped utilities](shipped_utilities.png)",
                "## Pairwise choices (country vs country)\n\n"
                + markdown_table(
                    ["measure", "value"],
                    [
                        ["choices", len(study.choices.first)],
                        ["outcomes", len(fit.options)],
                        ["train accuracy", f"{fit.train_accuracy:.3f}"],
                        ["hold-out accuracy (20% of pairs)", f"{fit.holdout_accuracy:.3f}"],
                        ["hold-out pair accuracy", f"{fit.holdout_pair_accuracy:.3f}"],
                        ["P(cycle), observed triads", f"{fit.cycle_probability_observed:.4f}"],
                        ["P(cycle), fitted model", f"{fit.cycle_probability_model:.4f}"],
                        ["triads observed", fit.observed_triads],
                    ],
                )
                + "\n\nHighest fitted utilities: "
                + "; ".join(f"{fit.options[i]} ({fit.mu[i]:+.2f})" for i in top)
                + ".\n\nLowest: "
                + "; ".join(f"{fit.options[i]} ({fit.mu[i]:+.2f})" for i in bottom)
                + ".",
                "## Expected utility on lotteries\n\n"
                "The shipped data hold the lotteries but no model's choices over them, so the "
                "method is checked on a seeded expected-utility agent (outcome utilities N(0, 1), "
                f"a lottery's utility sum p mu, noise sd {s.noise}, {s.pairs} random pairs). Each "
                "lottery is a decision problem over the fitted outcome utilities; the engine's "
                "expected value is compared with the lottery's own fitted utility.\n\n"
                + markdown_table(
                    ["measure", "value"],
                    [
                        ["corr(fitted U(L), engine sum p U(o))", f"{check.correlation:.3f}"],
                        [
                            "corr(agent's U(L), engine sum p U(o))",
                            f"{np.corrcoef(check.true, check.expected)[0, 1]:.3f}",
                        ],
                        ["hold-out accuracy of the fit", f"{check.fit.holdout_accuracy:.3f}"],
                    ],
                )
                + "\n\n![expected utility](expected_utility.png)",
            ]
        )
        + "\n"
    )


def _plot_shipped(study: UtilityStudy, path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    models = list(study.shipped)
    if len(models) == 2:
        a, b = (study.shipped[m] for m in models)
        texts = [o.text for o in study.outcomes if o.text in a.utilities and o.text in b.utilities]
        ax.scatter([a.utilities[t][0] for t in texts], [b.utilities[t][0] for t in texts], s=6)
        ax.set_xlabel(f"{models[0]}: mean utility")
        ax.set_ylabel(f"{models[1]}: mean utility")
        ax.set_title(f"510 outcomes, r = {study.model_correlation:.2f}", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_expected(study: UtilityStudy, path: Path) -> Path:
    plt = pyplot()
    check = study.expected_utility
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(check.expected, check.fitted, s=16)
    low = min(check.expected.min(), check.fitted.min())
    high = max(check.expected.max(), check.fitted.max())
    ax.plot([low, high], [low, high], color="0.5", lw=0.8)
    ax.set_xlabel("engine: sum_o p_o U(o) (fitted outcome utilities)")
    ax.set_ylabel("fitted utility of the lottery")
    ax.set_title(f"{len(check.lotteries)} lotteries, r = {check.correlation:.2f}", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
