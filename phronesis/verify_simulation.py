"""What the ``convergence`` property (:mod:`theorems.properties.convergence`) checks for a
simulation config: the composition root builds it from multiagent/, which theorems/ may not
import.

* ``influence``: the DeGroot influence matrix W of the config's network, given when the
  credences (and value weights, when they learn) move by DeGroot averaging alone — learning
  ``degroot``, no judge (whose Bayesian updates would mix in) and a network that does not
  depend on the seed (``ring`` or ``groups``; a ``random`` network differs per seed, so a
  certificate for one W would not cover the runs);
* ``run``: ``seed -> bool``, one run of the config from ``seed`` (population, networks and
  draws all from the seed, :func:`multiagent.run.simulate`) and whether, at its last step, the
  largest change of any learned quantity between successive steps
  (``convergence.max_abs`` and ``value_weights.convergence.max_abs``,
  :func:`multiagent.metrics.distance`) is below ``tolerance``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.ir import DecisionProblem
from multiagent.build import build
from multiagent.config import SimulationConfig, read_config, scenario_path, validate_config
from multiagent.run import simulate
from theorems.task import Task, make_task

#: the per-step change below which a run counts as converged
TOLERANCE = 1e-3
#: the metrics measuring the change of learned quantities between successive steps
CHANGE_METRICS = ("convergence.max_abs", "value_weights.convergence.max_abs")


def convergence_inputs(
    config_path: str | Path, *, tolerance: float = TOLERANCE, steps: int | None = None
) -> dict[str, Any]:
    """The ``convergence`` property's task inputs for a simulation config (module docstring);
    ``steps`` overrides the config's horizon.

    Examples
    --------
    >>> inputs = convergence_inputs("examples/simulations/junction.sim.yaml")
    >>> sorted(inputs), inputs["influence"].shape
    (['influence', 'run'], (1000, 1000))
    """
    config, problem = _read(config_path, steps)
    inputs: dict[str, Any] = {"run": run_function(config, problem, tolerance)}
    if _pure_degroot(config):
        simulator, _ = build(config, problem, config.seed)
        inputs["influence"] = simulator.influence
    return inputs


def convergence_parameters(config_path: str | Path) -> dict[str, Any]:
    """The ``convergence`` property's parameters for a simulation config: ``simulation`` (the
    path, which the property needs) and ``spread``, the largest initial spread of a learned
    quantity — 1 for credences; for value weights, that of the population of the config's
    seed (max − min over agents of any entry)."""
    config, problem = _read(config_path, None)
    spread = 1.0
    if "value_weights" in getattr(config.learning, "targets", ()):
        _, population = build(config, problem, config.seed)
        weights = np.asarray(population.value_weights, dtype=float)
        spread = max(spread, float(np.ptp(weights, axis=0).max()))
    return {"simulation": str(config_path), "spread": spread}


def convergence_task(
    config_path: str | Path,
    *,
    tolerance: float = TOLERANCE,
    steps: int | None = None,
    parameters: dict[str, Any] | None = None,
) -> Task:
    """A task for ``convergence`` on a simulation config: its scenario compiled under the
    config's decision settings, :func:`convergence_parameters` updated with ``parameters``,
    and :func:`convergence_inputs`.

    Examples
    --------
    >>> from theorems.properties.convergence import check
    >>> check(convergence_task("examples/simulations/triage.sim.yaml", steps=5)).verdict
    'refuted'
    """
    config, problem = _read(config_path, steps)
    decision = config.decision
    return make_task(
        problem,
        rule=decision.rule,
        normalisation=decision.normalisation,
        policy=decision.policy,
        backend=decision.backend,
        parameters={**convergence_parameters(config_path), **(parameters or {})},
        inputs=convergence_inputs(config_path, tolerance=tolerance, steps=steps),
    )


def run_function(
    config: SimulationConfig, problem: DecisionProblem, tolerance: float = TOLERANCE
) -> Callable[[int], bool]:
    """``seed -> bool``: whether one run from ``seed`` changed every learned quantity by less
    than ``tolerance`` (max |a − b| over agents and entries) in its last step."""

    def run(seed: int) -> bool:
        simulator, population = build(config, problem, seed)
        result = simulate(simulator, population, config.steps, seed)
        changes = [result.metrics[m][-1] for m in CHANGE_METRICS if m in result.metrics]
        return bool(changes) and max(float(c) for c in changes) < tolerance

    return run


def _read(config_path: str | Path, steps: int | None) -> tuple[SimulationConfig, DecisionProblem]:
    from phronesis.inputs import load_problem

    path = Path(config_path)
    config = read_config(path)
    if steps is not None:
        config = validate_config({**config.model_dump(), "steps": steps}, str(path))
    return config, load_problem(scenario_path(path, config))


def _pure_degroot(config: SimulationConfig) -> bool:
    return (
        config.learning.kind == "degroot"
        and config.judge is None
        and config.network is not None
        and config.network.kind in ("ring", "groups")
    )
