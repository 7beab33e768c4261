"""The Pyro backend: exact enumeration agrees with pgmpy to 1e-9; likelihood weighting agrees within
its Monte-Carlo error, reports its effective sample size and is reproducible from its seed."""

from __future__ import annotations

import itertools
import random
import warnings

import numpy as np
import pytest

from engine.backends.registry import get_backend
from engine.errors import EvidenceError, InferenceError
from engine.ir import CPT, BayesianNetwork, Variable
from engine.scenario import load_scenario
from models.pgmpy.backend import PgmpyBackend, import_pgmpy
from models.pgmpy.convert import from_pgmpy
from models.pyro.backend import PyroBackend
from phronesis.api import decide
from tests.conftest import EXAMPLES

TOLERANCE = 1e-9
REFERENCE = PgmpyBackend()


def random_network(seed: int, n: int = 6, max_parents: int = 2) -> BayesianNetwork:
    """A random DAG over ``n`` variables with 2-3 states and Dirichlet(1) CPT rows."""
    rng = np.random.default_rng(seed)
    variables, cpts = [], []
    for i in range(n):
        k = int(rng.integers(2, 4))
        variables.append(Variable(f"x{i}", tuple(f"s{j}" for j in range(k))))
        parents = (
            tuple(f"x{j}" for j in sorted(rng.choice(i, size=min(i, max_parents), replace=False)))
            if i
            else ()
        )
        rows = int(np.prod([len(variables[int(p[1:])].states) for p in parents]))
        table = rng.dirichlet(np.ones(k), size=rows)
        table[:, -1] = 1.0 - table[:, :-1].sum(axis=1)  # rows sum to 1 in float64
        cpts.append(CPT(f"x{i}", parents, tuple(float(x) for x in table.ravel())))
    return BayesianNetwork(f"random{seed}", tuple(variables), tuple(cpts))


def chain() -> BayesianNetwork:
    return BayesianNetwork(
        "chain",
        (Variable("a", ("0", "1")), Variable("b", ("0", "1", "2")), Variable("c", ("x", "y"))),
        (
            CPT("a", (), (0.3, 0.7)),
            CPT("b", ("a",), (0.5, 0.3, 0.2, 0.1, 0.1, 0.8)),
            CPT("c", ("a", "b"), (0.1, 0.9, 0.5, 0.5, 0.3, 0.7, 0.6, 0.4, 0.2, 0.8, 1.0, 0.0)),
        ),
    )


def _evidence_rows(network: BayesianNetwork, rng: random.Random, count: int, size: int):
    names = [v.name for v in network.variables]
    rows = []
    while len(rows) < count:
        observed = rng.sample(names, rng.randint(0, size))
        row = {v: rng.choice(network.states(v)) for v in observed}
        if REFERENCE.probability_of_evidence(network, [row])[0] > 0.0:
            rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_random_networks_agree_with_pgmpy(seed):
    network = random_network(seed)
    rng = random.Random(seed)
    rows = _evidence_rows(network, rng, 8, 3)
    names = [v.name for v in network.variables]
    for k in (1, 2, 3):
        targets = rng.sample(names, k)
        ours = PyroBackend().posterior(network, rows, targets)
        reference = REFERENCE.posterior(network, rows, targets)
        np.testing.assert_allclose(ours, reference, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(
        PyroBackend().probability_of_evidence(network, rows),
        REFERENCE.probability_of_evidence(network, rows),
        rtol=1e-12,
    )


def test_observed_and_repeated_targets():
    network = chain()
    rows = [{"b": "1"}, {"c": "y", "a": "0"}, {}]
    for targets in (["a", "b"], ["b", "a", "c"], ["a", "a"]):
        ours = PyroBackend().posterior(network, rows, targets)
        np.testing.assert_allclose(
            ours, REFERENCE.posterior(network, rows, targets), atol=TOLERANCE
        )
    point = PyroBackend().posterior(network, [{"b": "1"}], ["b"])[0]
    assert point.tolist() == [0.0, 1.0, 0.0]
    assert PyroBackend().posterior(network, [{"a": "1"}], []).shape == (1,)


def test_zero_probability_and_unknown_evidence_are_errors():
    network = chain()  # P(c = y | a = 1, b = 2) = 0
    with pytest.raises(EvidenceError, match="probability 0"):
        PyroBackend().posterior(network, [{"a": "1", "b": "2", "c": "y"}], ["a"])
    with pytest.raises(EvidenceError, match="unknown variable 'z'"):
        PyroBackend().posterior(network, [{"z": "1"}], ["a"])
    with pytest.raises(EvidenceError, match="unknown state '7'; expected one of: 0, 1, 2"):
        PyroBackend().posterior(network, [{"b": "7"}], ["a"])
    with pytest.raises(EvidenceError, match="target 'q'"):
        PyroBackend().posterior(network, [{}], ["q"])
    with pytest.raises(EvidenceError, match="weight 0"):
        PyroBackend(method="importance", num_samples=100).posterior(
            network, [{"a": "1", "b": "2", "c": "y"}], ["a"]
        )
    with pytest.raises(InferenceError, match="method='magic'"):
        PyroBackend(method="magic")  # type: ignore[arg-type]


def _bnlearn(name: str) -> BayesianNetwork:
    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.utils import get_example_model

        return from_pgmpy(get_example_model(name), name)


@pytest.mark.parametrize("name", ["asia", "alarm"])
def test_bnlearn_networks_agree_with_pgmpy(name):
    network = _bnlearn(name)
    rng = random.Random(1)
    rows = _evidence_rows(network, rng, 6, 3)
    names = [v.name for v in network.variables]
    for row in rows:
        targets = rng.sample([n for n in names if n not in row], 2)
        ours = PyroBackend().posterior(network, [row], targets)
        np.testing.assert_allclose(
            ours, REFERENCE.posterior(network, [row], targets), rtol=0, atol=TOLERANCE
        )
    # one batched query over rows that observe different variables
    target = [names[-1]]
    np.testing.assert_allclose(
        PyroBackend().posterior(network, rows, target),
        REFERENCE.posterior(network, rows, target),
        rtol=0,
        atol=TOLERANCE,
    )


@pytest.mark.parametrize("name", ["heinz.yaml", "av_emergency.yaml", "icu_triage.yaml"])
def test_decisions_match_the_reference_backend(name):
    problem = load_scenario(EXAMPLES / name)
    ours = decide(problem, backend="pyro")
    reference = decide(problem, backend="pgmpy")
    assert ours.option == reference.option
    for a, b in zip(ours.options, reference.options, strict=True):
        for theory in a.choiceworthiness:
            assert a.choiceworthiness[theory] == pytest.approx(b.choiceworthiness[theory], abs=1e-9)


def test_importance_sampling_agrees_within_monte_carlo_error():
    network = random_network(3)
    rows = _evidence_rows(network, random.Random(3), 5, 2)
    targets = ["x5", "x2"]
    backend = get_backend("pyro", method="importance", num_samples=20_000, seed=11)
    result = backend.importance(network, rows, targets)
    exact = REFERENCE.posterior(network, rows, targets)
    assert result.posterior.shape == exact.shape
    assert np.all((result.ess > 0) & (result.ess <= 20_000 + 1e-6))
    # self-normalised IS: standard error ~ sqrt(p (1 - p) / ESS); allow 5 of them
    bound = 5 * np.sqrt(exact * (1 - exact) / result.ess.reshape(-1, 1, 1)) + 1e-3
    assert np.all(np.abs(result.posterior - exact) <= bound)
    np.testing.assert_allclose(
        np.exp(result.log_evidence), REFERENCE.probability_of_evidence(network, rows), rtol=0.1
    )


def test_importance_sampling_is_reproducible_from_its_seed():
    network = chain()
    rows = [{"c": "x"}, {"b": "0"}]
    first = PyroBackend(method="importance", num_samples=500, seed=5).posterior(
        network, rows, ["a"]
    )
    again = PyroBackend(method="importance", num_samples=500, seed=5).posterior(
        network, rows, ["a"]
    )
    other = PyroBackend(method="importance", num_samples=500, seed=6).posterior(
        network, rows, ["a"]
    )
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_auto_uses_exact_on_small_networks():
    network = chain()
    rows = [dict(zip(("a", "b"), s, strict=True)) for s in itertools.product("01", "01")]
    np.testing.assert_allclose(
        PyroBackend(method="auto").posterior(network, rows, ["c"]),
        REFERENCE.posterior(network, rows, ["c"]),
        atol=TOLERANCE,
    )
