"""What a decision returns: the chosen option (or an abstention), per-option tables, the
contributions that explain the choice, and provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

ContributionKind = Literal["value", "norm"]


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
        return {
            "option": self.option,
            "permissible": self.permissible,
            "expected_values": self.expected_values,
            "choiceworthiness": self.choiceworthiness,
            "score": self.score,
            "norm_violation": self.norm_violation,
            "excluded_by": list(self.excluded_by),
        }


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
        return {"kind": self.kind, "name": self.name, "theory": self.theory, "amount": self.amount}


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An option made impermissible by a hard norm: P(violation) > threshold."""

    option: str
    norm: str
    probability: float
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "norm": self.norm,
            "probability": self.probability,
            "threshold": self.threshold,
        }


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
        return {
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


@dataclass(frozen=True, slots=True)
class Decision:
    """The result of :func:`engine.decide`: an option, or an explicit abstention with its reason."""

    option: str | None
    abstain: str | None
    options: tuple[OptionReport, ...]
    explanation: Explanation
    provenance: dict[str, Any]

    def report(self, option: str) -> OptionReport:
        return next(r for r in self.options if r.option == option)

    def to_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "abstain": self.abstain,
            "options": [r.to_dict() for r in self.options],
            "explanation": self.explanation.to_dict(),
            "provenance": self.provenance,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)
