"""Exact inference benchmark: phronesis torch / JAX against pgmpy and pyAgrum (issue 3).

Run ``python benchmarks/inference.py [--networks alarm andes ...] [--quick]`` (or
``phronesis bench inference``). For each network one query shape is fixed: the root with the
most states is the target and four leaves, chosen with a fixed seed, are observed; evidence rows
are drawn by ancestral sampling (so every row has P(e) > 0). Every engine runs in its own forked
process, time-boxed (``--peer-seconds``) and, for the peers, memory-capped; a peer that runs out
of time or memory is reported as such. Peak memory is the process's peak RSS above its RSS
after loading the model and importing its framework.

Engines: pgmpy VariableElimination, pgmpy BeliefPropagation, pyAgrum LazyPropagation (reused,
``chgEvidence``) answer one query at a time, so their "batch" throughput is sequential.
phronesis torch / JAX answer a batch in one call: through the backend protocol (a list of
``{variable: state}`` dicts) and through a compiled query taking an index matrix (the
controller path). Floor rows: a bare precomputed einsum of the pruned query (gathered operands
contracted, nothing else) and a bare gather from a precomputed P(target | evidence) table.
Timings are medians of repeats, on whatever machine runs this; the targets of issue 3 are goals,
checked by reading the table, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.ir import BayesianNetwork  # noqa: E402
from models.pyagrum.convert import to_pyagrum  # noqa: E402

NETWORKS = ("asia", "alarm", "insurance", "hepar2", "win95pts", "andes", "pathfinder")
ENGINES = ("pgmpy-ve", "pgmpy-bp", "pyagrum", "torch", "jax", "floor")
BATCHES = (1_000, 10_000)
#: where the phronesis backends put their arrays (``--device``)
DEVICE = "cpu"
PEER_MEMORY = 6 * 2**30
#: torch intra-op threads (``--torch-threads``): one avoids spin-waiting on a shared 2-core box
TORCH_THREADS = 1


@dataclass
class Result:
    """One row of the table (None: not measured; a string: why not)."""

    network: str
    engine: str
    compile_ms: float | None = None
    latency_us: float | None = None
    rate: dict[int, float | str] = field(default_factory=dict)
    peak_mb: float | None = None
    error: float | None = None
    note: str = ""
    answers: Any = None


@dataclass
class Workload:
    name: str
    pgmpy_model: Any
    network: BayesianNetwork
    target: str
    evidence: tuple[str, ...]
    index: np.ndarray  # (max(BATCHES), 4) state indices
    rows: list[dict[str, str]]
    mixed: list[dict[str, str]]


# -- the workload ----------------------------------------------------------------------------------
def load(name: str, seed: int = 0, folder: Path | None = None) -> Workload:
    """The pgmpy model, its IR, and evidence rows for the fixed query shape.

    With ``folder``, the IR is read from ``folder/NAME.json`` (written by ``--save-json``) and
    pgmpy is not needed (the peers then cannot run).
    """
    model = None
    if folder is not None:
        network = BayesianNetwork.from_json((folder / f"{name}.json").read_text())
    else:
        from models.pgmpy.backend import import_pgmpy
        from models.pgmpy.convert import from_pgmpy

        import_pgmpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgmpy.utils import get_example_model

            model = get_example_model(name)
            network = from_pgmpy(model, name)
    parents = {c.child: c.parents for c in network.cpts}
    names = [v.name for v in network.variables]
    has_child = {p for ps in parents.values() for p in ps}
    roots = [n for n in names if not parents[n]]
    target = max(roots, key=lambda r: len(network.states(r)))
    rng = np.random.default_rng(seed)
    leaves = [n for n in names if n not in has_child]
    if len(leaves) < 4:  # asia has two leaves: fill up with the latest non-target variables
        leaves += [n for n in reversed(names) if n not in leaves and n != target][: 4 - len(leaves)]
    evidence = tuple(sorted(str(x) for x in rng.choice(leaves, size=4, replace=False)))
    full = sample(network, max(BATCHES), rng)
    index = np.stack([full[e] for e in evidence], axis=1)
    rows = [
        {e: network.states(e)[i] for e, i in zip(evidence, r, strict=True)} for r in index.tolist()
    ]
    keep = rng.random((len(rows), 4)) < 0.6
    keep[np.arange(len(rows)), rng.integers(0, 4, len(rows))] = True
    mixed = [
        {e: s for (e, s), k in zip(r.items(), m, strict=True) if k}
        for r, m in zip(rows, keep.tolist(), strict=True)
    ]
    return Workload(name, model, network, target, evidence, index, rows, mixed)


def sample(network: BayesianNetwork, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n joint assignments by vectorised ancestral sampling (state indices per variable)."""
    done: dict[str, np.ndarray] = {}
    pending = list(network.cpts)
    while pending:
        for cpt in list(pending):
            if all(p in done for p in cpt.parents):
                table = network.cpt_array(cpt.child)
                probs = table[tuple(done[p] for p in cpt.parents)] if cpt.parents else table
                probs = np.broadcast_to(probs, (n, table.shape[-1]))
                cdf = np.cumsum(probs, axis=1)
                u = rng.random((n, 1)) * cdf[:, -1:]
                done[cpt.child] = np.minimum((u > cdf).sum(axis=1), table.shape[-1] - 1)
                pending.remove(cpt)
    return done


# -- measuring helpers ----------------------------------------------------------------------------
def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def median_time(fn: Callable[[], object], repeats: int, budget: float) -> float:
    """Median wall time of ``fn`` over up to ``repeats`` calls within ``budget`` seconds."""
    times: list[float] = []
    stop = time.perf_counter() + budget
    while len(times) < repeats and (not times or time.perf_counter() < stop):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sequential(query: Callable[[dict[str, str]], object], rows: Sequence, seconds: float):
    """(queries/s, done) answering ``rows`` one at a time until done or out of time."""
    start = time.perf_counter()
    done = 0
    for row in rows:
        query(row)
        done += 1
        if time.perf_counter() - start > seconds:
            break
    return done / (time.perf_counter() - start), done


# -- engines (each runs in its own forked process) -------------------------------------------------
def run_pgmpy(w: Workload, seconds: float, kind: str) -> Result:
    from models.pgmpy.backend import import_pgmpy

    pgmpy = import_pgmpy()
    result = Result(w.name, f"pgmpy {kind}")
    base = rss_bytes()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "VE":
            engine = pgmpy.inference.VariableElimination(w.pgmpy_model)
        else:
            engine = pgmpy.inference.BeliefPropagation(w.pgmpy_model)
            engine.calibrate()

        def query(row: dict[str, str]) -> np.ndarray:
            return engine.query([w.target], evidence=row, show_progress=False).values

        query(w.rows[0])
        result.compile_ms = (time.perf_counter() - start) * 1e3
        result.latency_us = median_time(lambda: query(w.rows[1]), 50, seconds / 4) * 1e6
        result.answers = np.array([query(r) for r in w.rows[:10]])
        _fill_sequential(result, query, w.rows, seconds)
    result.peak_mb = (peak_rss_bytes() - base) / 2**20
    return result


def run_pyagrum(w: Workload, seconds: float) -> Result:
    import pyagrum as gum

    result = Result(w.name, "pyAgrum LazyProp")
    base = rss_bytes()
    start = time.perf_counter()
    engine = gum.LazyPropagation(to_pyagrum(w.network))
    engine.setEvidence(w.rows[0])
    engine.makeInference()
    engine.posterior(w.target)
    result.compile_ms = (time.perf_counter() - start) * 1e3

    def query(row: dict[str, str]) -> np.ndarray:
        for variable, state in row.items():
            engine.chgEvidence(variable, state)
        engine.makeInference()
        return engine.posterior(w.target).toarray()

    result.latency_us = median_time(lambda: query(w.rows[1]), 200, seconds / 4) * 1e6
    result.answers = np.array([query(r) for r in w.rows[:10]])
    _fill_sequential(result, query, w.rows, seconds)
    result.peak_mb = (peak_rss_bytes() - base) / 2**20
    result.note = "sequential (no batch API)"
    return result


def _fill_sequential(result: Result, query: Callable, rows: list, seconds: float) -> None:
    for n in BATCHES:
        rate, done = sequential(query, rows[:n], seconds * 3 / 8)
        result.rate[n] = rate if done == n else f"{rate:,.0f}*"
    if any(isinstance(v, str) for v in result.rate.values()):
        result.note = "sequential; * = time-boxed, rate over the rows done"


def run_tensor(w: Workload, seconds: float, framework: str) -> list[Result]:
    import models.tensor as tensor

    backend_class = getattr(tensor, "TorchBackend" if framework == "torch" else "JaxBackend")
    base = rss_bytes()
    options: dict[str, Any] = {"device": DEVICE}
    if framework == "torch":
        options["threads"] = TORCH_THREADS
    backend = backend_class(**options)
    start = time.perf_counter()
    query = backend.compile(w.network, [w.target], w.evidence)
    query(w.index[:1])
    compile_ms = (time.perf_counter() - start) * 1e3
    for n in (1, *BATCHES):  # JAX compiles one program per padded batch size: warm them up
        query(w.index[:n])
        backend.posterior(w.network, w.rows[:n], [w.target])
    label = f"phronesis {framework}"
    box = seconds / 8
    proto = Result(w.name, f"{label} (dict rows)", compile_ms=compile_ms)
    proto.latency_us = (
        median_time(lambda: backend.posterior(w.network, w.rows[1:2], [w.target]), 2000, box) * 1e6
    )
    proto.answers = backend.posterior(w.network, w.rows[:10], [w.target])
    fast = Result(w.name, f"{label} (index API)", compile_ms=compile_ms)
    fast.latency_us = median_time(lambda: query(w.index[1:2]), 2000, box) * 1e6
    for n in BATCHES:
        t = median_time(lambda n=n: backend.posterior(w.network, w.rows[:n], [w.target]), 20, box)
        proto.rate[n] = n / t
        t = median_time(lambda n=n: query(w.index[:n]), 50, box)
        fast.rate[n] = n / t
    mixed = Result(w.name, f"{label} (mixed patterns)")
    for n in BATCHES:  # every group size compiles (JAX) before it is timed
        backend.posterior(w.network, w.mixed[:n], [w.target])
    for n in BATCHES:
        t = median_time(lambda n=n: backend.posterior(w.network, w.mixed[:n], [w.target]), 10, box)
        mixed.rate[n] = n / t
    patterns = len({tuple(sorted(r)) for r in w.mixed})
    mixed.note = f"dict rows, {patterns} evidence patterns in one call"
    peak = (peak_rss_bytes() - base) / 2**20
    for r in (proto, fast, mixed):
        r.peak_mb = peak
    strategy = query.plan.strategy
    proto.note = f"strategy={strategy}, chunk={query.plan.chunk}, device={DEVICE}"
    if DEVICE != "cpu":  # the same code path on CPU gives the reference for the device
        cpu = backend_class().posterior(w.network, w.rows[:10], [w.target])
        proto.note += f", max abs diff vs CPU {np.max(np.abs(proto.answers - cpu)):.1e}"
    return [proto, fast, mixed]


def run_floor(w: Workload, seconds: float) -> list[Result]:
    """Floors: a bare precomputed einsum of the pruned query, and a bare table gather."""
    import opt_einsum
    import torch

    from models.tensor import TorchBackend
    from models.tensor.execute import offsets

    torch.set_num_threads(TORCH_THREADS)
    out = []
    box = seconds / 4
    try:
        plan = TorchBackend(table_limit=0).compile(w.network, [w.target], w.evidence).plan
        device = torch.device(DEVICE)
        tables = [torch.as_tensor(op.table, device=device) for op in plan.operands]

        def contract(ops: list) -> None:
            expr(*ops, backend="torch")
            if device.type == "cuda":
                torch.cuda.synchronize()

        expr = opt_einsum.contract_expression(
            plan.equation, *plan.runtime_shapes(), optimize=list(plan.path)
        )
        einsum = Result(w.name, "floor: bare einsum (torch)")
        for n in (1, *BATCHES):
            host = offsets(plan, w.index[:n])
            rows = [None if r is None else torch.as_tensor(r, device=device) for r in host]
            ops = [t if r is None else t[r] for t, r in zip(tables, rows, strict=True)]
            t = median_time(lambda ops=ops: contract(ops), 200, box)
            if n == 1:
                einsum.latency_us = t * 1e6
            else:
                einsum.rate[n] = n / t
        einsum.note = f"gathered operands contracted only, device={DEVICE}"
        out.append(einsum)
    except Exception as exc:  # a contraction that cannot fit still leaves the table floor
        out.append(Result(w.name, "floor: bare einsum (torch)", note=f"failed: {exc}"[:120]))
    plan = TorchBackend(table_limit=2**26).compile(w.network, [w.target], w.evidence).plan
    gather = Result(w.name, "floor: table gather (numpy)")
    if plan.strategy == "table":
        table = plan.operands[0].table
        strides = np.asarray(plan.operands[0].strides)
        for n in (1, *BATCHES):
            flat = w.index[:n] @ strides
            t = median_time(lambda flat=flat: table[flat], 200, box)
            if n == 1:
                gather.latency_us = t * 1e6
            else:
                gather.rate[n] = n / t
        gather.note = f"P(target | evidence) table of {table.size:,} entries, precomputed"
    else:
        gather.note = "table too large"
    out.append(gather)
    return out


def run_engine(engine: str, w: Workload, seconds: float) -> list[Result]:
    if engine == "pgmpy-ve":
        return [run_pgmpy(w, seconds, "VE")]
    if engine == "pgmpy-bp":
        return [run_pgmpy(w, seconds, "BP")]
    if engine == "pyagrum":
        return [run_pyagrum(w, seconds)]
    if engine in ("torch", "jax"):
        return run_tensor(w, seconds, engine)
    return run_floor(w, seconds)


def _child(engine: str, w: Workload, seconds: float, pipe: Any) -> None:
    if engine.startswith(("pgmpy", "pyagrum")):
        resource.setrlimit(resource.RLIMIT_AS, (PEER_MEMORY, PEER_MEMORY))
    try:
        pipe.send(("ok", run_engine(engine, w, seconds)))
    except MemoryError:
        pipe.send(("oom", "out of memory"))
    except BaseException as exc:  # report, never hang the parent
        where = traceback.format_exc().strip().splitlines()[-3:-1]
        pipe.send(("error", f"{type(exc).__name__}: {exc}"[:200] + " at " + " ".join(where)))


def isolated(engine: str, w: Workload, seconds: float, limit: float) -> list[Result]:
    """Run one engine in a forked process; a timeout or crash becomes a row saying so."""
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(engine, w, seconds, send))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JAX warns that fork() and threads do not mix
        process.start()
    label = {"pgmpy-ve": "pgmpy VE", "pgmpy-bp": "pgmpy BP", "pyagrum": "pyAgrum LazyProp"}
    name = label.get(engine, engine)
    if receive.poll(limit):
        status, payload = receive.recv()
        process.join(10)
    else:
        status, payload = "timeout", f"no answer within {limit:.0f} s"
    if process.is_alive():
        process.kill()
        process.join()
    if status == "ok":
        return payload
    if process.exitcode and process.exitcode < 0 and status != "ok":
        status = "killed"
    return [Result(w.name, name, note=f"{status.upper()}: {payload}")]


# -- decisions -------------------------------------------------------------------------------------
def decision_rows(seconds: float) -> list[Result]:
    from engine.decision.batch import _Precomputed, _Recorder
    from engine.decision.pipeline import decide
    from engine.scenario import load_scenario
    from engine.semantics.assess import assess
    from models.tensor import JaxBackend, TorchBackend

    path = ROOT / "examples" / "av_emergency.yaml"
    if not path.exists():
        path = ROOT / "examples" / "heinz.yaml"
    problem = load_scenario(path)
    evidence: dict[str, str] = {}
    if problem.variables:
        first = problem.variables[1] if len(problem.variables) > 1 else problem.variables[0]
        evidence = {first.name: first.states[0]}
    out = []
    engines = (
        ("pgmpy", "pgmpy"),
        ("torch", TorchBackend(threads=TORCH_THREADS)),
        ("jax", JaxBackend()),
    )
    for label, backend in engines:
        decide(problem, evidence, backend=backend)
        t = median_time(lambda b=backend: decide(problem, evidence, backend=b), 500, seconds / 4)
        out.append(
            Result(
                problem.name,
                f"decide, {label}",
                latency_us=t * 1e6,
                note=f"single decision, evidence {evidence}",
            )
        )
    # the floor: the decision pipeline over precomputed posteriors (no inference at all)
    recorder = _Recorder()
    assess(problem, {}, recorder)
    decision = problem.decision.name
    batch = tuple({**evidence, decision: o} for o in problem.decision.options)
    engine = TorchBackend()
    posts = {t: engine.posterior(problem.network(), batch, t) for t in recorder.targets}
    replay = _Precomputed("replay", posts, batch, 0)
    t = median_time(lambda: decide(problem, evidence, backend=replay), 500, seconds / 4)
    out.append(
        Result(
            problem.name,
            "decide, floor (no inference)",
            latency_us=t * 1e6,
            note="Python decision pipeline over precomputed posteriors",
        )
    )
    # the controller path: every observation decided ahead of time, then a dict lookup
    from engine.analyses.decision_table import compile_decision_table

    start = time.perf_counter()
    table = compile_decision_table(problem, list(evidence), backend=engine)
    compile_ms = (time.perf_counter() - start) * 1e3
    t = median_time(lambda: table.lookup(evidence), 5000, seconds / 4)
    out.append(
        Result(
            problem.name,
            "decide, compiled table lookup",
            compile_ms=compile_ms,
            latency_us=t * 1e6,
            note=f"{len(table.entries)} observations decided ahead (decision table)",
        )
    )
    return out


# -- report ----------------------------------------------------------------------------------------
def _cell(value: float | str | None, fmt: str) -> str:
    if value is None:
        return "–"
    return value if isinstance(value, str) else format(value, fmt)


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def table(results: list[Result]) -> str:
    """The markdown table; ratios are taken at batch 10k (or the largest batch run)."""
    ref = 10_000 if 10_000 in BATCHES else max(BATCHES)
    rates = [f"q/s @{_k(n)}" for n in BATCHES]
    head = [
        "network",
        "engine",
        "compile ms",
        "1 query µs",
        *rates,
        f"×VE @{_k(ref)}",
        f"×pyAgrum @{_k(ref)}",
        "peak MB",
        "max abs err vs VE",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_net: dict[str, list[Result]] = {}
    for r in results:
        by_net.setdefault(r.network, []).append(r)
    for network, rows in by_net.items():

        def rate_of(prefix: str, rows: list[Result] = rows) -> float | None:
            for r in rows:
                if r.engine.startswith(prefix):
                    v = r.rate.get(ref)
                    if isinstance(v, float):
                        return v
                    if isinstance(v, str):
                        return float(v.rstrip("*").replace(",", ""))
            return None

        ve, agrum = rate_of("pgmpy VE"), rate_of("pyAgrum")
        reference = next((r.answers for r in rows if r.engine == "pgmpy VE"), None)
        for r in rows:
            at_ref = r.rate.get(ref)
            num = at_ref if isinstance(at_ref, float) else None
            err = None
            if reference is not None and r.answers is not None:
                err = float(np.max(np.abs(np.asarray(r.answers) - reference)))
            cells = [
                network,
                r.engine,
                _cell(r.compile_ms, ".1f"),
                _cell(r.latency_us, ",.1f"),
                *(_cell(r.rate.get(n), ",.0f") for n in BATCHES),
                _cell(num / ve if num and ve else None, ",.0f"),
                _cell(num / agrum if num and agrum else None, ",.0f"),
                _cell(r.peak_mb, ".1f"),
                _cell(err, ".1e"),
                r.note,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    global TORCH_THREADS, DEVICE, BATCHES
    parser = argparse.ArgumentParser(prog="phronesis bench inference", description=__doc__)
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=NETWORKS)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--quick", action="store_true", help="shorter time boxes")
    parser.add_argument(
        "--peer-seconds",
        type=float,
        default=None,
        help="time box per engine and network (default 20, --quick 6)",
    )
    parser.add_argument("--device", default="cpu", help="device of the phronesis backends")
    parser.add_argument("--batches", nargs="+", type=int, default=list(BATCHES))
    parser.add_argument("--from-json", type=Path, help="read networks from DIR/NAME.json")
    parser.add_argument("--save-json", type=Path, help="write each network to DIR/NAME.json")
    parser.add_argument("--torch-threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--no-decision", action="store_true", help="skip the decision rows")
    parser.add_argument("--output", type=Path, help="also write the markdown table here")
    args = parser.parse_args(argv)
    seconds = args.peer_seconds or (6.0 if args.quick else 20.0)
    TORCH_THREADS, DEVICE, BATCHES = args.torch_threads, args.device, tuple(args.batches)
    results: list[Result] = []
    print(
        f"# phronesis inference benchmark ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, time box {seconds:.0f} s per engine, torch threads "
        f"{TORCH_THREADS}, float64)\n",
        flush=True,
    )
    for name in args.networks:
        start = time.perf_counter()
        workload = load(name, folder=args.from_json)
        if args.save_json:
            args.save_json.mkdir(parents=True, exist_ok=True)
            (args.save_json / f"{name}.json").write_text(workload.network.to_json())
        print(
            f"{name}: target {workload.target} ({len(workload.network.states(workload.target))} "
            f"states), evidence {', '.join(workload.evidence)}; loaded in "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )
        for engine in args.engines:
            limit = 2 * seconds + 40
            rows = isolated(engine, workload, seconds, limit)
            results.extend(rows)
            for r in rows:
                print(
                    f"  {r.engine}: {r.latency_us and round(r.latency_us, 1)} µs, "
                    f"{ {k: v if isinstance(v, str) else round(v) for k, v in r.rate.items()} }"
                    f" {r.note}",
                    flush=True,
                )
    if not args.no_decision:
        results.extend(decision_rows(seconds))
    text = table(results)
    print("\n" + text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
