"""MoralChoice (Scherrer, Shi, Feder & Blei 2023, "Evaluating the Moral Beliefs Encoded in
LLMs", NeurIPS; MIT licence) as decision problems.

A row of ``moralchoice_{low,high}_ambiguity.csv`` is a context and two actions, each annotated
against Gert's ten moral rules (Gert 2004, *Common Morality*, ch. 2) with "Yes" (the action
violates the rule), "No" or "No Agreement" (the annotators disagreed). One row becomes one
problem:

- the decision ``action`` with options ``action1`` and ``action2`` (the texts in the
  options' description and the problem's description);
- per action k and rule r a chance variable ``a{k}_{r}`` (the dataset's column name) with
  states ``violated`` / ``kept`` and P(violated) = 1 ("Yes"), 0 ("No") or ``prior`` ("No
  Agreement", default 0.5); a "No Agreement" probability also carries second-order
  uncertainty Beta(kappa * prior, kappa * (1 - prior)) (``concentration`` kappa, default 2:
  uniform on [0, 1] for the default prior), so P(best) reflects the annotators' disagreement;
- per action k and rule r a norm ``{r}.a{k}`` conditioned on ``a{k}_{r} = violated``: a
  prohibition of action k for the nine "do not" rules, and for "do your duty" an obligation
  to take the *other* action (an obligation to o is violated iff a != o and its condition
  holds, so it is violated exactly when action k is taken and action k neglects a duty);
- three theories (:class:`MoralChoiceModel`): ``harm`` penalises violations of Gert's first
  five rules (those that directly cause harm), ``trust`` the second five (those whose
  violation generally causes harm), each with weight 1 per norm; ``gert`` treats every rule as
  a side constraint: an option is impermissible when its probability of violating some rule
  exceeds ``threshold`` (default 0.5, so a certain violation binds and a "No Agreement" does
  not).

The low-ambiguity rows' commonsense action is action1 (the dataset's README and paper, §3);
it is kept in ``labels`` for the study and is never used to build the problem.

Examples
--------
>>> from pathlib import Path
>>> fixture = Path("examples/studies/moralchoice_sample.csv")
>>> result = import_moralchoice(fixture)
>>> result.rows, len(result.problems), result.problems[0].problem.decision.options
(4, 4, ('action1', 'action2'))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DataError
from models.datasets.source import (
    Imported,
    ImportResult,
    Row,
    cell,
    import_rows,
    problem_from_document,
    read_rows,
)

DATASET = "moralchoice"

#: Gert's ten rules: (column suffix, norm name, group). The first five directly cause harm,
#: the second five generally cause harm when violated (Gert 2004, ch. 2).
GERT_RULES: tuple[tuple[str, str, str], ...] = (
    ("death", "do_not_kill", "harm"),
    ("pain", "do_not_cause_pain", "harm"),
    ("disable", "do_not_disable", "harm"),
    ("freedom", "do_not_deprive_of_freedom", "harm"),
    ("pleasure", "do_not_deprive_of_pleasure", "harm"),
    ("deceive", "do_not_deceive", "trust"),
    ("cheat", "do_not_cheat", "trust"),
    ("break_promise", "keep_your_promise", "trust"),
    ("break_law", "obey_the_law", "trust"),
    ("duty", "do_your_duty", "trust"),
)
ANNOTATIONS = ("Yes", "No", "No Agreement")
OPTIONS = ("action1", "action2")
TEXT_COLUMNS = ("scenario_id", "ambiguity", "generation_type", "generation_rule", "context")
COLUMNS = (
    *TEXT_COLUMNS,
    "action1",
    "action2",
    *(f"a{k}_{r}" for k in (1, 2) for r, _, _ in GERT_RULES),
)


@dataclass(frozen=True, slots=True)
class MoralChoiceModel:
    """How annotations become numbers (module docstring).

    ``prior``: P(violated) for "No Agreement"; ``concentration``: kappa of its Beta
    uncertainty (0: none); ``threshold``: a rule binds the ``gert`` theory where P(violation)
    exceeds it; ``credences``: of ``harm``, ``trust`` and ``gert``, summing to 1.
    """

    prior: float = 0.5
    concentration: float = 2.0
    threshold: float = 0.5
    credences: tuple[float, float, float] = (0.4, 0.35, 0.25)

    def __post_init__(self) -> None:
        checks = (
            ("prior", 0.0 <= self.prior <= 1.0, "a probability in [0, 1]"),
            ("concentration", self.concentration >= 0.0, "a number >= 0"),
            ("threshold", 0.0 <= self.threshold < 1.0, "a probability in [0, 1)"),
            (
                "credences",
                all(c >= 0 for c in self.credences) and math.isclose(sum(self.credences), 1.0),
                "three numbers >= 0 summing to 1",
            ),
        )
        for name, ok, expected in checks:
            if not ok:
                value = getattr(self, name)
                raise DataError("moralchoice model", name, f"expected {expected}, found {value}")


def violation_probability(annotation: str, model: MoralChoiceModel) -> float:
    """P(the action violates the rule) for an annotation: Yes 1, No 0, No Agreement prior."""
    return {"Yes": 1.0, "No": 0.0}.get(annotation, model.prior)


def scenario_document(
    cells: dict[str, str], model: MoralChoiceModel = MoralChoiceModel()
) -> dict[str, Any]:
    """The scenario document of one row (checked cells by column), in the format of
    :mod:`engine.scenario` (what ``phronesis decide`` reads)."""
    variables: list[dict[str, Any]] = []
    norms: list[dict[str, Any]] = []
    groups: dict[str, list[str]] = {"harm": [], "trust": []}
    for k, option in enumerate(OPTIONS, start=1):
        other = OPTIONS[2 - k]
        for column, rule, group in GERT_RULES:
            name = f"a{k}_{column}"
            annotation = cells[name]
            p = violation_probability(annotation, model)
            variable: dict[str, Any] = {
                "name": name,
                "states": ["violated", "kept"],
                "cpt": [p, 1.0 - p],
                "description": f"{option} violates {rule!r} (annotation: {annotation})",
            }
            if annotation == "No Agreement" and model.concentration > 0 and 0 < p < 1:
                variable["cpt_concentration"] = model.concentration
            variables.append(variable)
            duty = column == "duty"
            norm = f"{rule}.a{k}"
            norms.append(
                {
                    "name": norm,
                    "modality": "obligation" if duty else "prohibition",
                    "option": other if duty else option,
                    "condition": {name: "violated"},
                    "threshold": model.threshold,
                    "source": f"Gert (2004), Common Morality: {rule}",
                }
            )
            groups[group].append(norm)
    harm, trust, gert = model.credences
    return {
        "name": cells["scenario_id"],
        "description": cells["context"],
        "decision": {
            "name": "action",
            "options": list(OPTIONS),
            "description": f"action1: {cells['action1']} | action2: {cells['action2']}",
        },
        "variables": variables,
        "norms": norms,
        "theories": [
            {
                "name": "harm",
                "kind": "cardinal",
                "credence": harm,
                "norm_handling": "penalty",
                "norms": groups["harm"],
                "description": "penalises P(violation) of Gert's rules 1-5 (direct harms)",
            },
            {
                "name": "trust",
                "kind": "cardinal",
                "credence": trust,
                "norm_handling": "penalty",
                "norms": groups["trust"],
                "description": "penalises P(violation) of Gert's rules 6-10",
            },
            {
                "name": "gert",
                "kind": "deontic",
                "credence": gert,
                "norm_handling": "constraint",
                "description": f"every rule a side constraint (P(violation) > {model.threshold})",
            },
        ],
    }


def import_moralchoice(
    path: str | Path, model: MoralChoiceModel = MoralChoiceModel(), *, skip_bad: bool = False
) -> ImportResult:
    """Every row of a MoralChoice scenario file (either ambiguity level) as a problem.

    ``labels`` of each problem: ``ambiguity``, ``generation_rule``, ``preferred`` (``action1``
    on low ambiguity, ``None`` on high), the annotations by column, and the action texts.
    """
    source = str(path)

    def build(row: Row) -> Imported:
        cells = {c: cell(path, row, c) for c in (*TEXT_COLUMNS, "action1", "action2")}
        for k in (1, 2):
            for column, _, _ in GERT_RULES:
                name = f"a{k}_{column}"
                cells[name] = cell(path, row, name, ANNOTATIONS)
        ambiguity = cell(path, row, "ambiguity", ("low", "high"))
        document = scenario_document(cells, model)
        problem = problem_from_document(document, DATASET, source, row)
        labels = {
            "ambiguity": ambiguity,
            "generation_rule": cells["generation_rule"],
            "preferred": "action1" if ambiguity == "low" else None,
            "annotations": {c: cells[c] for c in cells if c[:3] in ("a1_", "a2_")},
            "action1": cells["action1"],
            "action2": cells["action2"],
        }
        return Imported(problem, document, DATASET, cells["scenario_id"], source, row.line, labels)

    def row_id(row: Row) -> str:
        return row.cells["scenario_id"].strip() or f"line {row.line}"

    return import_rows(DATASET, path, read_rows(path, COLUMNS), build, row_id, skip_bad=skip_bad)
