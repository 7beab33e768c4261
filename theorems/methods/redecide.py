"""One assignment re-decided by a code path other than the kernel, for re-checking a
counterexample: :func:`engine.decision.pipeline.decide` (per-row inference, per-row rules and
the explanation). Where the pipeline refuses the evidence (probability 0 under some option,
which the kernel handles by excluding that option) the kernel's one-row path is used and the
result says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.ir import DecisionProblem
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from theorems.task import Task


@dataclass(frozen=True, slots=True)
class Redecided:
    """A decision as plain per-option data: the ``option`` chosen (``None``: abstain),
    ``permissible``, ``scores`` (``None`` where impermissible), ``expected_values`` and
    ``norm_violation`` per option, ``policy_consistent`` (``None`` without a verdict),
    ``via``: ``"pipeline"`` or ``"kernel"``, and ``possible`` per option (kernel only: the
    pipeline decides only evidence possible under every option)."""

    option: str | None
    permissible: Mapping[str, bool]
    scores: Mapping[str, float | None]
    expected_values: Mapping[str, Mapping[str, float]]
    norm_violation: Mapping[str, Mapping[str, float]]
    policy_consistent: bool | None
    via: str
    possible: Mapping[str, bool] | None = None

    def is_possible(self, option: str) -> bool:
        """P(e | do(option)) > 0 (always, for a decision the pipeline made)."""
        return self.possible is None or self.possible[option]


def redecide(
    task: Task, evidence: Mapping[str, str], problem: DecisionProblem | None = None
) -> Redecided:
    """Decide ``evidence`` on ``problem`` (default: the task's) under the task's settings with
    the pipeline, or with the kernel's one-row path where the pipeline refuses the evidence."""
    problem = task.problem if problem is None else problem
    arguments = dict(task.compiled.arguments)
    try:
        decision = decide(problem, evidence, **arguments)
    except EvidenceError:
        return _kernel(task, problem, evidence)
    return Redecided(
        decision.option,
        {r.option: r.permissible for r in decision.options},
        {r.option: r.score for r in decision.options},
        {r.option: dict(r.expected_values) for r in decision.options},
        {r.option: dict(r.norm_violation) for r in decision.options},
        decision.policy_consistent,
        "pipeline",
    )


def _kernel(task: Task, problem: DecisionProblem, evidence: Mapping[str, str]) -> Redecided:
    compiled = compile_problem(problem, **task.compiled.arguments)
    batch = decide_rows(compiled, [dict(evidence)])
    options = compiled.options
    values = [v.name for v in problem.values]
    norms = [n.name for n in problem.norms]
    chosen = int(batch.chosen[0])
    consistent = int(batch.policy_consistent[0])
    return Redecided(
        options[chosen] if chosen >= 0 else None,
        {o: bool(batch.permissible[0, a]) for a, o in enumerate(options)},
        {
            o: None if np.isnan(batch.scores[0, a]) else float(batch.scores[0, a])
            for a, o in enumerate(options)
        },
        {
            o: {v: float(batch.expected_values[0, a, j]) for j, v in enumerate(values)}
            for a, o in enumerate(options)
        },
        {
            o: {n: float(batch.violation[0, a, k]) for k, n in enumerate(norms)}
            for a, o in enumerate(options)
        },
        None if consistent < 0 else bool(consistent),
        "kernel",
        {o: bool(batch.possible[0, a]) for a, o in enumerate(options)},
    )
