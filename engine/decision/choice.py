"""The choice among the permissible options (shared/DESIGN.md, "Decision semantics" step 6):
aggregate them by the rule, then choose the best, abstain when none is permissible or the top
options are incomparable (unless a tie-break is asked for), and report ties."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.decision.aggregation import aggregate_options
from engine.decision.result import Exclusion
from engine.decision.settings import Settings
from engine.rules.base import Aggregate
from engine.rules.registry import tied_with_best
from engine.semantics.assessment import Assessment


@dataclass(frozen=True, slots=True)
class Choice:
    """The option chosen (or the abstention and its reason), the aggregate it was chosen by
    (``order`` ranks the permissible options), the scores and chances per option (``None`` for
    impermissible ones), the incomparable top options, ties with the best, and notes."""

    option: str | None
    abstain: str | None
    aggregate: Aggregate | None
    order: tuple[int, ...]
    scores: dict[str, float | None]
    chances: dict[str, float] | None
    incomparable: tuple[str, ...]
    ties: tuple[str, ...]
    notes: tuple[str, ...]


def choose(
    assessment: Assessment,
    permissible: list[int],
    excluded: list[Exclusion],
    settings: Settings,
    criteria: np.ndarray | None,
    *,
    linear: bool,
) -> Choice:
    """Aggregate the ``permissible`` options and choose. ``linear`` is False when the
    choiceworthiness is not linear in the values (CVaR): the aggregate then carries no theory
    weights, so the explanation makes no exact additive split."""
    options = assessment.options
    scores: dict[str, float | None] = dict.fromkeys(options)
    if not permissible:
        reason = "no option is permissible: " + "; ".join(e.describe() for e in excluded)
        return Choice(None, reason, None, (), scores, None, (), (), ())
    aggregate, order = aggregate_options(assessment, permissible, settings, criteria)
    if not linear:
        aggregate = dataclasses.replace(aggregate, theory_weights=None)
    for k, i in enumerate(permissible):
        scores[options[i]] = float(aggregate.scores[k])
    chances = None
    if aggregate.chances is not None:
        chances = dict.fromkeys(options, 0.0)
        for k, i in enumerate(permissible):
            chances[options[i]] = float(aggregate.chances[k])
    notes = [f"{settings.rule}: {aggregate.note}"] if aggregate.note else []
    incomparable = tuple(sorted(options[permissible[k]] for k in aggregate.incomparable))
    if incomparable and settings.tie_break is None:
        reason = (
            f"the top options are incomparable under rule {settings.rule!r}: "
            f"{', '.join(incomparable)} (none is at least as good on every criterion); "
            "ask for a tie-break (tie_break='name') to choose among them"
        )
        return Choice(None, reason, None, (), scores, chances, incomparable, (), tuple(notes))
    ties = tuple(options[permissible[k]] for k in tied_with_best(aggregate, order))
    if incomparable:
        ties = ()
        notes.append(f"incomparable options {', '.join(incomparable)}: chose by name (tie-break)")
    chosen = options[permissible[order[0]]]
    return Choice(
        chosen, None, aggregate, tuple(order), scores, chances, incomparable, ties, tuple(notes)
    )
