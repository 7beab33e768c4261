"""The composition root's inputs for the convergence property from simulation configs
(phronesis.verify_simulation), cross-checked against multiagent's own DeGroot analysis."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from multiagent.build import build
from multiagent.degroot import consensus_analysis
from phronesis.verify_simulation import _read, convergence_inputs, convergence_task
from tests.conftest import EXAMPLES
from theorems.properties.convergence import check, recheck

SIMULATIONS = EXAMPLES / "simulations"


def test_the_junction_ring_is_proved_with_the_circulant_spectrum() -> None:
    task = convergence_task(SIMULATIONS / "junction.sim.yaml")
    influence = task.inputs["influence"]
    assert influence.shape == (1000, 1000)
    config, problem = _read(SIMULATIONS / "junction.sim.yaml", None)
    other, _ = build(config, problem, config.seed + 1)  # a ring does not depend on the seed
    assert (influence != other.influence).nnz == 0
    cert = check(task)
    assert (cert.verdict, cert.method) == ("proved", "degroot-ergodicity")
    assert cert.witness["closed_class_size"] == 1000 and cert.witness["tau_bound"] < 1
    assert cert.parameters["simulation"].endswith("junction.sim.yaml")
    # W = 0.8 I + 0.05 (shifts by +-1, +-2) is circulant: eigenvalues
    # 0.8 + 0.1 cos(2 pi k / N) + 0.1 cos(4 pi k / N), the second largest at k = 1
    slem = 0.8 + 0.1 * np.cos(2 * np.pi / 1000) + 0.1 * np.cos(4 * np.pi / 1000)
    assert cert.details["slem"] == pytest.approx(slem, abs=1e-9)
    # the certified count is at least the asymptotic one, log(eps) / log |lambda_2|
    assert cert.witness["steps"] >= np.log(1e-3) / np.log(slem)
    assert recheck(task, cert).ok


def test_triage_bounded_confidence_is_tested_by_runs() -> None:
    inputs = convergence_inputs(SIMULATIONS / "triage.sim.yaml", steps=5)
    assert sorted(inputs) == ["run"]  # no contraction certificate for bounded confidence
    task = convergence_task(SIMULATIONS / "triage.sim.yaml", steps=5)
    cert = check(task)
    # after 5 steps credences still move by more than 1e-3: both first runs fail
    assert (cert.verdict, cert.method) == ("refuted", "sprt")
    assert cert.witness["failed_seeds"] == [0, 1]


def small_config(tmp_path: Path, network: str, learn: str = "credences") -> Path:
    shutil.copy(SIMULATIONS / "junction.yaml", tmp_path / "junction.yaml")
    path = tmp_path / "small.sim.yaml"
    path.write_text(
        "scenario: junction.yaml\nagents: 12\nsteps: 40\ngroup_size: 4\n"
        "observe: [pedestrian]\npopulation: {concentration: 2}\n"
        f"network: {{kind: {network}, degree: 2}}\n"
        f"learning: {{kind: degroot, self_weight: 0.5, targets: [{learn}]}}\n"
        "decision: {rule: mec, normalisation: none, backend: numpy}\n",
        encoding="utf-8",
    )
    return path


def test_separate_groups_never_agree(tmp_path: Path) -> None:
    cert = check(convergence_task(small_config(tmp_path, "groups")))
    assert cert.verdict == "refuted"
    first, second = cert.witness["closed_classes"]
    assert first == [0, 3, 6, 9] and second == [1, 4, 7, 10]  # round-robin groups of 4


def test_a_small_ring_is_proved_and_its_runs_converge(tmp_path: Path) -> None:
    path = small_config(tmp_path, "ring")
    task = convergence_task(path)
    cert = check(task)
    assert cert.verdict == "proved"
    # 12 agents, self weight 0.5: W = 0.5 I + 0.25 (shift left + shift right), whose
    # eigenvalues are 0.5 + 0.5 cos(2 pi k / 12): |lambda_2| = 0.933
    assert cert.details["slem"] == pytest.approx(0.5 + 0.5 * np.cos(2 * np.pi / 12))
    info = consensus_analysis(task.inputs["influence"])  # multiagent's own analysis agrees
    assert info.converges and info.slem == pytest.approx(cert.details["slem"])
    # each agent's next credence is a convex combination of the current ones, so the change at
    # step t + 1 is at most the spread after step t: a run one step longer than the certified
    # count must meet the 1e-3 criterion (the certificate and the simulator agree)
    certified = cert.witness["steps"]
    assert all(convergence_inputs(path, steps=certified + 1)["run"](seed) for seed in range(3))
    assert not convergence_inputs(path, steps=2)["run"](0)  # two steps do not settle


def test_learned_value_weights_set_the_spread(tmp_path: Path) -> None:
    # value weights are not confined to [0, 1]: the spread is measured on the population, and
    # a run then converges only when the weights, too, stop moving
    path = small_config(tmp_path, "ring", learn="credences, value_weights")
    task = convergence_task(path)
    config, problem = _read(path, None)
    _, population = build(config, problem, config.seed)
    spread = np.ptp(population.value_weights, axis=0).max()
    assert task.parameters["spread"] == pytest.approx(max(1.0, spread))
    cert = check(task)
    assert cert.verdict == "proved" and cert.parameters["spread"] == task.parameters["spread"]
    certified = cert.witness["steps"]
    assert convergence_inputs(path, steps=certified + 1)["run"](0)
