"""The ``convergence`` property: the simulator's value dynamics settle.

Two methods, chosen by what the composition root supplies in :attr:`Task.inputs`:

* ``influence`` — a row-stochastic matrix W (numpy or scipy.sparse) of DeGroot averaging x(t+1)
  = W x(t) (DeGroot 1974). W^t x(0) converges to a consensus 1 π x(0) for every x(0) iff W has
  exactly one closed communicating class and that class is aperiodic (Seneta 2006,
  *Non-negative Matrices and Markov Chains*, ch. 4, finite stochastic matrices; primitive W is
  the irreducible case). This is decided exactly from the graph of W's non-zeros (strongly
  connected components, :mod:`scipy.sparse.csgraph`; the period as the gcd of level differences
  along edges), so the verdict is ``proved`` or ``refuted``, never ``unknown``. A refutation
  names an initial state that never reaches consensus: the indicator of one closed class when
  there are several (each closed class keeps its own value), or of one cyclic subclass when the
  closed class has period d > 1 (the indicator rotates with period d). A proof also carries a
  rate: Seneta's coefficient of ergodicity τ(M) = 1 − min_{i,j} Σ_k min(M_ik, M_jk) satisfies
  spread(M x) ≤ τ(M) spread(x), with spread(x) = max x − min x (Seneta 2006, ch. 3), and every
  agent stays within the spread of the consensus. So with τ_m = τ(W^m) < 1, after t ≥ m ⌈log(ε
  / s0) / log τ_m⌉ steps every agent is within ε (``tolerance``) of the consensus from any
  initial state of spread s0 (``spread``; 1 for credences). m is the first power of two for
  which the bound falls to ``target`` (default 1/2); τ_m is bounded above by Doeblin's 1 − Σ_k
  min_i (W^m)_ik, or computed exactly for N ≤ 500, with the rounding of W^m (relative error ≤ 2
  m N u, u = 2^-53) taken against the bound. The second-largest eigenvalue modulus |λ2| of W
  (the asymptotic rate; dense, for N ≤ 2000 symmetric or 1000 not) is reported beside it, not
  used.
* ``run`` — a function ``seed -> bool`` (did one simulation from ``seed`` reach the convergence
  criterion within its horizon), for dynamics without a contraction certificate (bounded
  confidence, or DeGroot mixed with Bayesian updating): Wald's sequential probability ratio
  test (:mod:`theorems.methods.sequential`) over seeds 0, 1, 2, ... of H0: p ≤ ``p0`` against
  H1: p ≥ ``p1``; ``proved`` when it accepts H1 (wrongly, with probability ≤ ``alpha`` when
  p ≤ p0), ``refuted`` when it accepts H0 (wrongly, with probability ≤ ``beta`` when
  p ≥ p1), ``unknown`` after ``max_runs`` runs without a decision.

References
----------
DeGroot, M. H. (1974), "Reaching a consensus", *JASA* 69(345), 118-121. Seneta, E. (2006),
*Non-negative Matrices and Markov Chains*, 2nd ed., Springer. Wald, A. (1945), "Sequential
tests of statistical hypotheses", *Ann. Math. Statist.* 16(2), 117-186.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sparse

from theorems.certificate import Certificate, versions
from theorems.methods.ergodicity import Rate, rate_bound, slem, tau_bound_at
from theorems.methods.influence import (
    closed_classes,
    consensus_weights,
    cyclic_classes,
    matrix_digest,
    stochastic_matrix,
)
from theorems.methods.sequential import SprtDesign, sprt
from theorems.registry import Property, PropertyError, Recheck, register_property
from theorems.task import Task

NAME = "convergence"
STATEMENT = (
    "The simulation's value dynamics converge. With an influence matrix W (DeGroot averaging "
    "x(t+1) = W x(t)): every initial state reaches consensus, W^t x(0) -> 1 pi x(0), with a "
    "certified number of steps after which every agent is within 'tolerance' of it. Otherwise: "
    "a run from a fresh seed reaches the convergence criterion within its horizon with "
    "probability p >= p1 (proved) or p <= p0 (refuted), decided by a sequential probability "
    "ratio test with error rates alpha and beta."
)
#: defaults of the property's parameters (see the module docstring)
DEFAULTS: dict[str, Any] = {
    "tolerance": 1e-3,
    "spread": 1.0,
    "p0": 0.9,
    "p1": 0.99,
    "alpha": 0.05,
    "beta": 0.05,
    "max_runs": 200,
}


def check(task: Task) -> Certificate:
    """Check ``convergence`` on ``task``: the influence matrix when given, else the runs."""
    if "influence" in task.inputs:
        return _check_influence(task)
    if "run" in task.inputs:
        return _check_runs(task)
    raise PropertyError(
        "convergence: the task has neither an influence matrix nor a run function; give a "
        "simulation config (phronesis.verify_simulation.convergence_inputs)"
    )


def recheck(task: Task, certificate: Certificate) -> Recheck:
    """Re-validate ``certificate`` on ``task``: recompute the structure of W and the rate, or
    re-run the seeds the test drew (runs are deterministic in their seed). A certificate with
    a field missing or malformed does not stand."""
    try:
        if certificate.method.startswith("degroot"):
            return _recheck_influence(task, certificate)
        if certificate.method == "sprt":
            return _recheck_runs(task, certificate)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, PropertyError):  # the task's own input is wrong: say so
            raise
        return Recheck(False, f"a certificate field is missing or malformed ({exc!r})")
    return Recheck(False, f"unknown method {certificate.method!r} for convergence")


# --- the influence matrix -------------------------------------------------------------------


def _check_influence(task: Task) -> Certificate:
    start = time.perf_counter()
    tolerance, spread = _number(task, "tolerance"), _number(task, "spread")
    if tolerance <= 0 or spread < 0:
        raise PropertyError(
            f"convergence: expected tolerance > 0 and spread >= 0, found {tolerance}, {spread}"
        )
    w = stochastic_matrix(task.inputs["influence"])
    n = w.shape[0]
    digest = matrix_digest(w)
    parameters = {
        **dict(task.parameters),
        "tolerance": tolerance,
        "spread": spread,
        "influence_sha256": digest,
    }
    base = {"agents": n, "nonzeros": int(w.nnz)}
    closed = closed_classes(w)
    verdict, reason, witness, details = "proved", None, {}, dict(base)
    if len(closed) > 1:
        verdict, method = "refuted", "degroot-structure"
        reason = f"{len(closed)} closed classes: each keeps its own opinion, so no consensus"
        witness = {
            "closed_classes": [c.tolist() for c in closed[:2]],
            "initial_state": "1 on the first closed class, 0 elsewhere",
        }
    else:
        cycles = cyclic_classes(w, closed[0])
        if len(cycles) > 1:
            verdict, method = "refuted", "degroot-structure"
            reason = f"the closed class has period {len(cycles)}: opinions rotate for ever"
            witness = {
                "period": len(cycles),
                "cyclic_classes": [c.tolist() for c in cycles],
                "initial_state": "1 on the first cyclic class, 0 elsewhere",
            }
        else:
            method = "degroot-ergodicity"
            rate = rate_bound(w)
            witness = {
                "closed_class_size": len(closed[0]),
                "period": 1,
                **_rate_witness(rate, tolerance, spread),
            }
            modulus = slem(w)
            details |= {"slem": modulus, "spectral_gap": None if modulus is None else 1 - modulus}
            if n <= 100:
                details["consensus_weights"] = consensus_weights(w, closed[0]).tolist()
    return Certificate(
        property=NAME,
        problem_hash=task.problem.content_hash,
        verdict=verdict,  # type: ignore[arg-type]
        method=method,
        parameters=parameters,
        settings=dict(task.settings),
        reason=reason,
        witness=witness,
        details=details,
        solvers=versions("scipy"),
        seconds=time.perf_counter() - start,
    )


def _rate_witness(rate: Rate | None, tolerance: float, spread: float) -> dict[str, Any]:
    if rate is None:
        return {"power": None, "tau_bound": None, "steps": None}
    return {
        "power": rate.power,
        "tau_bound": rate.tau,
        "tau_method": rate.method,
        "steps": steps_to_tolerance(rate.power, rate.tau, tolerance, spread),
    }


def steps_to_tolerance(power: int, tau: float, tolerance: float, spread: float) -> int:
    """t = m ⌈log(ε / s0) / log τ_m⌉ (0 when s0 ≤ ε): after t steps spread(x(t)) ≤ ε.

    Examples
    --------
    >>> steps_to_tolerance(1, 0.5, 1e-3, 1.0)  # 0.5^10 = 1/1024 <= 1e-3 < 0.5^9
    10
    """
    if spread <= tolerance:
        return 0
    if tau <= 0.0:
        return power
    return power * math.ceil(math.log(tolerance / spread) / math.log(tau))


def _recheck_influence(task: Task, certificate: Certificate) -> Recheck:
    if "influence" not in task.inputs:
        return Recheck(False, "the task has no influence matrix to recheck against")
    w = stochastic_matrix(task.inputs["influence"])
    if matrix_digest(w) != certificate.parameters.get("influence_sha256"):
        return Recheck(False, "the influence matrix differs from the one certified (SHA-256)")
    if certificate.problem_hash != task.problem.content_hash:
        return Recheck(False, "the problem differs from the one certified (content hash)")
    witness = certificate.witness
    if certificate.verdict == "refuted":
        return _recheck_witness(w, witness)
    if certificate.verdict != "proved":
        return Recheck(False, f"verdict {certificate.verdict!r} is not one this method gives")
    closed = closed_classes(w)
    if len(closed) != 1 or len(cyclic_classes(w, closed[0])) != 1:
        return Recheck(False, "W does not have one aperiodic closed class: no proof")
    power = witness.get("power")
    if power is None:
        return Recheck(True)
    tau = tau_bound_at(w, int(power))
    if tau is None or tau > float(witness["tau_bound"]) + 1e-12:
        return Recheck(False, f"τ(W^{power}) recomputed as {tau}, above the certified bound")
    tolerance = float(certificate.parameters["tolerance"])
    spread = float(certificate.parameters["spread"])
    if steps_to_tolerance(int(power), tau, tolerance, spread) > int(witness["steps"]):
        return Recheck(False, "the certified number of steps is below what τ gives")
    return Recheck(True)


def _recheck_witness(w: sparse.csr_array, witness: Any) -> Recheck:
    """Check a refutation's witness without recomputing the classes: each closed class's
    indicator is fixed by W (no weight leaves it); for cyclic classes C_0 .. C_{d-1}, every
    edge from C_r leads into C_{r+1 mod d}, so W maps the indicator of C_r to that of C_{r-1}
    and the witness's initial state rotates with period d."""
    n = w.shape[0]
    if "closed_classes" in witness:
        first, second = (np.asarray(c, dtype=np.int64) for c in witness["closed_classes"])
        if not len(first) or not len(second) or set(first.tolist()) & set(second.tolist()):
            return Recheck(False, "the witness classes are empty or overlap")
        for members in (first, second):
            x = np.zeros(n)
            x[members] = 1.0
            if not np.allclose((w @ x)[members], 1.0, rtol=0, atol=1e-9):
                return Recheck(False, "a witness class is not closed: weight leaves it")
        return Recheck(True)
    classes = [np.asarray(c, dtype=np.int64) for c in witness.get("cyclic_classes", [])]
    if len(classes) < 2 or any(len(c) == 0 for c in classes):
        return Recheck(False, "the witness names no cyclic classes")
    label = np.full(n, -1, dtype=np.int64)
    for r, members in enumerate(classes):
        if (label[members] >= 0).any():
            return Recheck(False, "the witness's cyclic classes overlap")
        label[members] = r
    rows, cols = w.nonzero()
    inside = label[rows] >= 0
    successor = (label[rows[inside]] + 1) % len(classes)
    if np.array_equal(label[cols[inside]], successor):
        return Recheck(True)
    return Recheck(False, "an edge of W does not lead from one cyclic class to the next")


# --- runs and the sequential test -------------------------------------------------------------


def _design(task: Task) -> SprtDesign:
    return SprtDesign(
        p0=_number(task, "p0"),
        p1=_number(task, "p1"),
        alpha=_number(task, "alpha"),
        beta=_number(task, "beta"),
        max_runs=int(_number(task, "max_runs")),
    )


def _outcomes(task: Task, total: int) -> Any:
    run = task.inputs["run"]
    for seed in itertools.count():
        outcome = bool(run(seed))
        if task.progress is not None:
            task.progress(seed + 1, total)
        yield outcome


def _check_runs(task: Task) -> Certificate:
    start = time.perf_counter()
    design = _design(task)
    result = sprt(design, _outcomes(task, design.max_runs))
    verdict = {"accept_h1": "proved", "accept_h0": "refuted", "undecided": "unknown"}
    failed = [seed for seed, ok in enumerate(result.outcomes) if not ok]
    reason = None
    if result.decision == "undecided":
        reason = f"no decision after {result.runs} runs; raise max_runs or widen p0..p1"
    elif result.decision == "accept_h0":
        reason = f"{len(failed)} of {result.runs} runs did not converge within the horizon"
    parameters = {
        **dict(task.parameters),
        **{k: getattr(design, k) for k in ("p0", "p1", "alpha", "beta", "max_runs")},
    }
    return Certificate(
        property=NAME,
        problem_hash=task.problem.content_hash,
        verdict=verdict[result.decision],  # type: ignore[arg-type]
        method="sprt",
        parameters=parameters,
        settings=dict(task.settings),
        reason=reason,
        witness={
            "seeds": [0, result.runs],
            "failed_seeds": failed,
            "runs": result.runs,
            "successes": result.successes,
            "llr": result.llr,
        },
        details={"upper": design.upper, "lower": design.lower},
        solvers=versions("scipy"),
        seconds=time.perf_counter() - start,
    )


def _recheck_runs(task: Task, certificate: Certificate) -> Recheck:
    if "run" not in task.inputs:
        return Recheck(False, "the task has no run function to recheck against")
    if certificate.problem_hash != task.problem.content_hash:
        return Recheck(False, "the problem differs from the one certified (content hash)")
    params = certificate.parameters
    design = SprtDesign(
        p0=float(params["p0"]),
        p1=float(params["p1"]),
        alpha=float(params["alpha"]),
        beta=float(params["beta"]),
        max_runs=int(params["max_runs"]),
    )
    runs = int(certificate.witness["runs"])
    run = task.inputs["run"]
    outcomes = [bool(run(seed)) for seed in range(runs)]
    failed = [seed for seed, ok in enumerate(outcomes) if not ok]
    if failed != list(certificate.witness["failed_seeds"]):
        return Recheck(False, f"re-running seeds 0..{runs - 1} failed on {failed[:5]}")
    result = sprt(design, outcomes)
    verdict = {"accept_h1": "proved", "accept_h0": "refuted", "undecided": "unknown"}
    if result.runs != runs or verdict[result.decision] != certificate.verdict:
        return Recheck(False, f"the test recomputed decides {result.decision} at {result.runs}")
    return Recheck(True)


def _number(task: Task, name: str) -> float:
    value = task.parameters.get(name, DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PropertyError(f"convergence: parameter {name!r} must be a number, found {value!r}")
    return float(value)


CONVERGENCE = register_property(Property(NAME, STATEMENT, check, recheck, needs=("simulation",)))
