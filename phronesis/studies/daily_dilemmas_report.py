"""The DailyDilemmas study's report: ``report.md``, ``profile.png`` (policies x categories),
``principle_scores.png`` (recomputed against stored combined scores), and
``decisions.parquet``, ``profile.parquet``, ``principle_scores.parquet``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from models.datasets.daily_dilemmas import TAXONOMIES
from phronesis.studies.daily_dilemmas import DailyDilemmasStudy
from phronesis.studies.report import markdown_table, pyplot, save_figure, write_parquet

#: the largest |recomputed - stored| accepted as a reproduction: the stored scores are sums of
#: p_v * n_v with p_v in tenths, so recomputing them in floating point differs by rounding
#: only (about 1e-13 on the shipped files)
TOLERANCE = 1e-9


def write_daily_dilemmas_report(study: DailyDilemmasStudy, out: Path) -> Path:
    """Write the report files into ``out``; return the path of ``report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    _plot_profile(study, out / "profile.png")
    _plot_scores(study, out / "principle_scores.png")
    for name, rows in (
        ("decisions", study.decisions),
        ("profile", study.profile),
        ("principle_scores", study.scores),
    ):
        fields = [f.name for f in dataclasses.fields(rows[0])] if rows else ["empty"]
        columns = {f: [_cell(getattr(r, f)) for r in rows] for f in fields} if rows else {}
        write_parquet(columns or {"empty": []}, out / f"{name}.parquet")
    path = out / "report.md"
    path.write_text(_markdown(study), encoding="utf-8")
    return path


def _cell(value: object) -> object:
    return ", ".join(value) if isinstance(value, tuple) else value


def _markdown(study: DailyDilemmasStudy) -> str:
    decided = [d for d in study.decisions if d.choice != "(abstain)"]
    per_policy = markdown_table(
        ["policy", "decided", "to_do", "not_to_do", "abstained (policy silent)"],
        [
            [
                p,
                sum(d.policy == p for d in decided),
                sum(d.policy == p and d.choice == "to_do" for d in decided),
                sum(d.policy == p and d.choice == "not_to_do" for d in decided),
                sum(d.policy == p and d.choice == "(abstain)" for d in study.decisions),
            ]
            for p in study.policies
        ],
    )
    profile = markdown_table(
        ["taxonomy", "category", "selected", "neglected", "profile"],
        [
            [c.taxonomy, c.category, c.selected, c.neglected, f"{c.profile:+.3f}"]
            for c in study.profile
            if c.policy == study.policies[0]
        ],
    )
    worst = max((s.max_difference for s in study.scores), default=0.0)
    matched = sum(s.max_difference <= TOLERANCE for s in study.scores)
    scores = markdown_table(
        ["file", "principle", "scope", "E[n_sup]", "E[n_opp]", "score", "stored", "match"],
        [
            [
                s.file.removeprefix("data__principle_openai").removesuffix(".csv") or "openai",
                s.principle[:48],
                s.scope,
                f"{s.supporting:g}",
                f"{s.opposing:g}",
                f"{s.combined:g}",
                f"{s.stored_combined:g}",
                "yes" if s.max_difference <= TOLERANCE else f"no ({s.max_difference:.3g})",
            ]
            for s in study.scores
        ],
    )
    files = ", ".join(f"`{name}` ({rows})" for name, rows in study.principles.items())
    return (
        "\n\n".join(
            [
                "# DailyDilemmas: value profiles of policies and principle scores",
                "Data: DailyDilemmas (Chiu, Jiang & Choi 2024; CC-BY-4.0). Imported: "
                f"{len(study.dilemmas.problems)} dilemmas with per-action detail "
                f"(`{Path(study.dilemmas.source).name}`, {study.dilemmas.rows} records, "
                f"{len(study.dilemmas.skipped)} skipped), {study.situations} situation-only "
                f"dilemmas; principles per file: {files}.",
                "Each dilemma is a problem with options to_do / not_to_do; each value an action "
                "upholds is a value dimension (1 for that action, 0 for the other); five cardinal "
                "theories (one per taxonomy of the value table, credence 1/5) weight the values "
                "they classify; each OpenAI ModelSpec principle is a policy whose theory weights "
                "its supporting values by +p_v and its opposing values by -p_v.",
                "## Decisions per policy\n\n" + per_policy,
                "## Value profile without a policy\n\n"
                "profile_c = (selected_c - neglected_c) / sum over the taxonomy's categories of "
                "(selected + neglected).\n\n" + profile + "\n\n![profile](profile.png)",
                "## Principle scores E[n_sup] - E[n_opp]\n\n"
                f"Recomputed from the stored counts and value relevances: {matched} of "
                f"{len(study.scores)} principle x scope scores match the stored per-value scores, "
                f"totals and combined score within {TOLERANCE:g} (largest difference "
                f"{worst:.3g}).\n\n" + scores + "\n\n![principle scores](principle_scores.png)",
            ]
        )
        + "\n"
    )


def _plot_profile(study: DailyDilemmasStudy, path: Path) -> Path:
    plt = pyplot()
    columns = sorted(
        {(c.taxonomy, c.category) for c in study.profile},
        key=lambda tc: (list(TAXONOMIES).index(tc[0]), tc[1]),
    )
    policies = [p for p in study.policies if any(c.policy == p for c in study.profile)]
    grid = np.full((len(policies), len(columns)), np.nan)
    for c in study.profile:
        if c.policy in policies:
            grid[policies.index(c.policy), columns.index((c.taxonomy, c.category))] = c.profile
    fig, ax = plt.subplots(figsize=(max(6, 0.32 * len(columns) + 3), 0.32 * len(policies) + 2.2))
    image = ax.imshow(grid, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(
        range(len(columns)),
        [f"{TAXONOMIES[t][0]}: {c}" for t, c in columns],
        rotation=70,
        fontsize=6,
    )
    ax.set_yticks(range(len(policies)), [p[:40] for p in policies], fontsize=6)
    fig.colorbar(image, ax=ax, label="profile (selected - neglected, per taxonomy)")
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_scores(study: DailyDilemmasStudy, path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    for scope in sorted({s.scope for s in study.scores}):
        mine = [s for s in study.scores if s.scope == scope]
        ax.scatter([s.stored_combined for s in mine], [s.combined for s in mine], s=14, label=scope)
    values = [s.combined for s in study.scores] + [s.stored_combined for s in study.scores]
    if values:
        low, high = min(values), max(values)
        ax.plot([low, high], [low, high], color="0.5", lw=0.8)
    ax.set_xlabel("stored E[n_sup] - E[n_opp]")
    ax.set_ylabel("recomputed by phronesis")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return save_figure(fig, path)
