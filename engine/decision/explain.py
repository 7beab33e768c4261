"""Explanations: the exact additive split of the winning margin, and the decisive principle.

For a linear rule, score(a) = const + sum_T k_T CW_T(a), so with chosen option c and runner-up r

    score(c) - score(r) = sum_T k_T [ sum_v w_{T,v} (EV_v(c) - EV_v(r))
                                      - sum_n pen_{T,n} (P(viol_n | c) - P(viol_n | r)) ]

and every (theory, value) and (theory, norm) term is one :class:`Contribution`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from engine.decision.policy import principle_criteria
from engine.decision.result import Contribution, Exclusion, Explanation
from engine.decision.settings import Settings
from engine.ir import DecisionProblem
from engine.rules.base import Aggregate, tolerance
from engine.semantics.assessment import Assessment

if TYPE_CHECKING:
    pass


def explain(
    problem: DecisionProblem,
    assessment: Assessment,
    settings: Settings,
    *,
    permissible: list[int],
    aggregate: Aggregate | None,
    order: list[int],
    exclusions: list[Exclusion],
    unconstrained_best: str,
    ties: list[str],
    abstain: str | None,
    policy_silent: str | None = None,
    notes: tuple[str, ...] = (),
) -> Explanation:
    contributions: list[Contribution] = []
    runner_up, margin = None, 0.0
    if aggregate is not None and len(order) >= 2:
        c, r = permissible[order[0]], permissible[order[1]]
        runner_up = assessment.options[r]
        margin = float(aggregate.scores[order[0]] - aggregate.scores[order[1]])
        if aggregate.theory_weights is not None:
            contributions = _split_margin(assessment, aggregate.theory_weights, c, r)
    contributions.sort(key=lambda x: (-abs(x.amount), x.kind, x.name, x.theory))
    by_value = _sum_by(contributions, "value", lambda x: x.name)
    by_norm = _sum_by(contributions, "norm", lambda x: x.name)
    by_theory = _sum_by(contributions, None, lambda x: x.theory)
    chosen = None if abstain else assessment.options[permissible[order[0]]]
    filter_decisive = [
        e.source for e in exclusions if chosen is not None and e.option == unconstrained_best
    ]
    decisive = _decisive_principle(
        settings, contributions, filter_decisive, by_value, by_norm, by_theory
    )
    if (
        settings.rule == "lexicographic"
        and settings.criteria_names
        and aggregate is not None
        and len(order) >= 2
        and not filter_decisive
    ):
        decisive = _separating_criterion(problem, assessment, settings, permissible, order)
    explanation = Explanation(
        runner_up=runner_up,
        margin=margin,
        contributions=tuple(contributions),
        by_value=by_value,
        by_norm=by_norm,
        by_theory=by_theory,
        exclusions=tuple(exclusions),
        unconstrained_best=unconstrained_best,
        decisive_principle=decisive,
        tied_with=tuple(ties),
        narrative="",
    )
    text = narrative(problem, settings, chosen, abstain, explanation)
    extra = [*notes]
    if policy_silent:
        extra.insert(0, f"{policy_silent[0].upper()}{policy_silent[1:]}.")
    if extra:
        text = " ".join([text, *extra])
    return Explanation(**{**_fields(explanation), "narrative": text})


def _separating_criterion(
    problem: DecisionProblem,
    assessment: Assessment,
    settings: Settings,
    permissible: list[int],
    order: list[int],
) -> str | None:
    """The first lexical criterion on which the chosen option beats the runner-up."""
    criteria = principle_criteria(
        problem,
        settings.criteria_names,
        assessment.expected_values,
        assessment.violation,
        assessment.choiceworthiness,
    )
    c, r = permissible[order[0]], permissible[order[1]]
    for k, name in enumerate(settings.criteria_names):
        tol = tolerance(criteria[:, k], settings.options.tolerance)
        if criteria[c, k] > criteria[r, k] + tol:
            return name
    return None


def _fields(explanation: Explanation) -> dict[str, object]:
    return {name: getattr(explanation, name) for name in Explanation.__slots__}


def _split_margin(
    assessment: Assessment, theory_weights: np.ndarray, chosen: int, runner_up: int
) -> list[Contribution]:
    d_value = assessment.expected_values[chosen] - assessment.expected_values[runner_up]
    d_violation = assessment.violation[chosen] - assessment.violation[runner_up]
    terms = []
    for t, theory in enumerate(assessment.theory_names):
        k = theory_weights[t]
        for v, value in enumerate(assessment.value_names):
            amount = float(k * assessment.value_weights[t, v] * d_value[v])
            if amount != 0.0:
                terms.append(Contribution("value", value, theory, amount))
        for n, norm in enumerate(assessment.norm_names):
            amount = float(-k * assessment.norm_penalties[t, n] * d_violation[n])
            if amount != 0.0:
                terms.append(Contribution("norm", norm, theory, amount))
    return terms


def _sum_by(
    terms: list[Contribution], kind: str | None, key: Callable[[Contribution], str]
) -> dict[str, float]:
    sums: dict[str, float] = {}
    for term in terms:
        if kind is None or term.kind == kind:
            sums[key(term)] = sums.get(key(term), 0.0) + term.amount
    return sums


def _decisive_principle(
    settings: Settings,
    contributions: list[Contribution],
    filter_decisive: list[str],
    by_value: dict[str, float],
    by_norm: dict[str, float],
    by_theory: dict[str, float],
) -> str | None:
    if settings.policy is not None:
        for principle in settings.policy.principles:
            if principle in filter_decisive:
                return principle
            shares = (
                by_value.get(principle, 0.0),
                by_norm.get(principle, 0.0),
                by_theory.get(principle, 0.0),
            )
            if max(shares) > 0.0:
                return principle
        return None
    if filter_decisive:
        return filter_decisive[0]
    favouring = [c for c in contributions if c.amount > 0.0]
    return favouring[0].name if favouring else None


def narrative(
    problem: DecisionProblem,
    settings: Settings,
    chosen: str | None,
    abstain: str | None,
    explanation: Explanation,
) -> str:
    """A few plain sentences: what was chosen, why, and what ruled other options out."""
    rule = f"{settings.rule.upper()} ({settings.normalisation} normalisation)"
    policy = f" under policy '{settings.policy.name}'" if settings.policy else ""
    lines = []
    if abstain:
        lines.append(f"Abstain{policy}: {abstain}.")
        return " ".join(lines)
    if explanation.runner_up is None:
        lines.append(f"Chose '{chosen}'{policy}: it is the only permissible option.")
    else:
        lines.append(
            f"Chose '{chosen}' over '{explanation.runner_up}'{policy} by {explanation.margin:.4g} "
            f"under {rule}."
        )
    if explanation.tied_with:
        lines.append(
            f"It ties with {', '.join(repr(t) for t in explanation.tied_with)}; "
            "the tie was broken by name."
        )
    for exclusion in explanation.exclusions:
        if exclusion.theory:
            lines.append(
                f"'{exclusion.option}' is impermissible under theory '{exclusion.theory}' "
                f"(double effect): {exclusion.reason}."
            )
            continue
        lines.append(
            f"'{exclusion.option}' is impermissible: it violates norm '{exclusion.norm}' with "
            f"probability {exclusion.probability:.3g} > threshold {exclusion.threshold:.3g}."
        )
    if explanation.unconstrained_best != chosen:
        lines.append(
            f"Without the side-constraints the rule would have chosen "
            f"'{explanation.unconstrained_best}'."
        )
    favouring = [c for c in explanation.contributions if c.amount > 0][:3]
    opposing = [c for c in explanation.contributions if c.amount < 0][:2]
    if favouring:
        lines.append(
            "Largest factors for it: "
            + "; ".join(
                f"{c.kind} '{c.name}' in theory '{c.theory}' +{c.amount:.4g}" for c in favouring
            )
            + "."
        )
    if opposing:
        lines.append(
            "Against it: "
            + "; ".join(
                f"{c.kind} '{c.name}' in theory '{c.theory}' {c.amount:.4g}" for c in opposing
            )
            + "."
        )
    if explanation.decisive_principle is not None:
        who = f"policy '{settings.policy.name}'" if settings.policy else "this decision"
        lines.append(f"Decisive principle of {who}: '{explanation.decisive_principle}'.")
    elif settings.policy is not None:
        lines.append(
            f"None of the principles of policy '{settings.policy.name}' separates '{chosen}' "
            "from the alternatives."
        )
    return " ".join(lines)
