"""The brute-force reference the exhaustive checks are tested against: every assignment of a
task's evidence space decided one at a time by :func:`engine.decision.pipeline.decide` (not the
kernel), and the built-in properties' statements evaluated on those decisions directly."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from engine.decision.pipeline import decide
from engine.decision.result import Decision
from engine.rules.base import TIE_TOLERANCE, tolerance
from theorems.space import TableDigest
from theorems.task import Task


@dataclass(frozen=True)
class Row:
    number: int
    evidence: dict[str, str]
    decision: Decision


def rows(task: Task) -> list[Row]:
    """Every assignment in assignment order (the last observable fastest, unobserved last)."""
    problem = task.problem
    domains = [(*problem.states(v), None) for v in task.observables]
    out = []
    for number, states in enumerate(itertools.product(*domains)):
        evidence = {v: s for v, s in zip(task.observables, states, strict=True) if s is not None}
        out.append(Row(number, evidence, decide(problem, evidence, **task.compiled.arguments)))
    return out


def table_sha256(task: Task, decided: list[Row]) -> str:
    options = task.compiled.options
    chosen = [options.index(r.decision.option) if r.decision.option else -1 for r in decided]
    digest = TableDigest(task)
    digest.update(np.array(chosen))
    return digest.hexdigest()


def deontic_unsafe(task: Task, d: Decision) -> bool:
    thresholds = {n.name: n.threshold for n in task.problem.norms}

    def prohibited(report) -> bool:
        return any(p > thresholds[n] + 1e-12 for n, p in report.norm_violation.items())

    if d.option is None:
        return False
    chosen = next(r for r in d.options if r.option == d.option)
    return prohibited(chosen) and any(not prohibited(r) for r in d.options)


def not_optimal(task: Task, d: Decision) -> bool:
    if d.option is None:
        return False
    scores = {r.option: r.score for r in d.options if r.permissible and r.score is not None}
    if d.option not in scores:
        return True
    row = np.array(list(scores.values()))
    relative = task.compiled.settings.options.tolerance
    return scores[d.option] < row.max() - tolerance(row, relative)


def pareto_dominated(task: Task, d: Decision) -> bool:
    if d.option is None or not task.problem.values:
        return False
    ev = {r.option: r.expected_values for r in d.options}
    scale = max([1.0, *(abs(x) for e in ev.values() for x in e.values())])
    mine = ev[d.option]
    return any(
        r.permissible and all(r.expected_values[v] > mine[v] + TIE_TOLERANCE * scale for v in mine)
        for r in d.options
    )
