"""The public Python API: decide a problem (with the analyses composed on the decision) and
query posteriors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.analyses.p_best import probability_best
from engine.analyses.voi import value_of_information as voi
from engine.backends.protocol import InferenceBackend
from engine.backends.registry import backend_for
from engine.decision.pipeline import decide_in_context
from engine.decision.result import Decision
from engine.ir import DecisionProblem
from engine.ir.evidence import check_evidence


def decide(
    problem: DecisionProblem,
    evidence: Mapping[str, Any] | None = None,
    *,
    samples: int | None = None,
    value_of_information: bool = False,
    **settings: Any,
) -> Decision:
    """Decide ``problem`` (:func:`engine.decision.pipeline.decide`, whose keyword ``settings``
    this takes) and compose the analyses on the decision: P(best) under parameter uncertainty
    from ``samples`` parameter draws (default 1000; 0 skips it, seeded with ``seed``) when the
    problem states any, and with ``value_of_information`` the value of observing each
    unobserved variable first.

    Examples
    --------
    >>> from phronesis.inputs import load
    >>> decide(load("examples/heinz_uncertain.yaml"), policy="consequentialist").p_best_samples
    1000
    """
    decision, context = decide_in_context(problem, evidence, **settings)
    if context.problem.uncertainty and samples != 0:
        estimate = probability_best(
            context.problem,
            context.evidence,
            context.settings,
            samples=samples or 1000,
            seed=settings.get("seed", 0),
        )
        decision = dataclasses.replace(
            decision,
            p_best=estimate.p_best,
            p_best_se=estimate.standard_error,
            p_best_samples=estimate.samples,
        )
    if value_of_information:
        # each observation's decision reuses the backend instance (its sampling seed included)
        rule_settings = {k: v for k, v in settings.items() if k not in ("seed", "particles")}
        rule_settings["backend"] = context.backend
        observations = voi(context.problem, context.evidence, decision, **rule_settings)
        extra: tuple[str, ...] = ()
        if context.problem.is_hybrid:
            extra = (
                "value of information from sampled expectations: each state's decision draws "
                "its own particles, so values within a few standard errors of 0 are noise",
            )
        decision = dataclasses.replace(
            decision, value_of_information=observations, notes=decision.notes + extra
        )
    return decision


def posterior(
    problem: DecisionProblem,
    targets: tuple[str, ...] | list[str],
    evidence: Mapping[str, Any] | None = None,
    option: str | None = None,
    backend: str | InferenceBackend = "auto",
) -> np.ndarray:
    """Joint P(targets | do(option), evidence), shaped by the targets' states.

    Without ``option`` the decision is marginalised under a uniform choice. ``"auto"`` chooses
    by capability: an exact backend for a discrete problem, a sampling one (exact where every
    continuous variable the query needs is observed) for one with continuous variables.
    """
    rows = check_evidence(problem, evidence or {})
    if option is not None:
        rows = check_evidence(problem, {**rows, problem.decision.name: option}, allow_decision=True)
    engine = backend_for(backend, hybrid=problem.is_hybrid)
    return engine.posterior(problem.network(), [rows], tuple(targets))[0]
