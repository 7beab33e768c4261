"""Throughput of P(best): parameter draws per second on the shipped examples.

One vectorised pass (numpy.einsum variable elimination over draws x options) against the
brute-force reference, a full :func:`engine.decision.pipeline.decide` per draw on the pgmpy backend.

    python benchmarks/p_best.py [--samples 20000] [--loop 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from engine.analyses.p_best import probability_best
from engine.analyses.parameter_draws import problem_at, sample_parameters
from engine.backends.registry import get_backend
from engine.decision.pipeline import apply_policy, decide, resolve_settings
from engine.ir import CPTUncertainty
from engine.scenario import load_scenario
from engine.semantics.assess import assess

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def cases():
    heinz = load_scenario(EXAMPLES / "heinz_uncertain.yaml")
    yield "heinz_uncertain (mec, consequentialist)", heinz, {}, None, "consequentialist"
    yield "heinz_uncertain (borda, per-draw rule)", heinz, {}, "borda", None
    av = load_scenario(EXAMPLES / "av_emergency.yaml")
    every_cpt = tuple(
        CPTUncertainty(c.child, (30.0,) * (len(c.table) // len(av.states(c.child))))
        for c in av.cpts
    )
    av = dataclasses.replace(av, uncertainty=every_cpt)
    yield "av_emergency, every CPT Dirichlet(30) (mec)", av, {"detection": "negative"}, None, None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--loop", type=int, default=100)
    args = parser.parse_args()
    engine = get_backend("pgmpy")
    print(f"{'case':48s} {'vectorised draws/s':>20s} {'loop draws/s':>14s} {'ratio':>8s}")
    for label, problem, evidence, rule, policy in cases():
        settings = resolve_settings(problem, rule, None, policy)
        settings, _ = apply_policy(problem, assess(problem, evidence, engine), settings)
        probability_best(problem, evidence, settings, samples=100, seed=0)  # warm-up
        start = time.perf_counter()
        probability_best(problem, evidence, settings, samples=args.samples, seed=0)
        fast = args.samples / (time.perf_counter() - start)
        draws = sample_parameters(problem, args.loop, seed=0)
        start = time.perf_counter()
        for s in range(args.loop):
            decide(problem_at(problem, draws, s), evidence, rule=rule, policy=policy)
        slow = args.loop / (time.perf_counter() - start)
        print(f"{label:48s} {fast:20.0f} {slow:14.1f} {fast / slow:8.0f}x")


if __name__ == "__main__":
    main()
