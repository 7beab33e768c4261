"""Certified radii for utilities, value weights and credences against hand-worked values and a
brute-force search with the kernel (issue 13: "robustness radii agree with a brute-force grid
search on small problems").

The toy (worked by hand; the module's numbers below are derived here, not measured):

    weather ~ (sun 0.6, rain 0.4), observable; options go / stay
    fun(go, sun) = 10, fun(go, rain) = -5, fun(stay, ·) = 2;  safety(go) = 0, safety(stay) = 4
    hedonist (credence 0.7) weighs fun 1; cautious (0.3) weighs safety 1; MEC, no normalisation

Weather unobserved: EV_fun(go) = 0.6*10 - 0.4*5 = 4, EV_fun(stay) = 2, so
s(go) = 0.7*4 = 2.8 and s(stay) = 0.7*2 + 0.3*4 = 2.6: go, margin 0.2.
- utilities: the margin's gradient in (fun[go,sun], fun[go,rain], fun[stay,sun],
  fun[stay,rain], safety[go], safety[stay]) is 0.7*(0.6, 0.4, -0.6, -0.4) and 0.3*(1, -1):
  ||g||_1 = 2.0, radius 0.2 / 2.0 = 0.1. Sun: margin 4.4, radius 2.2; rain: stay wins by
  6.1, radius 3.05. Overall 0.1.
- weights: gradient c_T (EV_v(go) - EV_v(stay)) = (1.4, -2.8, 0.6, -1.2), radius 0.2 / 6 = 1/30.
- credences: margin 2 c_h - 4 c_c = 6 c_h - 4 <= 0 iff c_h <= 2/3: radius 0.7 - 2/3 = 1/30.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.ir import CPT, DecisionNode, DecisionProblem, Theory, ValueDimension, Variable
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from theorems.methods.perturb import perturbed_problem
from theorems.properties.robustness import check_robust, recheck_robust
from theorems.registry import get_property
from theorems.task import make_task

RADIUS = {"utilities": 0.1, "weights": 1 / 30, "credences": 1 / 30}


def toy(credence: float = 0.7) -> DecisionProblem:
    return DecisionProblem(
        name="toy",
        variables=(Variable("weather", ("sun", "rain")),),
        decision=DecisionNode("act", ("go", "stay")),
        cpts=(CPT("weather", (), (0.6, 0.4)),),
        values=(
            ValueDimension("fun", ("act", "weather"), (10.0, -5.0, 2.0, 2.0)),
            ValueDimension("safety", ("act",), (0.0, 4.0)),
        ),
        theories=(
            Theory("hedonist", "cardinal", credence, (("fun", 1.0),)),
            Theory("cautious", "cardinal", round(1 - credence, 12), (("safety", 1.0),)),
        ),
    )


def task_of(problem: DecisionProblem, radius: float, **settings: str):
    return make_task(problem, backend="numpy", parameters={"radius": radius}, **settings)


@pytest.mark.parametrize("family", ["utilities", "weights", "credences"])
def test_hand_worked_radius(family: str) -> None:
    cert = check_robust(task_of(toy(), 0.0), family)
    assert cert.verdict == "proved"
    assert cert.details["radius"] == pytest.approx(RADIUS[family], rel=1e-7)
    by = {tuple(s["evidence"].items()): s for s in cert.details["situations"]}
    if family == "utilities":
        assert by[(("weather", "sun"),)]["radius"] == pytest.approx(2.2, rel=1e-7)
        assert by[(("weather", "rain"),)]["chosen"] == "stay"
        assert by[(("weather", "rain"),)]["radius"] == pytest.approx(3.05, rel=1e-7)


def _kernel_choices(problem: DecisionProblem, rows: list[dict[str, str]]) -> list[int]:
    compiled = compile_problem(problem, backend="numpy")
    return decide_rows(compiled, rows).chosen.tolist()


SITUATIONS = [{}, {"weather": "sun"}, {"weather": "rain"}]


def _utility_flip(problem: DecisionProblem, radius: float) -> bool:
    """Brute force: every vertex of the box |d| <= radius over the six utility entries (the
    margins are linear, so a flip exists iff one exists at a vertex), decided by the kernel
    on the perturbed problem."""
    task = task_of(problem, radius)
    nominal = _kernel_choices(problem, SITUATIONS)
    for signs in itertools.product((-1.0, 1.0), repeat=6):
        moved = perturbed_problem(task, "utilities", radius * np.array(signs))
        if _kernel_choices(moved, SITUATIONS) != nominal:
            return True
    return False


def test_utility_radius_matches_brute_force() -> None:
    problem = toy()
    r = check_robust(task_of(problem, 0.0), "utilities").details["radius"]
    assert not _utility_flip(problem, r * (1 - 1e-6))
    assert _utility_flip(problem, r * (1 + 1e-4))


def test_weight_and_credence_radii_match_grid() -> None:
    """Per-row parameters through the kernel: the weight box's vertices (4 weights) and a
    fine grid of credences on the simplex, just inside and just outside the radius."""
    problem = toy()
    compiled = compile_problem(problem, backend="numpy")
    base = compiled.structure.value_weights
    nominal = decide_rows(compiled, [{}]).chosen[0]
    r = check_robust(task_of(problem, 0.0), "weights").details["radius"]
    for scale, flips in ((1 - 1e-6, False), (1 + 1e-4, True)):
        vertices = np.array(list(itertools.product((-1.0, 1.0), repeat=4))) * r * scale
        weights = base[None] + vertices.reshape(-1, *base.shape)
        chosen = decide_rows(compiled, [{}] * len(weights), value_weights=weights).chosen
        assert bool((chosen != nominal).any()) is flips
    r = check_robust(task_of(problem, 0.0), "credences").details["radius"]
    for scale, flips in ((1 - 1e-6, False), (1 + 1e-4, True)):
        c = 0.7 + np.linspace(-r * scale, r * scale, 2001)
        credences = np.stack([c, 1 - c], axis=1)
        chosen = decide_rows(compiled, [{}] * len(c), credences=credences).chosen
        assert bool((chosen != nominal).any()) is flips


def test_heinz_utilities_hand_worked() -> None:
    """Heinz under the consequentialist policy (utilitarian credence 1): steal beats
    steal_and_confess by 8 (liberty -9 vs -27, property -20 vs -10, life equal); the margin's
    gradient is (-0.6, 0.6) on liberty and (1, -1, 0) on property: radius 8 / 3.2 = 2.5.
    Over do_not_steal the margin is 19.75 with ||g||_1 = 3.575 (radius 5.52...)."""
    problem = load_scenario("examples/heinz.yaml")
    task = task_of(problem, 2.4, policy="consequentialist")
    cert = check_robust(task, "utilities")
    assert cert.verdict == "proved"
    assert cert.details["radius"] == pytest.approx(2.5, rel=1e-7)
    assert recheck_robust(task, cert, "utilities").ok
    refuted = check_robust(task_of(problem, 2.6, policy="consequentialist"), "utilities")
    assert refuted.verdict == "refuted"
    assert refuted.witness["chosen"] == "steal"
    assert refuted.witness["perturbed_choice"] == "steal_and_confess"


def test_credences_gaining_a_side_constraint() -> None:
    """Under the consequentialist policy the Kantian theory has credence 0; any credence it
    gains makes its side-constraint hard and excludes both thefts: radius 0, and every
    positive radius is refuted by a re-decided counterexample."""
    problem = load_scenario("examples/heinz.yaml")
    cert = check_robust(task_of(problem, 0.01, policy="consequentialist"), "credences")
    assert cert.details["radius"] == 0.0
    assert cert.verdict == "refuted"
    assert cert.witness["perturbation"]["kantian"] > 0
    assert cert.witness["perturbed_choice"] == "do_not_steal"
    task = task_of(problem, 0.01, policy="consequentialist")
    assert recheck_robust(task, cert, "credences").ok


def test_mft_radius_and_tie_break() -> None:
    """MFT: the favourite (hedonist) alone scores: CW_h(go) - CW_h(stay) = 2 with ||g||_1 = 2
    over the fun entries: radius 1; the vertex search confirms it."""
    problem = toy()
    cert = check_robust(task_of(problem, 0.0, rule="mft"), "utilities")
    r = cert.details["radius"]
    assert r == pytest.approx(1.0, rel=1e-7)
    task = task_of(problem, r * (1 + 1e-4), rule="mft")
    moved = perturbed_problem(task, "utilities", -r * (1 + 1e-4) * np.array([1, 1, -1, -1, 0, 0]))
    chosen = decide_rows(compile_problem(moved, backend="numpy", rule="mft"), [{}]).chosen[0]
    assert chosen == 1
    assert check_robust(task, "utilities").verdict == "refuted"


def test_recheck_catches_tampering() -> None:
    problem = toy()
    task = task_of(problem, 0.05)
    proved = check_robust(task, "utilities")
    assert proved.verdict == "proved" and recheck_robust(task, proved, "utilities").ok
    import dataclasses

    forged = dataclasses.replace(proved, verdict="refuted")
    assert not recheck_robust(task, forged, "utilities").ok
    wrong_radius = dataclasses.replace(proved, details={**proved.details, "situations": [
        {**s, "radius": 0.5} for s in proved.details["situations"]
    ]})  # fmt: skip
    assert not recheck_robust(task, wrong_radius, "utilities").ok
    other = task_of(toy(0.75), 0.05)
    assert not recheck_robust(other, proved, "utilities").ok

    wide = task_of(problem, 0.2)
    refuted = check_robust(wide, "utilities")
    assert refuted.verdict == "refuted" and recheck_robust(wide, refuted, "utilities").ok
    weak = {k: v / 100 for k, v in refuted.witness["perturbation"].items()}
    tampered = dataclasses.replace(refuted, witness={**refuted.witness, "perturbation": weak})
    assert not recheck_robust(wide, tampered, "utilities").ok


def test_out_of_scope_is_unknown_with_reason() -> None:
    cert = check_robust(task_of(toy(), 0.0, normalisation="range"), "utilities")
    assert cert.verdict == "unknown" and "normalisation 'range'" in (cert.reason or "")
    cert = check_robust(task_of(toy(), 0.0, rule="borda"), "weights")
    assert cert.verdict == "unknown" and "borda" in (cert.reason or "")
    # credences stay linear under range normalisation
    assert check_robust(task_of(toy(), 0.0, normalisation="range"), "credences").proved


def test_registered() -> None:
    import theorems.properties.robust_cpts  # noqa: F401  (registers robust_cpts)

    for name in ("robust_utilities", "robust_weights", "robust_credences", "robust_cpts"):
        assert get_property(name).name == name


def test_credences_losing_a_side_constraint() -> None:
    """Heinz as stated (utilitarian 0.6, kantian 0.1, virtue 0.3): the Kantian side-constraint
    leaves only do_not_steal permissible while the Kantian credence is positive, so the
    radius is exactly 0.1 — the closed case c_kantian = 0, reached only at distance 0.1. There,
    at (0.6, 0, 0.4): utilitarian CW (steal 28, confess 20, do_not_steal 8.25), virtue CW
    (0, 20, -10), MEC 16.8 / 20 / 0.95: steal_and_confess."""
    problem = load_scenario("examples/heinz.yaml")
    inside = check_robust(task_of(problem, 0.0999), "credences")
    assert inside.verdict == "proved" and inside.details["radius"] == pytest.approx(0.1, abs=1e-9)
    edge = task_of(problem, 0.1)
    cert = check_robust(edge, "credences")
    assert cert.verdict == "refuted"
    assert "kantian" not in cert.witness["perturbation"]  # credence 0: left out
    assert cert.witness["perturbed_choice"] == "steal_and_confess"
    assert recheck_robust(edge, cert, "credences").ok
