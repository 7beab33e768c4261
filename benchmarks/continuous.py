"""Hybrid decisions by likelihood weighting: latency, effective sample size and agreement.

Run ``python benchmarks/continuous.py [--quick]`` (or ``phronesis bench continuous``). Every
measurement uses ``examples/av_continuous.yaml`` (continuous lidar range, road friction and
impact speed; a logistic skid CPD; a utility linear in impact speed):

1. **Decisions.** ``decide(problem, {"lidar_range": 14.0}, backend="pyro", particles=N)`` for
   N in 1e3, 1e4, 1e5 particles per option (``--quick``: 1e3, 1e4): median wall time of
   ``--repeats`` decisions after one warm-up, particles/s (over both options), the effective
   sample size (sum w)^2 / sum w^2 of each option, ESS/s (both options) and the largest
   reported standard error of an expected value. The last column is the time relative to the
   smallest N.
2. **Against Pyro's stock importance sampler.** The same query, P(pedestrian_hit = yes) and
   E[impact_speed] under do(brake) and lidar_range = 14, by
   ``pyro.infer.Importance(model, guide=None, num_samples=N)`` (proposal = the prior, one trace
   per sample, run sequentially) over the same Pyro program
   (:func:`models.pyro.program.network_program` without a particle plate), against
   ``PyroBackend(method="importance").particles`` (one vectorised trace over a particle plate).
   N in 1e3, 1e4 (``--quick``: 1e3). Ours is the median of ``--repeats`` runs after a warm-up;
   the stock sampler runs once per N (it is slow) after a 10-sample warm-up. Both estimates use
   the same self-normalised estimator and delta-method standard error (Owen 2013, eq. 9.9);
   ``z`` is |ours - stock| / sqrt(se_ours^2 + se_stock^2) (they should agree within 5).
3. **Against quadrature.** E[impact_speed | do(brake)] (no evidence) at N = 1e5 (``--quick``:
   1e4) against sum_{wet, skid} P(wet) int Beta(f; a_wet, b_wet) P(skid | brake, f)
   exp(loc(brake, skid) + b f + scale^2 / 2) df, and P(pedestrian_hit = yes | do(brake),
   lidar_range = 14) against Bayes' rule with the Normal lidar densities and the same
   friction integral for P(skid | brake); every number is read off the loaded problem.
   ``|diff|/SE`` uses the standard error the particles report.

Timings are whatever this machine gives (torch runs on one intra-op thread, as the Pyro backend
does by default); nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.ir import DecisionProblem  # noqa: E402
from engine.scenario import load_scenario  # noqa: E402
from models.pyro.backend import PyroBackend  # noqa: E402
from models.pyro.importance import Particles  # noqa: E402
from models.pyro.program import (  # noqa: E402
    compile_network,
    network_program,
    observed_indices,
    pyro_module,
    quiet,
    torch_module,
)
from models.torch_runtime import torch_threads  # noqa: E402
from phronesis.api import decide  # noqa: E402

EXAMPLE = ROOT / "examples" / "av_continuous.yaml"
EVIDENCE = {"lidar_range": 14.0}
ACTION = "brake"
HIT, SPEED = "pedestrian_hit", "impact_speed"


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls after one warm-up call, and the last result."""
    result = fn()
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def estimate(particles: Particles, f: np.ndarray) -> tuple[float, float]:
    """Self-normalised E_w[f] and its standard error for the first (only) evidence row."""
    return float(particles.mean(f)[0]), float(particles.standard_error(f)[0])


def queries(problem: DecisionProblem, particles: Particles) -> dict[str, tuple[float, float]]:
    """P(pedestrian_hit = yes) and E[impact_speed] with their standard errors."""
    yes = problem.states(HIT).index("yes")
    return {
        "P(hit=yes)": estimate(particles, (particles.values[HIT] == yes).astype(np.float64)),
        "E[speed]": estimate(particles, particles.values[SPEED]),
    }


# -- 1. decisions ----------------------------------------------------------------------------------
def decisions(problem: DecisionProblem, sizes: Sequence[int], repeats: int, seed: int) -> None:
    options = problem.decision.options
    print(
        f"1. decide(av_continuous, lidar_range=14, backend='pyro', particles=N): median of "
        f"{repeats} after a warm-up"
    )
    ess_heads = " ".join(f"{'ESS ' + o:>12s}" for o in options)
    header = (
        f"{'N/option':>9s} {'s/decision':>11s} {'particles/s':>12s} {ess_heads} "
        f"{'ESS/s':>11s} {'max SE(EV)':>11s} {'t/t(first)':>11s}"
    )
    print(header)
    print("-" * len(header))
    first = None
    for n in sizes:
        seconds, result = median_time(
            lambda n=n: decide(problem, EVIDENCE, backend="pyro", particles=n, seed=seed),
            repeats,
        )
        first = first or seconds
        ess = [result.sampling["ess"][o] for o in options]
        se = max(v for per in result.sampling["value_se"].values() for v in per.values())
        print(
            f"{n:>9,d} {seconds:>11.4f} {len(options) * n / seconds:>12,.0f} "
            + " ".join(f"{e:>12,.0f}" for e in ess)
            + f" {sum(ess) / seconds:>11,.0f} {se:>11.4f} {seconds / first:>11.2f}"
        )
    print()


# -- 2. against pyro.infer.Importance ------------------------------------------------------------
def stock_importance(problem: DecisionProblem, row: Mapping[str, Any], n: int, seed: int):
    """(seconds, Particles) of ``pyro.infer.Importance`` with the prior as proposal."""
    pyro, torch = pyro_module(), torch_module()
    compiled = compile_network(problem.network())
    names = tuple(row)
    variables = compiled.ancestral({HIT, SPEED} | set(names))
    observed = observed_indices(compiled, [row], names, shape=())

    def model() -> None:
        network_program(compiled, variables, observed, plates=[])

    with quiet(), torch_threads(1), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pyro.infer.Importance(model, guide=None, num_samples=10).run()  # warm-up
        start = time.perf_counter()
        importance = pyro.infer.Importance(model, guide=None, num_samples=n).run()
        seconds = time.perf_counter() - start
        weights = importance.get_normalized_weights().double().numpy()[None, :]
        ess = float(importance.get_ESS())
        log_z = float(importance.get_log_normalizer())
        traces = importance.exec_traces
        values = {s: np.array([[float(t.nodes[s]["value"]) for t in traces]]) for s in (HIT, SPEED)}
        # the stock marginal is built from the same weighted traces: say so if it differs
        stock = float(pyro.infer.EmpiricalMarginal(importance, SPEED).mean)
    mine = float(np.sum(weights * values[SPEED]))
    if not math.isclose(stock, mine, rel_tol=1e-9):
        print(f"   note: EmpiricalMarginal mean {stock} != weighted traces {mine}")
    return seconds, Particles(values, weights, np.array([ess]), np.array([log_z]), n)


def against_stock(problem: DecisionProblem, sizes: Sequence[int], repeats: int, seed: int) -> None:
    row = {problem.decision.name: ACTION, **EVIDENCE}
    network = problem.network()
    print(
        "2. P(hit=yes), E[speed] | do(brake), lidar_range=14: PyroBackend(method='importance')"
        ".particles (vectorised)\n   against pyro.infer.Importance(guide=None) (sequential "
        "traces), same Pyro program"
    )
    header = (
        f"{'N':>7s} {'ours s':>9s} {'stock s':>9s} {'ours/stock':>11s} {'speed-up':>9s} "
        f"{'ESS ours':>9s} {'ESS stock':>9s}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in sizes:
        backend = PyroBackend(method="importance", num_samples=n, seed=seed)
        ours_s, ours = median_time(
            lambda b=backend: b.particles(network, [row], (HIT, SPEED)), repeats
        )
        stock_s, stock = stock_importance(problem, row, n, seed)
        print(
            f"{n:>7,d} {ours_s:>9.4f} {stock_s:>9.3f} {ours_s / stock_s:>11.5f} "
            f"{stock_s / ours_s:>8,.0f}x {ours.ess[0]:>9,.0f} {stock.ess[0]:>9,.0f}"
        )
        rows.append((n, queries(problem, ours), queries(problem, stock)))
    print()
    header = (
        f"{'N':>7s} {'quantity':<11s} {'ours':>9s} {'± se':>8s} {'stock':>9s} {'± se':>8s} "
        f"{'z':>6s}"
    )
    print(header)
    print("-" * len(header))
    for n, mine, theirs in rows:
        for name, (a, sa) in mine.items():
            b, sb = theirs[name]
            z = abs(a - b) / math.hypot(sa, sb)
            print(f"{n:>7,d} {name:<11s} {a:>9.4f} {sa:>8.4f} {b:>9.4f} {sb:>8.4f} {z:>6.2f}")
    print()


# -- 3. against quadrature -------------------------------------------------------------------------
def flat_index(problem: DecisionProblem, parents: Sequence[str], at: Mapping[str, str]) -> int:
    """Row-major index of the parent configuration ``at`` (the IR's table layout)."""
    index = 0
    for p in parents:
        states = problem.states(p)
        index = index * len(states) + states.index(at[p])
    return index


def quadrature(problem: DecisionProblem) -> dict[str, float]:
    """E[impact_speed | do(brake)] and P(hit=yes | do(brake), lidar_range=14) by 1-d quadrature
    over road friction, every number read off ``problem``."""
    from scipy import integrate, stats

    decision = problem.decision.name
    friction = problem.continuous_variable("road_friction")
    (wet,) = friction.parents
    p_wet = problem.cpt(wet).table
    (skid,) = (c for c in problem.logistic if c.child == "skid")
    (f_input,) = skid.inputs
    skid_states = problem.states("skid")
    impact = problem.continuous_variable(SPEED)
    slope = dict(impact.coefficients)[f_input]

    def p_skid(f: float) -> np.ndarray:
        """softmax_j(bias[brake, j] + w[j] f) over the skid states."""
        base = flat_index(problem, skid.parents, {decision: ACTION}) * len(skid_states)
        logits = np.array(
            [skid.bias[base + j] + skid.weights[j] * f for j in range(len(skid_states))]
        )
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def over_friction(g: Callable[[float], float]) -> float:
        total = 0.0
        for w, state in enumerate(problem.states(wet)):
            i = flat_index(problem, friction.parents, {wet: state})
            a, b = friction.parameters[2 * i : 2 * i + 2]
            value, _ = integrate.quad(
                lambda f, a=a, b=b: stats.beta.pdf(f, a, b) * g(f),
                0.0,
                1.0,
                epsabs=1e-13,
                epsrel=1e-13,
                limit=200,
            )
            total += p_wet[w] * value
        return total

    def mean_speed(f: float) -> float:
        total = 0.0
        for j, s in enumerate(skid_states):
            i = flat_index(problem, impact.parents, {decision: ACTION, "skid": s})
            loc, scale = impact.parameters[2 * i : 2 * i + 2]
            total += p_skid(f)[j] * math.exp(loc + slope * f + scale**2 / 2)
        return total

    speed = over_friction(mean_speed)
    skid_probability = [over_friction(lambda f, j=j: float(p_skid(f)[j])) for j in range(2)]
    # P(pedestrian | lidar) by Bayes' rule with the Normal densities
    lidar = problem.continuous_variable("lidar_range")
    (present,) = lidar.parents
    prior = problem.cpt(present).table
    joint = []
    for k, state in enumerate(problem.states(present)):
        i = flat_index(problem, lidar.parents, {present: state})
        loc, scale = lidar.parameters[2 * i : 2 * i + 2]
        joint.append(prior[k] * stats.norm.pdf(EVIDENCE["lidar_range"], loc, scale))
    posterior = np.array(joint) / sum(joint)
    hit = problem.cpt(HIT)
    hit_states = problem.states(HIT)
    yes = hit_states.index("yes")
    p_hit = 0.0
    for k, state in enumerate(problem.states(present)):
        for j, s in enumerate(skid_states):
            at = {decision: ACTION, present: state, "skid": s}
            cell = flat_index(problem, hit.parents, at) * len(hit_states) + yes
            p_hit += posterior[k] * skid_probability[j] * hit.table[cell]
    return {"E[speed]": speed, "P(hit=yes)": p_hit}


def against_quadrature(problem: DecisionProblem, n: int, seed: int) -> None:
    network = problem.network()
    exact = quadrature(problem)
    backend = PyroBackend(method="importance", num_samples=n, seed=seed)
    decision = problem.decision.name
    print(f"3. PyroBackend(method='importance', num_samples={n:,}) against quadrature")
    header = (
        f"{'quantity':<44s} {'estimate':>9s} {'SE':>8s} {'quadrature':>10s} {'|diff|/SE':>9s} "
        f"{'ESS':>8s}"
    )
    print(header)
    print("-" * len(header))
    cases = [
        ("E[impact_speed | do(brake)]", {decision: ACTION}, "E[speed]"),
        (
            "P(pedestrian_hit=yes | do(brake), lidar=14)",
            {decision: ACTION, **EVIDENCE},
            "P(hit=yes)",
        ),
    ]
    for label, row, key in cases:
        particles = backend.particles(network, [row], (HIT, SPEED))
        value, se = queries(problem, particles)[key]
        print(
            f"{label:<44s} {value:>9.4f} {se:>8.4f} {exact[key]:>10.4f} "
            f"{abs(value - exact[key]) / se:>9.2f} {particles.ess[0]:>8,.0f}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="phronesis bench continuous", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller sample sizes")
    parser.add_argument("--particles", type=int, nargs="+", help="decision sizes (per option)")
    parser.add_argument("--stock", type=int, nargs="+", help="sizes for pyro.infer.Importance")
    parser.add_argument("--reference", type=int, help="particles for the quadrature check")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats after a warm-up")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    particles = args.particles or ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    stock = args.stock or ([1_000] if args.quick else [1_000, 10_000])
    reference = args.reference or (10_000 if args.quick else 100_000)
    problem = load_scenario(EXAMPLE)
    print(
        f"# phronesis hybrid decisions ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, one torch thread, float64), {EXAMPLE.name}\n",
        flush=True,
    )
    decisions(problem, particles, args.repeats, args.seed)
    against_stock(problem, stock, args.repeats, args.seed)
    against_quadrature(problem, reference, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
