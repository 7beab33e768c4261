"""The conformance suite every inference backend must pass (shared/DESIGN.md, models/).

Add a backend by adding its registry name to :data:`BACKEND_NAMES`; a backend whose
dependencies are not importable is skipped with the import error as the reason.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.errors import BackendUnavailable, EvidenceError
from engine.ir import CPT, BayesianNetwork, Variable
from engine.scenario import load_scenario
from phronesis.api import posterior as api_posterior

#: every backend the suite runs on ("pyro" joins here once its exact enumeration lands)
BACKEND_NAMES = ("pgmpy", "torch", "jax", "pyro")

TOLERANCE = 1e-12


@pytest.fixture(params=BACKEND_NAMES)
def backend(request: pytest.FixtureRequest):
    try:
        return get_backend(request.param)
    except BackendUnavailable as exc:
        pytest.skip(f"backend {request.param!r} is not importable here: {exc}")


def _rows(*rows: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(p for row in rows for p in row)


def _binary(name: str) -> Variable:
    return Variable(name, ("no", "yes"))


def sprinkler() -> BayesianNetwork:
    """rain -> sprinkler, (rain, sprinkler) -> wet, wet -> slippery: explaining away."""
    return BayesianNetwork(
        "sprinkler",
        (_binary("rain"), _binary("sprinkler"), _binary("wet"), _binary("slippery")),
        (
            CPT("rain", (), (0.8, 0.2)),
            CPT("sprinkler", ("rain",), (0.6, 0.4, 0.99, 0.01)),
            CPT("wet", ("rain", "sprinkler"), (1.0, 0.0, 0.2, 0.8, 0.1, 0.9, 0.01, 0.99)),
            CPT("slippery", ("wet",), (0.9, 0.1, 0.3, 0.7)),
        ),
    )


def three_state_chain() -> BayesianNetwork:
    """a (3 states) -> b (2) -> c (3), and a -> c."""
    return BayesianNetwork(
        "chain3",
        (Variable("a", ("x", "y", "z")), _binary("b"), Variable("c", ("lo", "mid", "hi"))),
        (
            CPT("a", (), (0.2, 0.5, 0.3)),
            CPT("b", ("a",), (0.9, 0.1, 0.4, 0.6, 0.25, 0.75)),
            CPT(
                "c",
                ("a", "b"),
                _rows(
                    (0.1, 0.2, 0.7),
                    (0.3, 0.3, 0.4),
                    (0.5, 0.25, 0.25),
                    (0.6, 0.3, 0.1),
                    (0.2, 0.2, 0.6),
                    (0.05, 0.05, 0.9),
                ),
            ),
        ),
    )


def brute_force(net: BayesianNetwork, evidence: dict[str, str], targets: list[str]) -> np.ndarray:
    """P(targets | evidence) by enumerating the full joint (the independent reference)."""
    names = [v.name for v in net.variables]
    shape = tuple(len(net.states(t)) for t in targets)
    out = np.zeros(shape)
    for assignment in itertools.product(*(range(len(v.states)) for v in net.variables)):
        state = dict(zip(names, assignment, strict=True))
        if any(net.states(v)[state[v]] != s for v, s in evidence.items()):
            continue
        p = 1.0
        for cpt in net.cpts:
            p *= net.cpt_array(cpt.child)[tuple(state[n] for n in (*cpt.parents, cpt.child))]
        out[tuple(state[t] for t in targets)] += p
    return out / out.sum()


CASES = [
    (sprinkler, {}, ["rain"]),
    (sprinkler, {"wet": "yes"}, ["rain"]),
    (sprinkler, {"wet": "yes", "sprinkler": "yes"}, ["rain"]),  # explaining away
    (sprinkler, {"slippery": "yes"}, ["rain", "sprinkler"]),  # joint of two targets
    (sprinkler, {"slippery": "no"}, ["wet", "rain"]),
    (sprinkler, {"rain": "yes", "slippery": "yes"}, ["rain", "wet"]),  # observed target
    (three_state_chain, {"c": "hi"}, ["a"]),
    (three_state_chain, {"c": "mid", "b": "yes"}, ["a"]),
    (three_state_chain, {"b": "no"}, ["c", "a"]),
    (three_state_chain, {"a": "z"}, ["a"]),  # target fully observed
]


@pytest.mark.parametrize(("make", "evidence", "targets"), CASES)
def test_posterior_matches_enumeration(backend, make, evidence, targets) -> None:
    net = make()
    got = backend.posterior(net, [evidence], targets)
    assert got.shape == (1, *(len(net.states(t)) for t in targets))
    np.testing.assert_allclose(got[0], brute_force(net, evidence, targets), rtol=0, atol=TOLERANCE)


def test_batch_rows_answer_independently(backend) -> None:
    net = sprinkler()
    rows = [{}, {"wet": "yes"}, {"slippery": "yes", "sprinkler": "no"}, {"wet": "yes"}]
    got = backend.posterior(net, rows, ["rain"])
    for row, answer in zip(rows, got, strict=True):
        np.testing.assert_allclose(answer, brute_force(net, row, ["rain"]), atol=TOLERANCE)


def test_probability_of_evidence(backend) -> None:
    net = sprinkler()
    rows = [{"wet": "yes"}, {"rain": "no", "sprinkler": "no", "wet": "yes"}, {}]
    got = backend.probability_of_evidence(net, rows)
    # P(wet) = 0.8*0.4*0.8 + 0.2*0.99*0.9 + 0.2*0.01*0.99; the second row is impossible
    expected = [0.8 * 0.4 * 0.8 + 0.2 * 0.99 * 0.9 + 0.2 * 0.01 * 0.99, 0.0, 1.0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_zero_probability_evidence_raises(backend) -> None:
    with pytest.raises(EvidenceError):
        backend.posterior(
            sprinkler(), [{"rain": "no", "sprinkler": "no", "wet": "yes"}], ["slippery"]
        )


def test_unknown_evidence_is_rejected_upstream(backend) -> None:
    problem = load_scenario("examples/heinz.yaml")
    with pytest.raises(EvidenceError, match="unknown variable"):
        api_posterior(problem, ["wife_survives"], {"weather": "rain"}, backend=backend)
    with pytest.raises(EvidenceError, match="unknown state"):
        api_posterior(problem, ["wife_survives"], {"drug_obtained": "maybe"}, backend=backend)


@pytest.mark.parametrize("policy", [None, "deontological", "consequentialist", "virtue"])
def test_heinz_decisions_equal_reference(backend, policy) -> None:
    problem = load_scenario("examples/heinz.yaml")
    for evidence in ({}, {"wife_survives": "no"}, {"heinz_jailed": "no"}):
        got = decide(problem, evidence, policy=policy, backend=backend)
        ref = decide(problem, evidence, policy=policy, backend="pgmpy")
        assert got.option == ref.option
        assert got.abstain == ref.abstain
        for mine, theirs in zip(got.options, ref.options, strict=True):
            assert mine.option == theirs.option
            assert mine.permissible == theirs.permissible
            for field in ("expected_values", "choiceworthiness", "norm_violation"):
                a, b = getattr(mine, field), getattr(theirs, field)
                assert a.keys() == b.keys()
                assert all(abs(a[k] - b[k]) <= TOLERANCE for k in a), field
            if theirs.score is None:
                assert mine.score is None
            else:
                assert abs(mine.score - theirs.score) <= TOLERANCE


def test_decision_under_impossible_evidence_raises(backend) -> None:
    problem = load_scenario("examples/heinz.yaml")  # do_not_steal never jails Heinz
    with pytest.raises(EvidenceError, match="probability 0"):
        decide(problem, {"heinz_jailed": "yes"}, backend=backend)
