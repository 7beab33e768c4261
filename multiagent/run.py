"""A run: ``steps`` steps of a :class:`~multiagent.simulator.Simulator` from one seed, with the
metrics of every step as columns (one row per step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from multiagent.keys import split
from multiagent.population import Population
from multiagent.simulator import SimState, Simulator, StepInfo


@dataclass(frozen=True, slots=True)
class RunResult:
    """Per-step metrics as columns (``t`` and one column per metric) and the final state."""

    seed: int
    metrics: dict[str, np.ndarray]
    final: SimState


def simulate(
    simulator: Simulator,
    population: Population,
    steps: int,
    seed: int,
    *,
    on_step: Callable[[int], None] | None = None,
) -> RunResult:
    """Run ``steps`` steps from ``seed``: key_t is the t-th of the keys split from the seed, so a
    run is a pure function of (simulator, population, steps, seed)."""
    if steps < 1:
        raise ValueError(f"steps: expected at least 1, found {steps}")
    init_key, *step_keys = split(seed, steps + 1)
    state = simulator.init(init_key, population)
    rows: list[dict[str, float]] = []
    for key in step_keys:
        state, info = simulator.step(key, state)
        rows.append({"t": float(state.t), **step_metrics(simulator, state, info)})
        if on_step is not None:
            on_step(state.t)
    columns = {name: np.array([row[name] for row in rows]) for name in rows[0]}
    return RunResult(seed, columns, state)


def step_metrics(simulator: Simulator, state: SimState, info: StepInfo) -> dict[str, float]:
    """The metrics of one step, flat and named for a table: the share choosing each option and
    abstaining, mean welfare per value, realised violation rate per norm, mean and variance of
    each theory's credence, and the largest change of any credence (convergence)."""
    problem = simulator.compiled.problem
    n = len(info.chosen)
    out: dict[str, float] = {}
    for a, option in enumerate(problem.decision.options):
        out[f"share[{option}]"] = float(np.count_nonzero(info.chosen == a) / n)
    out["share[abstain]"] = float(np.count_nonzero(info.chosen < 0) / n)
    for j, value in enumerate(problem.values):
        out[f"welfare[{value.name}]"] = float(info.utilities[:, j].mean())
    for k, norm in enumerate(problem.norms):
        out[f"violation_rate[{norm.name}]"] = float(info.violations[:, k].mean())
    credences = state.population.credences
    for t, theory in enumerate(problem.theories):
        out[f"credence_mean[{theory.name}]"] = float(credences[:, t].mean())
        out[f"credence_var[{theory.name}]"] = float(credences[:, t].var())
    out["credence_change"] = float(np.abs(credences - info.credences_before).max())
    return out
