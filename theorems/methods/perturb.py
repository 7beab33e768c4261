"""Perturbed problems and their decisions: the independent re-check of a robustness
counterexample. A perturbation of utilities, value weights, credences or CPT rows is written
into a new :class:`engine.ir.DecisionProblem` (validated like any other) and decided by
:func:`engine.decision.pipeline.decide` — the per-decision path, not the kernel the check used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from engine.decision.pipeline import decide
from engine.ir import DecisionProblem
from theorems.task import Task

FAMILIES: tuple[str, ...] = ("utilities", "weights", "credences", "cpts")


def perturbed_problem(task: Task, family: str, vector: np.ndarray) -> DecisionProblem:
    """``task``'s problem with ``vector`` added to the utility table entries (``utilities``,
    in the order of :func:`theorems.methods.linear_form.utility_names`) or to the value weights
    (``weights``, theory-major), or replacing the credences (``credences``: the active
    policy's, when it states credences, else the theories') or the CPT tables (``cpts``,
    concatenated in the problem's CPT order)."""
    problem = task.problem
    vector = np.asarray(vector, dtype=float)
    if family == "utilities":
        values, start = [], 0
        for value in problem.values:
            n = len(value.table)
            table = np.asarray(value.table) + vector[start : start + n]
            values.append(dataclasses.replace(value, table=tuple(float(x) for x in table)))
            start += n
        return dataclasses.replace(problem, values=tuple(values))
    if family == "weights":
        names = [v.name for v in problem.values]
        base = task.compiled.structure.value_weights
        new = base + vector.reshape(base.shape)
        theories = tuple(
            dataclasses.replace(
                t,
                value_weights=tuple(
                    (name, float(w)) for name, w in zip(names, new[k], strict=True) if w != 0.0
                ),
            )
            for k, t in enumerate(problem.theories)
        )
        return dataclasses.replace(problem, theories=theories)
    if family == "credences":
        settings = task.compiled.policy_settings or task.compiled.settings
        policy = settings.policy
        stated = tuple((t.name, float(c)) for t, c in zip(problem.theories, vector, strict=True))
        if policy is not None and policy.credences:
            policies = tuple(
                dataclasses.replace(p, credences=stated) if p.name == policy.name else p
                for p in problem.policies
            )
            return dataclasses.replace(problem, policies=policies)
        theories = tuple(
            dataclasses.replace(t, credence=float(c))
            for t, c in zip(problem.theories, vector, strict=True)
        )
        return dataclasses.replace(problem, theories=theories)
    if family == "cpts":
        cpts, start = [], 0
        for cpt in problem.cpts:
            n = len(cpt.table)
            table = tuple(float(x) for x in vector[start : start + n])
            cpts.append(dataclasses.replace(cpt, table=table))
            start += n
        return dataclasses.replace(problem, cpts=tuple(cpts))
    raise ValueError(f"unknown parameter family {family!r}; expected one of {FAMILIES}")


def decided_option(task: Task, problem: DecisionProblem, evidence: Mapping[str, str]) -> str | None:
    """The option :func:`engine.decision.pipeline.decide` chooses for ``problem`` under the
    task's settings (None: it abstains)."""
    arguments = dict(task.compiled.arguments)
    return decide(problem, dict(evidence), **arguments).option


def flips(
    task: Task, family: str, vector: np.ndarray, evidence: Mapping[str, str], nominal: str
) -> str | None:
    """The perturbed problem's choice when it differs from ``nominal`` (``"(abstain)"`` for an
    abstention), else None. A perturbation the IR refuses (e.g. a CPT row off the simplex)
    changes nothing."""
    from engine.errors import PhronesisError

    try:
        problem = perturbed_problem(task, family, vector)
        option = decided_option(task, problem, evidence)
    except PhronesisError:
        return None
    if option == nominal:
        return None
    return "(abstain)" if option is None else option
