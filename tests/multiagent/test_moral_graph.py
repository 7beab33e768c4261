"""Moral-graph aggregation: weighted PageRank against a hand-solved graph, its closed form and
networkx.pagerank; "wiser than" counts and the ranking per context."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from multiagent.moral_graph import (
    MoralGraphError,
    moral_graph_ranking,
    weighted_pagerank,
    wiser_than_counts,
)

# 0 -> 1 (weight 2), 0 -> 2 (1), 1 -> 2 (1), 2 -> 0 (1). With d = 0.85 and c = 0.05:
#   x0 = c + d x2,  x1 = c + d (2/3) x0,  x2 = c + d (x0/3 + x1),
# solved exactly: x = (1029, 723, 1046) / 2798.
HAND = np.array([[0.0, 2.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def closed_form(weights: np.ndarray, damping: float = 0.85) -> np.ndarray:
    """x = (1 - d)/n (I - d M)^-1 1, M[v, u] = W[u, v] / W[u, .] (1/n for dangling u)."""
    n = len(weights)
    out = weights.sum(axis=1)
    rows = np.where(out[:, None] > 0, weights / np.where(out > 0, out, 1)[:, None], 1.0 / n)
    return np.linalg.solve(np.eye(n) - damping * rows.T, np.full(n, (1 - damping) / n))


def test_hand_solved_three_value_graph() -> None:
    ranking = weighted_pagerank(HAND)
    assert np.allclose(ranking.scores, np.array([1029, 723, 1046]) / 2798, atol=1e-12)
    assert np.allclose(ranking.scores, closed_form(HAND), atol=1e-12)
    assert ranking.order.tolist() == [2, 0, 1]
    assert bool(ranking.converged) and 50 < int(ranking.iterations) < 1000


def test_dangling_values_spread_their_rank_uniformly() -> None:
    weights = np.array([[0.0, 3.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # 1 is dangling
    ranking = weighted_pagerank(weights)
    assert np.allclose(ranking.scores, closed_form(weights), atol=1e-12)
    assert np.isclose(ranking.scores.sum(), 1.0) and ranking.order[0] == 1


def test_no_damping_converges_at_once_and_self_loops_are_ignored() -> None:
    ranking = weighted_pagerank(HAND, damping=0.0)
    assert np.allclose(ranking.scores, 1 / 3) and int(ranking.iterations) == 1
    looped = HAND + np.diag([5.0, 0.0, 7.0])
    assert np.allclose(weighted_pagerank(looped).scores, weighted_pagerank(HAND).scores)


def test_contexts_are_ranked_independently_with_their_own_iteration_counts() -> None:
    graphs = np.stack([HAND, HAND.T, np.zeros((3, 3))])
    ranking = weighted_pagerank(graphs)
    for c, graph in enumerate(graphs):
        alone = weighted_pagerank(graph)
        assert np.allclose(ranking.scores[c], alone.scores, atol=1e-14)
        assert ranking.iterations[c] == alone.iterations
    assert np.allclose(ranking.scores[2], 1 / 3) and ranking.order[2].tolist() == [0, 1, 2]


def test_moral_graph_from_endorsements() -> None:
    # Context 0 ("advising a grieving friend"): 3 agents say listening (1) is wiser than
    # advice (0), 1 says honesty (2) is wiser than listening. Context 1: 2 agents say honesty
    # is wiser than advice, 1 that advice is wiser than listening.
    rows = np.array([[0, 0, 1]] * 3 + [[0, 1, 2], [1, 0, 2], [1, 0, 2], [1, 1, 0]])
    counts = wiser_than_counts(rows, 2, 3)
    assert counts[0].tolist() == [[0, 3, 0], [0, 0, 1], [0, 0, 0]]
    assert counts[1].tolist() == [[0, 0, 2], [1, 0, 0], [0, 0, 0]]
    ranking = moral_graph_ranking(rows, 2, 3)
    assert ranking.order.tolist() == [[2, 1, 0], [2, 0, 1]]
    assert np.allclose(ranking.scores[0], closed_form(counts[0]), atol=1e-12)
    weighted = wiser_than_counts(rows, 2, 3, weights=np.full(len(rows), 0.5))
    assert np.allclose(weighted, counts / 2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: weighted_pagerank(np.zeros((2, 3))), "square matrices"),
        (lambda: weighted_pagerank(-np.ones((2, 2))), "weights >= 0"),
        (lambda: weighted_pagerank(HAND, damping=1.0), "damping"),
        (lambda: wiser_than_counts(np.array([[0, 0, 3]]), 1, 3), "values in"),
        (lambda: wiser_than_counts(np.array([[0.0, 0, 1]]), 1, 3), "integer rows"),
        (lambda: wiser_than_counts(np.array([[0, 0, 1]]), 1, 3, np.ones(2)), "weights"),
    ],
)
def test_bad_graphs_are_refused(call, message) -> None:
    with pytest.raises(MoralGraphError, match=message):
        call()


graphs = st.integers(2, 7).flatmap(
    lambda n: arrays(float, (n, n), elements=st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0]))
)


@settings(max_examples=40)
@given(graphs, st.sampled_from([0.5, 0.85, 0.95]))
def test_matches_the_closed_form(weights, damping) -> None:
    np.fill_diagonal(weights, 0.0)
    ranking = weighted_pagerank(weights, damping)
    assert bool(ranking.converged)
    assert np.allclose(ranking.scores, closed_form(weights, damping), atol=1e-10)


@settings(max_examples=40)
@given(graphs)
def test_matches_networkx_pagerank(weights) -> None:
    nx = pytest.importorskip("networkx")
    np.fill_diagonal(weights, 0.0)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(weights)))
    for u, v in zip(*np.nonzero(weights), strict=True):
        graph.add_edge(int(u), int(v), weight=float(weights[u, v]))
    expected = nx.pagerank(graph, alpha=0.85, weight="weight", tol=1e-15, max_iter=10_000)
    ranking = weighted_pagerank(weights)
    assert np.allclose(ranking.scores, [expected[v] for v in range(len(weights))], atol=1e-10)
