"""The moral graph as a collective rule (issue 12, item 2): "wiser than" edges from members'
value weights, PageRank per group, and the group acting on the option best under those
weights — worked by hand, in the simulator and from a config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import phronesis
from engine.kernel.compiled import compile_problem
from engine.scenario import parse_scenario
from multiagent.build import build
from multiagent.config import read_config
from multiagent.moral_graph import (
    MoralGraphError,
    moral_graph_choice,
    weighted_pagerank,
    wiser_than_edges,
)
from multiagent.population import uniform_population
from multiagent.run import simulate
from multiagent.simulator import Simulator
from tests.conftest import EXAMPLES

SIMULATIONS = EXAMPLES / "simulations"

# Values (caution, speed); options yield (1, 0), go (0, 1), creep (0.6, 0.6).
EV = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]])
HASTY, CAREFUL = [0.0, 1.0], [1.0, 0.0]


def test_wiser_than_edges_by_hand() -> None:
    """Values (a, b, c). Two members weigh (3, 2, 1), one (0, 1, 2), one (1, 1, 0) (a tie:
    no edge between a and b). Endorsements "v wiser than u" (u -> v):
    a->b 1, a->c 1, b->a 2, b->c 1, c->a 2+1, c->b 2+1; net: b->a 1, c->a 2, c->b 2."""
    x = np.array([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 0.0]])
    raw = [[0.0, 1.0, 1.0], [2.0, 0.0, 1.0], [3.0, 3.0, 0.0]]
    net = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 2.0, 0.0]]
    assert wiser_than_edges(x, net=False).tolist() == raw
    assert wiser_than_edges(x).tolist() == net
    # a is dangling, b sends all to a, c half to a and half to b; with q = (1 - d)/3:
    # x_c = q + d x_a/3, x_b = q + d (x_a/3 + x_c/2), x_a = q + d (x_a/3 + x_b + x_c/2)
    s = weighted_pagerank(wiser_than_edges(x)).scores
    d, q = 0.85, 0.05
    assert s[2] == pytest.approx(q + d * s[0] / 3, abs=1e-12)
    assert s[1] == pytest.approx(q + d * (s[0] / 3 + s[2] / 2), abs=1e-12)
    assert s[0] == pytest.approx(q + d * (s[0] / 3 + s[1] + s[2] / 2), abs=1e-12)
    assert s[0] > s[1] > s[2]
    # stakes scale endorsements; a padded row of NaN with stake 0 endorses nothing
    padded = np.vstack([x, np.full(3, np.nan)])
    stakes = np.array([2.0, 2.0, 2.0, 2.0, 0.0])
    assert wiser_than_edges(padded, stakes).tolist() == (2 * np.array(net)).tolist()


def test_a_group_acts_on_the_best_option_under_its_pagerank_weights() -> None:
    """Group 0: two hasty, one careful (and a padded row). Net edge caution -> speed (2 - 1):
    by hand x_c = q + d x_s/2, x_s = q + d (x_c + x_s/2), q = 0.075, so x_c = 0.5/1.425 =
    20/57 and x_s = 37/57; go scores 37/57 = 0.649 > creep 0.6 > yield 20/57: go.
    Group 1: two hasty, two careful: no net edge, weights (1/2, 1/2): creep 0.6 beats
    yield and go at 1/2 — though no member ranks creep first (plurality would split 2-2)."""
    ev = np.broadcast_to(EV, (2, 4, 3, 2))
    x = np.array([[HASTY, HASTY, CAREFUL, [np.nan] * 2], [HASTY, HASTY, CAREFUL, CAREFUL]])
    weights = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    permissible = np.ones((2, 4, 3), dtype=bool)
    permissible[0, 3] = False  # the padded row's permissibility does not count
    choice, ranking = moral_graph_choice(ev, permissible, x, weights)
    np.testing.assert_allclose(ranking.scores, [[20 / 57, 37 / 57], [0.5, 0.5]], atol=1e-12)
    assert choice.winner.tolist() == [1, 2]
    np.testing.assert_allclose(choice.scores[1], [0.5, 0.5, 0.6], atol=1e-12)
    # creep closed to one member of group 1: the group may not take it; yield and go tie at
    # 1/2 and the lowest index wins. Closed to everything: the group abstains.
    permissible[1, 2, 2] = False
    assert moral_graph_choice(ev, permissible, x, weights)[0].winner.tolist() == [1, 0]
    permissible[0, :3] = False
    assert moral_graph_choice(ev, permissible, x, weights)[0].winner.tolist() == [-1, 0]


def test_bad_moral_graph_inputs_are_refused() -> None:
    with pytest.raises(MoralGraphError, match="values"):
        wiser_than_edges(np.zeros(3))
    with pytest.raises(MoralGraphError, match="weights"):
        wiser_than_edges(np.zeros((2, 3)), np.array([1.0, -1.0]))
    with pytest.raises(MoralGraphError, match="shapes"):
        moral_graph_choice(np.zeros((1, 2, 3, 2)), np.ones((1, 2, 3), bool), np.zeros((1, 2, 3)))


def _creep() -> object:
    utility = {"caution": EV[:, 0], "speed": EV[:, 1]}
    options = ["yield", "go", "creep"]
    return parse_scenario(
        {
            "name": "creep",
            "decision": {"name": "move", "options": options},
            "variables": [{"name": "x", "states": ["x0"], "cpt": [1.0]}],
            "values": [
                {
                    "name": name,
                    "parents": ["move"],
                    "utility": dict(zip(options, map(float, column), strict=True)),
                }
                for name, column in utility.items()
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


def test_the_simulator_acts_on_the_moral_graph() -> None:
    """The two groups above as agents certain of one theory each (credence-weighted value
    weights (1, 0) or (0, 1)): group 0 goes, group 1 creeps; under plurality group 1 splits
    2-2 and yields (the lowest index). The step reports each value's PageRank weight
    averaged over the groups: caution (20/57 + 1/2)/2."""
    problem = _creep()
    # theories (careful, hasty): a hasty agent's credences are (0, 1), its values (0, 1) too
    credences = np.array([HASTY, HASTY, CAREFUL, HASTY, HASTY, CAREFUL, CAREFUL])
    population = uniform_population(problem, 7).replace(
        credences=credences, groups=np.array([0, 0, 0, 1, 1, 1, 1])
    )
    compiled = compile_problem(problem, backend="numpy")
    graph = Simulator(compiled, observe=(), collective="moral_graph")
    _, info = graph.step(3, graph.init(0, population))
    assert info.chosen.tolist() == [1, 1, 1, 2, 2, 2, 2]
    np.testing.assert_allclose(info.group_values, [[20 / 57, 37 / 57], [0.5, 0.5]], atol=1e-12)
    plurality = Simulator(compiled, observe=(), collective="plurality")
    _, info = plurality.step(3, plurality.init(0, population))
    assert info.chosen.tolist() == [1, 1, 1, 0, 0, 0, 0]
    m = simulate(graph, population, 2, seed=0).metrics
    assert m["moral_graph.weight.caution"].tolist() == pytest.approx([(20 / 57 + 0.5) / 2] * 2)
    assert m["choice.share.creep"].tolist() == [4 / 7, 4 / 7]


def test_moral_graph_from_a_config(tmp_path: Path) -> None:
    (tmp_path / "junction.yaml").write_text(
        (SIMULATIONS / "junction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = tmp_path / "graph.yaml"
    config.write_text(
        "scenario: junction.yaml\nagents: 40\nsteps: 3\ngroup_size: 4\nobserve: [pedestrian]\n"
        "shared: [pedestrian]\npopulation: {concentration: 2, weight_noise: 0.5}\n"
        "collective: {rule: moral_graph}\n",
        encoding="utf-8",
    )
    m = phronesis.simulate(config).runs[0].metrics
    total = m["moral_graph.weight.safety"] + m["moral_graph.weight.progress"]
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    model = read_config(config)
    simulator, population = build(model, phronesis.load(tmp_path / "junction.yaml"), 0)
    _, info = simulator.step(1, simulator.init(0, population))
    by_group = info.chosen.reshape(-1, 10)  # agents are assigned to the 10 groups round-robin
    assert (by_group == by_group[0]).all()


def test_groups_sharing_a_graph_get_the_ranking_of_that_graph() -> None:
    """The group ranking is computed once per distinct graph: it equals weighted PageRank
    of every group's own graph, bit for bit."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(200, 5, 3)).astype(float)  # many groups repeat a graph
    weights = rng.integers(0, 2, size=(200, 5)).astype(float)
    ev = rng.normal(size=(200, 5, 4, 3))
    choice, ranking = moral_graph_choice(ev, np.ones((200, 5, 4), bool), x, weights)
    direct = weighted_pagerank(wiser_than_edges(x, weights))
    np.testing.assert_array_equal(ranking.scores, direct.scores)
    np.testing.assert_array_equal(ranking.order, direct.order)
    assert len(np.unique(wiser_than_edges(x, weights).reshape(200, -1), axis=0)) < 200
    # a group with no member of positive stake has no one to act: it abstains
    np.testing.assert_array_equal(choice.winner < 0, weights.sum(axis=1) == 0)
