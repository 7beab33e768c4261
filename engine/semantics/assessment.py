"""What an assessment of the options holds: per-option expected values, violation probabilities and
choiceworthiness, and for sampled problems how precisely they were estimated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.semantics.cvar import cvar_batched


@dataclass(frozen=True, slots=True)
class Assessment:
    """Per-option quantities, rows in the problem's option order."""

    options: tuple[str, ...]
    value_names: tuple[str, ...]
    norm_names: tuple[str, ...]
    theory_names: tuple[str, ...]
    expected_values: np.ndarray  # (options, values)
    violation: np.ndarray  # (options, norms)
    choiceworthiness: np.ndarray  # (options, theories)
    value_weights: np.ndarray  # (theories, values)
    norm_penalties: np.ndarray  # (theories, norms): weight_n if T penalises n, else 0
    #: P(condition of case k of policy p | e) per (p, k): the conditions of conditional
    #: policies, which concern the situation only, so they do not depend on the option.
    case_probability: dict[tuple[str, int], float] = field(default_factory=dict)
    #: for problems with continuous variables: how the expectations were sampled (ESS, errors)
    sampling: SamplingReport | None = None
    #: (options, effects): P(effect | do(a), e) of every double effect theory's effects
    #: (engine.semantics.double_effect.effects); ``None`` when the problem has none
    effect_probability: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class SamplingReport:
    """How a hybrid problem's expectations were estimated, and how precisely.

    ``ess`` is the effective sample size (sum w)^2 / sum w^2 per option; ``value_se``
    (options, values) and ``violation_se`` (options, norms) are the standard errors of the
    expected values and violation probabilities; ``weights`` (options, S) are the normalised
    particle weights and ``theory_utility`` (options, S, theories) is U_T at each particle,
    sum_v w_Tv U_v - sum_n penalty_Tn 1[viol_n], whose weighted mean is CW_T: the CVaR of
    U_T and the error of any score linear in CW come from these, not from a second draw.
    """

    method: str
    num_samples: int
    seed: int
    ess: tuple[float, ...]
    value_se: np.ndarray
    violation_se: np.ndarray
    weights: np.ndarray
    theory_utility: np.ndarray

    def score_standard_error(self, option: int, theory_weights: np.ndarray) -> float:
        """Delta-method standard error of sum_T c_T CW_T(option) (Owen 2013, eq. 9.9)."""
        w = self.weights[option]
        score = self.theory_utility[option] @ theory_weights
        return float(np.sqrt(np.sum(w**2 * (score - np.sum(w * score)) ** 2)))

    def margin_standard_error(self, first: int, second: int, theory_weights: np.ndarray) -> float:
        """Standard error of sum_T c_T (CW_T(first) - CW_T(second)); options are sampled
        independently, so the variances add."""
        return float(
            np.hypot(
                self.score_standard_error(first, theory_weights),
                self.score_standard_error(second, theory_weights),
            )
        )

    def cvar(self, alpha: float) -> np.ndarray:
        """CVaR_alpha of U_T under each option's weighted particles, (options, theories)."""
        return cvar_batched(np.swapaxes(self.theory_utility, 1, 2), self.weights[:, None, :], alpha)

    def to_dict(self, options: tuple[str, ...], values: tuple[str, ...]) -> dict[str, Any]:
        return {
            "method": self.method,
            "num_samples": self.num_samples,
            "seed": self.seed,
            "ess": dict(zip(options, self.ess, strict=True)),
            "value_se": {
                o: dict(zip(values, map(float, self.value_se[i]), strict=True))
                for i, o in enumerate(options)
            },
        }
