"""The junction study (``examples/simulations/junction.sim.yaml``) as a Mesa 3 model, written
independently of phronesis' simulator: the peer that ``benchmarks/simulate.py`` times and that
``tests/multiagent/test_mesa_equivalence.py`` compares phronesis' metric distributions with.

Only the scenario (``junction.yaml``: its CPTs and utilities, through the IR) and the one-agent
decision (:func:`engine.decision.pipeline.decide`) come from phronesis; the population, the
schedule, the joint outcomes and the learning are Mesa's agents and Mesa's random generators:

- agent i (i = 0..N-1) is a :class:`Vehicle` at junction ``i mod J`` (J = N / 4 junctions, so
  four vehicles a junction, assigned round-robin as phronesis does) holding credences drawn
  Dirichlet(c · C) around the problem's credences C (c = 5) from ``model.rng``;
- each step the model draws, per junction, whether a pedestrian is on the crossing
  (P(present) from the scenario's CPT, 0.2); then ``shuffle_do("decide")``: each vehicle calls
  ``decide`` on the problem with its own credences (:func:`engine.kernel.batch.with_parameters`)
  and evidence ``{pedestrian: ...}``; then ``shuffle_do("realise")``: others_yield is the state
  of the share s of the *other* vehicles at its junction that yield (none for s < 0.34, some for
  s < 0.67, most otherwise), a near miss is drawn from P(near_miss | manoeuvre, others_yield,
  pedestrian), and the utilities (safety, progress) are realised; then DeGroot averaging on a
  ring of degree 4 (neighbours i ± 1, i ± 2), self-weight 0.8: x_i' = 0.8 x_i + 0.05 Σ_j x_j,
  synchronous (``do("listen")`` then ``do("commit")``);
- a :class:`mesa.DataCollector` records per step the share yielding, the mean safety and
  progress welfare and the (population) variance of the credence in the first theory, after
  learning: the same quantities as phronesis' ``choice.share.yield``, ``welfare.mean.*`` and
  ``polarisation.variance.utilitarian``.

``interaction=False`` draws others_yield from its prior CPT instead (the others' choices
ignored): the variant the equivalence test must tell apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.ir import DecisionProblem
from engine.kernel.batch import with_parameters
from engine.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
JUNCTION = ROOT / "examples" / "simulations" / "junction.yaml"
JUNCTION_SIZE = 4
CONCENTRATION = 5.0
SELF_WEIGHT = 0.8
DEGREE = 4
BINS = (0.34, 0.67)
#: the decision settings of junction.sim.yaml
SETTINGS: dict[str, Any] = {"rule": "mec", "normalisation": "none"}
METRICS = ("share_yield", "welfare_safety", "welfare_progress", "credence_variance")


class Vehicle(mesa.Agent):
    """One vehicle: its junction, its credences and what happened to it this step."""

    def __init__(self, model: JunctionModel, index: int, junction: int, credences: np.ndarray):
        super().__init__(model)
        self.index = index
        self.junction = junction
        self.credences = credences
        self.choice: str | None = None
        self.safety = 0.0
        self.progress = 0.0
        self._next = credences

    def decide(self) -> None:
        model = self.model
        problem = with_parameters(model.problem, {"credences": self.credences})
        evidence = {"pedestrian": model.pedestrian_states[model.pedestrian[self.junction]]}
        self.choice = decide(problem, evidence, backend=model.backend, **SETTINGS).option

    def realise(self) -> None:
        model = self.model
        pedestrian = model.pedestrian[self.junction]
        if self.choice is None:  # abstained: nothing realised (as phronesis counts it)
            self.safety = self.progress = 0.0
            return
        manoeuvre = model.options.index(self.choice)
        if model.interaction:
            others = [v for v in model.junctions[self.junction] if v is not self]
            share = sum(v.choice == model.counted for v in others) / len(others) if others else 0.0
            others_yield = int(np.searchsorted(BINS, share, side="right"))
        else:
            others_yield = int(model.rng.choice(len(model.others_prior), p=model.others_prior))
        p = model.near_miss[manoeuvre, others_yield, pedestrian]
        near_miss = int(model.rng.random() >= p[0])  # 0 = "yes", 1 = "no"
        self.safety = float(model.safety[near_miss])
        self.progress = float(model.progress[manoeuvre])

    def listen(self) -> None:
        neighbours = self.model.ring[self.index]
        heard = sum(self.model.vehicles[j].credences for j in neighbours)
        self._next = SELF_WEIGHT * self.credences + (1 - SELF_WEIGHT) / len(neighbours) * heard

    def commit(self) -> None:
        self.credences = self._next


class JunctionModel(mesa.Model):
    """N vehicles at N / 4 junctions (see the module docstring); ``seed`` seeds Mesa's
    generators (``model.rng`` for every draw, ``model.random`` for the activation order)."""

    def __init__(
        self,
        agents: int,
        seed: int,
        *,
        problem: DecisionProblem | None = None,
        interaction: bool = True,
    ) -> None:
        super().__init__(rng=seed)
        self.problem = problem or load_scenario(JUNCTION)
        self.interaction = interaction
        self.backend = get_backend("numpy")  # one instance, as phronesis' compiled problem does
        p = self.problem
        self.options = p.decision.options
        self.counted = "yield"
        self.pedestrian_states = p.states("pedestrian")
        self.pedestrian_prior = p.cpt_array("pedestrian")
        self.others_prior = p.cpt_array("others_yield")
        assert p.cpt("near_miss").parents == ("manoeuvre", "others_yield", "pedestrian")
        self.near_miss = p.cpt_array("near_miss")
        self.safety = p.utility_array("safety")
        self.progress = p.utility_array("progress")
        base = np.array([t.credence for t in p.theories])
        credences = self.rng.dirichlet(np.maximum(base, 1e-3) * CONCENTRATION, size=agents)
        n_junctions = max(agents // JUNCTION_SIZE, 1)
        self.vehicles = [Vehicle(self, i, i % n_junctions, credences[i]) for i in range(agents)]
        self.junctions: list[list[Vehicle]] = [[] for _ in range(n_junctions)]
        for v in self.vehicles:
            self.junctions[v.junction].append(v)
        half = DEGREE // 2
        offsets = [*range(1, half + 1), *range(-half, 0)]
        self.ring = [
            sorted({(i + d) % agents for d in offsets} - {i}) or [i] for i in range(agents)
        ]
        self.pedestrian = np.zeros(n_junctions, dtype=np.intp)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "share_yield": lambda m: np.mean([v.choice == m.counted for v in m.vehicles]),
                "welfare_safety": lambda m: np.mean([v.safety for v in m.vehicles]),
                "welfare_progress": lambda m: np.mean([v.progress for v in m.vehicles]),
                "credence_variance": lambda m: np.var([v.credences[0] for v in m.vehicles]),
            }
        )

    def step(self) -> None:
        present = self.rng.random(len(self.junctions)) < self.pedestrian_prior[0]
        self.pedestrian = np.where(present, 0, 1)
        self.agents.shuffle_do("decide")
        self.agents.shuffle_do("realise")
        self.agents.do("listen")
        self.agents.do("commit")
        self.datacollector.collect(self)


def run(agents: int, steps: int, seed: int, **options: Any) -> dict[str, np.ndarray]:
    """``steps`` steps of the model; the per-step metrics as columns (:data:`METRICS`)."""
    model = JunctionModel(agents, seed, **options)
    for _ in range(steps):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    return {name: frame[name].to_numpy(dtype=np.float64) for name in METRICS}
