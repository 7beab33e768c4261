"""A validated config and its problem to a :class:`~multiagent.simulator.Simulator` and a
:class:`~multiagent.population.Population` (the population and networks drawn from the seed)."""

from __future__ import annotations

import numpy as np

from engine.errors import InvalidProblem
from engine.ir import DecisionProblem
from engine.kernel.compiled import compile_problem
from multiagent import networks
from multiagent.config import SimulationConfig, group_count
from multiagent.dynamics import linear_reference
from multiagent.keys import generator, split
from multiagent.population import Population, uniform_population
from multiagent.simulator import Interaction, Judge, Simulator


def build(
    config: SimulationConfig, problem: DecisionProblem, seed: int
) -> tuple[Simulator, Population]:
    """The simulator and the population of one run with ``seed``."""
    rng = generator(split(seed, 3)[2])
    spec = config.population
    population = uniform_population(
        problem,
        config.agents,
        groups=group_count(config),
        rng=rng,
        concentration=spec.concentration,
        weight_noise=spec.weight_noise,
        roles=spec.roles,
        norm_roles=spec.norm_roles,
    )
    adjacency = influence = None
    if config.network is not None:
        adjacency = networks.build(
            config.network.kind, config.agents, config.network.degree, population.groups, rng
        )
        influence = networks.influence(adjacency, config.learning.self_weight)
    decision = config.decision
    compiled = compile_problem(
        problem,
        backend=decision.backend,
        rule=decision.rule,
        normalisation=decision.normalisation,
        policy=decision.policy,
    )
    interaction = None
    if config.interaction is not None:
        spec_i = config.interaction
        interaction = Interaction(spec_i.variable, spec_i.option, tuple(spec_i.bins), spec_i.scope)
    simulator = Simulator(
        compiled,
        observe=tuple(config.observe),
        shared=tuple(config.shared),
        interaction=interaction,
        neighbours=adjacency,
        influence=influence,
        learning=config.learning.kind,
        epsilon=config.learning.epsilon,
        learn=tuple(config.learning.targets),
        value_epsilon=config.learning.value_epsilon,
        collective=None if config.collective is None else config.collective.rule,
        judge=None if config.judge is None else Judge(config.judge.theory, config.judge.noise),
    )
    return simulator, population


def progress_reference(config: SimulationConfig, problem: DecisionProblem) -> np.ndarray | None:
    """The reference value trajectory of the progress mode, (steps + 1, values), or None."""
    spec = config.progress
    if spec is None:
        return None
    names = [v.name for v in problem.values]
    for given in (spec.start, spec.drift):
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise InvalidProblem(
                "progress", f"unknown value {unknown[0]!r}; expected one of {names}"
            )
    start = np.array([spec.start.get(v, 0.0) for v in names])
    drift = np.array([spec.drift.get(v, 0.0) for v in names])
    return linear_reference(start, drift, config.steps)
