"""Value weights learn by the same social step as credences (issue 12, item 3): DeGroot
averaging to the known consensus, bounded confidence with its own threshold, the metrics that
show the weights move, and the config option with its one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sparse
from typer.testing import CliRunner

import phronesis
from engine.errors import InvalidProblem
from engine.kernel.compiled import compile_problem
from engine.scenario import parse_scenario
from multiagent import networks
from multiagent.population import uniform_population
from multiagent.run import simulate
from multiagent.simulator import Simulator
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

SIMULATIONS = EXAMPLES / "simulations"


def _vote() -> object:
    """Two values, two theories each weighing one of them, two options each serving one."""
    return parse_scenario(
        {
            "name": "vote",
            "decision": {"name": "move", "options": ["yield", "go"]},
            "variables": [{"name": "x", "states": ["x0"], "cpt": [1.0]}],
            "values": [
                {"name": "caution", "parents": ["move"], "utility": {"yield": 1, "go": 0}},
                {"name": "speed", "parents": ["move"], "utility": {"yield": 0, "go": 1}},
            ],
            "theories": [
                {
                    "name": "careful",
                    "kind": "cardinal",
                    "credence": 0.5,
                    "value_weights": {"caution": 1},
                },
                {
                    "name": "hasty",
                    "kind": "cardinal",
                    "credence": 0.5,
                    "value_weights": {"speed": 1},
                },
            ],
        }
    )


def test_degroot_moves_value_weights_to_the_left_eigenvector_average() -> None:
    """W = [[1/2, 1/2], [1/4, 3/4]]: by hand pi W = pi gives pi = (1/3, 2/3), so every agent's
    (T, V) weights converge to w_0 / 3 + 2 w_1 / 3 (DeGroot 1974). Credences, not a target
    here, stay where they were."""
    problem = _vote()
    w0 = np.array([[3.0, 0.0], [0.0, 0.0]])
    w1 = np.array([[0.0, 0.0], [0.0, 6.0]])
    credences = np.array([[0.9, 0.1], [0.2, 0.8]])
    population = uniform_population(problem, 2).replace(
        value_weights=np.stack([w0, w1]), credences=credences
    )
    influence = sparse.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]]))
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=(),
        influence=influence,
        learning="degroot",
        learn=("value_weights",),
    )
    result = simulate(simulator, population, 60, seed=0)
    expected = np.array([[1.0, 0.0], [0.0, 4.0]])  # (3, 0; 0, 0)/3 + 2 (0, 0; 0, 6)/3
    final = result.final.population
    np.testing.assert_allclose(final.value_weights, np.stack([expected, expected]), atol=1e-12)
    np.testing.assert_array_equal(final.credences, credences)
    m = result.metrics
    assert m["value_weights.consensus.max_abs"][-1] < 1e-12
    assert m["value_weights.convergence.max_abs"][0] > 0.5
    assert m["value_weights.convergence.max_abs"][-1] < 1e-12
    # one step by hand: agent 0's caution weight in 'careful' goes 3 -> 3/2, agent 1's 0 -> 3/4
    first = simulator.step(1, simulator.init(0, population))[0].population.value_weights
    assert first[:, 0, 0].tolist() == [1.5, 0.75]
    assert "consensus.max_abs" not in m  # credences do not learn: no credence consensus


def test_value_weights_and_credences_learn_together_on_a_random_network() -> None:
    """Both targets: each array's limit is 1 (pi X(0)), pi the left eigenvector of a
    non-symmetric influence matrix (a random graph with unequal degrees), checked against
    W^500 computed directly."""
    problem = phronesis.load(SIMULATIONS / "junction.yaml")
    rng = np.random.default_rng(4)
    population = uniform_population(problem, 30, rng=rng, concentration=2.0, weight_noise=0.5)
    adjacency = networks.random_graph(30, 6, rng)
    influence = networks.influence(adjacency, 0.3)
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=("pedestrian",),
        neighbours=adjacency,
        influence=influence,
        learning="degroot",
        learn=("credences", "value_weights"),
    )
    result = simulate(simulator, population, 400, seed=2)
    limit = np.linalg.matrix_power(influence.toarray(), 500)
    final = result.final.population
    n = len(population)
    np.testing.assert_allclose(
        final.value_weights.reshape(n, -1),
        limit @ population.value_weights.reshape(n, -1),
        atol=1e-9,
    )
    np.testing.assert_allclose(final.credences, limit @ population.credences, atol=1e-9)
    m = result.metrics
    assert m["value_weights.consensus.max_abs"][-1] < 1e-9 and m["consensus.max_abs"][-1] < 1e-9
    safety = m["value_weights.variance.safety"]
    assert safety[0] > 1e-3 and safety[-1] < 1e-15


def test_bounded_confidence_on_value_weights_uses_its_own_threshold() -> None:
    """Four agents differ only in the 'careful' weight of caution: 0, 0.1, 0.9, 1. With
    value_epsilon 0.2 (L1 over theories x values) each averages with those within 0.2: the
    groups {0, 0.1} and {0.9, 1} meet at 0.05 and 0.95. Credences, at epsilon 0, stay."""
    problem = _vote()
    weights = np.zeros((4, 2, 2))
    weights[:, 0, 0] = [0.0, 0.1, 0.9, 1.0]
    credences = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
    population = uniform_population(problem, 4).replace(value_weights=weights, credences=credences)
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=(),
        learning="bounded_confidence",
        epsilon=0.0,
        value_epsilon=0.2,
        learn=("credences", "value_weights"),
    )
    state, _ = simulator.step(5, simulator.init(0, population))
    np.testing.assert_allclose(state.population.value_weights[:, 0, 0], [0.05, 0.05, 0.95, 0.95])
    np.testing.assert_array_equal(state.population.value_weights[:, 1], weights[:, 1])
    np.testing.assert_array_equal(state.population.credences, credences)
    # without value_epsilon, epsilon (0) applies to the weights too: nobody moves
    same = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=(),
        learning="bounded_confidence",
        epsilon=0.0,
        learn=("value_weights",),
    )
    state, _ = same.step(5, same.init(0, population))
    np.testing.assert_array_equal(state.population.value_weights, weights)


def test_by_default_only_credences_learn_and_no_value_weight_columns_appear() -> None:
    study = phronesis.simulate(SIMULATIONS / "junction.sim.yaml", agents=40, steps=3)
    assert not [name for name in study.runs[0].metrics if name.startswith("value_weights.")]


def test_the_config_option_moves_value_weights(tmp_path: Path) -> None:
    (tmp_path / "junction.yaml").write_text(
        (SIMULATIONS / "junction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "learn.yaml"
    config.write_text(
        "scenario: junction.yaml\nagents: 60\nsteps: 8\nobserve: [pedestrian]\n"
        "population: {concentration: 5, weight_noise: 0.3}\nnetwork: {kind: ring, degree: 4}\n"
        "learning: {kind: degroot, self_weight: 0.5, targets: [credences, value_weights]}\n",
        encoding="utf-8",
    )
    m = phronesis.simulate(config).runs[0].metrics
    variance = m["value_weights.variance.progress"]
    assert variance[-1] < variance[0]
    assert (np.diff(m["value_weights.consensus.mean_l1"]) < 0).all()
    assert m["value_weights.convergence.mean_l1"][0] > 0


def test_the_simulator_refuses_an_unknown_target() -> None:
    problem = _vote()
    with pytest.raises(InvalidProblem, match="learning.targets"):
        Simulator(compile_problem(problem, backend="numpy"), observe=(), learn=("opinions",))


@pytest.mark.parametrize(
    ("learning", "says"),
    [
        ("{kind: degroot, targets: [credences, credences]}", "at most once"),
        ("{kind: degroot, targets: [opinions]}", "learning.targets"),
        ("{kind: degroot, targets: []}", "learning.targets"),
        ("{kind: bounded_confidence, value_epsilon: -1}", "learning.value_epsilon"),
    ],
)
def test_a_bad_learning_option_is_one_line(learning: str, says: str, tmp_path: Path) -> None:
    (tmp_path / "junction.yaml").write_text(
        (SIMULATIONS / "junction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        f"scenario: junction.yaml\nnetwork: {{kind: ring}}\nlearning: {learning}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["simulate", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_progress_scores_use_the_learned_value_weights() -> None:
    """Both agents are certain of 'careful'; its weights are (3, 0) for agent 0 and (0, 6) for
    agent 1. After one DeGroot step (W as above) they are (1.5, 3) and (0.75, 4.5); against
    the reference (1, 0), follow = mean(1.5 / sqrt(11.25), 0.75 / sqrt(20.8125)), not the
    mean(1, 0) of the weights they started with."""
    from multiagent.dynamics import linear_reference

    problem = _vote()
    weights = np.array([[[3.0, 0.0], [0.0, 0.0]], [[0.0, 6.0], [0.0, 0.0]]])
    population = uniform_population(problem, 2).replace(
        value_weights=weights, credences=np.array([[1.0, 0.0], [1.0, 0.0]])
    )
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=(),
        influence=sparse.csr_matrix(np.array([[0.5, 0.5], [0.25, 0.75]])),
        learning="degroot",
        learn=("value_weights",),
    )
    reference = linear_reference(np.array([1.0, 0.0]), np.zeros(2), 1)
    m = simulate(simulator, population, 1, seed=0, reference=reference).metrics
    expected = (1.5 / np.sqrt(11.25) + 0.75 / np.sqrt(20.8125)) / 2
    assert m["progress.follow"][0] == pytest.approx(expected, abs=1e-12)
