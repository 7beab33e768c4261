"""The DailyDilemmas study: value-preference profiles of policies along the five theories, and
the principle scores E[n_sup] - E[n_opp] recomputed from the principle files.

**Profiles.** Every dilemma of the per-action file is decided without a policy (MEC over the
five taxonomy theories, credence 1/5 each) and under each principle's policy
(:mod:`models.datasets.daily_dilemmas`; a policy none of whose values occur in a dilemma is
silent there, and the decision abstains). For a decision choosing action a, the values of a are
*selected* and those of the other action *neglected* (Chiu et al. 2024, §4). For each taxonomy
D and category c of D (e.g. Moral Foundations / Care), with s_c and n_c the selected and
neglected values in category c over the decided dilemmas, the profile is

    profile_c = (s_c - n_c) / sum_{c' in D} (s_c' + n_c')

in [-1, 1]: positive where the policy's choices uphold the category more than they sacrifice
it, normalised per dimension so that taxonomies with many classified values do not dominate.

**Principle scores.** :func:`models.datasets.principles.recomputed_scores` for every principle
and scope of the files that store scores, compared with the stored per-value scores, totals
and the combined score E[n_sup] - E[n_opp].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.decision.pipeline import decide
from engine.errors import DataError
from models.datasets.daily_dilemmas import (
    TAXONOMIES,
    import_dilemmas,
    read_value_table,
)
from models.datasets.principles import Principle, read_principles, recomputed_scores
from models.datasets.source import ImportResult

DETAIL_FILE = "data__dilemmas_with_detail_by_action_test.csv"
SITUATION_FILE = "data__dilemma.csv"
VALUES_FILE = "data__values.csv"
POLICY_FILE = "data__principle_openai_gpt-4_with_system_prompt.csv"
SCORE_FILES = (
    POLICY_FILE,
    "data__principle_openai_gpt4_eval_with_system_prompt_system_prompt_sup_value.csv",
    "data__principle_openai_gpt4_eval_with_system_prompt_system_prompt_opp_value.csv",
)
TEXT_FILES = ("data__principle_openai.csv", "data__principle_claude.csv")
BASELINE = "(five theories)"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    policy: str
    dilemma: str
    choice: str  # to_do | not_to_do | (abstain)
    selected: tuple[str, ...]
    neglected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProfileCell:
    policy: str
    taxonomy: str
    category: str
    selected: int
    neglected: int
    profile: float


@dataclass(frozen=True, slots=True)
class ScoreCheck:
    """One principle and scope: recomputed and stored E[n_sup], E[n_opp], combined, and the
    largest absolute difference over the per-value scores and the totals."""

    file: str
    principle: str
    scope: str
    supporting: float
    opposing: float
    combined: float
    stored_supporting: float
    stored_opposing: float
    stored_combined: float
    max_difference: float


@dataclass(frozen=True, slots=True)
class DailyDilemmasStudy:
    dilemmas: ImportResult
    situations: int
    principles: dict[str, int]  # file -> principles read (= rows)
    decisions: tuple[DecisionRecord, ...]
    profile: tuple[ProfileCell, ...]
    scores: tuple[ScoreCheck, ...]
    policies: tuple[str, ...]


def dataset_folder(data: Path) -> Path:
    """The DailyDilemmas folder under ``data`` (or ``data`` itself)."""
    for folder in (data / "daily_dilemmas", data):
        if (folder / DETAIL_FILE).is_file() and (folder / VALUES_FILE).is_file():
            return folder
    raise DataError(
        str(data),
        "",
        f"no {DETAIL_FILE} and {VALUES_FILE} here or in its daily_dilemmas "
        "folder; pass --data with the folder that holds them",
    )


def check_scores(principles: tuple[Principle, ...], file: str) -> list[ScoreCheck]:
    """Recomputed against stored scores for every principle and scope of one file."""
    checks = []
    for principle in principles:
        for stored, score in zip(principle.scopes, recomputed_scores(principle), strict=True):
            differences = [
                abs(score.per_value[side][v] - stored.per_value[side][v])
                for side in ("sup", "opp")
                for v in stored.per_value[side]
            ]
            differences += [
                abs(score.supporting - stored.totals["sup"]),
                abs(score.opposing - stored.totals["opp"]),
                abs(score.combined - stored.combined),
            ]
            if set(score.per_value["sup"]) != set(stored.per_value["sup"]) or set(
                score.per_value["opp"]
            ) != set(stored.per_value["opp"]):
                differences.append(float("inf"))  # a value scored on one side only
            checks.append(
                ScoreCheck(
                    file,
                    principle.name,
                    stored.scope,
                    score.supporting,
                    score.opposing,
                    score.combined,
                    stored.totals["sup"],
                    stored.totals["opp"],
                    stored.combined,
                    max(differences),
                )
            )
    return checks


def profile_cells(
    decisions: list[DecisionRecord], categories: dict[str, dict[str, str]], policies: list[str]
) -> list[ProfileCell]:
    """The profile of each policy (module docstring)."""
    cells = []
    for policy in policies:
        mine = [d for d in decisions if d.policy == policy and d.choice != "(abstain)"]
        for taxonomy in TAXONOMIES:
            counts: dict[str, list[int]] = {}
            for d in mine:
                for side, names in ((0, d.selected), (1, d.neglected)):
                    for v in names:
                        category = categories.get(v, {}).get(taxonomy)
                        if category:
                            counts.setdefault(category, [0, 0])[side] += 1
            total = sum(s + n for s, n in counts.values())
            for category, (s, n) in sorted(counts.items()):
                cells.append(ProfileCell(policy, taxonomy, category, s, n, (s - n) / total))
    return cells


def run_daily_dilemmas(
    data: Path, progress: Callable[[int, int], None] | None = None, limit: int = 0
) -> DailyDilemmasStudy:
    """Import, decide under every policy, profile, and check the principle scores."""
    folder = dataset_folder(data)
    table = read_value_table(folder / VALUES_FILE)
    policy_principles, _ = read_principles(folder / POLICY_FILE)
    dilemmas = import_dilemmas(folder / DETAIL_FILE, table, policy_principles)
    items = dilemmas.problems[:limit] if limit else dilemmas.problems
    situations = import_dilemmas(folder / SITUATION_FILE, table).rows
    policies = [BASELINE, *(p.slug for p in policy_principles)]
    decisions: list[DecisionRecord] = []
    total, done = len(items) * len(policies), 0
    for item in items:
        values = item.labels["values"]
        for policy in policies:
            decision = decide(item.problem, policy=None if policy == BASELINE else policy)
            choice = decision.option or "(abstain)"
            other = "not_to_do" if choice == "to_do" else "to_do"
            chosen = tuple(values[choice]) if decision.option else ()
            neglected = tuple(values[other]) if decision.option else ()
            decisions.append(DecisionRecord(policy, item.row_id, choice, chosen, neglected))
            done += 1
            if progress is not None:
                progress(done, total)
    categories: dict[str, dict[str, str]] = {}
    for item in items:
        categories.update(item.labels["categories"])
    scores: list[ScoreCheck] = []
    counts: dict[str, int] = {}
    for name in (*SCORE_FILES, *TEXT_FILES):
        path = folder / name
        if not path.is_file():
            continue
        principles, rows = read_principles(path)
        counts[name] = rows
        scores.extend(check_scores(principles, name))
    return DailyDilemmasStudy(
        dilemmas,
        situations,
        counts,
        tuple(decisions),
        tuple(profile_cells(decisions, categories, policies)),
        tuple(scores),
        tuple(policies),
    )
