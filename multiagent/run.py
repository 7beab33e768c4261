"""A run: ``steps`` steps of a :class:`~multiagent.simulator.Simulator` from one seed, with the
metrics of every step as columns (one row per step)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from multiagent import metrics
from multiagent.degroot import consensus_analysis
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
    credence-weighted value vectors with the reference now and next (Qiu et al. 2024).

    With DeGroot learning and at most :data:`CONSENSUS_AGENTS` agents, the known limit of each
    learned array X(0), 1 (pi X(0)) with pi the left eigenvector of the influence matrix
    (DeGroot 1974), is computed once and each step reports its distance to it."""
    if steps < 1:
        raise ValueError(f"steps: expected at least 1, found {steps}")
    init_key, *step_keys = split(seed, steps + 1)
    state = simulator.init(init_key, population)
    consensus: dict[str, np.ndarray] = {}
    if simulator.learning == "degroot" and len(population) <= CONSENSUS_AGENTS:
        pi = consensus_analysis(simulator.influence).weights
        start = {"credences": population.credences, "value_weights": population.value_weights}
        if pi is not None:
            consensus = {name: np.tensordot(pi, start[name], axes=1) for name in simulator.learn}
    rows: list[dict[str, float]] = []
    for key in step_keys:
        state, info = simulator.step(key, state)
        row = {"t": float(state.t), **step_metrics(simulator, state, info, consensus)}
        if reference is not None:
            current = state.population
            values = np.einsum("nt,ntv->nv", current.credences, current.value_weights)
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
    consensus: dict[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """The metrics of one step, flat and named for a table (:func:`multiagent.metrics.
    step_metrics`: welfare per value, violations per norm, fairness of welfare across roles,
    agreement, polarisation and convergence of credences), with the share of agents choosing
    each option (``choice.share.<option>``, ``choice.share.abstain``) and the mean credence in
    each theory (``credence.mean.<theory>``). ``consensus`` maps a learned array's name to its
    known DeGroot limit (one agent's row).

    When value weights learn: ``value_weights.variance.<value>``, the variance across agents
    of w_iTv averaged over theories T, (1/T) sum_T Var_i(w_iTv); ``value_weights.convergence.
    max_abs`` / ``mean_l1``, the distance between successive states of the (N, T x V) weights
    (:func:`multiagent.metrics.distance`); ``value_weights.consensus.*``, the distance to the
    DeGroot limit. With the ``moral_graph`` rule: ``moral_graph.weight.<value>``, the PageRank
    weight of each value averaged over groups."""
    consensus = consensus or {}
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
        consensus=consensus.get("credences"),
        value_names=[v.name for v in problem.values],
        norm_names=[k.name for k in problem.norms],
        theory_names=theories,
    )
    roles = population.role_names
    for key, value in measured.items():
        if key.startswith("fairness.mean."):  # groups are roles: name them
            key = f"fairness.mean.{roles[int(key.rsplit('.', 1)[1])]}"
        out[key] = float(value)
    values = [v.name for v in problem.values]
    if "value_weights" in simulator.learn and simulator.learning != "none":
        out.update(_value_weight_metrics(population, info, consensus.get("value_weights"), values))
    if info.group_values is not None:
        for v, name in enumerate(values):
            out[f"moral_graph.weight.{name}"] = float(info.group_values[:, v].mean())
    return out


def _value_weight_metrics(
    population: Population, info: StepInfo, consensus: np.ndarray | None, values: list[str]
) -> dict[str, float]:
    """Spread and movement of the agents' value weights (see :func:`step_metrics`)."""
    weights = population.value_weights
    n = len(weights)
    out = {
        f"value_weights.variance.{name}": float(weights[:, :, v].var(axis=0).mean())
        for v, name in enumerate(values)
    }
    moved = metrics.distance(info.value_weights_before.reshape(n, -1), weights.reshape(n, -1))
    out["value_weights.convergence.max_abs"] = moved.max_abs
    out["value_weights.convergence.mean_l1"] = moved.mean_l1
    if consensus is not None:
        gap = metrics.distance(weights.reshape(n, -1), consensus.reshape(-1))
        out["value_weights.consensus.max_abs"] = gap.max_abs
        out["value_weights.consensus.mean_l1"] = gap.mean_l1
    return out


def summarise(columns: dict[str, np.ndarray]) -> dict[str, float]:
    """One run's per-step metrics in one row: ``final.<metric>``, the value at the last step
    (for ``convergence.*`` the last distance between successive states), and ``mean.<metric>``,
    the mean over the steps where the metric is defined (not NaN; NaN where it never is), for
    every metric but the step ``t``; ``steps``, the number of steps.

    Examples
    --------
    >>> summarise({"t": np.array([1.0, 2.0]), "welfare.mean.care": np.array([1.0, 3.0])})
    {'steps': 2.0, 'final.welfare.mean.care': 3.0, 'mean.welfare.mean.care': 2.0}
    """
    names = [name for name in columns if name != "t"]
    out = {"steps": float(len(columns["t"]))}
    out.update({f"final.{name}": float(columns[name][-1]) for name in names})
    for name in names:
        defined = columns[name][~np.isnan(columns[name])]
        out[f"mean.{name}"] = float(defined.mean()) if defined.size else float("nan")
    return out
