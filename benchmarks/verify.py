"""Exhaustive verification throughput (issue 13): evidence assignments checked per second.

Run ``python benchmarks/verify.py [--quick] [--profile]``. Each problem's whole evidence space
(every assignment of its observables, each observed in one of its states or not at all) is
decided by the decision kernel in chunks of :data:`theorems.space.CHUNK` and hashed
(:func:`theorems.methods.exhaustive.scan`):

- **table**: the scan alone (kernel + table digest), a property that checks nothing;
- **5 properties**: consistency, deontic_safety, invariance, optimality and weak_pareto on one
  shared scan (:func:`theorems.verify.verify`); consistency decides every chunk twice more
  and invariance once more on the renamed problem, so this costs about four scans.

Problems: the discrete examples with every chance variable observable (their largest spaces,
27 to 1,728 assignments); ``sensors K x M``, generated: a latent binary ``hazard`` with K
sensors of M states each as children (the observables), an outcome ``harm`` depending on the
decision (go / slow / stop) and the hazard, 2 values, a prohibition of ``go`` when the hazard
is high (hard for a deontic theory of credence 0.2). Its space has (M + 1)^K assignments in
2^K evidence *patterns* (which variables are observed). The scan decides the space from joint
sums over the observables (:mod:`engine.kernel.space`: one query per target set for the whole
space, then sums per block of assignments), so many patterns cost no more than many rows; a
space whose joint does not fit falls back to the kernel's rows (one compiled query per pattern).

*table* is the first scan of a problem in the process (it includes building the joint sums,
what a user waits for); *again* a second scan of the same task. *5 properties* is dominated by
consistency and invariance, which decide the space again through the kernel's row path (one
compiled query per evidence pattern: the cross-check between the two paths is the point).
**Largest in a minute**: for each family the largest space whose first table scan finished
within 60 s (``--quick``: 10 s), growing K (M = 2) or M (K = 3) while the previous size's
time, scaled by the space's growth, predicts it fits. The last row repeats the largest
many-observables size on a numpy backend whose contraction paths are searched greedily
(``NumpyBackend(optimize="greedy")``), which mattered when each pattern compiled its own query.
``--profile`` prints the cProfile of a first table scan of each family's largest size (a copy
with another seed, so nothing of it is compiled yet). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.ir import (  # noqa: E402
    CPT,
    Clause,
    DecisionNode,
    DecisionProblem,
    Norm,
    Theory,
    ValueDimension,
    Variable,
)
from engine.scenario import load_scenario  # noqa: E402
from theorems.methods.exhaustive import ChunkCheck, nothing, scan  # noqa: E402
from theorems.task import Task, make_task  # noqa: E402
from theorems.verify import verify  # noqa: E402

BUILT_IN = ["consistency", "deontic_safety", "invariance", "optimality", "weak_pareto"]
TABLE_ONLY = ChunkCheck(nothing, lambda context, chunk, batch: np.zeros(len(batch), dtype=bool))


def sensors(k: int, m: int = 2, seed: int = 0) -> DecisionProblem:
    """The generated problem ``sensors K x M`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    variables = [Variable("hazard", ("low", "high"))]
    cpts = [CPT("hazard", (), (0.7, 0.3))]
    for i in range(k):
        low, high = rng.dirichlet(np.ones(m)), rng.dirichlet(np.ones(m))
        variables.append(Variable(f"s{i}", tuple(f"l{j}" for j in range(m))))
        cpts.append(CPT(f"s{i}", ("hazard",), (*map(float, low), *map(float, high))))
    variables.append(Variable("harm", ("no", "yes")))
    harm = (0.99, 0.01, 0.6, 0.4, 0.9, 0.1, 0.95, 0.05, 0.8, 0.2, 0.9, 0.1)
    cpts.append(CPT("harm", ("act", "hazard"), harm))
    return DecisionProblem(
        name=f"sensors {k} x {m}",
        variables=tuple(variables),
        decision=DecisionNode("act", ("go", "slow", "stop")),
        cpts=tuple(cpts),
        values=(
            ValueDimension("safety", ("harm",), (0.0, -100.0)),
            ValueDimension("progress", ("act",), (10.0, 5.0, 0.0)),
        ),
        norms=(
            Norm(
                "no_go_in_hazard",
                "prohibition",
                "go",
                (Clause("hazard", ("high",)),),
                weight=20.0,
                threshold=0.5,
            ),
        ),
        theories=(
            Theory("util", "cardinal", 0.8, (("safety", 1.0), ("progress", 1.0))),
            Theory("duty", "deontic", 0.2, (("safety", 1.0),), "constraint"),
        ),
    )


def sensor_task(problem: DecisionProblem) -> Task:
    observables = tuple(v.name for v in problem.variables if v.name.startswith("s"))
    return make_task(problem, observables, backend="numpy")


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(name: str, task: Task, properties: bool) -> dict[str, object]:
    """The first table scan (it compiles the kernel's query of every evidence pattern), a
    second one (compiled), then the built-in properties on one shared scan."""
    cold = timed(lambda: scan(task, TABLE_ONLY))
    row: dict[str, object] = {
        "problem": name,
        "observables": len(task.observables),
        "assignments": task.space_size,
        "table s": cold,
        "table /s": task.space_size / cold,
    }
    if properties:
        warm = timed(lambda: scan(task, TABLE_ONLY))
        row["again /s"] = task.space_size / warm
        found: list = []
        both = timed(lambda: found.extend(verify(task, BUILT_IN)))
        row["5 properties s"] = both
        row["5 properties /s"] = task.space_size / both
        row["verdicts"] = "".join(c.verdict[0] for c in found)
    return row


def grow(
    family: str, make: Callable[[int], DecisionProblem], sizes: list[int], budget: float
) -> tuple[list[dict[str, object]], Callable[[], Task] | None]:
    """First table scans of growing sizes while the last one predicts the next fits
    ``budget``; also a maker of a fresh task of the largest size (another seed: nothing of it
    compiled yet) for profiling."""
    rows: list[dict[str, object]] = []
    last: int | None = None
    for size in sizes:
        task = sensor_task(make(size))
        if rows:
            previous = rows[-1]
            growth = task.space_size / float(previous["assignments"])  # type: ignore[arg-type]
            if float(previous["table s"]) * growth > budget:  # type: ignore[arg-type]
                break
        row = measure(f"{family} {task.problem.name}", task, properties=False)
        rows.append(row)
        last = size
        if float(row["table s"]) > budget:  # type: ignore[arg-type]
            break
    if last is None:
        return rows, None
    return rows, lambda: sensor_task(make(-last))


def markdown(rows: list[dict[str, object]]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c, "")
            if isinstance(value, float):
                value = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
            elif isinstance(value, int):
                value = f"{value:,}"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s budget, fewer sizes")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest scans")
    args = parser.parse_args(argv)
    budget = 10.0 if args.quick else 60.0

    rows = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        problem = load_scenario(path)
        if problem.is_hybrid:
            continue
        task = make_task(problem, tuple(v.name for v in problem.variables), backend="numpy")
        rows.append(measure(path.stem, task, properties=True))
    for k, m in ((6, 2), (3, 20)) if args.quick else ((8, 2), (3, 40), (2, 300)):
        rows.append(measure("generated", sensor_task(sensors(k, m)), properties=True))
    print("## Exhaustive verification throughput (assignments / s)\n")
    print(markdown(rows))

    print(f"\n## Largest space verified within {budget:.0f} s (table scan)\n")
    # seed 1 (the table above used seed 0): every problem here is compiled for the first time;
    # a negative size asks for the same size with seed 2 (the fresh copy that is profiled)
    many, many_task = grow(
        "many observables",
        lambda k: sensors(abs(k), 2, 1 if k > 0 else 2),
        list(range(2, 30)),
        budget,
    )
    states = [10, 20, 40, 60, 80, 100, 130, 160, 200, 250, 320, 400, 500]
    wide, wide_task = grow(
        "many states", lambda m: sensors(3, abs(m), 1 if m > 0 else 2), states, budget
    )
    print(markdown(many + wide))
    for family, found in (("many observables", many), ("many states", wide)):
        fits = [r for r in found if float(r["table s"]) <= budget]  # type: ignore[arg-type]
        if fits:
            best = fits[-1]
            print(
                f"\n{family}: {best['assignments']:,} assignments in {best['table s']:.1f} s "
                f"({60 * float(best['table /s']):,.0f} per minute)"  # type: ignore[arg-type]
            )
    if many:  # the kernel's bottleneck there: the contraction-path search per evidence pattern
        from models.tensor import NumpyBackend

        k = int(many[-1]["observables"])  # type: ignore[call-overload]
        problem = sensors(k, 2, 3)
        observables = tuple(v.name for v in problem.variables if v.name.startswith("s"))
        greedy = make_task(problem, observables, backend=NumpyBackend(optimize="greedy"))
        row = measure(f"many observables {problem.name}, greedy path search", greedy, False)
        print("\n" + markdown([row]))
    if args.profile:
        for fresh in (many_task, wide_task):
            if fresh is None:
                continue
            task = fresh()
            print(f"\n## cProfile: first table scan of {task.problem.name}\n")
            profiler = cProfile.Profile()
            profiler.runcall(scan, task, TABLE_ONLY)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


if __name__ == "__main__":
    main()
