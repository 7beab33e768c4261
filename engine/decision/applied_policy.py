"""The active policy applied to one decision: its rule and criteria folded into the settings, and
the verdict on the chosen option (consistent, or silent)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from engine.decision.aggregation import aggregate_options, criteria_matrix
from engine.decision.policy import CompiledPolicy, compile_policy, policy_verdict
from engine.decision.settings import Settings
from engine.ir import DecisionProblem
from engine.rules.base import Aggregate
from engine.rules.registry import DEFAULT_NORMALISATION, tied_with_best
from engine.semantics.assessment import Assessment


def apply_policy(
    problem: DecisionProblem, assessment: Assessment, settings: Settings
) -> tuple[Settings, CompiledPolicy | None]:
    """Compile the active policy in this context and fold its rule and criteria into settings."""
    if settings.policy is None:
        return settings, None
    compiled = compile_policy(problem, settings.policy, assessment)
    rule = settings.rule
    if not settings.explicit_rule and compiled.rule is not None:
        rule = compiled.rule
    names = compiled.principles if compiled.abstraction != "rule" else ()
    if rule in ("lexicographic", "pareto") and not names:
        names = settings.policy.principles
    return dataclasses.replace(settings, rule=rule, criteria_names=names), compiled


def judge_policy(
    problem: DecisionProblem,
    assessment: Assessment,
    settings: Settings,
    compiled: CompiledPolicy | None,
    permissible: list[int],
    criteria: np.ndarray | None,
    chosen: str | None,
    computed: tuple[Aggregate, Sequence[int]] | None = None,
) -> tuple[bool | None, str | None]:
    """(policy_consistent, policy_silent) for the chosen option under the active policy.

    ``computed`` is the aggregate (and ranking) of the permissible options under ``settings``,
    reused when the policy's own rule is the one the decision used."""
    if compiled is None or settings.policy is None:
        return None, None
    policy_best: list[int] | None = None
    if compiled.abstraction == "rule" and permissible and compiled.silent is None:
        own = dataclasses.replace(
            settings,
            rule=settings.policy.rule or "mec",
            normalisation=settings.policy.normalisation
            or DEFAULT_NORMALISATION.get(settings.policy.rule or "mec", "none"),
        )
        if own.rule in ("lexicographic", "pareto") and criteria is None:
            own = dataclasses.replace(own, criteria_names=settings.policy.principles)
            criteria = criteria_matrix(problem, assessment, own)
        same = (own.rule, own.normalisation, own.criteria_names) == (
            settings.rule,
            settings.normalisation,
            settings.criteria_names,
        )
        if same and computed is not None:
            aggregate, order = computed[0], list(computed[1])
        else:
            aggregate, order = aggregate_options(assessment, permissible, own, criteria)
        if aggregate.incomparable:
            policy_best = [permissible[k] for k in aggregate.incomparable]
        else:
            top = [order[0], *tied_with_best(aggregate, order)]
            policy_best = [permissible[k] for k in top]
    verdict = policy_verdict(
        problem, compiled, assessment, permissible, policy_best, settings.options.tolerance
    )
    if verdict.silent is not None or chosen is None:
        return None, verdict.silent
    return chosen in verdict.admissible, None
