"""Aggregation of the options' choiceworthiness across theories by the chosen rule, with the
lexical criteria of the active policy."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.decision.policy import principle_criteria
from engine.decision.settings import Settings
from engine.ir import DecisionProblem
from engine.rules.base import Aggregate
from engine.rules.ordinal import rank_ordinal_theories
from engine.rules.registry import get_rule, ranking
from engine.semantics.assessment import Assessment


def criteria_matrix(
    problem: DecisionProblem, assessment: Assessment, settings: Settings
) -> np.ndarray | None:
    """The lexical criteria (options x principles) of ``settings``, or ``None``."""
    if not settings.criteria_names:
        return None
    return principle_criteria(
        problem,
        settings.criteria_names,
        assessment.expected_values,
        assessment.violation,
        assessment.choiceworthiness,
    )


def aggregate_options(
    assessment: Assessment,
    rows: list[int],
    settings: Settings,
    criteria: np.ndarray | None = None,
) -> tuple[Aggregate, list[int]]:
    """Aggregate the options ``rows`` and return (aggregate, ranking as indices into rows)."""
    cw = assessment.choiceworthiness[rows]
    if any(settings.ordinal):
        cw = rank_ordinal_theories(cw, np.array(settings.ordinal), settings.options.tolerance)
    options = settings.options
    if criteria is not None:
        options = dataclasses.replace(
            options, criteria=criteria[rows], criteria_names=settings.criteria_names
        )
    aggregate = get_rule(settings.rule)(
        cw, settings.credences, settings.normalisation, options=options
    )
    names = tuple(assessment.options[i] for i in rows)
    return aggregate, ranking(aggregate, names)
