"""The active policy in the kernel: the settings each group of rows is decided under (a
conditional policy picks its case per row), the choiceworthiness as the rule sees it, and the
policy's verdict per row (:func:`engine.decision.applied_policy.judge_policy`, batched)."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.decision.policy import principle_criteria
from engine.decision.settings import Settings
from engine.kernel.aggregate import BatchChoice, aggregate_batch
from engine.kernel.compiled import CompiledProblem
from engine.kernel.evaluate import Evaluation
from engine.rules.base import comparable
from engine.rules.ordinal import rank_ordinal_theories
from engine.rules.registry import DEFAULT_NORMALISATION

#: rows of a batch: positions, or ``slice(None)`` for all of them
Rows = np.ndarray | slice


def settings_groups(
    compiled: CompiledProblem, cases: np.ndarray
) -> list[tuple[Rows, Settings, bool]]:
    """Rows sharing one set of settings, and whether the policy is silent in them: all rows
    (``slice(None)``: indexing with it copies nothing), or (conditional policy,
    :func:`engine.decision.policy.compile_policy`) the rows whose first case with
    P(C | e) >= confidence is k, for each k, then the rows where none holds."""
    n = len(cases)
    if compiled.policy_settings is not None:
        return [(slice(None), compiled.policy_settings, False)]
    settings = compiled.settings
    policy = settings.policy
    assert policy is not None
    keys = compiled.structure.case_keys
    columns = [keys.index((policy.name, k)) for k in range(len(policy.cases))]
    holds = cases[:, columns] >= policy.confidence if columns else np.zeros((n, 0), bool)
    first = np.where(holds.any(axis=1), holds.argmax(axis=1), -1)
    groups = []
    for k, case in enumerate(policy.cases):
        rule = settings.rule if settings.explicit_rule else "lexicographic"
        changed = dataclasses.replace(settings, rule=rule, criteria_names=case.principles)
        groups.append((np.flatnonzero(first == k), changed, False))
    rule = settings.rule
    if not settings.explicit_rule and policy.rule is not None:
        rule = policy.rule
    names = policy.principles if rule in ("lexicographic", "pareto") else ()
    quiet = dataclasses.replace(settings, rule=rule, criteria_names=names)
    groups.append((np.flatnonzero(first < 0), quiet, True))
    return groups


def principle_columns(
    compiled: CompiledProblem,
    names: tuple[str, ...],
    evaluation: Evaluation,
    cw: np.ndarray,
    rows: Rows,
) -> np.ndarray | None:
    """Principle criteria (rows, A, principles), or None without principles."""
    if not names:
        return None
    return principle_criteria(
        compiled.problem,
        names,
        evaluation.expected[rows],
        evaluation.violation[rows],
        cw[rows],
    )


def as_ranked(settings: Settings, cw: np.ndarray, permissible: np.ndarray) -> np.ndarray:
    """``cw`` as the rule sees it: ordinal theories by their Borda scores among the
    permissible options (:func:`engine.rules.ordinal.rank_ordinal_theories`)."""
    if not any(settings.ordinal):
        return cw
    return rank_ordinal_theories(
        cw, np.array(settings.ordinal), settings.options.tolerance, permissible
    )


def rule_top(
    compiled: CompiledProblem,
    settings: Settings,
    choice: BatchChoice,
    cw: np.ndarray,
    ranked: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    evaluation: Evaluation,
    rows: Rows,
    criteria: np.ndarray | None,
) -> np.ndarray:
    """(rows, A): the options a ``rule`` policy's own rule ranks top, ties included (its
    incomparable options where it cannot rank them), :func:`judge_policy`. ``cw`` is the
    choiceworthiness of all rows, ``ranked`` that of ``rows`` as the rules see it."""
    policy = settings.policy
    assert policy is not None
    own_rule = policy.rule or "mec"
    own_norm = policy.normalisation or DEFAULT_NORMALISATION.get(own_rule, "none")
    own_names = settings.criteria_names
    if own_rule in ("lexicographic", "pareto") and criteria is None:
        own_names = policy.principles
    own = choice
    if (own_rule, own_norm, own_names) != (
        settings.rule,
        settings.normalisation,
        settings.criteria_names,
    ):
        options = settings.options
        crit = principle_columns(compiled, own_names, evaluation, cw, rows)
        if crit is not None:
            options = dataclasses.replace(options, criteria=crit)
        own = aggregate_batch(
            own_rule,
            ranked,
            credences[rows],
            permissible[rows],
            own_norm,
            options,
            compiled.options,
            None,
        )
    incomparable = own.incomparable.any(axis=1)
    top = np.where(incomparable[:, None], own.incomparable, own.ties)
    best = np.flatnonzero((own.chosen >= 0) & ~incomparable)
    top[best, own.chosen[best]] = True
    return top


def lexical_top(
    compiled: CompiledProblem,
    settings: Settings,
    evaluation: Evaluation,
    cw: np.ndarray,
    permissible: np.ndarray,
    rows: Rows,
) -> np.ndarray:
    """(rows, A): the permissible options within tolerance of the best on each principle in
    turn (:func:`engine.rules.lexical.lexical_best`; the tolerance of a principle is taken
    over all options, as :func:`engine.decision.policy.policy_verdict` does)."""
    criteria = principle_columns(compiled, settings.criteria_names, evaluation, cw, rows)
    candidates = permissible[rows].copy()
    if criteria is None:
        return candidates
    values = comparable(criteria)
    finite = np.where(np.isfinite(criteria), np.abs(criteria), 0.0)
    tol = settings.options.tolerance * np.maximum(1.0, finite.max(axis=1, initial=0.0))
    for k in range(criteria.shape[2]):
        column = values[:, :, k]
        best = np.max(np.where(candidates, column, -np.inf), axis=1, keepdims=True)
        candidates &= (column == best) | (column >= best - tol[:, k : k + 1])
    return candidates


def verdict(
    top: np.ndarray, permissible: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(policy_consistent as -1 / 0 / 1, policy_silent) per row: the policy is silent where it
    singles out several options or nothing is permissible; else the choice is consistent
    when it is the one it singles out (:func:`engine.decision.policy.policy_verdict`)."""
    silent = ~permissible.any(axis=1) | (top.sum(axis=1) > 1)
    ok = chosen >= 0
    picked = np.zeros(len(chosen), dtype=bool)
    picked[ok] = top[np.flatnonzero(ok), chosen[ok]]
    consistent = np.where(silent | ~ok, -1, picked.astype(np.int8))
    return consistent.astype(np.int8), silent
