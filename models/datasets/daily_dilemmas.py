"""DailyDilemmas (Chiu, Jiang & Choi 2024, CC-BY-4.0) as decision problems.

Two dilemma schemas are read:

- the **per-action** schema (``dilemmas_with_detail_by_action*.csv``; the shipped sample has
  four dilemmas): two rows per dilemma ``idx``, ``action_type`` ``to_do`` and ``not_to_do``,
  each with its action, negative consequence, affected parties (``parties_direct`` /
  ``parties_indirect``) and values (``values_names`` with ``values_types``). One dilemma becomes
  one problem: the decision ``action`` with options ``to_do`` / ``not_to_do``; each value v
  named by either action a value dimension with U_v(a) = 1 if action a upholds v, else 0 (the
  paper's "selected" values of a choice; the other action's are "neglected"), described by its
  type and the parties it concerns;
- the **situation-only** schema (``dilemma.csv``: ``idx``, ``basic_situation``,
  ``dilemma_situation``; 1,360 dilemmas), whose rows state no actions or values: each becomes a
  problem with the two options and no values (decided, its options tie).

Values map to the five theories of the paper through the value table (``values.csv``: World
Values Survey, Moral Foundations, Aristotle's virtues, Plutchik's emotions, Maslow's needs): one
cardinal theory per taxonomy, weighting 1 each value the taxonomy classifies (credence 1/5
each), and each value is tagged with its categories (``moral_foundations.fairness``). A value
missing from the table keeps the categories its row states. Principles
(:mod:`models.datasets.principles`) become policies: a cardinal theory with weight +p_v on each
supporting and -p_v on each opposing value (credence 0 in the problem), and a policy that gives
it credence 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DataError, listing
from models.datasets.literals import string_list
from models.datasets.principles import Principle, read_principles
from models.datasets.source import (
    Imported,
    ImportResult,
    Row,
    cell,
    import_rows,
    problem_from_document,
    read_rows,
)

DATASET = "daily_dilemmas"
PRINCIPLES_FILE = "data__principle_openai_gpt-4_with_system_prompt.csv"
OPTIONS = ("to_do", "not_to_do")

#: taxonomy: (value-table column, per-action column, tag prefix)
TAXONOMIES: dict[str, tuple[str, str, str]] = {
    "world_values_survey": ("WVS", "wvs", "world_values_survey"),
    "moral_foundations": ("MFT", "mft", "moral_foundations"),
    "virtues": ("Virtue", "virtue", "aristotle"),
    "emotions": ("Emotion", "emotion", "plutchik"),
    "maslow": ("Maslow", "maslow", "maslow"),
}
DETAIL_COLUMNS = (
    "idx",
    "dilemma_situation",
    "action_type",
    "action",
    "negative_consequence",
    "parties_direct",
    "parties_indirect",
    "values_direct",
    "values_indirect",
    "values_names",
    "values_types",
    *(column for _, column, _ in TAXONOMIES.values()),
)
SITUATION_COLUMNS = ("idx", "basic_situation", "dilemma_situation")

#: value -> taxonomy -> category (e.g. "Fairness"); absent where the taxonomy is silent
ValueTable = Mapping[str, Mapping[str, str]]


def _tag(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def read_value_table(path: str | Path) -> dict[str, dict[str, str]]:
    """``values.csv``: each value's category in each of the five taxonomies."""
    source = str(path)
    table: dict[str, dict[str, str]] = {}
    for row in read_rows(path, ("value", *(c for c, _, _ in TAXONOMIES.values()))):
        if row.error:
            raise DataError(source, f"row at line {row.line}", row.error)
        value = cell(path, row, "value").lower()
        if value in table:
            raise DataError(source, f"row at line {row.line}", f"duplicate value {value!r}")
        table[value] = {
            name: row.cells[column].strip()
            for name, (column, _, _) in TAXONOMIES.items()
            if row.cells[column].strip()
        }
    return table


@dataclass(frozen=True, slots=True)
class _Action:
    text: str
    consequence: str
    values: tuple[tuple[str, str, dict[str, str]], ...]  # (value, type, taxonomy -> category)
    parties: tuple[str, ...]


def _action(source: str, row: Row) -> _Action:
    def where(column: str) -> str:
        return f"row at line {row.line}, column {column!r}"

    names = string_list(source, where("values_names"), row.cells["values_names"])
    types = string_list(source, where("values_types"), row.cells["values_types"])
    columns = {
        t: string_list(source, where(c), row.cells[c]) for t, (_, c, _) in TAXONOMIES.items()
    }
    for column, found in [("values_types", types)] + [
        (TAXONOMIES[t][1], v) for t, v in columns.items()
    ]:
        if len(found) != len(names):
            raise DataError(
                source,
                where(column),
                f"expected {len(names)} entries (one per value in values_names), "
                f"found {len(found)}",
            )
    values = []
    for k, name in enumerate(names):
        if not name or not name.strip():
            raise DataError(source, where("values_names"), f"entry {k + 1} is empty")
        stated = {t: columns[t][k] for t in TAXONOMIES if columns[t][k]}
        values.append((name.strip().lower(), types[k] or "", stated))
    parties = []
    for column in ("parties_direct", "parties_indirect"):
        parties.extend(p for p in string_list(source, where(column), row.cells[column]) if p)
    return _Action(
        cell(source, row, "action"),
        row.cells["negative_consequence"].strip(),
        tuple(values),
        tuple(dict.fromkeys(parties)),
    )


def _theories_and_policies(
    values: Sequence[str],
    categories: Mapping[str, Mapping[str, str]],
    principles: Sequence[Principle],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    theories = [
        {
            "name": name,
            "kind": "cardinal",
            "credence": 1.0 / len(TAXONOMIES),
            "value_weights": {v: 1.0 for v in values if name in categories[v]},
            "description": f"values the {name.replace('_', ' ')} taxonomy classifies",
        }
        for name in TAXONOMIES
    ]
    policies = []
    present = set(values)
    for principle in principles:
        weights: dict[str, float] = {}
        for value, p in principle.supporting:
            if value in present:
                weights[value] = weights.get(value, 0.0) + p
        for value, p in principle.opposing:
            if value in present:
                weights[value] = weights.get(value, 0.0) - p
        theory = f"principle.{principle.slug}"
        theories.append(
            {
                "name": theory,
                "kind": "cardinal",
                "credence": 0.0,
                "value_weights": weights,
                "description": f"{principle.name} ({principle.file}, line {principle.line})",
            }
        )
        policies.append(
            {
                "name": principle.slug,
                "formalism": "mixed",
                "credences": {theory: 1.0},
                "description": principle.name,
            }
        )
    return theories, policies


def dilemma_document(
    idx: str,
    situation: str,
    actions: Mapping[str, _Action] | None,
    table: ValueTable,
    principles: Sequence[Principle] = (),
) -> dict[str, Any]:
    """The scenario document of one dilemma (``actions`` None: the situation-only schema)."""
    values: list[dict[str, Any]] = []
    categories: dict[str, dict[str, str]] = {}
    if actions is not None:
        seen: dict[str, dict[str, Any]] = {}
        for option in OPTIONS:
            action = actions[option]
            for value, kind, stated in action.values:
                if value not in seen:
                    categories[value] = dict(table.get(value, stated))
                    tags = [f"{TAXONOMIES[t][2]}.{_tag(c)}" for t, c in categories[value].items()]
                    seen[value] = {
                        "name": value,
                        "parents": ["action"],
                        "utility": {o: 0.0 for o in OPTIONS},
                        "frameworks": tags,
                        "description": "",
                    }
                entry = seen[value]
                entry["utility"][option] = 1.0
                note = f"{option} ({kind}; parties: {', '.join(action.parties) or 'none'})"
                entry["description"] = "; ".join(x for x in (entry["description"], note) if x)
        values = list(seen.values())
    names = [v["name"] for v in values]
    theories, policies = _theories_and_policies(names, categories, principles)
    options = " | ".join(f"{o}: {actions[o].text}" for o in OPTIONS) if actions is not None else ""
    document: dict[str, Any] = {
        "name": f"dilemma_{idx}",
        "description": situation,
        "decision": {"name": "action", "options": list(OPTIONS), "description": options},
        "values": values,
        "theories": theories,
    }
    if policies:
        document["policies"] = policies
    return document


def import_dilemmas(
    path: str | Path,
    table: ValueTable | None = None,
    principles: Sequence[Principle] | None = None,
    *,
    skip_bad: bool = False,
) -> ImportResult:
    """Every dilemma of a DailyDilemmas file, in either schema (module docstring).

    ``table`` defaults to ``data__values.csv`` (or ``values.csv``) beside ``path`` when present,
    ``principles`` to those of ``data__principle_openai_gpt-4_with_system_prompt.csv`` beside
    it (the ModelSpec principles with value relevances) when present.
    For the per-action schema a record is a dilemma (its two rows; ``ImportResult.rows``
    counts dilemmas); ``labels`` hold the actions, values by option, each value's categories
    (taxonomy -> category) and ``topic_group``.
    """
    source = str(path)
    if table is None:
        table = _table_beside(Path(path))
    if principles is None:
        beside = Path(path).parent / PRINCIPLES_FILE
        principles = read_principles(beside)[0] if beside.is_file() else ()
    header = next(iter(read_rows(path, ("idx",))), None)
    detailed = header is not None and "action_type" in header.cells

    if not detailed:

        def build_situation(row: Row) -> Imported:
            idx = cell(path, row, "idx")
            situation = cell(path, row, "dilemma_situation")
            document = dilemma_document(idx, situation, None, table, principles)
            problem = problem_from_document(document, DATASET, source, row)
            labels = {"basic_situation": row.cells["basic_situation"].strip()}
            return Imported(problem, document, DATASET, idx, source, row.line, labels)

        rows = read_rows(path, SITUATION_COLUMNS)
        return import_rows(DATASET, path, rows, build_situation, _idx, skip_bad=skip_bad)

    records = _pairs(source, list(read_rows(path, DETAIL_COLUMNS)))

    def build(record: Row) -> Imported:
        if record.error:
            raise DataError(source, f"row at line {record.line}", record.error)
        rows: dict[str, Row] = record.cells["rows"]  # type: ignore[assignment]
        actions = {option: _action(source, rows[option]) for option in OPTIONS}
        situation = cell(path, rows["to_do"], "dilemma_situation")
        idx = record.cells["idx"]
        document = dilemma_document(idx, situation, actions, table, principles)
        problem = problem_from_document(document, DATASET, source, record)
        labels = {
            "actions": {o: actions[o].text for o in OPTIONS},
            "values": {o: [v for v, _, _ in actions[o].values] for o in OPTIONS},
            "topic_group": rows["to_do"].cells.get("topic_group", "").strip(),
            "categories": {
                v: dict(table.get(v, stated)) for o in OPTIONS for v, _, stated in actions[o].values
            },
        }
        return Imported(problem, document, DATASET, idx, source, record.line, labels)

    return import_rows(DATASET, path, records, build, _idx, skip_bad=skip_bad)


def _idx(row: Row) -> str:
    return str(row.cells["idx"]).strip() or f"line {row.line}"


def _pairs(source: str, rows: list[Row]) -> list[Row]:
    """Group the per-action rows by ``idx`` into one record per dilemma (in file order); a
    record missing an action type, or with one twice, carries the error."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.cells["idx"].strip() or f"line {row.line}", []).append(row)
    records = []
    for idx, members in groups.items():
        line = members[0].line
        found = [m.cells["action_type"].strip() for m in members]
        error = next((m.error for m in members if m.error), "")
        if not error and sorted(found) != sorted(OPTIONS):
            lines = listing(str(m.line) for m in members)
            error = (
                f"dilemma {idx!r} (lines {lines}): expected one row with action_type to_do and "
                f"one with not_to_do, found {listing(map(repr, found))}"
            )
        by_type = {m.cells["action_type"].strip(): m for m in members}
        records.append(Row(line, {"idx": idx, "rows": by_type}, error))  # type: ignore[dict-item]
    return records


def _table_beside(path: Path) -> dict[str, dict[str, str]]:
    for name in ("data__values.csv", "values.csv"):
        candidate = path.parent / name
        if candidate.is_file():
            return read_value_table(candidate)
    return {}
