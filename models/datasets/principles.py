"""DailyDilemmas principles (Chiu, Jiang & Choi 2024, "DailyDilemmas: Revealing Value
Preferences of LLMs with Quandaries of Daily Life", CC-BY-4.0): OpenAI ModelSpec and Anthropic
constitution principles, with the values that support and oppose each.

A principle file row holds the principle's text and source, and in the files produced by the
authors' Case 2 pipeline:

- ``sup_value_prob_dict_clean`` / ``opp_value_prob_dict_clean``: p_v, the share of ten GPT-4
  answers naming value v as supporting (opposing) the principle (the value's relevance);
- ``{scope}{side}_values_data_dict_cnt``: per value, how often a dilemma action carrying it was
  ``selected`` or ``neglected`` by the model;
- ``{scope}{side}_values_calculate_with_prob``, ``{scope}total_score_by_{side}_...`` and
  ``{scope}combined_score_by_sup_opp_values_calculate_with_prob``: the stored scores.

The score (paper §5; verified on every shipped row): E[n_side] = sum_v p_v n_v with n_v =
selected_v + neglected_v (the expected number of the side's values among the dilemmas), or
n_v = selected_v in the scopes evaluated under a steering system prompt (the expected number
the steered model chose); the principle's score is E[n_sup] - E[n_opp].
:func:`recomputed_scores` recomputes them from the counts for comparison with the stored ones.

Files without the value columns (``principle_claude.csv``, ``principle_openai.csv``) give
principles with text only: no values support or oppose them in the shipped data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DataError
from models.datasets.literals import count_dict, number_dict
from models.datasets.source import Row, cell, read_rows

#: scope prefix -> (label, counted) where counted is "both" (selected + neglected) or "selected"
SCOPES: dict[str, tuple[str, str]] = {
    "": ("all dilemmas", "both"),
    "dilemma_": ("conflict dilemmas", "both"),
    "system_prompt_sup_value_system_prompt_dilemma_": (
        "conflict dilemmas, steered to supporting values",
        "selected",
    ),
    "system_prompt_opp_value_system_prompt_dilemma_": (
        "conflict dilemmas, steered to opposing values",
        "selected",
    ),
}


@dataclass(frozen=True, slots=True)
class StoredScope:
    """One scope's counts and the scores the file stores for it."""

    scope: str
    counted: str  # "both" | "selected"
    counts: dict[str, dict[str, dict[str, int]]]  # side -> value -> selected / neglected
    per_value: dict[str, dict[str, float]]  # side -> value -> stored E[n_v]
    totals: dict[str, float]  # side -> stored E[n_side]
    combined: float  # stored E[n_sup] - E[n_opp]


@dataclass(frozen=True, slots=True)
class Principle:
    """A principle with its supporting and opposing values, weighted by relevance p_v."""

    name: str
    description: str
    source: str
    file: str
    line: int
    supporting: tuple[tuple[str, float], ...] = ()
    opposing: tuple[tuple[str, float], ...] = ()
    scopes: tuple[StoredScope, ...] = ()

    @property
    def slug(self) -> str:
        """A short name for the policy: ``p{line}_{first words}``."""
        words = re.findall(r"[a-z0-9]+", self.name.lower())[:5]
        return f"p{self.line:02d}_" + "_".join(words)


@dataclass(frozen=True, slots=True)
class Score:
    """Recomputed E[n_sup], E[n_opp] and their difference for one principle and scope."""

    principle: str
    scope: str
    supporting: float
    opposing: float
    per_value: dict[str, dict[str, float]]

    @property
    def combined(self) -> float:
        return self.supporting - self.opposing


def recomputed_scores(principle: Principle) -> list[Score]:
    """E[n_side] = sum_v p_v n_v per stored scope (module docstring)."""
    weights = {"sup": dict(principle.supporting), "opp": dict(principle.opposing)}
    scores = []
    for scope in principle.scopes:
        per_value: dict[str, dict[str, float]] = {}
        for side in ("sup", "opp"):
            per_value[side] = {}
            for value, c in scope.counts[side].items():
                n = c["selected"] + (c["neglected"] if scope.counted == "both" else 0)
                per_value[side][value] = weights[side].get(value, 0.0) * n
        scores.append(
            Score(
                principle.name,
                scope.scope,
                sum(per_value["sup"].values()),
                sum(per_value["opp"].values()),
                per_value,
            )
        )
    return scores


def read_principles(path: str | Path) -> tuple[tuple[Principle, ...], int]:
    """The principles of one file and the number of its rows (always equal: a malformed row
    is an error naming its line and column)."""
    source = str(path)
    rows = list(read_rows(path, ("principle", "source")))
    principles = tuple(_principle(source, path, row) for row in rows)
    return principles, len(rows)


def _number(source: str, row: Row, column: str) -> float:
    text = cell(source, row, column)
    try:
        return float(text)
    except ValueError:
        where = f"row at line {row.line}, column {column!r}"
        raise DataError(source, where, f"expected a number, found {text!r}") from None


def _principle(source: str, path: str | Path, row: Row) -> Principle:
    if row.error:
        raise DataError(source, f"row at line {row.line}", row.error)
    name = cell(path, row, "principle")
    description = row.cells.get("description", "").strip()
    origin = row.cells["source"].strip()

    def where(column: str) -> str:
        return f"row at line {row.line}, column {column!r}"

    if "sup_value_prob_dict_clean" not in row.cells:
        return Principle(name, description, origin, Path(source).name, row.line)
    sides = {}
    for side in ("sup", "opp"):
        column = f"{side}_value_prob_dict_clean"
        weights = number_dict(source, where(column), row.cells[column])
        for value, p in weights.items():
            if not 0.0 <= p <= 1.0:
                raise DataError(source, where(column), f"{value!r}: {p} is not a probability")
        sides[side] = tuple(weights.items())
    scopes = []
    for prefix, (label, counted) in SCOPES.items():
        if f"{prefix}sup_values_data_dict_cnt" not in row.cells:
            continue
        counts, per_value, totals = {}, {}, {}
        for side in ("sup", "opp"):
            column = f"{prefix}{side}_values_data_dict_cnt"
            counts[side] = count_dict(source, where(column), row.cells[column])
            column = f"{prefix}{side}_values_calculate_with_prob"
            per_value[side] = number_dict(source, where(column), row.cells[column])
            totals[side] = _number(
                source, row, f"{prefix}total_score_by_{side}_values_calculate_with_prob"
            )
        combined = _number(
            source, row, f"{prefix}combined_score_by_sup_opp_values_calculate_with_prob"
        )
        scopes.append(StoredScope(label, counted, counts, per_value, totals, combined))
    return Principle(
        name,
        description,
        origin,
        Path(source).name,
        row.line,
        sides["sup"],
        sides["opp"],
        tuple(scopes),
    )
