"""Step metrics: known answers worked by hand, scipy cross-checks and laws on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from multiagent.degroot import degroot_consensus, degroot_iterate
from multiagent.dynamics import DynamicsInputError
from multiagent.metrics import (
    agreement,
    distance,
    gini,
    group_fairness,
    polarisation,
    step_metrics,
    violations,
    welfare,
)

SETTINGS = settings(max_examples=50, deadline=None)


def test_welfare_per_value_dimension():
    w = welfare(np.array([[1.0, -2.0], [3.0, 0.0], [2.0, 5.0]]))
    np.testing.assert_allclose(w.mean, [2.0, 1.0])
    np.testing.assert_allclose(w.total, [6.0, 3.0])


def test_violation_counts_and_rates():
    v = violations(np.array([[True, False, False], [True, True, False]]))
    assert v.counts.tolist() == [2, 1, 0]
    np.testing.assert_allclose(v.rates, [1.0, 0.5, 0.0])
    assert v.total == 3 and v.any_rate == 1.0
    with pytest.raises(DynamicsInputError, match="bool"):
        violations(np.array([[1, 0]]))


def test_group_fairness_gap_and_ratio_by_hand():
    # groups 5 and 2 (labels need not be 0..G-1): means 3 and 1.5
    f = group_fairness(np.array([2.0, 1.0, 4.0, 2.0]), np.array([5, 2, 5, 2]))
    assert f.labels.tolist() == [2, 5]
    np.testing.assert_allclose(f.means, [1.5, 3.0])
    assert f.gap == 1.5 and f.ratio == 0.5
    # per value dimension
    f2 = group_fairness(np.array([[2.0, 0.0], [4.0, 0.0], [1.0, 0.0]]), np.array([0, 0, 1]))
    np.testing.assert_allclose(f2.means, [[3.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(f2.gap, [2.0, 0.0])
    np.testing.assert_allclose(f2.ratio, [1 / 3, 1.0])  # all-zero means count as equal


def test_group_fairness_ratio_is_undefined_for_negative_means():
    f = group_fairness(np.array([-1.0, 1.0]), np.array([0, 1]))
    assert f.gap == 2.0 and np.isnan(f.ratio)


def test_gini_of_known_vectors_population_formula():
    assert gini(np.array([1.0, 1.0, 1.0, 1.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)  # 1 - 1/N
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 4 * 2)
    assert gini(np.zeros(3)) == 0.0
    np.testing.assert_allclose(gini(np.array([[1.0, 0.0], [1.0, 1.0]])), [0.0, 0.5])
    with pytest.raises(DynamicsInputError, match="non-negative"):
        gini(np.array([1.0, -1.0]))


@SETTINGS
@given(st.lists(st.integers(0, 100), min_size=1, max_size=40), st.integers(1, 5))
def test_gini_matches_the_mean_absolute_difference_and_lies_in_0_1(values, scale):
    x = np.array(values, dtype=float)
    g = gini(x)
    n = len(x)
    brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * n * x.sum()) if x.sum() else 0.0
    assert g == pytest.approx(brute, abs=1e-12)
    assert 0.0 <= g < 1.0 and g <= 1 - 1 / n + 1e-12
    assert gini(scale * x[::-1]) == pytest.approx(g, abs=1e-12)  # scale and order free


def test_agreement_share_and_entropy():
    unanimous = agreement(np.array([2, 2, 2]), 3)
    assert (unanimous.modal_option, unanimous.modal_share, unanimous.entropy) == (2, 1.0, 0.0)
    uniform = agreement(np.array([0, 1, 2, 0, 1, 2]), 3)
    assert uniform.modal_share == pytest.approx(1 / 3) and uniform.entropy == pytest.approx(1.0)
    assert uniform.modal_option == 0  # lowest index on ties
    assert agreement(np.array([0, 0]), 1).entropy == 0.0
    with pytest.raises(DynamicsInputError, match="indices"):
        agreement(np.array([0, 3]), 3)


def test_polarisation_two_point_is_bimodal_and_uniform_is_not():
    n = 100
    two_point = np.array([[0.0, 1.0]] * (n // 2) + [[1.0, 0.0]] * (n // 2))
    p = polarisation(two_point)
    np.testing.assert_allclose(p.variance, [0.25, 0.25])
    # m3 = 0 and m4 / m2^2 = 1 reduce Sarle's b to (n-2)(n-3) / ((n-1)(n+1))
    np.testing.assert_allclose(p.bimodality, (n - 2) * (n - 3) / ((n - 1) * (n + 1)))
    grid = np.linspace(0.0, 1.0, 1001)
    uniform = polarisation(np.column_stack([grid, 1 - grid]))
    np.testing.assert_allclose(uniform.bimodality, 5 / 9, atol=0.005)  # b of a uniform: 5/9
    assert (p.bimodality > uniform.bimodality + 0.3).all()


def test_polarisation_matches_scipy_moments():
    rng = np.random.default_rng(1)
    c = rng.dirichlet([0.5, 1.0, 2.0], size=50)
    g = stats.skew(c, axis=0, bias=False)
    k = stats.kurtosis(c, axis=0, bias=False)  # excess kurtosis, sample-corrected
    n = len(c)
    expected = (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    p = polarisation(c)
    np.testing.assert_allclose(p.bimodality, expected, rtol=1e-10)
    np.testing.assert_allclose(p.variance, c.var(axis=0))


def test_polarisation_is_undefined_for_constant_columns_and_tiny_populations():
    p = polarisation(np.array([[1.0, 0.0]] * 5))
    assert np.isnan(p.bimodality).all() and (p.variance == 0).all()
    rounded = polarisation(np.tile([0.1, 0.7], (7, 1)))  # mean != 0.1 after rounding
    assert np.isnan(rounded.bimodality).all()
    assert np.isnan(polarisation(np.array([[1.0, 0.0], [0.0, 1.0]])).bimodality).all()


def test_distance_between_states_and_to_a_consensus():
    a = np.array([[1.0, 0.0], [0.5, 0.5]])
    b = np.array([[0.8, 0.2], [0.5, 0.5]])
    d = distance(a, b)
    assert d.max_abs == pytest.approx(0.2) and d.mean_l1 == pytest.approx(0.2)
    to_point = distance(a, np.array([0.5, 0.5]))
    assert to_point.max_abs == 0.5 and to_point.mean_l1 == 0.5
    with pytest.raises(DynamicsInputError, match="current"):
        distance(a, np.ones(3))


def test_step_metrics_collects_flat_stable_keys():
    utilities = np.array([[1.0, 0.0], [3.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    violated = np.array([[True], [False], [False], [True]])
    c0 = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.5, 0.5]])
    c1 = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5], [0.5, 0.5]])
    m = step_metrics(
        utilities=utilities,
        violated=violated,
        groups=np.array([0, 0, 1, 1]),
        choices=np.array([1, 1, 0, 1]),
        n_options=2,
        credences=c1,
        previous_credences=c0,
        consensus=np.array([0.5, 0.5]),
        value_names=["care", "fairness"],
        norm_names=["yield"],
        theory_names=["util", "deont"],
    )
    assert list(m) == [
        "welfare.mean.care",
        "welfare.mean.fairness",
        "welfare.total.care",
        "welfare.total.fairness",
        "fairness.mean.0",
        "fairness.mean.1",
        "fairness.gap",
        "fairness.ratio",
        "fairness.gini",
        "violations.count.yield",
        "violations.rate.yield",
        "violations.total",
        "violations.any_rate",
        "agreement.modal_option",
        "agreement.modal_share",
        "agreement.entropy",
        "polarisation.variance.util",
        "polarisation.variance.deont",
        "polarisation.bimodality.util",
        "polarisation.bimodality.deont",
        "convergence.max_abs",
        "convergence.mean_l1",
        "consensus.max_abs",
        "consensus.mean_l1",
    ]
    assert all(isinstance(v, float) for v in m.values())
    # per-agent welfare 1, 4, 4, 0: group means 2.5 and 2
    assert m["fairness.mean.0"] == 2.5 and m["fairness.mean.1"] == 2.0
    assert m["fairness.gap"] == 0.5 and m["fairness.ratio"] == 0.8
    assert m["fairness.gini"] == pytest.approx(gini(np.array([1.0, 4.0, 4.0, 0.0])))
    assert m["violations.rate.yield"] == 0.5 and m["agreement.modal_share"] == 0.75
    assert m["convergence.max_abs"] == pytest.approx(0.1)
    assert m["consensus.max_abs"] == pytest.approx(0.4)
    assert m["welfare.total.fairness"] == 3.0
    assert step_metrics() == {}


def test_step_metrics_gini_is_nan_for_negative_welfare():
    m = step_metrics(utilities=np.array([[-1.0], [1.0]]), groups=np.array([0, 1]))
    assert np.isnan(m["fairness.gini"]) and np.isnan(m["fairness.ratio"])


def test_distance_to_the_degroot_consensus_shrinks_at_the_slem_rate():
    w = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]])
    x0 = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    consensus, info = degroot_consensus(w, x0)
    gaps = [
        step_metrics(credences=degroot_iterate(w, x0, t), consensus=consensus)["consensus.max_abs"]
        for t in (10, 11)
    ]
    assert gaps[1] / gaps[0] == pytest.approx(info.slem)
