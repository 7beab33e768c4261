"""The public Python API: decide a problem (with the analyses composed on the decision), query
posteriors, and verify properties of its decisions with certificates."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.analyses.p_best import probability_best
from engine.analyses.voi import value_of_information as voi
from engine.backends.protocol import InferenceBackend
from engine.backends.registry import backend_for
from engine.decision.pipeline import decide_in_context
from engine.decision.result import Decision
from engine.ir import DecisionProblem
from engine.ir.evidence import check_evidence

if TYPE_CHECKING:
    from theorems.certificate import Certificate
    from theorems.registry import Recheck


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


def verify(
    problem: DecisionProblem,
    properties: Sequence[str] | None = None,
    *,
    observables: Sequence[str] | None = None,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str = "auto",
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: str = "local",
    inputs: Mapping[str, Any] | None = None,
) -> list[Certificate]:
    """Prove or refute ``properties`` (names in :data:`theorems.registry.PROPERTIES`; ``None``:
    every property whose parameters are given) of the decisions of ``problem`` over every
    assignment of ``observables`` (default: the chance variables the decision cannot
    influence), under the decision settings given. ``parameters`` are the properties' own
    inputs (``monotone`` for monotonicity; ``address`` of a Ray cluster with
    ``executor="ray"``); ``inputs`` what is not JSON (see :class:`theorems.task.Task`).
    Returns one :class:`theorems.certificate.Certificate` per property.

    Examples
    --------
    >>> from phronesis.inputs import load
    >>> [c.verdict for c in verify(load("examples/broken_penalty.yaml"), ["deontic_safety"])]
    ['refuted']
    """
    from theorems.task import make_task
    from theorems.verify import verify as verify_task

    task = make_task(
        problem,
        observables,
        rule=rule,
        normalisation=normalisation,
        policy=policy,
        backend=backend,
        parameters=parameters,
        progress=progress,
        executor=executor,
        inputs=inputs,
    )
    return verify_task(task, properties)


def recheck(
    problem: DecisionProblem,
    certificate: Certificate,
    inputs: Mapping[str, Any] | None = None,
) -> Recheck:
    """Whether ``certificate`` stands for ``problem``: re-checked under the certificate's own
    settings, observables and parameters by its property's re-check (re-deciding the
    counterexample off the kernel, or the whole space and its table digest for a proof); a
    changed problem fails on its content hash. ``inputs`` as for :func:`verify` (a
    convergence certificate needs the simulation's).

    Examples
    --------
    >>> from phronesis.inputs import load
    >>> problem = load("examples/broken_penalty.yaml")
    >>> recheck(problem, verify(problem, ["deontic_safety"])[0]).ok
    True
    """
    from theorems.verify import recheck_problem

    return recheck_problem(problem, certificate, inputs)
