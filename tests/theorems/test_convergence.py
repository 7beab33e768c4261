"""The convergence property on influence matrices (structure + coefficient of ergodicity) and
on run functions (the SPRT), with rechecks and tampering."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sparse

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.methods.ergodicity import ergodicity_coefficient, rate_bound
from theorems.methods.influence import InfluenceError, consensus_weights, stochastic_matrix
from theorems.properties.convergence import check, recheck, steps_to_tolerance
from theorems.registry import PropertyError, applicable, get_property
from theorems.task import Task, make_task

# Hand-worked: W below is a lazy walk on the path 0 - 1 - 2. Detailed balance
# pi_0 W_01 = pi_1 W_10 gives pi_1 = 2 pi_0, and pi_1 W_12 = pi_2 W_21 gives pi_2 = pi_0, so
# pi = (1/4, 1/2, 1/4) and the consensus from x0 = (1, 2, 3) is 1/4 + 1 + 3/4 = 2.
# tau(W) = 1 - min overlap of rows; rows 0 and 2 share only column 1 (0.5): tau = 0.5.
# Eigenvalues: trace 1.5 and det 0 give {1, 0.5, 0}: |lambda_2| = 0.5. From spread 1,
# 0.5^t <= 1e-3 first at t = 10.
PATH = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]])


@pytest.fixture(scope="module")
def problem() -> Any:
    return load_scenario(EXAMPLES / "heinz.yaml")


def task_for(problem: Any, **inputs: Any) -> Task:
    parameters = inputs.pop("parameters", {})
    return make_task(
        problem, parameters={"simulation": "test", **parameters}, inputs=inputs, backend="numpy"
    )


def test_registered_with_statement_and_needs(problem: Any) -> None:
    prop = get_property("convergence")
    assert prop.needs == ("simulation",) and "consensus" in prop.statement
    assert prop in applicable(task_for(problem, influence=PATH))
    assert prop not in applicable(make_task(problem, backend="numpy"))


def test_path_network_is_proved_with_the_hand_worked_rate(problem: Any) -> None:
    task = task_for(problem, influence=PATH)
    cert = check(task)
    assert (cert.verdict, cert.method) == ("proved", "degroot-ergodicity")
    assert cert.witness["power"] == 1
    assert cert.witness["tau_bound"] == pytest.approx(0.5, abs=1e-12)
    assert cert.witness["steps"] == 10
    assert cert.details["slem"] == pytest.approx(0.5)
    pi = np.array(cert.details["consensus_weights"])
    np.testing.assert_allclose(pi, [0.25, 0.5, 0.25], atol=1e-12)
    x0 = np.array([1.0, 2.0, 3.0])
    assert pi @ x0 == pytest.approx(2.0)
    np.testing.assert_allclose(np.linalg.matrix_power(PATH, 200) @ x0, 2.0, atol=1e-12)
    assert recheck(task, cert).ok
    assert cert.to_json() == type(cert).from_json(cert.to_json()).to_json()


def test_the_rate_bound_is_sound_on_a_sparse_ring(problem: Any) -> None:
    # a ring of 60 agents: self weight 0.6, 0.1 to each of the two nearest on either side;
    # tau(W) = 1 (far agents share no neighbour), so a power of W carries the bound
    n = 60
    w = 0.6 * sparse.eye_array(n, format="csr")
    for offset in (1, 2, -1, -2):
        w = w + 0.1 * sparse.csr_array(np.roll(np.eye(n), offset, axis=1))
    assert ergodicity_coefficient(w.toarray()) == pytest.approx(1.0)
    task = task_for(problem, influence=w, parameters={"tolerance": 1e-4})
    cert = check(task)
    assert cert.verdict == "proved" and cert.witness["power"] > 1
    steps = cert.witness["steps"]
    x = np.random.default_rng(0).random((n, 20))  # initial spread <= 1 per column
    x[0], x[1] = 0.0, 1.0
    dense = w.toarray()
    for _ in range(steps):
        x = dense @ x
    assert (x.max(axis=0) - x.min(axis=0)).max() <= 1e-4
    slem = float(np.sort(np.abs(np.linalg.eigvals(dense)))[-2])
    assert cert.details["slem"] == pytest.approx(slem, abs=1e-9)
    # the bound is not absurdly loose: within 8x the asymptotic count log(eps) / log(slem)
    assert steps <= 8 * math.log(1e-4) / math.log(slem)
    assert recheck(task, cert).ok


def test_a_stubborn_agent_is_followed(problem: Any) -> None:
    # agent 0 listens only to itself (the one closed class), agent 1 averages: consensus x0[0]
    w = np.array([[1.0, 0.0], [0.5, 0.5]])
    cert = check(task_for(problem, influence=w))
    assert cert.verdict == "proved"
    np.testing.assert_allclose(cert.details["consensus_weights"], [1.0, 0.0])
    s = stochastic_matrix(w)
    np.testing.assert_allclose(consensus_weights(s, np.array([0])), [1.0, 0.0])


def test_a_two_cycle_is_refuted_with_its_period_and_an_oscillating_start(problem: Any) -> None:
    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    task = task_for(problem, influence=w)
    cert = check(task)
    assert (cert.verdict, cert.method) == ("refuted", "degroot-structure")
    assert cert.witness["period"] == 2
    assert cert.witness["cyclic_classes"] == [[0], [1]]
    x = np.array([1.0, 0.0])  # the witness's start: 1 on the first cyclic class
    for t in range(1, 6):
        x = w @ x
        assert x.tolist() == ([0.0, 1.0] if t % 2 else [1.0, 0.0])
    assert recheck(task, cert).ok


def test_a_three_cycle_with_a_self_loop_is_aperiodic(problem: Any) -> None:
    w = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert check(task_for(problem, influence=w)).verdict == "proved"
    cyclic = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    cert = check(task_for(problem, influence=cyclic))
    assert cert.witness["period"] == 3 and cert.witness["cyclic_classes"] == [[0], [1], [2]]


def test_two_closed_groups_are_refuted_with_both_classes(problem: Any) -> None:
    # agents 0-1 and 2-3 listen only within their pair; agent 4 listens to both pairs
    w = np.array(
        [
            [0.5, 0.5, 0, 0, 0],
            [0.5, 0.5, 0, 0, 0],
            [0, 0, 0.5, 0.5, 0],
            [0, 0, 0.5, 0.5, 0],
            [0.25, 0, 0.25, 0, 0.5],
        ]
    )
    task = task_for(problem, influence=sparse.csr_array(w))
    cert = check(task)
    assert cert.verdict == "refuted"
    assert cert.witness["closed_classes"] == [[0, 1], [2, 3]]
    x = np.array([1.0, 1.0, 0.0, 0.0, 0.0])  # the witness's start
    final = np.linalg.matrix_power(w, 500) @ x
    np.testing.assert_allclose(final[:4], [1.0, 1.0, 0.0, 0.0])
    assert recheck(task, cert).ok


def test_recheck_catches_tampering(problem: Any) -> None:
    task = task_for(problem, influence=np.array([[0.0, 1.0], [1.0, 0.0]]))
    cert = check(task)
    flipped = dataclasses.replace(cert, verdict="proved")
    assert not recheck(task, flipped).ok
    wrong_witness = dataclasses.replace(cert, witness={**cert.witness, "cyclic_classes": [[0, 1]]})
    assert not recheck(task, wrong_witness).ok
    other = task_for(problem, influence=np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert "SHA-256" in recheck(other, cert).reason
    path = task_for(problem, influence=PATH)
    proved = check(path)
    for tampered in ({"tau_bound": 0.1}, {"steps": 9}):  # below what tau(W) = 0.5 gives
        assert not recheck(
            path, dataclasses.replace(proved, witness={**proved.witness, **tampered})
        ).ok


@pytest.mark.parametrize(
    "w, message",
    [
        (np.array([[0.5, 0.4], [0.5, 0.5]]), "row 0 sums to"),
        (np.array([[1.5, -0.5], [0.5, 0.5]]), "non-negative"),
        (np.ones((2, 3)) / 3, "square"),
    ],
)
def test_invalid_influence_matrices_are_refused(problem: Any, w: np.ndarray, message: str) -> None:
    with pytest.raises(InfluenceError, match=message):
        check(task_for(problem, influence=w))


def test_no_inputs_or_bad_parameters_are_errors(problem: Any) -> None:
    with pytest.raises(PropertyError, match="neither an influence matrix nor a run"):
        check(task_for(problem))
    with pytest.raises(PropertyError, match="tolerance > 0"):
        check(task_for(problem, influence=PATH, parameters={"tolerance": 0}))
    with pytest.raises(PropertyError, match="'p0' must be a number"):
        check(task_for(problem, run=lambda seed: True, parameters={"p0": "high"}))


def runs(outcome: Callable[[int], bool], calls: list[int]) -> Callable[[int], bool]:
    def run(seed: int) -> bool:
        calls.append(seed)
        return outcome(seed)

    return run


def test_sprt_proves_when_runs_converge(problem: Any) -> None:
    calls: list[int] = []
    task = task_for(problem, run=runs(lambda seed: True, calls))
    cert = check(task)
    # log(0.99 / 0.9) per success against log(1 / 0.05): 32 runs, seeds 0..31
    assert (cert.verdict, cert.method, cert.witness["runs"]) == ("proved", "sprt", 32)
    assert calls == list(range(32)) and cert.witness["failed_seeds"] == []
    assert cert.parameters["alpha"] == 0.05 and cert.parameters["p1"] == 0.99
    assert recheck(task, cert).ok


def test_sprt_refutes_when_runs_fail_and_names_the_seeds(problem: Any) -> None:
    task = task_for(problem, run=lambda seed: seed % 2 == 1)
    cert = check(task)
    # seed 0 fails (-2.30), seed 1 converges (+0.10), seed 2 fails: -4.51 <= log 0.05
    assert cert.verdict == "refuted"
    assert cert.witness["failed_seeds"] == [0, 2] and cert.witness["runs"] == 3
    assert recheck(task, cert).ok
    changed = task_for(problem, run=lambda seed: seed != 2)
    assert not recheck(changed, cert).ok


def test_sprt_without_a_decision_is_unknown(problem: Any) -> None:
    task = task_for(problem, run=lambda seed: True, parameters={"max_runs": 5})
    cert = check(task)
    assert cert.verdict == "unknown" and "max_runs" in cert.reason
    assert recheck(task, cert).ok


def test_influence_is_preferred_to_runs(problem: Any) -> None:
    def never(seed: int) -> bool:
        raise AssertionError("the runs should not be drawn")

    assert check(task_for(problem, influence=PATH, run=never)).method == "degroot-ergodicity"


def test_steps_to_tolerance() -> None:
    assert steps_to_tolerance(1, 0.5, 1e-3, 1.0) == 10
    assert steps_to_tolerance(4, 0.5, 1e-3, 1.0) == 40
    assert steps_to_tolerance(1, 0.5, 1.0, 0.5) == 0
    assert rate_bound(stochastic_matrix(np.eye(1))).tau == pytest.approx(0.0, abs=1e-12)
