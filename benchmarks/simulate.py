"""Agent-decisions per second through the multi-agent simulator (issue 12, "Benchmark").

Run ``python benchmarks/simulate.py [--quick] [--profile]``. The study is the junction example
(``examples/simulations/junction.sim.yaml``: vehicles at junctions of four, a pedestrian shared
per junction, others_yield from the share of the other three yielding, DeGroot on a ring of
degree 4, MEC over two theories with per-agent credences), with ``group_size: 4`` at every
size so a junction always holds four vehicles. Engines, in the same run:

- **phronesis**: ``multiagent.build.build`` (population, ring network, compiled problem; timed
  apart as *build s*, of which *compile ms* is ``compile_problem`` cold) then
  ``Simulator.step`` over a few steps after one warm-up step (one kernel call per step for all
  agents, joint outcomes, realised utilities, DeGroot); metrics are not computed. Rate =
  agents x steps / time. At 10, 1k, 100k and 1M agents (1M skipped with ``--quick``).
- **loop decide**: ``engine.decision.pipeline.decide`` one agent-step at a time, each with its
  own credences (``with_parameters``, as the kernel's per-row parameters mean) and a drawn
  pedestrian, on one shared numpy backend; timed on a few hundred agent-steps and reported per
  second (it does not depend on the number of agents). A second row decides the problem as
  stated (no per-agent credences: no problem variant to build and check).
- **Mesa**: ``benchmarks/mesa_junction.py``, a Mesa 3 model of the same study (its agents
  call ``decide`` one by one, Mesa schedules and draws); timed at 10 and 1k agents. At 100k one
  step would take minutes, so its rate there is the 1k rate (the cost is linear in agents: one
  ``decide`` per agent) and is marked *extrapolated*.

Ratios: phronesis' rate over the loop's (own credences) and over Mesa's at the same size.
*B/agent* is the tracemalloc peak of building the 100k population and network and running one
step, over 100k (host allocations; numpy's buffers included). Last, the wall time of
``phronesis.simulate`` on the junction config with 100k agents and 100 steps (one seed, per-step
metrics included), skipped with ``--quick``. ``--profile`` prints a cProfile of
``Simulator.step`` at 100k agents. Targets from issue 12 are printed, not asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import phronesis  # noqa: E402
from benchmarks import mesa_junction  # noqa: E402
from engine.backends.registry import get_backend  # noqa: E402
from engine.decision.pipeline import decide  # noqa: E402
from engine.ir import DecisionProblem  # noqa: E402
from engine.kernel.batch import with_parameters  # noqa: E402
from engine.kernel.compiled import compile_problem  # noqa: E402
from engine.scenario import load_scenario  # noqa: E402
from multiagent.build import build  # noqa: E402
from multiagent.config import SimulationConfig, read_config  # noqa: E402

FOLDER = ROOT / "examples" / "simulations"
CONFIG = FOLDER / "junction.sim.yaml"
SIZES = (10, 1_000, 100_000, 1_000_000)
MESA_SIZES = (10, 1_000)
REFERENCE = 100_000
SEED = 0


@dataclass
class Row:
    """One line of the table (None: not measured)."""

    engine: str
    agents: int
    steps: int | None = None
    seconds: float | None = None
    rate: float | None = None
    build_s: float | None = None
    compile_ms: float | None = None
    bytes_per_agent: float | None = None
    note: str = ""


@dataclass
class Settings:
    sizes: tuple[int, ...]
    loop_calls: int  # agent-steps of the per-agent loop
    mesa_steps: dict[int, int]
    full_run: bool  # the 100k x 100 phronesis.simulate run


def config(agents: int, **changes: Any) -> SimulationConfig:
    """The junction config at ``agents`` agents, four a junction."""
    data = read_config(CONFIG).model_dump()
    data.update(agents=agents, group_size=4, seeds=1, seed=SEED, **changes)
    return SimulationConfig.model_validate(data)


def steps_for(n: int) -> int:
    """Steps timed at n agents: enough for a tenth of a second or more, few at 1M."""
    return 20 if n <= 1_000 else 5 if n <= 100_000 else 3


# -- phronesis ------------------------------------------------------------------------------
def measure_phronesis(problem: DecisionProblem, n: int) -> Row:
    cfg = config(n)
    decision = cfg.decision
    start = time.perf_counter()
    compile_problem(  # cold only at the first size; build() finds it compiled afterwards
        problem,
        backend=decision.backend,
        rule=decision.rule,
        normalisation=decision.normalisation,
        policy=decision.policy,
    )
    compile_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    simulator, population = build(cfg, problem, SEED)
    build_s = time.perf_counter() - start
    state = simulator.init(SEED, population)
    state, _ = simulator.step(SEED + 1, state)  # warm-up
    steps = steps_for(n)
    start = time.perf_counter()
    for k in range(steps):
        state, _ = simulator.step(SEED + 2 + k, state)
    seconds = time.perf_counter() - start
    rate = n * steps / seconds
    return Row("phronesis Simulator.step", n, steps, seconds, rate, build_s, compile_ms)


def measure_memory(problem: DecisionProblem, n: int) -> float:
    """tracemalloc peak of build + one step at n agents, per agent."""
    tracemalloc.start()
    simulator, population = build(config(n), problem, SEED)
    simulator.step(SEED + 1, simulator.init(SEED, population))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / n


# -- per-agent loop -------------------------------------------------------------------------
def measure_loop(problem: DecisionProblem, calls: int, own_credences: bool) -> Row:
    rng = np.random.default_rng(SEED)
    base = np.array([t.credence for t in problem.theories])
    credences = rng.dirichlet(base * 5.0, size=calls)
    pedestrians = np.where(rng.random(calls) < 0.2, "present", "absent")
    engine = get_backend("numpy")
    settings = {"rule": "mec", "normalisation": "none", "backend": engine}
    decide(problem, {"pedestrian": "absent"}, **settings)  # warm-up
    start = time.perf_counter()
    for i in range(calls):
        variant = problem
        if own_credences:
            variant = with_parameters(problem, {"credences": credences[i]})
        decide(variant, {"pedestrian": str(pedestrians[i])}, **settings)
    seconds = time.perf_counter() - start
    name = "loop decide, own credences" if own_credences else "loop decide, problem as stated"
    return Row(name, 1, calls, seconds, calls / seconds, note=f"{calls} agent-steps, sequential")


# -- Mesa -----------------------------------------------------------------------------------
def measure_mesa(problem: DecisionProblem, n: int, steps: int) -> Row:
    start = time.perf_counter()
    model = mesa_junction.JunctionModel(n, SEED, problem=problem)
    build_s = time.perf_counter() - start
    model.step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - start
    return Row("Mesa 3 (agents call decide)", n, steps, seconds, n * steps / seconds, build_s)


def full_run(n: int, steps: int) -> float:
    start = time.perf_counter()
    phronesis.simulate(config(n, steps=steps), base=FOLDER)
    return time.perf_counter() - start


def profile(problem: DecisionProblem, n: int, steps: int = 5) -> None:
    simulator, population = build(config(n), problem, SEED)
    state = simulator.init(SEED, population)
    state, _ = simulator.step(SEED + 1, state)
    profiler = cProfile.Profile()
    profiler.enable()
    for k in range(steps):
        state, _ = simulator.step(SEED + 2 + k, state)
    profiler.disable()
    print(f"\n## cProfile: Simulator.step, junction, {n:,} agents ({steps} steps)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


# -- report ---------------------------------------------------------------------------------
def _k(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _cell(value: float | int | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _rate(value: float | None) -> str:
    if value is None:
        return "–"
    return format(value, ",.0f" if value >= 100 else ".3g")


def table(rows: list[Row]) -> str:
    loop = next(r.rate for r in rows if r.engine == "loop decide, own credences")
    mesa = {r.agents: r.rate for r in rows if r.engine.startswith("Mesa")}
    head = [
        "engine",
        "agents",
        "steps timed",
        "agent-decisions/s",
        "build s",
        "compile ms",
        "B/agent",
        "×loop",
        "×Mesa (same agents)",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ours = r.engine.startswith("phronesis")
        x_loop = r.rate / loop if r.rate and not r.engine.startswith("loop") else None
        x_mesa = r.rate / mesa[r.agents] if ours and mesa.get(r.agents) else None
        cells = [
            r.engine,
            _k(r.agents) if not r.engine.startswith("loop") else "–",
            _cell(r.steps, ","),
            _rate(r.rate),
            _cell(r.build_s, ".3f"),
            _cell(r.compile_ms, ".1f"),
            _cell(r.bytes_per_agent, ",.0f"),
            _cell(x_loop, ",.1f"),
            _cell(x_mesa, ",.1f"),
            r.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/simulate.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip 1M and the 100k x 100 run")
    parser.add_argument("--profile", action="store_true", help="cProfile Simulator.step at 100k")
    parser.add_argument("--output", type=Path, help="also write the markdown table here")
    args = parser.parse_args(argv)
    problem = load_scenario(mesa_junction.JUNCTION)
    if args.profile:
        profile(problem, REFERENCE)
        return 0
    if args.quick:
        how = Settings(SIZES[:-1], 100, {10: 10, 1_000: 1}, full_run=False)
    else:
        how = Settings(SIZES, 300, {10: 20, 1_000: 2}, full_run=True)
    print(
        f"# phronesis multi-agent benchmark: junction ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, numpy kernel, float64)\n",
        flush=True,
    )
    rows: list[Row] = []
    for n in how.sizes:
        rows.append(measure_phronesis(problem, n))
        print(f"  phronesis {_k(n)}: {rows[-1].rate:,.0f} agent-decisions/s", flush=True)
    memory = measure_memory(problem, REFERENCE)
    next(r for r in rows if r.agents == REFERENCE).bytes_per_agent = memory
    for own in (True, False):
        rows.append(measure_loop(problem, how.loop_calls, own))
        print(f"  {rows[-1].engine}: {rows[-1].rate:,.0f}/s", flush=True)
    for n in MESA_SIZES:
        rows.append(measure_mesa(problem, n, how.mesa_steps[n]))
        print(f"  Mesa {_k(n)}: {rows[-1].rate:,.0f} agent-decisions/s", flush=True)
    per_agent = rows[-1]
    rows.append(
        Row(
            "Mesa 3 (agents call decide)",
            REFERENCE,
            rate=per_agent.rate,
            note=f"extrapolated from {_k(per_agent.agents)} (one step would take "
            f"~{REFERENCE / per_agent.rate:,.0f} s)",
        )
    )
    text = table(rows)
    print("\n" + text + "\n")
    ours = next(r for r in rows if r.agents == REFERENCE and r.engine.startswith("phronesis"))
    loop = next(r for r in rows if r.engine == "loop decide, own credences")
    print(
        f"target: >= 1,000,000 agent-decisions/s at 100k: {ours.rate:,.0f} "
        f"({'met' if ours.rate >= 1e6 else 'not met'}); >= 1,000x the loop: "
        f"{ours.rate / loop.rate:,.0f}x ({'met' if ours.rate >= 1e3 * loop.rate else 'not met'})"
    )
    if how.full_run:
        seconds = full_run(REFERENCE, 100)
        print(
            f"phronesis.simulate, junction, 100k agents x 100 steps (metrics included): "
            f"{seconds:.1f} s (target < 60 s: {'met' if seconds < 60 else 'not met'})"
        )
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
