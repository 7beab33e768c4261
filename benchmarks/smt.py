"""SMT time against problem size (issue 13): ``robust_utilities``, ``robust_weights`` and
``robust_credences`` on synthetic problems of growing options x theories x values x situations,
printed as a markdown table (seconds per check, milliseconds per situation).

Each problem has m binary situation variables (3^m evidence assignments, each observed or
not), A options, V values U_v(option, S_(v mod m)) drawn uniformly from [-10, 10], T theories
with random weights and Dirichlet credences, and one prohibition of the first option (when the
first situation variable is in its first state) that the first theory holds as a
side-constraint, so the credence check splits into cases. Seeded: the same table every run,
apart from the timings.

    python benchmarks/smt.py [--quick] [--radius R]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from engine.ir import (
    CPT,
    Clause,
    DecisionNode,
    DecisionProblem,
    Norm,
    Theory,
    ValueDimension,
    Variable,
)
from theorems.properties.robustness import check_robust
from theorems.task import make_task

SIZES = [(2, 2, 2, 1), (3, 3, 4, 2), (4, 4, 6, 3), (6, 5, 8, 4), (8, 6, 10, 5)]
QUICK = SIZES[:3]
FAMILIES = ("utilities", "weights", "credences")


def synthetic(options: int, theories: int, values: int, situations: int, seed: int = 0):
    """The synthetic problem of the module docstring."""
    rng = np.random.default_rng(seed)
    names = tuple(f"o{i}" for i in range(options))
    variables = tuple(Variable(f"s{k}", ("a", "b")) for k in range(situations))
    cpts = []
    for k in range(situations):
        p = float(rng.uniform(0.2, 0.8))
        cpts.append(CPT(f"s{k}", (), (p, 1.0 - p)))
    dims = tuple(
        ValueDimension(
            f"v{j}",
            ("act", f"s{j % situations}"),
            tuple(float(x) for x in rng.uniform(-10, 10, size=options * 2).round(3)),
        )
        for j in range(values)
    )
    credences = rng.dirichlet(np.ones(theories)).round(6)
    credences[-1] = round(1.0 - credences[:-1].sum(), 6)
    norm = Norm("no_o0", "prohibition", "o0", (Clause("s0", ("a",)),), weight=1.0)
    kinds = []
    for t in range(theories):
        weights = tuple(
            (f"v{j}", float(w)) for j, w in enumerate(rng.uniform(0, 1, values).round(3))
        )
        if t == 0 and theories > 1:
            kinds.append(
                Theory(f"t{t}", "deontic", float(credences[t]), weights, "constraint", ("no_o0",))
            )
        else:
            kinds.append(Theory(f"t{t}", "cardinal", float(credences[t]), weights))
    return DecisionProblem(
        name=f"synthetic_{options}x{theories}x{values}x{situations}",
        variables=variables,
        decision=DecisionNode("act", names),
        cpts=tuple(cpts),
        values=dims,
        norms=(norm,),
        theories=tuple(kinds),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the three smallest sizes only")
    parser.add_argument("--radius", type=float, default=0.01, help="radius checked (default 0.01)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else SIZES
    warm = synthetic(*SIZES[0])
    for family in FAMILIES:  # imports (z3, scipy) and caches outside the timings
        check_robust(make_task(warm, backend="numpy"), family)
    print(f"radius {args.radius:g}; seconds per check (ms per situation)\n")
    header = "| options | theories | values | situations |"
    print(header + "".join(f" {f} |" for f in FAMILIES) + " verdicts |")
    print("|" + "---|" * (4 + len(FAMILIES) + 1))
    for options, theories, values, m in sizes:
        problem = synthetic(options, theories, values, m)
        cells, verdicts = [], []
        space = 3**m
        for family in FAMILIES:
            task = make_task(problem, backend="numpy", parameters={"radius": args.radius})
            start = time.perf_counter()
            cert = check_robust(task, family)
            seconds = time.perf_counter() - start
            cells.append(f" {seconds:.2f} ({1e3 * seconds / space:.1f}) |")
            verdicts.append(cert.verdict[0])
        row = f"| {options} | {theories} | {values} | {space} |"
        print(row + "".join(cells) + f" {''.join(verdicts)} |", flush=True)


if __name__ == "__main__":
    main()
