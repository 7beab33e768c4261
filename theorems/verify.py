"""Verify a task's properties: :func:`verify` checks the named (or every applicable) property
and returns their certificates; :func:`recheck` re-validates a certificate on a task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import theorems.builtin  # noqa: F401  (the built-in properties register themselves)
from engine.ir import DecisionProblem
from theorems.certificate import Certificate
from theorems.properties.enumerated import ENUMERATED, check_many
from theorems.registry import Property, PropertyError, Recheck, applicable, get_property
from theorems.task import Task, make_task


def verify(task: Task, names: Sequence[str] | None = None) -> list[Certificate]:
    """One certificate per property: those named, in the order given, or (``None``) every
    registered property whose needs the task's parameters meet, in name order.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from theorems.task import make_task
    >>> task = make_task(load_scenario("examples/icu_triage.yaml"), backend="numpy")
    >>> [c.verdict for c in verify(task, ["deontic_safety", "weak_pareto"])]
    ['proved', 'proved']
    """
    chosen = selected(task, names)
    # the exhaustive properties share one scan of the space (each chunk decided once)
    shared = [p for p in chosen if ENUMERATED.get(p.name, (None, None))[1] is p]
    found = dict(
        zip(
            (p.name for p in shared),
            check_many([ENUMERATED[p.name][0] for p in shared], task) if shared else [],
            strict=True,
        )
    )
    return [found[p.name] if p.name in found else p.check(task) for p in chosen]


def selected(task: Task, names: Sequence[str] | None = None) -> list[Property]:
    """The named properties (each once, in the order given), or (``None``) every registered
    one whose needs the task's parameters meet; a named property whose parameters the task
    lacks raises :class:`~theorems.registry.PropertyError`."""
    chosen = applicable(task) if names is None else [get_property(n) for n in dict.fromkeys(names)]
    for prop in chosen:
        missing = [n for n in prop.needs if n not in task.parameters]
        if missing:
            raise PropertyError(
                f"property {prop.name!r} needs parameter {missing[0]!r} (see its statement); "
                "give it or leave the property out"
            )
    return chosen


def recheck(task: Task, certificate: Certificate) -> Recheck:
    """Whether ``certificate`` stands on ``task`` (its property's own re-check)."""
    return get_property(certificate.property).recheck(task, certificate)


def recheck_problem(
    problem: DecisionProblem,
    certificate: Certificate,
    inputs: Mapping[str, Any] | None = None,
) -> Recheck:
    """Whether ``certificate`` stands on ``problem``, re-checked under the certificate's own
    settings, observables and parameters (``inputs``: what is not JSON, as for the check): a
    different problem fails on its content hash before anything is compiled."""
    if certificate.problem_hash != problem.content_hash:
        return Recheck(
            False,
            f"the problem changed: the certificate is for problem hash "
            f"{certificate.problem_hash[:16]}…, this problem's is {problem.content_hash[:16]}…",
        )
    parameters = dict(certificate.parameters)
    observables = parameters.pop("observables", None)
    settings = certificate.settings
    task = make_task(
        problem,
        observables,
        rule=settings.get("rule"),
        normalisation=settings.get("normalisation"),
        policy=settings.get("policy"),
        backend=settings.get("backend") or "auto",
        parameters={k: v for k, v in parameters.items() if v is not None},
        inputs=inputs,
    )
    return recheck(task, certificate)
