"""``robust_cpts``: the decision survives perturbed conditional probability tables — a sound
bound, not an exact radius.

Statement (parameter ``radius`` r >= 0, default 0): in every situation of the evidence space
where the decision chooses an option, no perturbation of the CPTs that moves each entry of
each row by at most r (rows staying distributions) changes the chosen option.

Method (:mod:`theorems.methods.cpt_bounds`): with the utilities, weights and credences fixed, each
option's score under MEC with normalisation ``none`` (or MFT: the favourite theory's
choiceworthiness) is a posterior expectation E[u_a | do(a), e] of one aggregated utility u_a(x)
= sum_T c_T (sum_v w_Tv U_v(a, x) - sum_k pen_Tk 1[viol_k(a, x)]), and P(viol_k | do(a), e)
decides permissibility under hard norms. Sound intervals for these expectations over all
perturbations give

- ``proved`` when, in every situation, the chosen option stays permissible (every hard norm's
  violation bound at most its threshold, its evidence probability bounded away from 0) and
  its lower score bound beats every possibly permissible rival's upper bound by more than the
  kernel's tie tolerance;
- ``refuted`` when a concrete perturbed CPT (found by a Frank-Wolfe descent on the exact
  margin, vertex by vertex of the rows' box ∩ simplex) written into the problem and decided by
  :func:`engine.decision.pipeline.decide` changes the choice: the witness is that CPT;
- ``unknown: not refuted up to radius r`` otherwise.

The certified radius of a situation is the largest r in [0, 1] at which the bound proves it
(halving from 1, then bisection to 1/64 relative): a sound lower bound of the true radius,
not the radius itself.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from engine.decision.permissibility import VIOLATION_TOLERANCE, hard_norms
from engine.rules.base import TIE_TOLERANCE
from theorems.certificate import Certificate, versions
from theorems.methods.cpt_bounds import (
    MAX_JOINT,
    Joint,
    certified_above,
    certified_at_most,
    evidence_mask,
    expectation_bounds,
    joint_of,
    joint_size,
    lower_bound,
    probability,
)
from theorems.methods.linear_form import RobustnessScopeError, Situation, effective_rule, situations
from theorems.methods.perturb import decided_option, flips, perturbed_problem
from theorems.properties.robustness import radius_of
from theorems.registry import Property, Recheck, register_property
from theorems.task import Task

METHOD = "interval bound (Dinkelbach + row-wise elimination) + Frank-Wolfe counterexample search"
#: bisection steps for the certified radius on [0, 1]
RADIUS_STEPS = 6
#: the smallest radius tried is 2^-FLOOR
FLOOR = 20
#: Frank-Wolfe iterations of the counterexample search
DESCENT = 6


def _spread(joint: Joint, names: tuple[str, ...], array: np.ndarray) -> np.ndarray:
    """``array`` over the variables ``names`` broadcast over the joint."""
    axes = [joint.names.index(n) for n in names]
    order = np.argsort(axes)
    moved = np.transpose(array, order) if len(axes) else array
    shape = [1] * len(joint.names)
    for k in order:
        shape[axes[k]] = joint.cards[axes[k]]
    return np.broadcast_to(np.reshape(moved, shape), joint.cards)


def utilities_on_joint(task: Task, joint: Joint) -> tuple[np.ndarray, np.ndarray]:
    """(u (A, *joint): the aggregated utility of each option, viol (A, K, *joint): the
    violation indicators) — see the module docstring."""
    structure = task.compiled.structure
    settings = task.compiled.policy_settings
    assert settings is not None
    c = np.asarray(settings.credences, dtype=float)
    if settings.rule == "mft":
        c = np.eye(len(c))[int(np.argmax(c))]
    options = len(task.problem.decision.options)
    weights = c @ structure.value_weights  # (V,)
    penalties = c @ structure.norm_penalties  # (K,)
    u = np.zeros((options, *joint.cards))
    viol = np.zeros((options, len(structure.norms), *joint.cards))
    for a in range(options):
        for v, reduction in enumerate(structure.values):
            names = structure.targets[reduction.target]
            u[a] += weights[v] * _spread(joint, names, reduction.table[a])
        for k, reduction in enumerate(structure.norms):
            names = structure.targets[reduction.target]
            viol[a, k] = _spread(joint, names, reduction.table[a])
            u[a] -= penalties[k] * viol[a, k]
    return u, viol


def _scope(task: Task) -> Joint:
    rule, normalisation = effective_rule(task)
    if normalisation != "none":
        raise RobustnessScopeError(
            f"robust_cpts: normalisation {normalisation!r} makes the score a ratio of "
            "expectations; the bound covers 'none'"
        )
    settings = task.compiled.policy_settings
    assert settings is not None
    if any(o and c > 0 for o, c in zip(settings.ordinal, settings.credences, strict=True)):
        raise RobustnessScopeError("robust_cpts: ordinal theories with positive credence")
    if any(t.double_effect is not None for t in task.problem.theories):
        raise RobustnessScopeError(
            "robust_cpts: a double effect theory's test reads effect probabilities, which the "
            "bound does not cover"
        )
    joint = joint_of(task.problem)
    if joint_size(joint) > MAX_JOINT:
        raise RobustnessScopeError(
            f"robust_cpts: the joint has {joint_size(joint)} entries (at most {MAX_JOINT} "
            "are enumerated); observe or remove variables"
        )
    return joint


def _proves(
    task: Task, joint: Joint, s: Situation, u: np.ndarray, viol: np.ndarray, r: float
) -> bool:
    """Whether the bounds at radius ``r`` prove the situation (module docstring)."""
    mask = evidence_mask(joint, _state_indices(task, s))
    hard = hard_norms(task.problem, s.credences)
    thresholds = [task.problem.norms[k].threshold + VIOLATION_TOLERANCE for k in hard]
    a = s.chosen
    options = len(u)
    if not mask.any():
        return False
    if lower_bound(joint, a, mask[None], r)[0] <= 0.0:
        return False  # the evidence may become impossible
    bounds = []
    for b in range(options):
        maybe = True
        for k, limit in zip(hard, thresholds, strict=True):
            if b == a and not certified_at_most(joint, a, viol[a, k], mask, limit, r):
                return False
            if b != a and certified_above(joint, b, viol[b, k], mask, limit, r):
                maybe = False
        bounds.append(expectation_bounds(joint, b, u[b], mask, r) if maybe else None)
    low = bounds[a]
    assert low is not None
    size = max(abs(x) for bound in bounds if bound is not None for x in bound)
    guard = 1e-12 * max(1.0, size)
    tau = TIE_TOLERANCE * max(1.0, size)
    return all(
        bound is None or low[0] - guard > bound[1] + guard + tau
        for b, bound in enumerate(bounds)
        if b != a
    )


def _state_indices(task: Task, s: Situation) -> dict[str, int]:
    return {n: task.problem.states(n).index(v) for n, v in s.evidence.items()}


def _certified(task: Task, joint: Joint, s: Situation, u: np.ndarray, viol: np.ndarray) -> float:
    """The largest radius the bound proves: halving from 1 down to 2^-FLOOR until it proves,
    then RADIUS_STEPS bisection steps (0 when not even 2^-FLOOR is proved)."""
    if _proves(task, joint, s, u, viol, 1.0):
        return 1.0
    bad = 1.0
    while bad > 2.0**-FLOOR:
        good = bad / 2
        if _proves(task, joint, s, u, viol, good):
            break
        bad = good
    else:
        return 0.0
    for _ in range(RADIUS_STEPS):
        mid = 0.5 * (good + bad)
        good, bad = (mid, bad) if _proves(task, joint, s, u, viol, mid) else (good, mid)
    return good


def _tables(task: Task, joint: Joint, rows: list[np.ndarray]) -> np.ndarray:
    """Joint-order CPT arrays (option axis first) back to the problem's CPT table vector."""
    decision = task.problem.decision.name
    out = []
    for cpt in task.problem.cpts:
        array = rows[joint.names.index(cpt.child)]
        if decision in cpt.parents:
            array = np.moveaxis(array, 0, cpt.parents.index(decision))
        else:
            array = array[0]
        out.append(np.asarray(array, dtype=float).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0)


def _score(joint: Joint, rows: list[np.ndarray], a: int, u: np.ndarray, mask: np.ndarray) -> float:
    moved = Joint(joint.names, joint.cards, joint.parents, tuple(rows))
    p = probability(moved, a) * mask
    total = p.sum()
    return float((p * u[a]).sum() / total) if total > 0 else float("nan")


def _vertex(g: np.ndarray, base: np.ndarray, r: float) -> np.ndarray:
    """Per row (last axis) the point of box ∩ simplex around ``base`` minimising p . g."""
    lo, hi = np.clip(base - r, 0.0, 1.0), np.clip(base + r, 0.0, 1.0)
    order = np.argsort(g, axis=-1)
    cap = np.take_along_axis(hi - lo, order, axis=-1)
    rest = 1.0 - lo.sum(axis=-1, keepdims=True)
    extra = np.clip(rest - (np.cumsum(cap, axis=-1) - cap), 0.0, cap)
    point = lo.copy()
    np.put_along_axis(point, order, np.take_along_axis(lo, order, axis=-1) + extra, axis=-1)
    return point


def _search(task: Task, joint: Joint, s: Situation, u: np.ndarray, r: float) -> list[np.ndarray]:
    """Perturbed CPT vectors that lower the chosen option's margin over each rival most."""
    mask = evidence_mask(joint, _state_indices(task, s))
    base = [np.array(t) for t in joint.tables]
    found = []
    for b in np.flatnonzero(s.possible):
        if b == s.chosen:
            continue
        rows = [t.copy() for t in base]

        def margin(rs: list[np.ndarray], b: int = int(b)) -> float:
            return _score(joint, rs, s.chosen, u, mask) - _score(joint, rs, b, u, mask)

        current = margin(rows)
        for _ in range(DESCENT):
            grads = []
            for i, t in enumerate(rows):
                g = np.zeros_like(t)
                for idx in np.ndindex(t.shape):
                    h = 1e-6
                    up = [x.copy() for x in rows]
                    up[i][idx] += h
                    down = [x.copy() for x in rows]
                    down[i][idx] -= h
                    g[idx] = (margin(up) - margin(down)) / (2 * h)
                grads.append(g)
            target = [_vertex(g, t0, r) for g, t0 in zip(grads, base, strict=True)]
            for step in (1.0, 0.5, 0.25):
                trial = [x + step * (y - x) for x, y in zip(rows, target, strict=True)]
                value = margin(trial)
                if value < current:
                    rows, current = trial, value
                    break
            else:
                break
        found.append((current, _tables(task, joint, rows)))
    found.sort(key=lambda f: f[0])
    return [v for _, v in found]


def check_cpts(task: Task) -> Certificate:
    """Check ``robust_cpts`` (module docstring).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from theorems.task import make_task
    >>> heinz = load_scenario("examples/heinz.yaml")
    >>> task = make_task(heinz, policy="consequentialist", parameters={"radius": 0.01})
    >>> cert = check_cpts(task)
    >>> cert.verdict, 0.01 < cert.details["radius"] < 0.039  # the true radius is 0.0389...
    ('proved', True)
    """
    start = time.perf_counter()
    radius = radius_of(task)
    common: dict[str, Any] = {
        "property": "robust_cpts",
        "problem_hash": task.problem.content_hash,
        "parameters": {"radius": radius},
        "settings": dict(task.settings),
        "solvers": versions("scipy"),
        "method": METHOD,
    }
    try:
        joint = _scope(task)
    except RobustnessScopeError as exc:
        return Certificate(
            verdict="unknown", reason=str(exc), seconds=time.perf_counter() - start, **common
        )
    u, viol = utilities_on_joint(task, joint)
    options = task.problem.decision.options
    per, open_, counterexample, abstaining = [], [], None, 0
    for s in situations(task):
        if s.chosen < 0:
            abstaining += 1
            continue
        chosen = options[s.chosen]
        per.append(
            {
                "evidence": s.evidence,
                "chosen": chosen,
                "radius": _certified(task, joint, s, u, viol),
            }
        )
        if _proves(task, joint, s, u, viol, radius):
            continue
        if counterexample is None:
            for vector in _search(task, joint, s, u, radius):
                other = flips(task, "cpts", vector, s.evidence, chosen)
                if other is not None:
                    counterexample = {
                        "evidence": s.evidence, "chosen": chosen, "perturbed_choice": other,
                        "family": "cpts", "cpts": [float(x) for x in vector],
                    }  # fmt: skip
                    break
        open_.append(s.evidence)
    details = {
        "situations": per, "radius": min((p["radius"] for p in per), default=None),
        "checked": len(per), "abstaining": abstaining, "radius_kind": "sound lower bound",
    }  # fmt: skip
    seconds = time.perf_counter() - start
    if counterexample is not None:
        return Certificate(
            verdict="refuted", witness=counterexample, details=details, seconds=seconds,
            reason=f"a CPT perturbation within {radius:g} changes the choice", **common,
        )  # fmt: skip
    if open_:
        return Certificate(
            verdict="unknown", details=details, seconds=seconds,
            reason=f"not refuted up to radius {radius:g} (the bound does not prove "
            f"{len(open_)} situation(s), e.g. {open_[0]})",
            **common,
        )  # fmt: skip
    witness = {"radius": details["radius"], "situations": len(per)}
    return Certificate(
        verdict="proved", witness=witness, details=details, seconds=seconds, **common
    )


def recheck_cpts(task: Task, certificate: Certificate) -> Recheck:
    """Re-validate: problem hash; a counterexample CPT within the radius (every entry, rows
    summing to 1) re-decided by :func:`engine.decision.pipeline.decide` must change the choice;
    a proof or an unknown is re-run and must give the same verdict and radii (within 1e-9)."""
    if certificate.property != "robust_cpts":
        return Recheck(False, f"certificate is for {certificate.property!r}, not 'robust_cpts'")
    if certificate.problem_hash != task.problem.content_hash:
        return Recheck(
            False, "the problem changed: its content hash differs from the certificate's"
        )
    radius = float(certificate.parameters.get("radius", 0.0))
    if certificate.verdict == "refuted":
        w = certificate.witness
        try:
            vector = np.array([float(x) for x in w["cpts"]])
            evidence, chosen = dict(w["evidence"]), w["chosen"]
        except (KeyError, TypeError, ValueError):
            return Recheck(False, "the counterexample lacks evidence, chosen or cpts")
        base = np.concatenate([np.asarray(c.table, dtype=float) for c in task.problem.cpts])
        if vector.shape != base.shape:
            return Recheck(False, "the counterexample's CPTs do not match the problem's tables")
        size = float(np.abs(vector - base).max(initial=0.0))
        if size > radius + 1e-12:
            return Recheck(False, f"the CPT perturbation has size {size:g} > radius {radius:g}")
        if decided_option(task, task.problem, evidence) != chosen:
            return Recheck(False, f"the unperturbed problem does not choose {chosen!r}")
        moved = decided_option(task, perturbed_problem(task, "cpts", vector), evidence)
        if moved == chosen:
            return Recheck(False, f"the perturbed problem still chooses {chosen!r}")
        return Recheck(True)
    import dataclasses

    again = check_cpts(dataclasses.replace(task, parameters={**task.parameters, "radius": radius}))
    if again.verdict != certificate.verdict:
        return Recheck(
            False, f"re-check gives {again.verdict!r}, certificate says {certificate.verdict!r}"
        )
    old = [p.get("radius") for p in certificate.details.get("situations", [])]
    new = [p.get("radius") for p in again.details.get("situations", [])]
    if len(old) != len(new) or any(abs(a - b) > 1e-9 for a, b in zip(old, new, strict=True)):
        return Recheck(False, "the certified radii differ from the certificate's")
    return Recheck(True)


ROBUST_CPTS = register_property(
    Property(
        "robust_cpts",
        "In every situation where the decision chooses, no perturbation moving each CPT entry "
        "by at most `radius` (rows staying distributions) changes the chosen option. Sound "
        "interval bound: proved, refuted by a re-decided perturbed CPT, or unknown (not "
        "refuted up to the radius); the per-situation radius reported is a sound lower bound.",
        check_cpts,
        recheck_cpts,
        needs=("radius",),
    )
)
