"""A run: ``steps`` steps of a :class:`~multiagent.simulator.Simulator` from one seed, with the
metrics of every step as columns (one row per step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from multiagent import metrics
from multiagent.degroot import degroot_consensus
from multiagent.dynamics import progress_scores
from multiagent.keys import split
from multiagent.population import Population
from multiagent.simulator import SimState, Simulator, StepInfo

#: the largest population whose DeGroot consensus is computed (a dense eigenproblem)
CONSENSUS_AGENTS = 2000


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
    reference: np.ndarray | None = None,
) -> RunResult:
    """Run ``steps`` steps from ``seed``: key_t is the t-th of the keys split from the seed, so a
    run is a pure function of (simulator, population, steps, seed). ``reference`` (steps + 1,
    values) is a moving reference value vector (the "progress" mode): each step then reports
    ``progress.follow`` / ``progress.predict``, the mean cosine similarity of the agents'
    credence-weighted value vectors with the reference now and next (Qiu et al. 2024)."""
    if steps < 1:
        raise ValueError(f"steps: expected at least 1, found {steps}")
    init_key, *step_keys = split(seed, steps + 1)
    state = simulator.init(init_key, population)
    consensus = None
    if simulator.learning == "degroot" and len(population) <= CONSENSUS_AGENTS:
        consensus, _ = degroot_consensus(simulator.influence, population.credences)
    rows: list[dict[str, float]] = []
    for key in step_keys:
        state, info = simulator.step(key, state)
        row = {"t": float(state.t), **step_metrics(simulator, state, info, consensus)}
        if reference is not None:
            values = np.einsum("nt,ntv->nv", state.population.credences, population.value_weights)
            scores = progress_scores(values, reference, state.t)
            row["progress.follow"] = scores.follow_score
            row["progress.predict"] = scores.predict_score
        rows.append(row)
        if on_step is not None:
            on_step(state.t)
    columns = {name: np.array([row[name] for row in rows]) for name in rows[0]}
    return RunResult(seed, columns, state)


def step_metrics(
    simulator: Simulator,
    state: SimState,
    info: StepInfo,
    consensus: np.ndarray | None = None,
) -> dict[str, float]:
    """The metrics of one step, flat and named for a table (:func:`multiagent.metrics.
    step_metrics`: welfare per value, violations per norm, fairness of welfare across roles,
    agreement, polarisation and convergence of credences), with the share of agents choosing
    each option (``choice.share.<option>``, ``choice.share.abstain``) and the mean credence in
    each theory (``credence.mean.<theory>``)."""
    problem = simulator.compiled.problem
    population = state.population
    n = len(info.chosen)
    theories = [t.name for t in problem.theories]
    out: dict[str, float] = {}
    for a, option in enumerate(problem.decision.options):
        out[f"choice.share.{option}"] = float(np.count_nonzero(info.chosen == a) / n)
    out["choice.share.abstain"] = float(np.count_nonzero(info.chosen < 0) / n)
    for t, theory in enumerate(theories):
        out[f"credence.mean.{theory}"] = float(population.credences[:, t].mean())
    acted = info.chosen >= 0
    measured = metrics.step_metrics(
        utilities=info.utilities,
        violated=info.violations,
        groups=population.roles if len(population.role_names) > 1 else None,
        choices=info.chosen[acted],
        n_options=len(problem.decision.options),
        credences=population.credences,
        previous_credences=info.credences_before,
        consensus=consensus,
        value_names=[v.name for v in problem.values],
        norm_names=[k.name for k in problem.norms],
        theory_names=theories,
    )
    roles = population.role_names
    for key, value in measured.items():
        if key.startswith("fairness.mean."):  # groups are roles: name them
            key = f"fairness.mean.{roles[int(key.rsplit('.', 1)[1])]}"
        out[key] = float(value)
    return out
