"""The tensor backend (torch and JAX) against pgmpy and pyAgrum, and its batching contract."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pytest

from engine.errors import EvidenceError, InferenceError
from engine.ir import CPT, BayesianNetwork, Variable

torch = pytest.importorskip("torch")
gum = pytest.importorskip("pyagrum")

from models.pyagrum.convert import to_pyagrum  # noqa: E402
from models.tensor import JaxBackend, TorchBackend  # noqa: E402
from models.tensor.prune import prune  # noqa: E402

SMALL = ("asia", "alarm", "insurance")
LARGE = ("hepar2", "win95pts", "andes", "pathfinder")


@lru_cache(maxsize=8)
def network(name: str) -> BayesianNetwork:
    """A pgmpy example network with its CPT rows renormalised to sum to 1 exactly.

    The shipped tables are rounded (rows of alarm sum to 1 +- 1e-7); every engine then agrees
    only to ~1e-8, because pruning barren nodes assumes rows sum to 1.
    """
    from models.pgmpy.backend import import_pgmpy
    from models.pgmpy.convert import from_pgmpy

    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.utils import get_example_model

        raw = from_pgmpy(get_example_model(name), name)
    cpts = []
    for cpt in raw.cpts:
        table = raw.cpt_array(cpt.child)
        table = table / table.sum(axis=-1, keepdims=True)
        cpts.append(CPT(cpt.child, cpt.parents, tuple(float(x) for x in table.ravel())))
    return BayesianNetwork(name, raw.variables, tuple(cpts))


def sample(net: BayesianNetwork, rng: np.random.Generator) -> dict[str, str]:
    """One full assignment by ancestral sampling (so any sub-assignment has P > 0)."""
    out: dict[str, int] = {}
    for cpt in net.cpts:  # the IR from pgmpy lists CPTs in topological order
        row = net.cpt_array(cpt.child)[tuple(out[p] for p in cpt.parents)]
        out[cpt.child] = int(rng.choice(len(row), p=row / row.sum()))
    return {v: net.states(v)[i] for v, i in out.items()}


def queries(
    net: BayesianNetwork, count: int, seed: int, n_targets: int = 5, max_evidence: int = 6
) -> list[tuple[str, list[dict[str, str]]]]:
    """``count`` random evidence sets over ``n_targets`` targets: [(target, rows)]."""
    rng = np.random.default_rng(seed)
    names = [v.name for v in net.variables]
    targets = [str(t) for t in rng.choice(names, size=n_targets, replace=False)]
    out = []
    for target in targets:
        rows = []
        for _ in range(count // n_targets):
            full = sample(net, rng)
            observed = [n for n in names if n != target]
            k = int(rng.integers(0, max_evidence + 1))
            chosen = rng.choice(observed, size=k, replace=False)
            rows.append({str(v): full[str(v)] for v in chosen})
        out.append((target, rows))
    return out


def pyagrum_posteriors(net: BayesianNetwork, target: str, rows: list[dict[str, str]]) -> np.ndarray:
    engine = gum.LazyPropagation(to_pyagrum(net))
    out = []
    for evidence in rows:
        engine.setEvidence(evidence)
        engine.makeInference()
        out.append(engine.posterior(target).toarray())
    return np.array(out)


def pgmpy_posteriors(net: BayesianNetwork, target: str, rows: list[dict[str, str]]) -> np.ndarray:
    from models.pgmpy.backend import PgmpyBackend

    return PgmpyBackend().posterior(net, rows, [target])


def check_against_references(net, backend, count, pgmpy_count, seed=0):
    for target, rows in queries(net, count, seed):
        got = backend.posterior(net, rows, [target])
        np.testing.assert_allclose(got, pyagrum_posteriors(net, target, rows), rtol=0, atol=1e-9)
        k = max(1, pgmpy_count // 5)
        np.testing.assert_allclose(
            got[:k], pgmpy_posteriors(net, target, rows[:k]), rtol=0, atol=1e-9
        )


# -- agreement with pgmpy VariableElimination and pyAgrum LazyPropagation ------------------------
@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("table_limit", [2**20, 0], ids=["auto", "contract"])
def test_torch_matches_pgmpy_and_pyagrum(name: str, table_limit: int) -> None:
    check_against_references(network(name), TorchBackend(table_limit=table_limit), 200, 40)


@pytest.mark.parametrize("name", SMALL)
def test_jax_matches_pgmpy_and_pyagrum(name: str) -> None:
    # each evidence pattern is one jit compilation, so JAX gets fewer (still mixed) patterns
    check_against_references(network(name), JaxBackend(), 25, 10, seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE)
def test_large_networks_match_references(name: str) -> None:
    check_against_references(network(name), TorchBackend(), 200, 10)
    check_against_references(network(name), JaxBackend(), 20, 5, seed=2)


@pytest.mark.parametrize("name", ["asia", "alarm"])
def test_probability_of_evidence_matches_pyagrum(name: str) -> None:
    net = network(name)
    engine = gum.LazyPropagation(to_pyagrum(net))
    rows = [row for _, rs in queries(net, 50, 3) for row in rs if row]
    expected = []
    for evidence in rows:
        engine.setEvidence(evidence)
        engine.makeInference()
        expected.append(engine.evidenceProbability())
    got = TorchBackend().probability_of_evidence(net, rows)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)


# -- batching, dtypes, memory ---------------------------------------------------------------------
def test_float32_option() -> None:
    net = network("alarm")
    target, rows = queries(net, 50, 4)[0]
    exact = TorchBackend().posterior(net, rows, [target])
    for backend in (TorchBackend(dtype="float32"), JaxBackend(dtype="float32")):
        got = backend.posterior(net, rows, [target])
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, exact, rtol=0, atol=1e-5)


@pytest.mark.parametrize("backend", [TorchBackend, JaxBackend])
def test_mixed_patterns_in_one_batch_keep_row_order(backend: type) -> None:
    net = network("asia")
    rows = [
        {},
        {"smoke": "yes"},
        {"dysp": "yes", "xray": "no"},
        {"smoke": "no"},
        {"xray": "no", "dysp": "yes"},
        {"asia": "yes"},
        {},
    ]
    engine = backend()
    batched = engine.posterior(net, rows, ["lung", "bronc"])
    one_by_one = np.concatenate([engine.posterior(net, [r], ["lung", "bronc"]) for r in rows])
    np.testing.assert_allclose(batched, one_by_one, rtol=0, atol=1e-15)
    np.testing.assert_allclose(batched[2], batched[4], rtol=0, atol=1e-15)
    np.testing.assert_allclose(batched[0], batched[6], rtol=0, atol=1e-15)


def test_observed_target_gets_point_mass() -> None:
    net = network("asia")
    post = TorchBackend().posterior(net, [{"smoke": "no", "dysp": "yes"}], ["smoke", "lung"])
    smoke_no = net.states("smoke").index("no")
    assert post[0].sum() == pytest.approx(1.0)
    assert np.all(post[0][1 - smoke_no] == 0.0)
    alone = TorchBackend().posterior(net, [{"smoke": "no", "dysp": "yes"}], ["lung"])
    np.testing.assert_allclose(post[0][smoke_no], alone[0], atol=1e-15)


@pytest.mark.parametrize("backend", [TorchBackend, JaxBackend])
def test_tiny_memory_budget_chunks_without_changing_results(backend: type) -> None:
    net = network("alarm")
    rng = np.random.default_rng(5)
    observed = ["HRBP", "EXPCO2", "PAP", "BP"]
    rows = [{v: s[v] for v in observed} for s in (sample(net, rng) for _ in range(40))]
    roomy = backend(table_limit=0)
    expected = roomy.posterior(net, rows, ["LVFAILURE"])
    footprint = roomy.compile(net, ["LVFAILURE"], sorted(observed)).plan.footprint
    budget = 8 * (footprint.fixed + 3 * footprint.per_row)
    tight = backend(table_limit=0, memory_budget=budget)
    assert tight.compile(net, ["LVFAILURE"], sorted(observed)).plan.chunk == 3
    np.testing.assert_allclose(tight.posterior(net, rows, ["LVFAILURE"]), expected, atol=1e-14)


def test_impossible_budget_raises_inference_error() -> None:
    net = network("alarm")
    with pytest.raises(InferenceError, match="treewidth.*pyro"):
        TorchBackend(memory_budget=64, table_limit=0).posterior(net, [{"HR": "LOW"}], ["CO"])


def test_zero_probability_evidence_raises() -> None:
    net = network("asia")
    rows = [{}, {"tub": "yes", "either": "no"}]
    for backend in (TorchBackend(), JaxBackend(), TorchBackend(table_limit=0)):
        with pytest.raises(EvidenceError, match="row 1"):
            backend.posterior(net, rows, ["dysp"])


def test_unknown_state_raises() -> None:
    with pytest.raises(EvidenceError, match="unknown state"):
        TorchBackend().posterior(network("asia"), [{"smoke": "maybe"}], ["lung"])


# -- MAP, pruning, determinism -------------------------------------------------------------------
def test_map_matches_pgmpy_map_query() -> None:
    from models.pgmpy.backend import import_pgmpy, to_pgmpy

    net = network("asia")
    inference = import_pgmpy().inference.VariableElimination(to_pgmpy(net))
    cases = [
        ({"dysp": "yes"}, ["lung", "bronc"]),
        ({"xray": "yes", "smoke": "no"}, ["tub", "lung"]),
        ({}, ["either"]),
        ({"asia": "yes", "dysp": "no"}, ["tub", "smoke", "bronc"]),
    ]
    for backend in (TorchBackend(), JaxBackend()):
        for evidence, targets in cases:
            expected = inference.map_query(targets, evidence=evidence or None, show_progress=False)
            assert backend.map(net, [evidence], targets) == [expected]


def test_prune_drops_barren_nodes_and_d_separated_evidence() -> None:
    binary = ("0", "1")
    net = BayesianNetwork(
        "chain",
        tuple(Variable(v, binary) for v in "abcd"),
        (
            CPT("a", (), (0.3, 0.7)),
            CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8)),
            CPT("c", ("b",), (0.6, 0.4, 0.1, 0.9)),
            CPT("d", ("a",), (0.5, 0.5, 0.25, 0.75)),
        ),
    )
    assert prune(net, ("a",), ()).variables == ("a",)  # b, c, d are barren
    query = prune(net, ("c",), ("a", "b", "d"))  # a and d are d-separated from c given b
    assert query.evidence == ("b",)
    assert query.variables == ("a", "b", "c")
    kept = prune(net, ("c",), ("a", "b", "d"), drop_irrelevant=False)
    assert kept.evidence == ("a", "b", "d")
    post = TorchBackend().posterior(net, [{"a": "1", "b": "0", "d": "0"}], ["c"])
    np.testing.assert_allclose(post, [[0.6, 0.4]], atol=1e-15)
    # zeros in a CPT: evidence is kept, so P(evidence) = 0 is still detected
    zeros = CPT("b", ("a",), (1.0, 0.0, 0.2, 0.8))
    deterministic = BayesianNetwork("det", net.variables, (net.cpts[0], zeros, *net.cpts[2:]))
    assert prune(deterministic, ("c",), ("a", "b")).evidence == ("a", "b")


def test_same_inputs_same_outputs() -> None:
    net = network("insurance")
    target, rows = queries(net, 50, 6)[2]
    first = TorchBackend().posterior(net, rows, [target])
    again = TorchBackend().posterior(net, rows, [target])
    assert np.array_equal(first, again)
    jax_first = JaxBackend().posterior(net, rows, [target])
    assert np.array_equal(jax_first, JaxBackend().posterior(net, rows, [target]))


def test_backends_take_keyword_options_only() -> None:
    backend = TorchBackend(device="cpu", dtype="float64", memory_budget=2**24)
    assert backend.name == "torch"
    assert JaxBackend(device="cpu").name == "jax"
    with pytest.raises(TypeError):
        TorchBackend("cpu")  # type: ignore[misc]
    with pytest.raises(ValueError, match="dtype"):
        TorchBackend(dtype="float16")


def test_tiny_network_by_hand() -> None:
    net = BayesianNetwork(
        "r",
        (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
        (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))),
    )
    post = TorchBackend().posterior(net, [{"b": "1"}], ["a"])
    np.testing.assert_allclose(post, [[0.05 / 0.45, 0.4 / 0.45]], atol=1e-15)
