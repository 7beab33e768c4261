"""The sampling summary of a decision on a problem with continuous variables: effective sample
sizes, standard errors and the flags raised when they are too large for the margin."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.decision.result import Explanation
from engine.rules.base import Aggregate
from engine.semantics.assessment import Assessment


def summarise_sampling(
    assessment: Assessment,
    aggregate: Aggregate | None,
    explanation: Explanation,
    chosen: str | None,
    notes: list[str],
) -> dict[str, Any]:
    """The sampling report of a hybrid decision, with the Monte-Carlo standard error of the
    winning margin where the rule is linear in the theories' choiceworthiness (the weights of
    the exact margin split); a margin within 2 standard errors gets a note."""
    report = assessment.sampling
    assert report is not None
    summary = report.to_dict(assessment.options, assessment.value_names)
    low = [
        o
        for o, ess in zip(assessment.options, report.ess, strict=True)
        if ess < 0.1 * report.num_samples
    ]
    if low:
        notes.append(
            f"effective sample size below 10% of the {report.num_samples} particles for "
            f"{', '.join(map(repr, low))}: the evidence is far from what the prior proposes; "
            "the standard errors account for it, but raise the number of particles"
        )
    runner_up = explanation.runner_up
    if aggregate is None or aggregate.theory_weights is None or None in (runner_up, chosen):
        return summary
    first = assessment.options.index(chosen)
    second = assessment.options.index(runner_up)
    se = report.margin_standard_error(first, second, np.asarray(aggregate.theory_weights))
    z = explanation.margin / se if se > 0 else float("inf")
    summary["margin"] = {
        "runner_up": runner_up,
        "margin": explanation.margin,
        "standard_error": se,
        "z": z if np.isfinite(z) else None,
    }
    if z < 2:
        notes.append(
            f"the margin over {runner_up!r} ({explanation.margin:.4g}) is within 2 Monte-Carlo "
            f"standard errors ({se:.2g}, z = {z:.2f}): another seed may choose differently; "
            "raise the number of particles"
        )
    return summary
