"""Utility Engineering (Mazeika et al. 2025, "Utility Engineering: Analyzing and Controlling
Emergent Value Systems in AIs", arXiv:2502.08640; MIT licence, and two MIT forks) as inputs
for the Thurstonian learner (:mod:`models.learn.thurstone`) and as lottery problems.

- **outcomes** (``options_hierarchical.json``): ``{category: [outcome, ...]}``, 510 outcomes in
  30 categories;
- **fitted utilities** (a fork's ``results_utilities_*.json``): per outcome the Thurstonian
  mean and variance a model's choices gave, with the fit's metrics;
- **pairwise choices** (the PredictablyWeird fork's pipe-separated country file, read by
  :func:`models.learn.exchange_rates.read_country_choices`): 1,646 records;
- **lotteries** (``implicit_lotteries/options.json``): 20 base options, each a lottery over
  sub-outcomes with stated probabilities. :func:`lottery_problem` makes one a decision problem
  whose expected value is sum_o p_o U(o) for given outcome utilities: a chance variable
  ``outcome`` with the stated probabilities and a value ``utility`` over it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DataError
from engine.ir import DecisionProblem
from models.datasets.source import Row, problem_from_document, read_text

DATASET = "utility_engineering"
#: how far a lottery's probabilities may sum from 1
PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Outcome:
    category: str
    text: str


@dataclass(frozen=True, slots=True)
class Lottery:
    """A lottery over ``outcomes`` with ``probabilities`` (summing to 1)."""

    text: str
    outcomes: tuple[str, ...]
    probabilities: tuple[float, ...]
    index: int


@dataclass(frozen=True, slots=True)
class FittedUtilities:
    """A model's Thurstonian utilities: per outcome text, (mean, variance)."""

    source: str
    utilities: dict[str, tuple[float, float]]
    metrics: dict[str, float]
    holdout_metrics: dict[str, float]


def _json(path: str | Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(str(path), f"line {exc.lineno}", f"invalid JSON ({exc.msg})") from None


def read_outcomes(path: str | Path) -> tuple[Outcome, ...]:
    """Every outcome of a ``{category: [outcome, ...]}`` file, in file order."""
    source = str(path)
    data = _json(path)
    if not isinstance(data, dict):
        raise DataError(source, "", "expected an object {category: [outcome, ...]}")
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for category, items in data.items():
        if not isinstance(items, list):
            raise DataError(source, f"category {category!r}", "expected a list of outcomes")
        for k, text in enumerate(items):
            where = f"category {category!r}, item {k + 1}"
            if not isinstance(text, str) or not text.strip():
                raise DataError(source, where, f"expected a non-empty string, found {text!r}")
            if text in seen:
                raise DataError(source, where, f"duplicate outcome {text[:60]!r}")
            seen.add(text)
            outcomes.append(Outcome(category, text))
    return tuple(outcomes)


def read_fitted_utilities(path: str | Path) -> FittedUtilities:
    """A ``results_utilities_*.json``: ``options`` (id, description) and ``utilities``
    (id -> mean, variance)."""
    source = str(path)
    data = _json(path)
    if not isinstance(data, dict) or not {"options", "utilities"} <= set(data):
        raise DataError(source, "", "expected an object with 'options' and 'utilities'")
    utilities: dict[str, tuple[float, float]] = {}
    for k, option in enumerate(data["options"]):
        where = f"options[{k}]"
        if not isinstance(option, dict) or "id" not in option or "description" not in option:
            raise DataError(source, where, "expected {'id': ..., 'description': ...}")
        entry = data["utilities"].get(str(option["id"]))
        if not isinstance(entry, dict):
            raise DataError(source, f"utilities.{option['id']}", "missing for this option")
        mean, variance = entry.get("mean"), entry.get("variance")
        if not all(isinstance(x, int | float) and math.isfinite(x) for x in (mean, variance)):
            raise DataError(source, f"utilities.{option['id']}", "expected finite mean, variance")
        if variance < 0:
            raise DataError(source, f"utilities.{option['id']}", f"variance {variance} < 0")
        utilities[option["description"]] = (float(mean), float(variance))
    metrics = {k: float(v) for k, v in data.get("metrics", {}).items()}
    holdout = {k: float(v) for k, v in data.get("holdout_metrics", {}).items()}
    return FittedUtilities(source, utilities, metrics, holdout)


def read_lotteries(path: str | Path) -> tuple[Lottery, ...]:
    """The ``base_options`` of a lotteries file; probabilities must lie in [0, 1] and sum to 1
    (within :data:`PROBABILITY_TOLERANCE`)."""
    source = str(path)
    data = _json(path)
    if not isinstance(data, dict) or not isinstance(data.get("base_options"), list):
        raise DataError(source, "", "expected an object with a list 'base_options'")
    lotteries = []
    for k, base in enumerate(data["base_options"]):
        where = f"base_options[{k}]"
        subs = base.get("sub_options") if isinstance(base, dict) else None
        if not isinstance(subs, list) or not subs or not isinstance(base.get("option"), str):
            raise DataError(source, where, "expected 'option' and a non-empty 'sub_options'")
        texts, probabilities = [], []
        for j, sub in enumerate(subs):
            p = sub.get("probability") if isinstance(sub, dict) else None
            text = sub.get("option") if isinstance(sub, dict) else None
            if not isinstance(text, str) or not isinstance(p, int | float) or not 0 <= p <= 1:
                raise DataError(
                    source, f"{where}.sub_options[{j}]", "expected 'option' and a probability"
                )
            texts.append(text)
            probabilities.append(float(p))
        if len(set(texts)) != len(texts):
            raise DataError(source, where, "a sub-option appears twice")
        total = sum(probabilities)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise DataError(source, where, f"probabilities sum to {total:.6g}, expected 1")
        lotteries.append(Lottery(base["option"], tuple(texts), tuple(probabilities), k))
    return tuple(lotteries)


def lottery_problem(
    lottery: Lottery, utilities: Mapping[str, float], source: str = ""
) -> DecisionProblem:
    """The lottery as a decision problem: one option ``take``; ``outcome`` ~ the lottery; the
    value ``utility`` = U(outcome). Its expected value under ``take`` is sum_o p_o U(o)."""
    document = {
        "name": f"lottery_{lottery.index}",
        "description": lottery.text,
        "decision": {"name": "choice", "options": ["take"]},
        "variables": [
            {
                "name": "outcome",
                "states": list(lottery.outcomes),
                # renormalised: the stated probabilities sum to 1 within the tolerance
                "cpt": [p / sum(lottery.probabilities) for p in lottery.probabilities],
            }
        ],
        "values": [
            {
                "name": "utility",
                "parents": ["outcome"],
                "utility": [utilities[o] for o in lottery.outcomes],
            }
        ],
        "theories": [
            {"name": "fitted", "kind": "cardinal", "credence": 1.0, "value_weights": {"utility": 1}}
        ],
    }
    row = Row(lottery.index + 1, {})
    return problem_from_document(document, DATASET, source or "lotteries", row)
