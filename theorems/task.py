"""What a property is checked on: a compiled problem, the evidence space, and parameters.

The evidence space is every assignment of ``observables`` in which each is observed in one of
its states or not observed at all: Π_v (|states(v)| + 1) assignments. ``parameters`` are the
property's own inputs (``radius``, ``labels``, ``monotone``, ``simulation``, ...), JSON values
only, so they go into the certificate as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import EvidenceError, listing
from engine.ir import DecisionProblem
from engine.kernel.compiled import CompiledProblem, compile_problem

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, eq=False)
class Task:
    """A problem compiled under ``settings`` (rule, normalisation, policy, backend), the
    observables spanning the evidence space, property parameters, and an optional progress
    callback ``progress(done, total)``. ``executor`` is ``"local"`` or ``"ray"`` (with
    ``address`` in parameters) for sharded exhaustive checks. ``inputs`` are what is not JSON
    and is supplied by the composition root (an influence matrix, a function that runs one
    simulation); a property records a digest of what it used in its certificate."""

    compiled: CompiledProblem
    observables: tuple[str, ...]
    settings: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    progress: Progress | None = None
    executor: str = "local"
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def problem(self) -> DecisionProblem:
        return self.compiled.problem

    @property
    def space_size(self) -> int:
        """Π_v (|states(v)| + 1) over the observables."""
        size = 1
        for name in self.observables:
            size *= len(self.problem.states(name)) + 1
        return size


def make_task(
    problem: DecisionProblem,
    observables: Sequence[str] | None = None,
    *,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str = "auto",
    parameters: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    executor: str = "local",
    inputs: Mapping[str, Any] | None = None,
) -> Task:
    """Compile ``problem`` and name the evidence space (default: every chance variable the
    decision cannot influence — the situation a controller observes)."""
    settings = {"rule": rule, "normalisation": normalisation, "policy": policy, "backend": backend}
    compiled = compile_problem(problem, **settings)
    chance = [v.name for v in problem.variables]
    if observables is None:
        observables = situation_variables(problem)
    for name in observables:
        if name not in chance:
            raise EvidenceError(f"unknown observable {name!r}; expected one of {listing(chance)}")
    return Task(
        compiled,
        tuple(observables),
        settings,
        dict(parameters or {}),
        progress,
        executor,
        dict(inputs or {}),
    )


def situation_variables(problem: DecisionProblem) -> tuple[str, ...]:
    """Chance variables that are not descendants of the decision, in the problem's order."""
    after = problem.descendants(problem.decision.name)
    return tuple(v.name for v in problem.variables if v.name not in after)
