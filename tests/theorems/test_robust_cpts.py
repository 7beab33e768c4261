"""robust_cpts: the interval bound is sound (never certifies a radius at which some CPT
perturbation flips the choice, checked by brute force over row vertices with the kernel),
collapses to the exact posterior at radius 0, and its counterexamples re-check.

Hand-worked (heinz, consequentialist policy, utilitarian credence 1): steal beats
steal_and_confess by 8 = (-9 - 20) - (-27 - 10). Moving P(jailed | steal) up by r,
P(jailed | confess) down by r, P(drug | steal) down and P(drug | confess) up by r, and widening
P(wife | drug) - P(wife | no drug) by 2r lowers the margin to 8 - 190 r - 400 r^2, zero at
r = 0.0389...: the true radius, which the vertex enumeration below finds.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from theorems.methods.cpt_bounds import evidence_mask, expectation_bounds, joint_of
from theorems.methods.perturb import perturbed_problem
from theorems.properties.robust_cpts import check_cpts, recheck_cpts, utilities_on_joint
from theorems.task import make_task

TRUE_RADIUS = (-190 + np.sqrt(190**2 + 4 * 400 * 8)) / 800


def heinz_task(radius: float):
    problem = load_scenario("examples/heinz.yaml")
    return make_task(
        problem, backend="numpy", policy="consequentialist", parameters={"radius": radius}
    )


def _flips_at(task, radius: float) -> bool:
    """Every CPT row of heinz is binary: the vertices of its box ∩ simplex are p ± r (clipped);
    the margin is multilinear in the rows (no evidence), so its minimum is at a vertex."""
    problem = task.problem
    base = np.concatenate([np.asarray(c.table) for c in problem.cpts])
    rows = len(base) // 2
    for signs in itertools.product((-1.0, 1.0), repeat=rows):
        first = np.clip(base[0::2] + radius * np.array(signs), 0.0, 1.0)
        vector = np.empty_like(base)
        vector[0::2], vector[1::2] = first, 1.0 - first
        moved = perturbed_problem(task, "cpts", vector)
        compiled = compile_problem(moved, backend="numpy", policy="consequentialist")
        if decide_rows(compiled, [{}]).option_names[0] != "steal":
            return True
    return False


def test_bound_is_sound_and_not_vacuous() -> None:
    task = heinz_task(0.0)
    cert = check_cpts(task)
    certified = cert.details["radius"]
    assert 0.3 * TRUE_RADIUS < certified <= TRUE_RADIUS
    assert not _flips_at(task, certified)
    assert not _flips_at(task, TRUE_RADIUS * (1 - 1e-6))
    assert _flips_at(task, TRUE_RADIUS * (1 + 1e-3))


def test_bounds_collapse_to_the_posterior_at_radius_zero() -> None:
    task = heinz_task(0.0)
    joint = joint_of(task.problem)
    u, _ = utilities_on_joint(task, joint)
    batch = decide_rows(task.compiled, [{}])
    mask = evidence_mask(joint, {})
    for a in range(3):
        lo, hi = expectation_bounds(joint, a, u[a], mask, 0.0)
        exact = batch.scores[0, a] if np.isfinite(batch.scores[0, a]) else None
        resolution = 1e-8 * (u[a].max() - u[a].min())  # the search's grid: 65^-5 of the range
        assert 0 <= hi - lo < 2 * resolution
        if exact is not None:
            assert lo - 1e-12 <= exact <= hi + 1e-12


def test_proved_refuted_and_recheck() -> None:
    inside = heinz_task(0.015)
    proved = check_cpts(inside)
    assert proved.verdict == "proved"
    assert recheck_cpts(inside, proved).ok
    assert not recheck_cpts(inside, dataclasses.replace(proved, verdict="unknown")).ok

    outside = heinz_task(0.3)
    refuted = check_cpts(outside)
    assert refuted.verdict == "refuted"
    assert refuted.witness["chosen"] == "steal"
    assert recheck_cpts(outside, refuted).ok
    nominal = [float(x) for c in outside.problem.cpts for x in c.table]
    tampered = dataclasses.replace(refuted, witness={**refuted.witness, "cpts": nominal})
    assert not recheck_cpts(outside, tampered).ok


@pytest.mark.parametrize("radius", [0.05])
def test_between_bound_and_search_is_unknown_or_refuted(radius: float) -> None:
    """Above the certified radius the check never claims a proof."""
    cert = check_cpts(heinz_task(radius))
    assert cert.verdict in ("refuted", "unknown")
    if cert.verdict == "unknown":
        assert "not refuted up to radius" in (cert.reason or "")
