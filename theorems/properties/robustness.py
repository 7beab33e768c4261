"""Robustness with certified radii: ``robust_utilities``, ``robust_weights`` and
``robust_credences`` (shared/DESIGN.md, "theorems/"; issue 13, "robustness").

Statement (parameter ``radius`` r >= 0, which the property needs; 0 measures the radii): in
every situation of the task's evidence space where the decision chooses an option, no
perturbation of the parameters of the family with L-infinity size <= r changes the chosen
option —

- ``utilities``: every utility table entry U_v[j] moved by at most r;
- ``weights``: every value weight w_Tv of every theory (zero ones included) moved by at most r;
- ``credences``: credences anywhere on the simplex within r of the stated ones in every
  coordinate (a side-constraint theory that gains or loses all credence changes what is
  permissible: both are covered).

The certified radius of a situation is the infimum of the sizes of perturbations that may
change its choice (a margin reaching the kernel's relative tie tolerance 1e-9 counts as a
change, since ties go by name); the overall radius is the least over situations.

Method: the margins of the chosen option are linear in each family (:mod:`theorems.
linear_form`, :mod:`theorems.methods.linear_credences`), so the question is exact in linear real
arithmetic: z3 answers it per situation (:mod:`theorems.methods.smt`) — ``unsat`` everywhere is the
proof — and the radius has a closed form (Hölder: m / ||g||_1; one LP for MFT's ties) or, for
credences, one LP per (support case, rival), which must agree with z3. A ``sat`` answer
becomes ``refuted`` only when a perturbation within r, written into the problem and decided by
:func:`engine.decision.pipeline.decide`, really changes the choice; otherwise (a rival only
reaches the tie tolerance) the verdict is ``unknown``. Scope: rules MEC and MFT under a rule
policy or none; for utilities and weights normalisation ``none`` and no ordinal theory with
positive credence (range and variance normalisation divide by a spread of the utilities);
credences under MEC with any normalisation. Elsewhere the verdict is ``unknown`` with the
reason. Situations where the decision abstains are outside the statement (counted).

A counterexample's witness names the situation, the chosen and the perturbed choice, and the
perturbation: offsets by parameter name for utilities and weights, the perturbed credences
themselves (zeros left out) for credences.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

import numpy as np

from theorems.certificate import Certificate, versions
from theorems.methods.linear_credences import credence_cases, credence_radius, worst
from theorems.methods.linear_form import (
    RobustnessScopeError,
    Situation,
    effective_rule,
    linear_radius,
    margins,
    situations,
    utility_names,
    weight_names,
    worst_perturbations,
)
from theorems.methods.perturb import decided_option, flips, perturbed_problem
from theorems.methods.smt import SmtAnswer, credence_query, linear_query
from theorems.registry import Property, PropertyError, Recheck, register_property
from theorems.task import Task

#: relative agreement asked of the SMT verdict and the radius at the boundary
AGREEMENT = 1e-7
#: perturbations tried as counterexamples per situation
CANDIDATES = 6


def radius_of(task: Task) -> float:
    """The ``radius`` parameter (default 0), checked."""
    value = task.parameters.get("radius", 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise PropertyError(f"parameter 'radius': expected a number >= 0, found {value!r}")
    if not math.isfinite(float(value)):
        raise PropertyError("parameter 'radius': expected a finite number")
    return float(value)


def _scope(task: Task, family: str) -> str:
    rule, normalisation = effective_rule(task)
    if family == "credences":
        if any(t.double_effect is not None for t in task.problem.theories):
            raise RobustnessScopeError(
                "robust_credences: the cases split on side-constraint theories; double effect "
                "theories are not split into cases yet"
            )
        return rule
    settings = task.compiled.policy_settings
    assert settings is not None
    if normalisation != "none":
        raise RobustnessScopeError(
            f"robust_{family}: normalisation {normalisation!r} divides by a spread of the "
            "choiceworthiness, which is not linear in the parameters; exact radii need 'none'"
        )
    if any(o and c > 0 for o, c in zip(settings.ordinal, settings.credences, strict=True)):
        raise RobustnessScopeError(
            f"robust_{family}: an ordinal theory with positive credence scores by ranks, "
            "which are not linear in the parameters"
        )
    return rule


def _names(task: Task, family: str) -> tuple[str, ...]:
    if family == "utilities":
        return utility_names(task)
    if family == "weights":
        return weight_names(task)
    return tuple(t.name for t in task.problem.theories)


def _analyse(
    task: Task, family: str, rule: str, situation: Situation, radius: float
) -> tuple[float, SmtAnswer, list[np.ndarray]]:
    """(certified radius, z3's answer at ``radius``, counterexample candidates)."""
    if family == "credences":
        cases = credence_cases(task, situation)
        c0 = situation.credences
        r, _ = credence_radius(cases, c0)
        answer = credence_query(cases, c0, radius)
        candidates = []
        if answer.status == "sat":
            for case in cases:
                rows = [np.zeros(len(c0))] if case.lost else list(case.D)
                for row in rows:
                    found = worst(case, row, c0, radius)
                    if found is not None:
                        candidates.append((float(row @ found) - case.tau, found))
            candidates.sort(key=lambda c: c[0])
        options = [c for _, c in candidates[:CANDIDATES]]
    else:
        m = margins(task, situation, family, rule)
        r = linear_radius(m, rule)
        answer = linear_query(m, rule, radius)
        options = (
            worst_perturbations(m, rule, radius)[:CANDIDATES] if answer.status == "sat" else []
        )
    if answer.model is not None:
        options.append(answer.model)
    return r, answer, options


def _agree(answer: SmtAnswer, certified: float, radius: float) -> bool:
    """z3 (exact) and the closed form / LP agree: unsat iff radius < certified radius, up to
    AGREEMENT relative at the boundary."""
    slack = AGREEMENT * max(1.0, certified if math.isfinite(certified) else radius)
    if answer.status == "unsat":
        return radius <= certified + slack
    if answer.status == "sat":
        return radius >= certified - slack
    return True


def check_robust(task: Task, family: str) -> Certificate:
    """Check robustness of ``family`` (module docstring) and return the certificate.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from theorems.task import make_task
    >>> heinz = load_scenario("examples/heinz.yaml")
    >>> task = make_task(heinz, policy="consequentialist", parameters={"radius": 2.0})
    >>> cert = check_robust(task, "utilities")
    >>> cert.verdict, round(cert.details["radius"], 6)
    ('proved', 2.5)
    """
    start = time.perf_counter()
    radius = radius_of(task)
    name = f"robust_{family}"
    method = (
        "smt (z3, linear real arithmetic, one case per side-constraint support) + LP radius (HiGHS)"
        if family == "credences"
        else "smt (z3, linear real arithmetic) + closed-form radius (Hölder; LP for MFT ties)"
    )
    common: dict[str, Any] = {
        "property": name,
        "problem_hash": task.problem.content_hash,
        "parameters": {"radius": radius},
        "settings": dict(task.settings),
        "solvers": versions("z3-solver", "scipy"),
    }
    try:
        rule = _scope(task, family)
        found = situations(task)
    except RobustnessScopeError as exc:
        return Certificate(
            verdict="unknown", method=method, reason=str(exc),
            seconds=time.perf_counter() - start, **common,
        )  # fmt: skip
    options = task.problem.decision.options
    per: list[dict[str, Any]] = []
    digests = hashlib.sha256()
    counterexample: dict[str, Any] | None = None
    open_: list[str] = []
    disagree: list[str] = []
    abstaining = 0
    names = _names(task, family)
    for s in found:
        if s.chosen < 0:
            abstaining += 1
            continue
        try:
            r, answer, candidates = _analyse(task, family, rule, s, radius)
        except RobustnessScopeError as exc:
            return Certificate(
                verdict="unknown", method=method, reason=str(exc),
                seconds=time.perf_counter() - start, **common,
            )  # fmt: skip
        digests.update(answer.digest.encode())
        chosen = options[s.chosen]
        per.append(
            {
                "evidence": s.evidence,
                "chosen": chosen,
                "radius": float(r) if math.isfinite(r) else None,
            }
        )
        if not _agree(answer, r, radius):
            disagree.append(f"situation {s.evidence}: z3 {answer.status}, radius {r:.12g}")
        if answer.status == "unsat":
            continue
        if answer.status == "unknown":
            open_.append(f"z3 answered unknown in situation {s.evidence}")
            continue
        if counterexample is None:
            for vector in candidates:
                other = flips(task, family, vector, s.evidence, chosen)
                if other is not None:
                    counterexample = {
                        "evidence": s.evidence, "chosen": chosen, "perturbed_choice": other,
                        "family": family,
                        "perturbation": {
                            n: float(v) for n, v in zip(names, vector, strict=True) if v != 0.0
                        },
                    }  # fmt: skip
                    break
            else:
                open_.append(
                    f"in situation {s.evidence} a rival comes within the tie tolerance of "
                    f"{chosen!r} within radius {radius:g}, but no perturbation tried changes "
                    "the choice"
                )
    radii = [p["radius"] for p in per if p["radius"] is not None]
    overall = min(radii) if radii else None
    details = {
        "situations": per, "radius": overall, "checked": len(per), "abstaining": abstaining,
        "parameters_perturbed": len(names),
    }  # fmt: skip
    seconds = time.perf_counter() - start
    if disagree:
        reason = "SMT and the closed-form radius disagree: " + "; ".join(disagree[:3])
        return Certificate(
            verdict="unknown", method=method, reason=reason, details=details,
            seconds=seconds, **common,
        )  # fmt: skip
    if counterexample is not None:
        return Certificate(
            verdict="refuted", method=method, witness=counterexample, details=details,
            reason=f"a perturbation of size <= {radius:g} changes the choice",
            seconds=seconds, **common,
        )  # fmt: skip
    if open_:
        return Certificate(
            verdict="unknown", method=method, reason="; ".join(open_[:3]), details=details,
            seconds=seconds, **common,
        )  # fmt: skip
    witness = {"radius": overall, "smt_digest": digests.hexdigest(), "situations": len(per)}
    return Certificate(
        verdict="proved", method=method, witness=witness, details=details,
        seconds=seconds, **common,
    )  # fmt: skip


def recheck_robust(task: Task, certificate: Certificate, family: str) -> Recheck:
    """Re-validate a certificate: the problem hash; for a refutation, the counterexample
    re-decided by :func:`engine.decision.pipeline.decide` on the perturbed problem (it must be
    within the radius and change the choice); otherwise the check re-run (z3 queries and
    radii), whose verdict, radii (within 1e-9) and SMT digest must match."""
    name = f"robust_{family}"
    if certificate.property != name:
        return Recheck(False, f"certificate is for {certificate.property!r}, not {name!r}")
    if certificate.problem_hash != task.problem.content_hash:
        return Recheck(
            False, "the problem changed: its content hash differs from the certificate's"
        )
    radius = float(certificate.parameters.get("radius", 0.0))
    if certificate.verdict == "refuted":
        return _recheck_counterexample(task, certificate.witness, family, radius)
    task = _with_radius(task, radius)
    again = check_robust(task, family)
    if again.verdict != certificate.verdict:
        return Recheck(
            False, f"re-check gives {again.verdict!r}, certificate says {certificate.verdict!r}"
        )
    old = certificate.details.get("situations", [])
    new = again.details.get("situations", [])
    if len(old) != len(new):
        return Recheck(False, "the number of situations checked differs")
    for a, b in zip(old, new, strict=True):
        ra, rb = a.get("radius"), b.get("radius")
        if (ra is None) != (rb is None) or (
            ra is not None and abs(ra - rb) > 1e-9 * max(1.0, abs(rb))
        ):
            return Recheck(
                False, f"radius in situation {b['evidence']} is {rb}, certificate says {ra}"
            )
    if certificate.verdict == "proved" and again.witness.get(
        "smt_digest"
    ) != certificate.witness.get("smt_digest"):
        return Recheck(False, "the SMT queries differ from those the proof rests on")
    return Recheck(True)


def _with_radius(task: Task, radius: float) -> Task:
    import dataclasses

    return dataclasses.replace(task, parameters={**task.parameters, "radius": radius})


def _recheck_counterexample(task: Task, witness: Any, family: str, radius: float) -> Recheck:
    names = _names(task, family)
    try:
        evidence = dict(witness["evidence"])
        chosen = witness["chosen"]
        given = dict(witness["perturbation"])
    except (KeyError, TypeError, ValueError):
        return Recheck(False, "the counterexample lacks evidence, chosen or perturbation")
    unknown = sorted(set(given) - set(names))
    if unknown:
        return Recheck(False, f"the perturbation names unknown parameters: {unknown[:3]}")
    vector = np.array([float(given.get(n, 0.0)) for n in names])
    if family == "credences":
        base = (task.compiled.policy_settings or task.compiled.settings).credences
        size = float(np.abs(vector - base).max(initial=0.0))
    else:
        size = float(np.abs(vector).max(initial=0.0))
    if size > radius * (1 + 1e-12) + 1e-15:
        return Recheck(False, f"the perturbation has size {size:g} > radius {radius:g}")
    nominal = decided_option(task, task.problem, evidence)
    if nominal != chosen:
        return Recheck(False, f"the unperturbed problem chooses {nominal!r}, not {chosen!r}")
    perturbed = decided_option(task, perturbed_problem(task, family, vector), evidence)
    if perturbed == chosen:
        return Recheck(False, f"the perturbed problem still chooses {chosen!r}")
    return Recheck(True)


def _property(family: str, statement: str) -> Property:
    def check(task: Task) -> Certificate:
        return check_robust(task, family)

    def recheck(task: Task, certificate: Certificate) -> Recheck:
        return recheck_robust(task, certificate, family)

    return Property(f"robust_{family}", statement, check, recheck, needs=("radius",))


ROBUST_UTILITIES = register_property(
    _property(
        "utilities",
        "In every situation where the decision chooses, no change of at most `radius` to each "
        "utility table entry changes the chosen option; reports the certified radius per "
        "situation and overall (exact: z3 in linear real arithmetic, closed-form radius).",
    )
)
ROBUST_WEIGHTS = register_property(
    _property(
        "weights",
        "In every situation where the decision chooses, no change of at most `radius` to each "
        "theory's value weights changes the chosen option; reports the certified radius per "
        "situation and overall (exact: z3 in linear real arithmetic, closed-form radius).",
    )
)
ROBUST_CREDENCES = register_property(
    _property(
        "credences",
        "In every situation where the decision chooses, no credences on the simplex within "
        "`radius` of the stated ones (L-infinity) change the chosen option; reports the "
        "certified radius per situation and overall (exact: z3 in linear real arithmetic with "
        "a case per side-constraint support, LP radius).",
    )
)
