"""SMT and exhaustive enumeration agree (issue 13): z3's "robust within r" against deciding
every vertex of the perturbation box with the kernel, on every situation of a shipped example.

For utilities and value weights every margin is linear in the perturbation, so its minimum over
the box |d|_inf <= r is attained at a vertex: enumerating the vertices with the kernel is an
exact, independent decision procedure for the same question z3 answers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from theorems.methods.linear_form import linear_radius, margins, situations
from theorems.methods.smt import linear_query
from theorems.properties.robustness import check_robust
from theorems.task import make_task


def _any_weight_flip(task, radius: float) -> bool:
    """Every situation x every vertex of the value-weight box, one kernel call."""
    compiled = task.compiled
    base = compiled.structure.value_weights
    found = situations(task)
    rows = [s for s in found if s.chosen >= 0]
    vertices = np.array(list(itertools.product((-1.0, 1.0), repeat=base.size))) * radius
    index = np.repeat(np.stack([s.index for s in rows]), len(vertices), axis=0)
    weights = np.tile(vertices, (len(rows), 1)).reshape(-1, *base.shape) + base[None]
    chosen = decide_rows(compiled, index, value_weights=weights).chosen
    nominal = np.repeat([s.chosen for s in rows], len(vertices))
    return bool((chosen != nominal).any())


@pytest.mark.parametrize("scale", [0.5, 0.999, 1.001, 2.0])
def test_weights_smt_agrees_with_vertex_enumeration(scale: float) -> None:
    """av_emergency: 3 theories x 3 values = 9 weights, 512 vertices, 27 situations."""
    problem = load_scenario("examples/av_emergency.yaml")
    radius = check_robust(make_task(problem, backend="numpy"), "weights").details["radius"]
    task = make_task(problem, backend="numpy", parameters={"radius": radius * scale})
    cert = check_robust(task, "weights")
    assert cert.verdict in ("proved", "refuted")
    assert (cert.verdict == "refuted") is _any_weight_flip(task, radius * scale)


def test_z3_and_closed_form_agree_per_situation() -> None:
    """In every situation of icu_triage, z3 is unsat just below the closed-form radius and sat
    just above it (utilities)."""
    problem = load_scenario("examples/icu_triage.yaml")
    task = make_task(problem, backend="numpy")
    for s in situations(task):
        if s.chosen < 0:
            continue
        m = margins(task, s, "utilities", "mec")
        r = linear_radius(m, "mec")
        if not np.isfinite(r):
            assert linear_query(m, "mec", 1e6).status == "unsat"
            continue
        assert linear_query(m, "mec", r * (1 - 1e-6)).status == "unsat"
        assert linear_query(m, "mec", r * (1 + 1e-6) + 1e-12).status == "sat"


def _any_credence_flip(task, radius: float, steps: int = 61) -> bool:
    """A grid over the credence simplex within the box (box edges and the faces c_T = 0
    included), every situation, one kernel call with per-row credences."""
    compiled = task.compiled
    c0 = compiled.settings.credences
    axes = [np.linspace(max(0.0, c - radius), min(1.0, c + radius), steps) for c in c0[:-1]]
    grid = np.array(list(itertools.product(*axes)))
    last = 1.0 - grid.sum(axis=1)
    keep = (last >= 0) & (np.abs(last - c0[-1]) <= radius)
    points = np.column_stack([grid[keep], last[keep]])
    rows = [s for s in situations(task) if s.chosen >= 0]
    index = np.repeat(np.stack([s.index for s in rows]), len(points), axis=0)
    credences = np.tile(points, (len(rows), 1))
    chosen = decide_rows(compiled, index, credences=credences).chosen
    return bool((chosen != np.repeat([s.chosen for s in rows], len(points))).any())


@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_credences_smt_agrees_with_grid(scale: float) -> None:
    """av_emergency: three theories, one a side-constraint (credence 0.3), 27 situations."""
    problem = load_scenario("examples/av_emergency.yaml")
    radius = check_robust(make_task(problem, backend="numpy"), "credences").details["radius"]
    task = make_task(problem, backend="numpy", parameters={"radius": radius * scale})
    cert = check_robust(task, "credences")
    assert cert.verdict in ("proved", "refuted")
    assert (cert.verdict == "refuted") is _any_credence_flip(task, radius * scale)
