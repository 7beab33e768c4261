"""Value dynamics: known answers worked by hand, and laws checked on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from engine import PhronesisError
from multiagent.degroot import (
    consensus_analysis,
    degroot_consensus,
    degroot_iterate,
    degroot_step,
)
from multiagent.dynamics import (
    DynamicsInputError,
    bayes_update,
    bounded_confidence_step,
    deffuant_step,
    linear_reference,
    progress_scores,
)

SETTINGS = settings(max_examples=40, deadline=None)

# A path of three agents: the ends listen half to themselves, half to the middle; the middle
# listens half to itself and a quarter to each end. pi W = pi gives pi_1 = pi_2 / 2 = pi_3,
# so pi = (1/4, 1/2, 1/4). trace W = 3/2 and det W = 0, so the eigenvalues are 1, 1/2, 0.
PATH = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]])
PATH_PI = np.array([0.25, 0.5, 0.25])
# Two pairs that listen only to each other: strongly connected, bipartite, period 2.
BIPARTITE = np.array(
    [[0, 0, 0.5, 0.5], [0, 0, 0.5, 0.5], [0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0]], dtype=float
)


@st.composite
def stochastic_rows(draw, n: int, t: int, positive: bool = False) -> np.ndarray:
    low = 1 if positive else 0
    raw = np.array(
        draw(st.lists(st.integers(low, 9), min_size=n * t, max_size=n * t)), dtype=float
    ).reshape(n, t)
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def credences(draw, positive: bool = False) -> np.ndarray:
    n = draw(st.integers(1, 8))
    t = draw(st.integers(1, 5))
    return draw(stochastic_rows(n, t, positive))


# --- Bayesian updating --------------------------------------------------------------------


def test_bayes_update_by_hand():
    prior = np.array([[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    likelihood = np.array([[0.1, 0.5, 0.0], [0.5, 0.5, 0.5]])
    # agent 0: joint (0.05, 0.15, 0) / 0.2; agent 1: a flat likelihood leaves the prior.
    post, info = bayes_update(prior, likelihood)
    np.testing.assert_allclose(post, [[0.25, 0.75, 0.0], [0.2, 0.2, 0.6]], atol=1e-15)
    np.testing.assert_allclose(info.log_evidence, np.log([0.2, 0.5]))
    assert not info.uninformative.any()


def test_bayes_update_zero_likelihood_keeps_the_prior_and_says_so():
    prior = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    likelihood = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    post, info = bayes_update(prior, likelihood)
    np.testing.assert_array_equal(post[0], prior[0])
    np.testing.assert_allclose(post[1], [0.0, 1.0, 0.0])
    assert info.uninformative.tolist() == [True, False]
    assert info.log_evidence[0] == -np.inf


def test_bayes_update_survives_underflow():
    prior = np.array([[0.5, 0.5]])
    # subnormal likelihoods whose product with the prior would lose all precision
    post, _ = bayes_update(prior, np.array([[1e-320, 2e-320]]))
    np.testing.assert_allclose(post, [[1 / 3, 2 / 3]], rtol=1e-3)
    # log-likelihoods of a long record: exp would underflow to 0 for both theories
    post, info = bayes_update(prior, np.array([[-2000.0, -2001.0]]), log=True)
    np.testing.assert_allclose(post, [[1 / (1 + np.exp(-1)), 1 / (1 + np.e)]])
    assert not info.uninformative.any()
    np.testing.assert_allclose(info.log_evidence, np.log(0.5) - 2000 + np.log1p(np.exp(-1)))


def test_bayes_update_broadcasts_one_likelihood_and_does_not_mutate():
    prior = np.array([[0.5, 0.5], [0.9, 0.1]])
    before = prior.copy()
    post, _ = bayes_update(prior, np.array([1.0, 3.0]))
    np.testing.assert_allclose(post, [[0.25, 0.75], [0.75, 0.25]])
    np.testing.assert_array_equal(prior, before)


@pytest.mark.parametrize(
    ("prior", "likelihood"),
    [
        (np.array([[0.5, 0.6]]), np.array([[1.0, 1.0]])),
        (np.array([[0.5, 0.5]]), np.array([[1.0, -1.0]])),
        (np.array([[0.5, 0.5]]), np.array([[1.0, 1.0, 1.0]])),
        (np.array([0.5, 0.5]), np.array([1.0, 1.0])),
    ],
)
def test_bayes_update_rejects_bad_input(prior, likelihood):
    with pytest.raises(DynamicsInputError) as caught:
        bayes_update(prior, likelihood)
    assert isinstance(caught.value, PhronesisError) and isinstance(caught.value, ValueError)


@SETTINGS
@given(credences(), st.data())
def test_bayes_posterior_is_row_stochastic_and_updates_compose(prior, data):
    n, t = prior.shape
    first = data.draw(stochastic_rows(n, t, positive=True))
    second = data.draw(stochastic_rows(n, t, positive=True))
    post, _ = bayes_update(prior, first)
    np.testing.assert_allclose(post.sum(axis=1), 1.0)
    assert (post >= 0).all()
    # updating on two observations in turn = updating once on their joint likelihood
    twice, _ = bayes_update(post, second)
    once, _ = bayes_update(prior, np.log(first) + np.log(second), log=True)
    np.testing.assert_allclose(twice, once, atol=1e-12)


# --- DeGroot ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_matrix", [np.asarray, sparse.csr_array, sparse.csr_matrix])
def test_degroot_consensus_is_the_left_eigenvector_worked_by_hand(as_matrix):
    w = as_matrix(PATH)
    x0 = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    consensus, info = degroot_consensus(w, x0)
    assert info.converges and info.strongly_connected and info.period == 1
    assert info.method == "eig"
    np.testing.assert_allclose(info.weights, PATH_PI, atol=1e-12)
    np.testing.assert_allclose(consensus, [0.25, 0.75], atol=1e-12)
    assert info.slem == pytest.approx(0.5) and info.spectral_gap == pytest.approx(0.5)
    np.testing.assert_allclose(degroot_iterate(w, x0, 500), [[0.25, 0.75]] * 3, atol=1e-10)


def test_degroot_power_iteration_agrees_with_the_eigen_decomposition():
    info = consensus_analysis(sparse.csr_array(PATH), dense_limit=0)
    assert info.method == "power"
    np.testing.assert_allclose(info.weights, PATH_PI, atol=1e-12)
    assert info.slem == pytest.approx(0.5, abs=1e-6)
    # a larger random network: both methods give the same pi and slem
    rng = np.random.default_rng(3)
    n = 60
    adjacency = (rng.random((n, n)) < 0.1) | np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool)
    adjacency[-1, 0] = True
    w = adjacency / adjacency.sum(axis=1, keepdims=True)
    dense = consensus_analysis(w)
    power = consensus_analysis(sparse.csr_array(w), dense_limit=10, slem_iter=2000)
    np.testing.assert_allclose(power.weights, dense.weights, atol=1e-10)
    assert power.slem == pytest.approx(dense.slem, rel=0.02)


def test_periodic_network_is_reported_as_not_converging():
    x0 = np.array([1.0, 1.0, 0.0, 0.0])
    consensus, info = degroot_consensus(BIPARTITE, x0)
    assert consensus is None and info.weights is None
    assert not info.converges and info.strongly_connected and info.period == 2
    assert "periodic" in info.reason and np.isnan(info.slem)
    # and indeed the opinions swap for ever
    x = degroot_iterate(BIPARTITE, x0, 500)
    np.testing.assert_allclose(degroot_step(BIPARTITE, x), x[::-1])


def test_two_closed_groups_do_not_reach_consensus():
    w = np.kron(np.eye(2), np.full((2, 2), 0.5))
    info = consensus_analysis(w)
    assert not info.converges and not info.strongly_connected
    assert "2 closed communicating classes" in info.reason


def test_followers_of_one_aperiodic_group_reach_its_consensus():
    # agent 0 listens only to itself, agent 1 half to agent 0: not strongly connected, but
    # there is one closed class ({0}), so everyone ends at agent 0's opinion.
    w = np.array([[1.0, 0.0], [0.5, 0.5]])
    consensus, info = degroot_consensus(w, np.array([0.2, 0.8]))
    assert info.converges and not info.strongly_connected
    np.testing.assert_allclose(info.weights, [1.0, 0.0])
    assert consensus == pytest.approx(0.2)
    assert info.slem == pytest.approx(0.5)


def test_degroot_steps_value_weights_of_any_trailing_shape():
    weights = np.arange(3 * 2 * 4, dtype=float).reshape(3, 2, 4)
    stepped = degroot_step(sparse.csr_array(PATH), weights)
    np.testing.assert_allclose(stepped, np.einsum("ij,jtv->itv", PATH, weights))


@pytest.mark.parametrize(
    "w",
    [
        np.array([[0.5, 0.4], [0.5, 0.5]]),
        np.array([[1.5, -0.5], [0.5, 0.5]]),
        np.ones((2, 3)) / 3,
    ],
)
def test_degroot_rejects_bad_influence(w):
    with pytest.raises(DynamicsInputError, match="influence"):
        degroot_step(w, np.zeros(w.shape[0]))


@st.composite
def positive_influence(draw) -> np.ndarray:
    n = draw(st.integers(2, 7))
    return draw(stochastic_rows(n, n, positive=True))


@SETTINGS
@given(positive_influence(), st.data())
def test_degroot_preserves_row_stochasticity_and_the_pi_weighted_mean(w, data):
    x0 = data.draw(stochastic_rows(w.shape[0], 3))
    before = x0.copy()
    x1 = degroot_step(w, x0)
    np.testing.assert_array_equal(x0, before)
    np.testing.assert_allclose(x1.sum(axis=1), 1.0)
    consensus, info = degroot_consensus(w, x0)
    assert info.converges and 0 <= info.slem < 1
    np.testing.assert_allclose(info.weights @ x1, info.weights @ x0, atol=1e-12)
    np.testing.assert_allclose(degroot_iterate(w, x0, 400), np.tile(consensus, (len(w), 1)))


# --- bounded confidence -------------------------------------------------------------------


def test_bounded_confidence_two_clusters_stay_apart():
    x = np.array([0.0, 0.1, 0.2, 0.8, 0.9, 1.0])
    x1 = bounded_confidence_step(x, 0.25)
    np.testing.assert_allclose(x1, [0.1, 0.1, 0.1, 0.9, 0.9, 0.9])
    for _ in range(10):
        x1 = bounded_confidence_step(x1, 0.25)
    np.testing.assert_allclose(x1, [0.1, 0.1, 0.1, 0.9, 0.9, 0.9])
    # with confidence wide enough to reach across, one cluster forms
    np.testing.assert_allclose(bounded_confidence_step(x, 1.0), np.full(6, 0.5))


@pytest.mark.parametrize("norm", ["l1", "l2", "linf"])
def test_bounded_confidence_on_credence_vectors(norm):
    c = np.array([[1.0, 0.0], [0.9, 0.1], [0.1, 0.9], [0.0, 1.0]])
    out = bounded_confidence_step(c, 0.3, norm=norm)
    np.testing.assert_allclose(out, [[0.95, 0.05]] * 2 + [[0.05, 0.95]] * 2)


def test_bounded_confidence_uses_the_documented_distance():
    # the two agents are 0.2 apart in L1, 0.141 in L2, 0.1 in L-infinity
    c = np.array([[1.0, 0.0], [0.9, 0.1]])
    assert bounded_confidence_step(c, 0.15, norm="l1").tolist() == c.tolist()
    np.testing.assert_allclose(bounded_confidence_step(c, 0.15, norm="l2"), [[0.95, 0.05]] * 2)
    assert bounded_confidence_step(c, 0.12, norm="l2").tolist() == c.tolist()
    np.testing.assert_allclose(bounded_confidence_step(c, 0.1, norm="linf"), [[0.95, 0.05]] * 2)


@SETTINGS
@given(
    st.lists(st.integers(0, 16), min_size=1, max_size=30),
    st.integers(0, 8),
    st.sampled_from(["l1", "l2", "linf"]),
)
def test_bounded_confidence_sorted_and_chunked_paths_agree(grid, eps, norm):
    x = np.array(grid, dtype=float) / 8  # dyadic: distances and ties are exact
    eps /= 8
    one_d = bounded_confidence_step(x, eps, norm=norm)
    as_vectors = np.column_stack([x, np.zeros_like(x)])
    for chunk in (1, 7, 1 << 22):
        out = bounded_confidence_step(as_vectors, eps, norm=norm, chunk_elements=chunk)
        np.testing.assert_allclose(out[:, 0], one_d, atol=1e-12)


@SETTINGS
@given(credences(), st.floats(0, 2), st.sampled_from(["l1", "l2", "linf"]))
def test_bounded_confidence_keeps_credences_row_stochastic(c, eps, norm):
    out = bounded_confidence_step(c, eps, norm=norm)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert (out >= -1e-15).all()


def test_bounded_confidence_on_a_network_listens_only_to_neighbours():
    x = np.array([0.0, 0.1, 0.2])
    path = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    np.testing.assert_allclose(bounded_confidence_step(x, 0.25), [0.1, 0.1, 0.1])
    # the ends of a path do not hear each other: 0 averages {0, 0.1}, 2 averages {0.1, 0.2}
    np.testing.assert_allclose(bounded_confidence_step(x, 0.25, neighbours=path), [0.05, 0.1, 0.15])
    with pytest.raises(DynamicsInputError, match="neighbours"):
        bounded_confidence_step(x, 0.25, neighbours=np.ones((2, 2)))


@SETTINGS
@given(credences(), st.floats(0, 2), st.sampled_from(["l1", "l2", "linf"]))
def test_bounded_confidence_on_the_complete_graph_is_all_pairs(c, eps, norm):
    complete = np.ones((len(c), len(c)))  # self-loops included: oneself still counts once
    np.testing.assert_allclose(
        bounded_confidence_step(c, eps, norm=norm, neighbours=complete),
        bounded_confidence_step(np.column_stack([c, np.zeros(len(c))]), eps, norm=norm)[:, :-1],
        atol=1e-12,
    )


def test_deffuant_pair_meets_halfway_within_epsilon():
    rng = np.random.default_rng(0)
    x = np.array([0.0, 0.1])
    np.testing.assert_allclose(deffuant_step(rng, x, 0.5), [0.05, 0.05])
    assert deffuant_step(rng, x, 0.05).tolist() == x.tolist()
    np.testing.assert_allclose(deffuant_step(rng, x, 0.5, mu=0.25), [0.025, 0.075])


@SETTINGS
@given(credences(), st.integers(0, 2**32 - 1), st.floats(0, 2))
def test_deffuant_preserves_the_total_and_row_stochasticity(c, seed, eps):
    out = deffuant_step(np.random.default_rng(seed), c, eps)
    np.testing.assert_allclose(out.sum(axis=0), c.sum(axis=0), atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    again = deffuant_step(np.random.default_rng(seed), c, eps)
    np.testing.assert_array_equal(out, again)


# --- progress mode ------------------------------------------------------------------------


def test_progress_scores_follow_and_predict_by_hand():
    ref = linear_reference(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 2)
    np.testing.assert_allclose(ref, [[1, 0], [1, 1], [1, 2]])
    w = np.array([[2.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    s = progress_scores(w, ref, 0)
    np.testing.assert_allclose(s.follow, [1.0, np.sqrt(0.5), 0.0])  # a zero vector scores 0
    np.testing.assert_allclose(s.predict, [np.sqrt(0.5), 1.0, 0.0])
    assert s.follow_score == pytest.approx((1 + np.sqrt(0.5)) / 3)
    last = progress_scores(w, ref, 2)
    assert np.isnan(last.predict).all() and np.isnan(last.predict_score)
    with pytest.raises(DynamicsInputError, match="t:"):
        progress_scores(w, ref, 3)
