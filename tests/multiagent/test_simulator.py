"""The simulator core (issue 12): pure steps over immutable state with explicit keys, one kernel
call per step, joint outcomes from the others' choices, role-specific norms, social learning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import phronesis
from engine.kernel.compiled import compile_problem
from engine.scenario import parse_scenario
from multiagent import networks
from multiagent.keys import split
from multiagent.population import uniform_population
from multiagent.run import simulate
from multiagent.simulator import Interaction, Simulator
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

JUNCTION = EXAMPLES / "simulations" / "junction.sim.yaml"


def _game() -> object:
    """Two drivers meet; each yields or goes. 'other_yields' is set from the other's choice.
    Both go: crash (-10 each); one goes: it gains 2, the yielder loses 1; both yield: -1 each.
    Each believes the other yields with probability 0.7. The states of 'other_yields' are in
    increasing order of the share yielding (no < 1/2 <= yes)."""
    return parse_scenario(
        {
            "name": "game",
            "decision": {"name": "move", "options": ["yield", "go"]},
            "variables": [
                {"name": "other_yields", "states": ["no", "yes"], "cpt": [0.3, 0.7]},
            ],
            "values": [
                {
                    "name": "payoff",
                    "parents": ["move", "other_yields"],
                    "utility": {
                        "yield, yes": -1,
                        "yield, no": -1,
                        "go, yes": 2,
                        "go, no": -10,
                    },
                }
            ],
            "theories": [
                {"name": "t", "kind": "cardinal", "credence": 1.0, "value_weights": {"payoff": 1}}
            ],
        }
    )


def test_two_agent_game_worked_by_hand() -> None:
    """By hand: EV(yield) = -1; EV(go) = 0.7(2) + 0.3(-10) = -1.6, so both yield. Then each
    sees the other yield (other_yields = yes) and realises -1: welfare exactly -1, every step."""
    problem = _game()
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=(),
        interaction=Interaction("other_yields", "yield", (0.5,), "group"),
    )
    population = uniform_population(problem, 2, groups=1)
    result = simulate(simulator, population, 5, seed=3)
    assert result.metrics["choice.share.yield"].tolist() == [1.0] * 5
    assert result.metrics["welfare.mean.payoff"].tolist() == [-1.0] * 5


def test_a_believed_aggressive_other_flips_the_game_and_the_joint_outcome() -> None:
    """With credence in theories fixed, change the belief: P(other yields) = 0.9 gives
    EV(go) = 0.9(2) + 0.1(-10) = 0.8 > -1, so both go — and both crash (-10): the joint
    outcome follows from the choices, not from the beliefs."""
    variant = parse_scenario(
        {
            **{
                "name": "game",
                "decision": {"name": "move", "options": ["yield", "go"]},
                "variables": [{"name": "other_yields", "states": ["no", "yes"], "cpt": [0.1, 0.9]}],
            },
            "values": [
                {
                    "name": "payoff",
                    "parents": ["move", "other_yields"],
                    "utility": {"yield, yes": -1, "yield, no": -1, "go, yes": 2, "go, no": -10},
                }
            ],
            "theories": [
                {"name": "t", "kind": "cardinal", "credence": 1.0, "value_weights": {"payoff": 1}}
            ],
        }
    )
    simulator = Simulator(
        compile_problem(variant, backend="numpy"),
        observe=(),
        interaction=Interaction("other_yields", "yield", (0.5,), "group"),
    )
    result = simulate(simulator, uniform_population(variant, 2), 3, seed=0)
    assert result.metrics["choice.share.go"].tolist() == [1.0] * 3
    assert result.metrics["welfare.mean.payoff"].tolist() == [-10.0] * 3


def test_same_seed_same_run_other_seed_other_run() -> None:
    first = phronesis.simulate(JUNCTION, agents=200, steps=5)
    again = phronesis.simulate(JUNCTION, agents=200, steps=5)
    other = phronesis.simulate(JUNCTION, agents=200, steps=5, seeds=2)
    assert first.table().equals(again.table())
    for name, values in first.runs[0].metrics.items():
        np.testing.assert_array_equal(values, other.runs[0].metrics[name])
    assert not np.array_equal(
        other.runs[0].metrics["welfare.mean.safety"], other.runs[1].metrics["welfare.mean.safety"]
    )


def test_parquet_files_are_byte_identical(tmp_path: Path) -> None:
    a = phronesis.simulate(JUNCTION, agents=100, steps=3).write(tmp_path / "a")
    b = phronesis.simulate(JUNCTION, agents=100, steps=3).write(tmp_path / "b")
    assert [p.name for p in a] == ["metrics.parquet", "runs.parquet"]
    for first, second in zip(a, b, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_role_specific_norms_apply_only_to_that_role() -> None:
    """Only agents in role 'bus' are bound by the prohibition; with a huge weight they always
    yield when a pedestrian is present, the others decide as the unconstrained problem does."""
    problem = phronesis.load(EXAMPLES / "simulations" / "junction.yaml")
    compiled = compile_problem(problem, backend="numpy")
    rng = np.random.default_rng(0)
    population = uniform_population(
        problem,
        400,
        rng=rng,
        roles={"car": 0.5, "bus": 0.5},
        norm_roles={"yield_to_pedestrians": "bus"},
    )
    population = population.replace(norm_weights=np.full((400, 1), 1e6))
    simulator = Simulator(compiled, observe=("pedestrian",))
    _, info = simulator.step(split(0)[0], simulator.init(0, population))
    present = info.evidence[:, compiled.columns.index("pedestrian")] == 0
    bus = population.roles == population.role_names.index("bus")
    yield_index = compiled.options.index("yield")
    assert (info.chosen[bus & present] == yield_index).all()
    free = phronesis.decide_rows(
        compiled,
        info.evidence[~bus],
        credences=population.credences[~bus],
        value_weights=population.value_weights[~bus],
        norm_weights=np.zeros((int((~bus).sum()), 1)),
    )
    np.testing.assert_array_equal(info.chosen[~bus], free.chosen)
    assert not info.violations[~bus].any()


def test_degroot_learning_on_a_ring_reaches_the_mean_consensus() -> None:
    """A ring with self-weight is symmetric, hence doubly stochastic: DeGroot averaging keeps
    the mean credence and converges to it (DeGroot 1974)."""
    problem = phronesis.load(EXAMPLES / "simulations" / "junction.yaml")
    population = uniform_population(problem, 12, rng=np.random.default_rng(1), concentration=2.0)
    adjacency = networks.ring(12, 4)
    simulator = Simulator(
        compile_problem(problem, backend="numpy"),
        observe=("pedestrian",),
        neighbours=adjacency,
        influence=networks.influence(adjacency, 0.5),
        learning="degroot",
    )
    result = simulate(simulator, population, 300, seed=0)
    final = result.final.population.credences
    consensus = population.credences.mean(axis=0)
    np.testing.assert_allclose(final, np.tile(consensus, (12, 1)), atol=1e-10)
    assert result.metrics["convergence.max_abs"][-1] < 1e-10
    assert result.metrics["consensus.max_abs"][-1] < 1e-10


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("scenario: junction.yaml\nagents: 0\n", "agents"),
        ("scenario: junction.yaml\nbogus: 1\n", "bogus"),
        ("scenario: ../heinz.yaml\n", "leaves the config's folder"),
        ("scenario: junction.yaml\nobserve: [near_miss]\n", "not a situation variable"),
        (
            "scenario: junction.yaml\nagents: 10\ngroups: 10\n"
            "interaction: {variable: others_yield, option: yield, bins: [0.34, 0.67]}\n",
            "alone in its group",
        ),
        ("scenario: junction.yaml\ngroups: 2\ngroup_size: 4\n", "either groups or group_size"),
    ],
)
def test_a_bad_config_is_one_line(text: str, says: str, tmp_path: Path) -> None:
    folder = tmp_path / "sim"
    folder.mkdir()
    (folder / "junction.yaml").write_text(
        (EXAMPLES / "simulations" / "junction.yaml").read_text(), encoding="utf-8"
    )
    (tmp_path / "heinz.yaml").write_text((EXAMPLES / "heinz.yaml").read_text(), encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_the_triage_fleet_study_runs_with_roles_and_bounded_confidence(tmp_path: Path) -> None:
    config = EXAMPLES / "simulations" / "triage.sim.yaml"
    result = CliRunner().invoke(
        app, ["simulate", str(config), "--agents", "300", "--steps", "4", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for name in ("metrics.parquet", "runs.parquet", "metrics.png", "credences.png", "network.png"):
        assert (tmp_path / name).stat().st_size > 0
    study = phronesis.simulate(config, agents=300, steps=4)
    metrics = study.runs[0].metrics
    assert {"fairness.mean.senior", "fairness.mean.junior"} <= set(metrics)
    assert metrics["violations.rate.no_withdrawal"].max() <= 1.0


def _vote() -> object:
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


def test_a_group_acts_on_the_option_its_members_elect() -> None:
    """Two members hold a theory preferring 'yield', one a theory preferring 'go': alone they
    split 2-1; with collective plurality all three yield."""
    problem = _vote()
    credences = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    population = uniform_population(problem, 3).replace(credences=credences)
    alone = Simulator(compile_problem(problem, backend="numpy"), observe=())
    together = Simulator(
        compile_problem(problem, backend="numpy"), observe=(), collective="plurality"
    )
    _, split_info = alone.step(7, alone.init(0, population))
    _, joint_info = together.step(7, together.init(0, population))
    assert split_info.chosen.tolist() == [0, 0, 1]
    assert joint_info.chosen.tolist() == [0, 0, 0]


def test_credences_follow_a_judge_by_bayes_rule() -> None:
    """Agents at 50/50 choose 'yield' (a tie broken by name). A judge holding 'careful' calls
    that right, erring with probability 0.1. By hand: right -> careful 0.5(0.9) / (0.5(0.9) +
    0.5(0.1)) = 0.9; wrong -> 0.1. So after one step every agent holds 0.9 or 0.1, about 90 %
    of them 0.9, and after a few steps nearly all credence is in 'careful'."""
    from multiagent.simulator import Judge

    problem = _vote()
    simulator = Simulator(
        compile_problem(problem, backend="numpy"), observe=(), judge=Judge("careful", 0.1)
    )
    population = uniform_population(problem, 1000)
    state, info = simulator.step(11, simulator.init(0, population))
    careful = state.population.credences[:, 0]
    assert np.all(np.isclose(careful, 0.9) | np.isclose(careful, 0.1))
    assert 0.85 < np.isclose(careful, 0.9).mean() < 0.95
    result = simulate(simulator, population, 8, seed=0)
    assert result.final.population.credences[:, 0].mean() > 0.95


def test_progress_mode_scores_by_hand() -> None:
    """Agents certain of 'careful' hold the value vector (caution, speed) = (1, 0). The
    reference starts at (1, 0) and drifts by (0, 1) a step: at step 1 it is (1, 1), so
    follow = cos 45° = 0.7071; next it is (1, 2), so predict = 1 / sqrt(5) = 0.4472."""
    from multiagent.dynamics import linear_reference

    problem = _vote()
    population = uniform_population(problem, 4).replace(credences=np.tile([1.0, 0.0], (4, 1)))
    simulator = Simulator(compile_problem(problem, backend="numpy"), observe=())
    reference = linear_reference(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 2)
    result = simulate(simulator, population, 2, seed=0, reference=reference)
    assert result.metrics["progress.follow"][0] == pytest.approx(2**-0.5, abs=1e-12)
    assert result.metrics["progress.predict"][0] == pytest.approx(5**-0.5, abs=1e-12)
    assert np.isnan(result.metrics["progress.predict"][-1])
