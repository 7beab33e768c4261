"""The simulator core (shared/DESIGN.md, "multiagent/"): pure functions over immutable state
with an explicit key, in the BlackJAX shape — ``init(key, population) -> SimState`` and
``step(key, state) -> (SimState, StepInfo)`` on a frozen :class:`Simulator`.

One step, for N agents at once:

1. situations: the variables the decision cannot influence are drawn per agent from the
   problem's model (those listed as ``shared`` once per group), and each agent observes
   ``observe`` of them;
2. every agent decides in **one kernel call** (:func:`engine.kernel.decide.decide_rows`) with
   its own credences, value weights, norm weights and role-specific norms; with a
   ``collective`` rule each group then acts together on the option its members' scores elect
   (plurality, Borda, Copeland, ...: :mod:`multiagent.social_choice`), or, with the
   ``moral_graph`` rule, on the option best under the PageRank weights of the "wiser than"
   graph of its members' value weights (:func:`multiagent.moral_graph.moral_graph_choice`);
3. joint outcomes: the ``interaction`` variable of each agent is set from the others' choices
   (the share of its group, or of its neighbours, choosing an option), then the outcomes are
   drawn given do(choice);
4. realised utilities per value and norm violations per agent;
5. with a ``judge``, each agent updates its credences by Bayes' rule on whether a judge holding
   a reference theory calls its choice right (:class:`Judge`);
6. credences — and, where ``learn`` names them, value weights — move by social learning
   (DeGroot averaging on the influence network, or bounded confidence, Hegselmann & Krause
   2002; :mod:`multiagent.dynamics`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sparse

from engine.errors import InvalidProblem
from engine.kernel.compiled import CompiledProblem
from engine.kernel.decide import decide_rows
from multiagent.degroot import apply_influence, checked_influence
from multiagent.dynamics import bayes_update, bounded_confidence_step
from multiagent.keys import generator, split
from multiagent.moral_graph import moral_graph_choice
from multiagent.population import Population
from multiagent.sampling import before_decision, sample_worlds
from multiagent.social_choice import SOCIAL_CHOICE_RULES, social_choice

LEARNING: tuple[str, ...] = ("none", "degroot", "bounded_confidence")
#: what social learning may move
LEARN_TARGETS: tuple[str, ...] = ("credences", "value_weights")
#: the collective rules: the social-choice rules over scores, and the moral graph over values
COLLECTIVE_RULES: tuple[str, ...] = (*SOCIAL_CHOICE_RULES, "moral_graph")


@dataclass(frozen=True, slots=True)
class Interaction:
    """Agent i's ``variable`` is set from the others' choices: the share s_i of its group
    (``scope="group"``) or of its neighbours (``"neighbours"``) choosing ``option``, in state k
    when ``bins[k-1] <= s_i < bins[k]`` (k = number of bins below or at s_i)."""

    variable: str
    option: str
    bins: tuple[float, ...]
    scope: str = "group"


@dataclass(frozen=True, slots=True)
class Judge:
    """A judge who holds ``theory`` tells each agent, after it acts, whether its choice was
    right (the option ``theory`` ranks best among the permissible ones), wrong with probability
    ``noise``. Agents update their credences by Bayes' rule on that judgment:
    L(right | T) = 1 - noise if T also ranks the choice best, else noise."""

    theory: str
    noise: float = 0.1


@dataclass(frozen=True, slots=True)
class SimState:
    """Step ``t`` and the population as it stands (credences move with learning)."""

    t: int
    population: Population


@dataclass(frozen=True, slots=True)
class StepInfo:
    """What happened in one step, per agent: the evidence index each decided on, the chosen
    option (-1 abstained), the realised utility per value (N, V) and violations (N, K); the
    credences (N, T) and value weights (N, T, V) the agents held before learning; with the
    ``moral_graph`` rule, each group's PageRank weight of each value (G, V)."""

    evidence: np.ndarray
    chosen: np.ndarray
    abstention: np.ndarray
    utilities: np.ndarray
    violations: np.ndarray
    credences_before: np.ndarray
    value_weights_before: np.ndarray
    group_values: np.ndarray | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Simulator:
    """The static part of a simulation: the compiled problem and how agents meet it.

    ``learning`` moves the arrays named in ``learn`` (:data:`LEARN_TARGETS`); bounded
    confidence uses ``epsilon`` for credences and ``value_epsilon`` (``epsilon`` if None) for
    value weights. ``collective`` is one of :data:`COLLECTIVE_RULES`.
    """

    compiled: CompiledProblem
    observe: tuple[str, ...]
    shared: tuple[str, ...] = ()
    interaction: Interaction | None = None
    neighbours: sparse.csr_matrix | None = None
    influence: sparse.csr_matrix | None = None
    learning: str = "none"
    epsilon: float = 0.1
    learn: tuple[str, ...] = ("credences",)
    value_epsilon: float | None = None
    collective: str | None = None
    judge: Judge | None = None
    _situation: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        problem = self.compiled.problem
        situation = before_decision(problem)
        for name in self.observe + self.shared:
            if name not in situation:
                raise InvalidProblem(
                    "observe",
                    f"{name!r} is not a situation variable (it depends on the decision or does "
                    f"not exist); expected one of {sorted(situation)}",
                )
        if self.interaction is not None:
            i = self.interaction
            if i.variable not in situation or i.variable in self.observe:
                raise InvalidProblem(
                    "interaction.variable",
                    f"{i.variable!r} must be an unobserved variable the decision cannot influence",
                )
            if i.option not in problem.decision.options:
                raise InvalidProblem("interaction.option", f"unknown option {i.option!r}")
            if len(i.bins) != len(problem.states(i.variable)) - 1:
                raise InvalidProblem(
                    "interaction.bins",
                    f"{i.variable!r} has {len(problem.states(i.variable))} states: give "
                    f"{len(problem.states(i.variable)) - 1} share thresholds",
                )
            if i.scope not in ("group", "neighbours"):
                raise InvalidProblem("interaction.scope", "expected 'group' or 'neighbours'")
            if i.scope == "neighbours" and self.neighbours is None:
                raise InvalidProblem("interaction.scope", "'neighbours' needs a network")
            situation = situation - {i.variable}
        if self.collective is not None and self.collective not in COLLECTIVE_RULES:
            known = ", ".join(sorted(COLLECTIVE_RULES))
            raise InvalidProblem(
                "collective.rule", f"unknown rule {self.collective!r}; expected one of {known}"
            )
        if self.judge is not None:
            theories = [t.name for t in problem.theories]
            if self.judge.theory not in theories:
                raise InvalidProblem("judge.theory", f"expected one of {theories}")
            if not 0.0 < self.judge.noise < 0.5:
                raise InvalidProblem("judge.noise", "expected a number in (0, 0.5)")
        if self.learning not in LEARNING:
            raise InvalidProblem("learning", f"expected one of {', '.join(LEARNING)}")
        unknown = [t for t in self.learn if t not in LEARN_TARGETS]
        if unknown or not self.learn or len(set(self.learn)) != len(self.learn):
            raise InvalidProblem(
                "learning.targets",
                f"expected each of {', '.join(LEARN_TARGETS)} at most once, "
                f"found {list(self.learn)}",
            )
        if self.learning != "none" and self.influence is None and self.learning == "degroot":
            raise InvalidProblem("learning", "DeGroot learning needs an influence network")
        if self.influence is not None:  # checked once here, applied every step
            object.__setattr__(self, "influence", checked_influence(self.influence))
        object.__setattr__(self, "_situation", situation)

    def init(self, key: int, population: Population) -> SimState:
        """The state before the first step (the key is unused: the population is given).
        An interaction within groups needs every agent to have others in its group."""
        del key
        spec = self.interaction
        if spec is not None and spec.scope == "group" and len(population):
            smallest = int(np.bincount(population.groups).min())
            if smallest < 2:
                raise InvalidProblem(
                    "groups",
                    f"the interaction {spec.variable!r} depends on the others in an agent's group, "
                    "but some agent is alone in its group; use group_size >= 2 or fewer groups",
                )
        return SimState(0, population)

    def step(self, key: int, state: SimState) -> tuple[SimState, StepInfo]:
        """One step of the simulation for every agent (see the module docstring)."""
        situation_key, outcome_key, judge_key = split(key, 3)
        population = state.population
        n = len(population)
        problem = self.compiled.problem
        world = self._situations(generator(situation_key), population)
        columns = self.compiled.columns
        index = np.full((n, len(columns)), -1, dtype=np.intp)
        for name in self.observe:
            index[:, columns.index(name)] = world[name]
        batch = decide_rows(
            self.compiled,
            index,
            credences=population.credences,
            value_weights=population.value_weights,
            norm_weights=population.norm_weights,
            norm_active=population.norm_active(),
        )
        chosen, group_values = batch.chosen, None
        if self.collective == "moral_graph":
            chosen, group_values = self._moral_graph(batch, population)
        elif self.collective is not None:
            chosen = self._collective(batch.scores, population)
        acted = chosen >= 0
        fixed = {**world, problem.decision.name: np.where(acted, chosen, 0)}
        if self.interaction is not None:
            fixed[self.interaction.variable] = self._interaction_states(chosen, population)
        outcome = sample_worlds(problem, generator(outcome_key), n, fixed)
        utilities, violations = self._realised(outcome, acted, population)
        credences = population.credences
        if self.judge is not None:
            credences = self._judged(generator(judge_key), batch, chosen, credences)
        learned = self._learn(credences, population.value_weights)
        info = StepInfo(
            index,
            chosen,
            batch.abstention,
            utilities,
            violations,
            population.credences,
            population.value_weights,
            group_values,
        )
        return SimState(state.t + 1, population.replace(**learned)), info

    # -- the parts of a step -----------------------------------------------------------------
    def _situations(self, rng: np.random.Generator, population: Population) -> dict[str, Any]:
        problem = self.compiled.problem
        n = len(population)
        fixed: dict[str, np.ndarray] = {}
        if self.shared:
            groups = population.group_count
            per_group = sample_worlds(problem, rng, groups, {}, self._situation)
            fixed = {name: per_group[name][population.groups] for name in self.shared}
        return sample_worlds(problem, rng, n, fixed, self._situation)

    def _judged(
        self, rng: np.random.Generator, batch: Any, chosen: np.ndarray, credences: np.ndarray
    ) -> np.ndarray:
        """Bayes' rule on the judge's verdict (see :class:`Judge`); agents that abstained
        learn nothing."""
        assert self.judge is not None
        names = [t.name for t in self.compiled.problem.theories]
        cw = np.where(batch.permissible[:, :, None], batch.choiceworthiness, -np.inf)
        best = cw.argmax(axis=1)  # (N, T): each theory's best permissible option
        acted = chosen >= 0
        agrees = best == chosen[:, None]
        right = agrees[:, names.index(self.judge.theory)]
        verdict = right ^ (rng.random(len(chosen)) < self.judge.noise)
        noise = self.judge.noise
        likelihood = np.where(agrees == verdict[:, None], 1.0 - noise, noise)
        likelihood[~acted] = 1.0
        posterior, _ = bayes_update(credences, likelihood)
        return posterior

    def _collective(self, scores: np.ndarray, population: Population) -> np.ndarray:
        """Each group acts together on the option its members' scores elect under the
        social-choice rule (:mod:`multiagent.social_choice`); a group whose rule names no
        winner (a Condorcet cycle, no option beating the disagreement point) abstains."""
        assert self.collective is not None
        (padded,), weights = _by_group(population.groups, scores)
        winners = social_choice(self.collective, padded, weights).winner
        return np.asarray(winners, dtype=np.intp)[population.groups]

    def _moral_graph(self, batch: Any, population: Population) -> tuple[np.ndarray, np.ndarray]:
        """Each group acts on the option best under the PageRank weights of the "wiser than"
        graph of its members' credence-weighted value weights x_nv = sum_T c_nT w_nTv
        (:func:`multiagent.moral_graph.moral_graph_choice`); it abstains when no option is
        permissible for every member. Returns the choices and each group's value weights."""
        values = np.einsum("nt,ntv->nv", population.credences, population.value_weights)
        (expected, permissible, x), weights = _by_group(
            population.groups, batch.expected_values, batch.permissible, values
        )
        choice, ranking = moral_graph_choice(expected, permissible.astype(bool), x, weights)
        winners = np.asarray(choice.winner, dtype=np.intp)[population.groups]
        return winners, ranking.scores

    def _interaction_states(self, chosen: np.ndarray, population: Population) -> np.ndarray:
        spec = self.interaction
        assert spec is not None
        option = self.compiled.options.index(spec.option)
        picks = (chosen == option).astype(np.float64)
        if spec.scope == "group":
            totals = np.bincount(population.groups, weights=picks)
            sizes = np.bincount(population.groups).astype(np.float64)
            others = totals[population.groups] - picks
            count = sizes[population.groups] - 1
        else:
            assert self.neighbours is not None
            others = self.neighbours @ picks
            count = np.asarray(self.neighbours.sum(axis=1)).ravel()
        share = np.divide(others, count, out=np.zeros_like(others), where=count > 0)
        return np.searchsorted(np.asarray(spec.bins), share, side="right").astype(np.intp)

    def _realised(
        self, outcome: dict[str, np.ndarray], acted: np.ndarray, population: Population
    ) -> tuple[np.ndarray, np.ndarray]:
        """U_v at the realised states, and 1[event_k] for the norms binding the chosen option
        (0 for agents who abstained and for norms outside an agent's role)."""
        problem = self.compiled.problem
        decision = problem.decision.name
        n = len(acted)
        utilities = np.zeros((n, len(problem.values)))
        for j, value in enumerate(problem.values):
            table = problem.utility_array(value.name)
            utilities[:, j] = (
                table[tuple(outcome[p] for p in value.parents)] if value.parents else table
            )
        structure = self.compiled.structure
        violations = np.zeros((n, len(problem.norms)), dtype=bool)
        for k, reduction in enumerate(structure.norms):
            targets = structure.targets[reduction.target]
            at = (outcome[decision], *(outcome[t] for t in targets))
            violations[:, k] = reduction.table[at] > 0.5
        utilities[~acted] = 0.0
        violations[~acted] = False
        active = population.norm_active()
        if active is not None:
            violations &= active
        return utilities, violations

    def _learn(self, credences: np.ndarray, value_weights: np.ndarray) -> dict[str, np.ndarray]:
        """Social learning of the arrays in ``learn``: DeGroot x' = W x, or bounded confidence
        (L1 distance between agents' credence vectors, or between their value weights over
        theories x values, among neighbours when there is a network). Each array moves by its
        own step: closeness in credences does not decide whom one listens to on weights."""
        out = {"credences": credences}
        if self.learning == "none":
            return out
        given = {"credences": credences, "value_weights": value_weights}
        for name in self.learn:
            x = given[name]
            if self.learning == "degroot":
                assert self.influence is not None
                out[name] = apply_influence(self.influence, x)
            else:
                epsilon = self.epsilon
                if name == "value_weights" and self.value_epsilon is not None:
                    epsilon = self.value_epsilon
                flat = bounded_confidence_step(
                    x.reshape(len(x), -1), epsilon, norm="l1", neighbours=self.neighbours
                )
                out[name] = flat.reshape(x.shape)
        return out


def _by_group(groups: np.ndarray, *arrays: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-agent arrays (N, ...) laid out by group, (G, M, ...) with M the largest group,
    padded with NaN (False for bool arrays), and the weights (G, M): 1 per member, 0 padding."""
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups)
    position = np.arange(len(groups)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    at = (groups[order], position)
    padded = []
    for array in arrays:
        fill = False if array.dtype == bool else np.nan
        out = np.full((len(sizes), int(sizes.max()), *array.shape[1:]), fill, dtype=array.dtype)
        out[at] = array[order]
        padded.append(out)
    weights = np.zeros((len(sizes), int(sizes.max())))
    weights[at] = 1.0
    return padded, weights
