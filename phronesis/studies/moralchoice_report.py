"""The MoralChoice study's report: ``report.md`` with its tables and closing note,
``agreement.png``, ``by_gert_rule.png``, ``calibration.png``, and ``outcomes.parquet`` (one
row per variant x rule x scenario) and ``summary.parquet`` (one row per variant x rule)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from engine.analyses.p_best import ABSTAIN
from models.datasets.moralchoice import GERT_RULES
from models.datasets.source import Imported
from phronesis.studies.moralchoice import MoralChoiceStudy, Outcome, disagreements
from phronesis.studies.report import markdown_table, pyplot, save_figure, write_parquet

_RULE_NAME = {column: rule for column, rule, _ in GERT_RULES}


def write_moralchoice_report(study: MoralChoiceStudy, out: Path) -> Path:
    """Write the report files into ``out`` and return the path of ``report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    _plot_agreement(study, out / "agreement.png")
    _plot_by_gert(study, out / "by_gert_rule.png")
    _plot_calibration(study, out / "calibration.png")
    _write_tables(study, out)
    path = out / "report.md"
    path.write_text(_markdown(study), encoding="utf-8")
    return path


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def _markdown(study: MoralChoiceStudy) -> str:
    s, summary = study.settings, study.summary
    variants = "\n".join(
        f"- **{label}**: P(violated | No Agreement) = {m.prior}, Beta concentration "
        f"{m.concentration}, constraint threshold {m.threshold}, credences harm / trust / gert "
        f"= {' / '.join(f'{c:g}' for c in m.credences)}"
        for label, m in s.variants
    )
    first = next(iter(study.problems.values()))
    n_low = sum(i.labels["ambiguity"] == "low" for i in first)
    agreement = markdown_table(
        ["variant", "rule", "action1", "agreement", "Wilson 95%", "action2", "abstained"],
        [
            [
                r.variant,
                r.rule,
                f"{r.agreement.successes}/{r.agreement.trials}",
                _percent(r.agreement.estimate),
                f"[{_percent(r.agreement.low)}, {_percent(r.agreement.high)}]",
                r.action2,
                r.abstained_low,
            ]
            for r in summary.rules
        ],
    )
    calibration = markdown_table(
        [
            "variant",
            "rule",
            "scenarios",
            "abstained",
            f"|P(best) - 0.5| <= {s.near}",
            "undecided",
            "Wilson 95%",
        ],
        [
            [
                r.variant,
                r.rule,
                r.high,
                r.abstained_high,
                r.near_half,
                _percent(r.undecided.estimate),
                f"[{_percent(r.undecided.low)}, {_percent(r.undecided.high)}]",
            ]
            for r in summary.rules
        ],
    )
    return (
        "\n\n".join(
            [
                "# MoralChoice: decision rules against commonsense and ambiguity",
                "Data: MoralChoice (Scherrer, Shi, Feder & Blei 2023, NeurIPS; MIT licence), files "
                + ", ".join(f"`{Path(p).name}`" for p in study.sources)
                + f". Scenarios decided per variant: {len(first)} ({n_low} low, "
                f"{len(first) - n_low} high ambiguity). Rules: {', '.join(s.rules)}. P(best) from "
                f"{s.samples} parameter draws, seed {s.seed}.",
                "Each scenario is a problem with options action1 and action2; Gert's ten rules are "
                "norms on them whose violation probability is the annotation (Yes 1, No 0, "
                "No Agreement the prior, with Beta uncertainty); theory `harm` penalises rules "
                "1-5, "
                "`trust` rules 6-10, `gert` makes every rule a side constraint. Variants:\n\n"
                + variants,
                "## Agreement with the commonsense action (low ambiguity)\n\n"
                "An abstention counts as disagreement.\n\n"
                + agreement
                + "\n\n![agreement](agreement.png)",
                "## Agreement by the rule each scenario was generated for\n\n"
                + _by_gert_table(study)
                + "\n\n![by Gert's rule](by_gert_rule.png)",
                "## Calibration on high ambiguity\n\n"
                "Undecided: the rule abstains, or acts with P(best = action1) within "
                f"{s.near} of 0.5 (P(best) is 1 for the choice when no annotation is "
                "'No Agreement').\n\n" + calibration + "\n\n![calibration](calibration.png)",
                "## Closing note\n\n" + _closing(study),
            ]
        )
        + "\n"
    )


def _by_gert_table(study: MoralChoiceStudy) -> str:
    s = study.settings
    gerts = sorted({g for _, _, g, _ in study.summary.by_generation_rule})
    cells = {(v, r, g): p for v, r, g, p in study.summary.by_generation_rule}
    rows = []
    for label, _ in s.variants:
        for g in gerts:
            n = cells[(label, s.rules[0], g)].trials
            rows.append([label, g, n, *(_percent(cells[(label, r, g)].estimate) for r in s.rules)])
    return markdown_table(["variant", "generated for", "n", *s.rules], rows)


def _violations(item: Imported, k: int) -> list[str]:
    annotations = item.labels["annotations"]
    found = []
    for column, rule, _ in GERT_RULES:
        value = annotations[f"a{k}_{column}"]
        if value != "No":
            found.append(rule if value == "Yes" else f"{rule} (no agreement)")
    return found


def _closing(study: MoralChoiceStudy) -> str:
    s = study.settings
    lines = []
    for label, _ in s.variants:
        numbers = ", ".join(
            f"{r.rule} {_percent(r.agreement.estimate)} "
            f"[{_percent(r.agreement.low)}, {_percent(r.agreement.high)}]"
            for r in study.summary.rules
            if r.variant == label
        )
        lines.append(f"Agreement on the low-ambiguity set, variant **{label}**: {numbers}.")
    missed = disagreements(study.outcomes)
    if not missed:
        lines.append("Every rule chose action1 on every low-ambiguity scenario.")
        return "\n\n".join(lines)
    by_scenario: dict[str, list[Outcome]] = {}
    for o in missed:
        by_scenario.setdefault(o.scenario_id, []).append(o)
    items = {i.row_id: i for items in study.problems.values() for i in items}
    lines.append(
        f"The disagreements ({len(missed)} outcomes on {len(by_scenario)} scenarios), each "
        "examined with its annotations:"
    )
    bullets = []
    for scenario, outcomes in sorted(by_scenario.items()):
        item = items[scenario]
        what: dict[str, list[str]] = {}
        for o in outcomes:
            did = "abstains" if o.choice == ABSTAIN else f"chooses {o.choice}"
            key = f"{o.variant}: {did}" + (f" ({o.reason})" if o.reason else "")
            what.setdefault(key, []).append(o.rule)
        verdicts = "; ".join(f"{', '.join(rules)} {key}" for key, rules in what.items())
        a1 = ", ".join(_violations(item, 1)) or "nothing"
        a2 = ", ".join(_violations(item, 2)) or "nothing"
        bullets.append(
            f"- **{scenario}** ({item.labels['generation_rule']}): "
            f'action1 "{item.labels["action1"]}" is annotated as violating {a1}; '
            f'action2 "{item.labels["action2"]}" {a2}. {verdicts}. ' + _why(study, item, outcomes)
        )
    return "\n\n".join(lines) + "\n\n" + "\n".join(bullets)


def _why(study: MoralChoiceStudy, item: Imported, outcomes: list[Outcome]) -> str:
    """Why the rules did not choose action1, from the theories' view of the two actions."""
    reasons = []
    if any("no option is permissible" in o.reason for o in outcomes):
        reasons.append(
            "Why: the commonsense action itself carries a certain violation, so with Gert's "
            "rules as side constraints both actions are impermissible and the engine abstains "
            "(Gert's rules admit justified violations; a side constraint does not)."
        )
    models = dict(study.settings.variants)
    for variant in sorted({o.variant for o in outcomes if o.choice == "action2"}):
        credences = dict(zip(("harm", "trust"), models[variant].credences[:2], strict=True))
        annotations = item.labels["annotations"]
        counts = {
            group: [
                sum(annotations[f"a{k}_{c}"] == "Yes" for c, _, g in GERT_RULES if g == group)
                for k in (1, 2)
            ]
            for group in ("harm", "trust")
        }
        prefers = {
            g: "action1" if a < b else "action2" if a > b else "neither"
            for g, (a, b) in counts.items()
        }
        agree = sorted(
            {
                o.rule
                for o in study.outcomes
                if o.variant == variant and o.scenario_id == item.row_id and o.choice == "action1"
            }
        )
        views = "; ".join(
            f"{g} (credence {credences[g]:g}) counts {a} certain violation(s) for action1 and "
            f"{b} for action2, so prefers {prefers[g]}"
            for g, (a, b) in counts.items()
        )
        reasons.append(
            f"Why ({variant}): {views}. Rules that follow the more credible theory's ranking "
            "choose action2; "
            + (
                f"{', '.join(agree)} weigh the sizes of the differences and choose action1."
                if agree
                else "no rule chooses action1."
            )
        )
    return " ".join(reasons)


def _plot_agreement(study: MoralChoiceStudy, path: Path) -> Path:
    plt = pyplot()
    variants = [label for label, _ in study.settings.variants]
    rules = study.settings.rules
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(rules) * len(variants) + 1.4))
    height = 0.8 / len(variants)
    for j, label in enumerate(variants):
        mine = [r for r in study.summary.rules if r.variant == label]
        y = np.arange(len(mine)) + j * height
        est = np.array([r.agreement.estimate for r in mine])
        err = np.array(
            [[e - r.agreement.low, r.agreement.high - e] for e, r in zip(est, mine, strict=True)]
        )
        ax.barh(y, est, height=height, label=label, xerr=err.T, capsize=2)
    ax.set_yticks(np.arange(len(rules)) + 0.4 - height / 2, rules)
    ax.invert_yaxis()
    lows = [r.agreement.low for r in study.summary.rules if r.agreement.trials]
    ax.set_xlim(max(0.0, min(lows, default=0.0) - 0.05), 1.0)
    ax.set_xlabel("share of low-ambiguity scenarios where the rule chooses action1 (Wilson 95%)")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(variants))
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_by_gert(study: MoralChoiceStudy, path: Path) -> Path:
    plt = pyplot()
    s = study.settings
    gerts = sorted({g for _, _, g, _ in study.summary.by_generation_rule})
    cells = {(v, r, g): p.estimate for v, r, g, p in study.summary.by_generation_rule}
    low = min((x for x in cells.values() if x == x), default=0.0)
    vmin = max(0.0, min(low - 0.02, 0.9))
    fig, axes = plt.subplots(
        1,
        len(s.variants),
        figsize=(3.2 * len(s.variants) + 3.2, 0.32 * len(gerts) + 1.8),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    image = None
    for k, (ax, (label, _)) in enumerate(zip(axes[0], s.variants, strict=True)):
        grid = np.array([[cells[(label, r, g)] for r in s.rules] for g in gerts])
        image = ax.imshow(grid, vmin=vmin, vmax=1.0, cmap="viridis", aspect="auto")
        for (i, j), x in np.ndenumerate(grid):
            if x < 1.0:  # mark the cells where some scenario is missed
                ax.text(j, i, f"{100 * x:.0f}", ha="center", va="center", fontsize=6, color="w")
        ax.set_xticks(range(len(s.rules)), s.rules, rotation=60, ha="right", fontsize=7)
        if k == 0:
            ax.set_yticks(range(len(gerts)), gerts, fontsize=7)
        ax.set_title(label, fontsize=9)
    fig.colorbar(image, ax=axes[0].tolist(), label="agreement with action1")
    return save_figure(fig, path)


def _plot_calibration(study: MoralChoiceStudy, path: Path) -> Path:
    plt = pyplot()
    rows = study.summary.rules
    labels = [f"{r.variant} · {r.rule}" for r in rows]
    total = np.array([max(r.high, 1) for r in rows], dtype=float)
    abstained = np.array([r.abstained_high for r in rows]) / total
    near = np.array([r.near_half for r in rows]) / total
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.2))
    y = np.arange(len(rows))
    ax.barh(y, abstained, label="abstains")
    ax.barh(y, near, left=abstained, label=f"|P(best) - 0.5| <= {study.settings.near}")
    ax.barh(y, 1 - abstained - near, left=abstained + near, label="decisive", color="0.8")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of high-ambiguity scenarios")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)


def _write_tables(study: MoralChoiceStudy, out: Path) -> None:
    fields = [f.name for f in dataclasses.fields(Outcome)]
    write_parquet(
        {f: [getattr(o, f) for o in study.outcomes] for f in fields}, out / "outcomes.parquet"
    )
    rows = study.summary.rules
    write_parquet(
        {
            "variant": [r.variant for r in rows],
            "rule": [r.rule for r in rows],
            "agree": [r.agreement.successes for r in rows],
            "low_scenarios": [r.agreement.trials for r in rows],
            "agreement": [r.agreement.estimate for r in rows],
            "wilson_low": [r.agreement.low for r in rows],
            "wilson_high": [r.agreement.high for r in rows],
            "action2_low": [r.action2 for r in rows],
            "abstained_low": [r.abstained_low for r in rows],
            "high_scenarios": [r.high for r in rows],
            "abstained_high": [r.abstained_high for r in rows],
            "near_half_high": [r.near_half for r in rows],
        },
        out / "summary.parquet",
    )
