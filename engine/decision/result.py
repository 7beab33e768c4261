"""What a decision returns: the chosen option (or an abstention), per-option tables, the
contributions that explain the choice, and provenance."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.semantics.assessment import Assessment

ContributionKind = Literal["value", "norm"]


def json_safe(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, +-inf) replaced by ``None``, recursively through
    dicts, lists and tuples, so the result always passes
    ``json.dumps(..., allow_nan=False)``. NumPy scalars become Python numbers. Scores are finite
    for problems the IR accepts; this guarantees valid JSON (RFC 8259 has no NaN or Infinity)
    for anything else, e.g. an option no rule could score.

    Examples
    --------
    >>> json_safe({"score": float("-inf"), "cw": [1.0, float("nan")], "n": 2})
    {'score': None, 'cw': [1.0, None], 'n': 2}
    """
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_safe(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(json_safe(v) for v in obj)
    item = getattr(obj, "item", None)  # a NumPy scalar
    if callable(item) and getattr(obj, "shape", None) == ():
        return json_safe(item())
    return obj


@dataclass(frozen=True, slots=True)
class OptionReport:
    """Everything computed for one option under do(option) and the evidence.

    ``choiceworthiness`` is CW_T(a) per theory before normalisation; ``score`` is the aggregated
    score under the rule (``None`` when the option is impermissible).
    """

    option: str
    permissible: bool
    expected_values: dict[str, float]
    choiceworthiness: dict[str, float]
    score: float | None
    norm_violation: dict[str, float]
    excluded_by: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "option": self.option,
                "permissible": self.permissible,
                "expected_values": self.expected_values,
                "choiceworthiness": self.choiceworthiness,
                "score": self.score,
                "norm_violation": self.norm_violation,
                "excluded_by": list(self.excluded_by),
            }
        )


@dataclass(frozen=True, slots=True)
class Contribution:
    """One additive term of score(chosen) - score(runner-up): a value or norm, within a theory.

    The terms of an explanation sum exactly to its ``margin``.
    """

    kind: ContributionKind
    name: str
    theory: str
    amount: float

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {"kind": self.kind, "name": self.name, "theory": self.theory, "amount": self.amount}
        )


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An option made impermissible by a hard norm (P(violation) > threshold), or, with
    ``theory`` and ``reason`` set, by a double effect theory's test."""

    option: str
    norm: str
    probability: float
    threshold: float
    theory: str = ""
    reason: str = ""

    @property
    def source(self) -> str:
        """The norm, or the double effect theory, that excludes the option."""
        return self.norm or self.theory

    def describe(self) -> str:
        """``a violates n with probability 0.3 > threshold 0``, or which double effect
        condition failed."""
        if self.theory:
            return f"{self.option} fails the double effect test of {self.theory}: {self.reason}"
        return (
            f"{self.option} violates {self.norm} with probability {self.probability:.3g} "
            f"> threshold {self.threshold:.3g}"
        )

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "option": self.option,
            "norm": self.norm,
            "probability": self.probability,
            "threshold": self.threshold,
        }
        if self.theory:
            found |= {"theory": self.theory, "reason": self.reason}
        return json_safe(found)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the chosen option won.

    ``contributions`` are sorted by decreasing magnitude and sum to ``margin``; ``by_value``,
    ``by_norm`` and ``by_theory`` are the same terms summed per value, norm and theory.
    ``unconstrained_best`` is the option the rule would pick without the permissibility filter.
    ``decisive_principle`` is the first principle of the active policy (or, with no policy, the
    largest factor) that favours the choice: a hard norm that excluded the unconstrained best
    option, or a value / norm / theory with a positive share of the margin.
    """

    runner_up: str | None
    margin: float
    contributions: tuple[Contribution, ...]
    by_value: dict[str, float]
    by_norm: dict[str, float]
    by_theory: dict[str, float]
    exclusions: tuple[Exclusion, ...]
    unconstrained_best: str | None
    decisive_principle: str | None
    tied_with: tuple[str, ...]
    narrative: str

    def top(self, k: int = 5) -> tuple[Contribution, ...]:
        return self.contributions[:k]

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "runner_up": self.runner_up,
                "margin": self.margin,
                "contributions": [c.to_dict() for c in self.contributions],
                "by_value": self.by_value,
                "by_norm": self.by_norm,
                "by_theory": self.by_theory,
                "exclusions": [e.to_dict() for e in self.exclusions],
                "unconstrained_best": self.unconstrained_best,
                "decisive_principle": self.decisive_principle,
                "tied_with": list(self.tied_with),
                "narrative": self.narrative,
            }
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """The value of observing ``variable`` before deciding (engine.analyses.voi).

    ``value`` is the expected gain in the rule's score, sum_x P(x | e) max_a S(a | e, x) -
    max_a S(a | e) (``None`` where the rule's scores are not comparable across contexts);
    ``p_change`` the probability that the observation changes the decision; ``decisions`` the
    option chosen after each state (``None``: abstain) and ``probability`` P(x | e).
    """

    variable: str
    value: float | None
    p_change: float
    probability: dict[str, float]
    decisions: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        return json_safe(
            {
                "variable": self.variable,
                "value": self.value,
                "p_change": self.p_change,
                "probability": self.probability,
                "decisions": self.decisions,
            }
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of :func:`engine.decision.pipeline.decide`: an option, or an explicit abstention
    with its reason.

    Added by issue 5 (all optional): ``chances`` (a randomising rule's probability per option),
    ``incomparable`` (the top options a partial-order rule cannot rank), ``policy_consistent``
    (whether the option is one the active policy singles out; ``None`` without a policy or
    where it is silent), ``policy_silent`` (why the policy leaves the case open), ``p_best``
    with its Monte-Carlo standard error ``p_best_se`` over ``p_best_samples`` parameter samples
    (``None`` without parameter uncertainty; ``"(abstain)"`` is the probability that no option
    is permissible), ``value_of_information`` (best first) and ``notes``; for problems with
    continuous variables ``sampling`` (method, particles, seed, effective sample size per option,
    standard errors of the expected values).
    """

    option: str | None
    abstain: str | None
    options: tuple[OptionReport, ...]
    explanation: Explanation
    provenance: dict[str, Any]
    chances: dict[str, float] | None = None
    incomparable: tuple[str, ...] = ()
    policy_consistent: bool | None = None
    policy_silent: str | None = None
    p_best: dict[str, float] | None = None
    p_best_se: dict[str, float] | None = None
    p_best_samples: int = 0
    value_of_information: tuple[Observation, ...] = ()
    notes: tuple[str, ...] = ()
    sampling: dict[str, Any] | None = None

    def report(self, option: str) -> OptionReport:
        return next(r for r in self.options if r.option == option)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: every non-finite number is ``None`` (:func:`json_safe`)."""
        return json_safe(
            {
                "option": self.option,
                "abstain": self.abstain,
                "options": [r.to_dict() for r in self.options],
                "explanation": self.explanation.to_dict(),
                "provenance": self.provenance,
                "chances": self.chances,
                "incomparable": list(self.incomparable),
                "policy_consistent": self.policy_consistent,
                "policy_silent": self.policy_silent,
                "p_best": self.p_best,
                "p_best_se": self.p_best_se,
                "p_best_samples": self.p_best_samples,
                "value_of_information": [o.to_dict() for o in self.value_of_information],
                "notes": list(self.notes),
            }
            | ({"sampling": self.sampling} if self.sampling is not None else {})
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def option_reports(
    assessment: Assessment, excluded: Sequence[Exclusion], scores: Mapping[str, float | None]
) -> tuple[OptionReport, ...]:
    """One :class:`OptionReport` per option, in the problem's option order."""
    blocked = {e.option for e in excluded}

    def named(names: tuple[str, ...], row: Any) -> dict[str, float]:
        return dict(zip(names, map(float, row), strict=True))

    return tuple(
        OptionReport(
            option=option,
            permissible=option not in blocked,
            expected_values=named(assessment.value_names, assessment.expected_values[i]),
            choiceworthiness=named(assessment.theory_names, assessment.choiceworthiness[i]),
            score=scores[option],
            norm_violation=named(assessment.norm_names, assessment.violation[i]),
            excluded_by=tuple(e.source for e in excluded if e.option == option),
        )
        for i, option in enumerate(assessment.options)
    )
