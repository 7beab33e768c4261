"""Decisions per second through the compiled decision kernel (issue 11, item 6).

Run ``python benchmarks/decisions.py [--quick]`` (or ``phronesis bench decisions``). Problems:
every discrete example in ``examples/*.yaml`` and ``alarm_decision``, a generated problem whose
world model is pgmpy's bundled *alarm* network (37 variables) with a decision ``treatment`` of 5
options that is a parent of STROKEVOLUME, TPR and VENTMACH, 3 values, 4 norms (two of them hard
for a deontic theory) and 3 theories. Each problem is compiled with
``phronesis.compile(problem, backend=B, normalisation="variance")`` on numpy, torch and JAX and
decided by ``phronesis.decide_rows(compiled, index)`` on evidence index matrices
(rows x columns, -1 = unobserved) of two kinds:

- **many**: as many distinct situations as the problem allows. Examples: every chance variable
  observed, rows drawn by ancestral sampling (decision uniform), so each row is possible under
  some option; their state spaces are small (8 to 216 joint states), so 100k rows repeat a few
  hundred situations at most. alarm_decision: the 18 variables that are not descendants of the
  decision (what can be seen before deciding), states drawn uniformly (alarm has no zero CPT
  entries there, so every row is possible): about 100k distinct rows in 100k.
- **few**: 8 distinct situations of the above, repeated at random (the kernel decides each
  distinct evidence row once and copies the result).

The *distinct* column counts the distinct rows at 100k. Against, in the same run:

- **loop**: today's per-row pipeline, ``engine.decision.pipeline.decide(problem, row)`` one
  row at a time on the pgmpy and torch backends (shared instances), time-boxed, reported per
  second; the options it chooses are compared with the kernel's on the same rows.
- **pyAgrum**: the problem with one theory (a cardinal theory weighing every value and
  penalising every norm, credence 1: MEC with one theory is expected utility) as a pyAgrum
  influence diagram with one utility node U(decision, parents of values and norm conditions) =
  sum_v w_v U_v - sum_n weight_n 1[violation_n], solved per row by ShaferShenoyLIMIDInference
  after ``chgEvidence``; its optimal decision is compared with the kernel's on the same
  one-theory problem (row "numpy kernel, 1 theory"). Evidence: the decision's non-descendants
  (``many`` rows of alarm_decision; detection, pedestrian_present and oncoming_vehicle for
  av_emergency), where P(e | do(a)) does not depend on a and both semantics agree.

Timings are the best of a few repeats after a warm-up call at the same batch size (so JAX's
per-bucket compilation and the per-pattern query compilation are excluded); *compile ms* is
``phronesis.compile`` and *1st call ms* the first ``decide_rows`` (it compiles the backend
queries of the evidence pattern). *1 dec µs* is one new row through ``decide_rows`` (the
compiled problem's remembered one-row decisions are dropped before each call, as they are for
the batch-1 rate), *1 dec µs repeat* the same row again (a lookup in those remembered
decisions); *+expl µs* is a new row and ``DecisionBatch.decision(0)``, the full decision with
its explanation. *B/row* is the
tracemalloc peak of ``decide_rows`` on 100k ``many`` rows divided by 100k (host allocations
only: tracemalloc sees numpy's buffers, not torch's or XLA's). Ratios are the kernel's rate at
100k (``many``) over the loop's (torch, pgmpy) and pyAgrum's per-row rates. ``--profile`` prints
a cProfile of ``decide_rows`` at batch 1 and 100k on av_emergency (numpy). Per-row credences
(Dirichlet(1) per row, numpy) show what agents with their own beliefs cost. ``--quick`` skips
1M, times once after the warm-up in 1 s boxes, runs per-row credences to 1k only, tracemalloc
on numpy only, and leaves out the pgmpy loop on alarm_decision (about 8 s a decision).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import phronesis  # noqa: E402
from engine.decision.pipeline import decide  # noqa: E402
from engine.errors import EvidenceError  # noqa: E402
from engine.ir import (  # noqa: E402
    CPT,
    Clause,
    DecisionNode,
    DecisionProblem,
    Norm,
    Theory,
    ValueDimension,
)
from engine.scenario import load_scenario  # noqa: E402

EXAMPLES = ROOT / "examples"
BACKENDS = ("numpy", "torch", "jax")
BATCHES = (1, 1_000, 100_000, 1_000_000)
MEMORY_BATCH = 100_000
FEW = 8
SEED = 0


@dataclass
class Row:
    """One line of the table (None: not measured)."""

    problem: str
    engine: str
    evidence: str = ""
    distinct: int | None = None
    compile_ms: float | None = None
    first_ms: float | None = None
    latency_us: float | None = None
    repeat_us: float | None = None
    explained_us: float | None = None
    rate: dict[int, float] = field(default_factory=dict)
    bytes_per_row: float | None = None
    note: str = ""


@dataclass
class Workload:
    """A problem and its evidence matrices (``many`` and ``few``, each max(batches) rows)."""

    name: str
    problem: DecisionProblem
    many: np.ndarray
    few: np.ndarray
    loop_rows: np.ndarray  # rows the per-row loop decides (from ``many``)
    distinct: int  # distinct rows among the first MEMORY_BATCH of ``many``
    #: pre-decision evidence for the pyAgrum comparison (None: no comparison)
    id_rows: np.ndarray | None = None


# -- problems --------------------------------------------------------------------------------------
def examples() -> list[tuple[str, DecisionProblem]]:
    """Every discrete example (hybrid ones are decided by sampling, not by the kernel)."""
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        problem = load_scenario(path)
        if not problem.is_hybrid:
            out.append((path.stem, problem))
    return out


#: (option, variable) -> (state pulled towards, strength): the decision's effect on its children
EFFECTS = {
    ("fluids", "STROKEVOLUME"): ("NORMAL", 0.5),
    ("vasopressor", "TPR"): ("HIGH", 0.6),
    ("vasopressor", "STROKEVOLUME"): ("NORMAL", 0.2),
    ("increase_ventilation", "VENTMACH"): ("HIGH", 0.6),
    ("reduce_ventilation", "VENTMACH"): ("LOW", 0.6),
}
TREATMENTS = ("observe", "fluids", "vasopressor", "increase_ventilation", "reduce_ventilation")


def alarm_problem() -> DecisionProblem:
    """alarm as the world model, a 5-option decision parent of 3 of its variables, 3 values,
    4 norms and 3 theories (see the module docstring)."""
    from models.pgmpy.convert import from_pgmpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgmpy's import-time warnings
        from pgmpy.utils import get_example_model

        network = from_pgmpy(get_example_model("alarm"), "alarm")
    cpts = []
    for cpt in network.cpts:
        if not any(v == cpt.child for _, v in EFFECTS):
            cpts.append(cpt)
            continue
        table = network.cpt_array(cpt.child)
        states = network.states(cpt.child)
        per_option = []
        for option in TREATMENTS:
            pulled = table
            if (option, cpt.child) in EFFECTS:
                state, strength = EFFECTS[option, cpt.child]
                towards = np.zeros(len(states))
                towards[states.index(state)] = 1.0
                pulled = (1 - strength) * table + strength * towards
            per_option.append(pulled)
        stacked = np.stack(per_option)  # (options, *parents, child)
        cpts.append(CPT(cpt.child, ("treatment", *cpt.parents), tuple(stacked.ravel().tolist())))
    values = (
        ValueDimension(  # U(BP, HR): hypotension worst, tachycardia bad
            "haemodynamics",
            ("BP", "HR"),
            (-60.0, -50.0, -70.0, -10.0, 0.0, -15.0, -20.0, -10.0, -30.0),
        ),
        ValueDimension("oxygenation", ("SAO2",), (-60.0, 0.0, 0.0)),
        ValueDimension("burden", ("treatment",), (0.0, -2.0, -8.0, -5.0, -3.0)),
    )
    norms = (
        Norm(
            "no_fluids_in_lv_failure",
            "prohibition",
            "fluids",
            (Clause("LVFAILURE", ("TRUE",)),),
            weight=40.0,
            threshold=0.3,
        ),
        Norm(
            "volume_before_pressors",
            "prohibition",
            "vasopressor",
            (Clause("HYPOVOLEMIA", ("TRUE",)),),
            weight=30.0,
            threshold=0.2,
        ),
        Norm(
            "oxygenate_the_hypoxic",
            "obligation",
            "increase_ventilation",
            (Clause("SAO2", ("LOW",)),),
            weight=25.0,
            threshold=0.9,
        ),
        Norm(
            "treat_hypotension",
            "prohibition",
            "observe",
            (Clause("BP", ("LOW",)),),
            weight=35.0,
            threshold=0.5,
        ),
    )
    theories = (
        Theory(
            "clinical_utility",
            "cardinal",
            0.5,
            (("haemodynamics", 1.0), ("oxygenation", 1.0), ("burden", 1.0)),
        ),
        Theory(
            "protocol",
            "deontic",
            0.3,
            (("haemodynamics", 1.0), ("oxygenation", 1.0)),
            norm_handling="constraint",
            norms=("no_fluids_in_lv_failure", "volume_before_pressors"),
        ),
        Theory(
            "caution",
            "cardinal",
            0.2,
            (("haemodynamics", 0.5), ("oxygenation", 2.0), ("burden", 0.5)),
            norm_handling="penalty",
        ),
    )
    return DecisionProblem(
        name="alarm_decision",
        variables=network.variables,
        decision=DecisionNode("treatment", TREATMENTS),
        cpts=tuple(cpts),
        values=values,
        norms=norms,
        theories=theories,
    )


def one_theory(problem: DecisionProblem) -> DecisionProblem:
    """``problem`` with one cardinal theory (credence 1) weighing every value by 1 and
    penalising every norm: MEC over it is expected utility, what an influence diagram solves."""
    theory = Theory(
        "expected_utility",
        "cardinal",
        1.0,
        tuple((v.name, 1.0) for v in problem.values),
        norm_handling="penalty",
    )
    return dataclasses.replace(problem, theories=(theory,), policies=())


# -- evidence --------------------------------------------------------------------------------------
def ancestral(problem: DecisionProblem, n: int, rng: np.random.Generator) -> np.ndarray:
    """n joint draws of the chance variables (decision uniform), as state indices (n x vars)."""
    network = problem.network()
    done: dict[str, np.ndarray] = {}
    for cpt in _topological(network.cpts):
        table = network.cpt_array(cpt.child)
        probs = table[tuple(done[p] for p in cpt.parents)] if cpt.parents else table
        probs = np.broadcast_to(probs, (n, table.shape[-1]))
        cdf = np.cumsum(probs, axis=1)
        u = rng.random((n, 1)) * cdf[:, -1:]
        done[cpt.child] = np.minimum((u > cdf).sum(axis=1), table.shape[-1] - 1)
    return np.stack([done[v.name] for v in problem.variables], axis=1)


def _topological(cpts: Sequence[CPT]) -> list[CPT]:
    pending, done, order = list(cpts), set(), []
    while pending:
        for cpt in list(pending):
            if all(p in done for p in cpt.parents):
                order.append(cpt)
                done.add(cpt.child)
                pending.remove(cpt)
    return order


def before_decision(problem: DecisionProblem) -> np.ndarray:
    """Boolean mask of the chance variables that are not descendants of the decision."""
    after = problem.descendants(problem.decision.name)
    return np.array([v.name not in after for v in problem.variables])


def workload(name: str, problem: DecisionProblem, n: int, rng: np.random.Generator) -> Workload:
    """The ``many`` and ``few`` evidence matrices of a problem (module docstring)."""
    cards = np.array([len(v.states) for v in problem.variables])
    if name == "alarm_decision":
        seen = before_decision(problem)
        many = np.full((n, len(cards)), -1, dtype=np.intp)
        for k in np.flatnonzero(seen):
            many[:, k] = rng.integers(0, cards[k], n)
        id_rows = many[:2_000]
    else:
        many = ancestral(problem, n, rng).astype(np.intp)
        id_rows = None
        if name == "av_emergency":
            id_rows = ancestral(problem, 2_000, rng).astype(np.intp)
            id_rows[:, ~before_decision(problem)] = -1
    situations = np.unique(many[: min(n, 10_000)], axis=0)
    pick = situations[rng.permutation(len(situations))[:FEW]]
    few = pick[rng.integers(0, len(pick), n)]
    seen = (many[:MEMORY_BATCH] >= 0).any(axis=0)  # unobserved columns tell rows apart nowhere
    distinct = len(np.unique(many[:MEMORY_BATCH, seen], axis=0))
    return Workload(name, problem, many, few, many[:400], distinct, id_rows)


# -- measuring -------------------------------------------------------------------------------------
def best_time(
    fn: Callable[[], object], repeats: int, budget: float, expected: float = 0.0
) -> float:
    """Best wall time of ``fn`` over up to ``repeats`` calls (at least one) within ``budget``
    seconds, after one warm-up call; when one call is ``expected`` (from the rate at a smaller
    batch of at least 1k) to take longer than the budget, one call without a warm-up at that
    size (the smaller batches have compiled the queries; JAX may compile a new batch bucket)."""
    if expected > budget:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    fn()
    best = float("inf")
    stop = time.perf_counter() + budget
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
        if time.perf_counter() > stop:
            break
    return best


@dataclass
class Settings:
    """How long to measure (``--quick`` shortens everything)."""

    batches: tuple[int, ...]
    repeats: int
    budget: float  # seconds of repeats per measurement
    loop_seconds: float  # time box of the per-row loop and of pyAgrum
    memory_all_backends: bool  # tracemalloc on every backend (else numpy only)
    quick: bool  # per-row credences to 1k only; no pgmpy loop on alarm_decision (~8 s a row)


def forget(compiled: Any) -> None:
    """Drop the one-row decisions a compiled problem remembers (a repeated one-row call is a
    lookup), so that a one-row timing measures deciding, not looking up."""
    remembered = getattr(compiled, "decided", None)
    if remembered:
        remembered.clear()


def measure_kernel(w: Workload, backend: str, how: Settings) -> tuple[list[Row], Any]:
    """Rows ``many`` and ``few`` (and per-row credences, numpy) of one problem on one backend;
    also the decisions of the first 1,000 ``many`` rows, to compare across engines."""
    start = time.perf_counter()
    compiled = phronesis.compile(w.problem, backend=backend, normalisation="variance")
    compile_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    phronesis.decide_rows(compiled, w.many[:1])
    first_ms = (time.perf_counter() - start) * 1e3
    engine = f"{backend} kernel"
    many = Row(w.name, engine, "many", w.distinct, compile_ms, first_ms)
    few = Row(w.name, engine, "few", FEW)
    rows = [many, few]
    probe = phronesis.decide_rows(compiled, w.many[:1_000])
    # one row possible under every option: decide() raises where some option makes it impossible
    one = w.many[int(np.argmax(probe.possible.all(axis=1))) :][:1]

    def fresh(index: np.ndarray = one) -> Any:
        forget(compiled)
        return phronesis.decide_rows(compiled, index)

    many.latency_us = best_time(fresh, 50, how.budget) * 1e6
    many.repeat_us = best_time(lambda: phronesis.decide_rows(compiled, one), 200, how.budget) * 1e6
    many.explained_us = best_time(lambda: fresh().decision(0), 20, how.budget) * 1e6
    work = [(many, w.many), (few, w.few)]
    agents, credences = None, None
    if backend == "numpy":  # each row its own credences: Dirichlet(1) draws
        theories = len(w.problem.theories)
        credences = np.random.default_rng(SEED).dirichlet(np.ones(theories), len(w.many))
        agents = Row(w.name, engine, "many, per-row credences")
        rows.append(agents)
        work.append((agents, w.many))
    for row, index in work:
        for n in how.batches:
            if row is agents and (n == 1 or (how.quick and n > 1_000)):
                continue
            kwargs = {"credences": credences[:n]} if row is agents else {}
            # predicted from a batch large enough to be throughput-bound
            previous = max((k for k in row.rate if k < n), default=0)
            expected = n / row.rate[previous] if previous >= 1_000 else 0.0

            def run(i: np.ndarray = index[:n], kwargs: dict = kwargs) -> None:
                forget(compiled)  # batch 1: a new situation, not a remembered one
                phronesis.decide_rows(compiled, i, **kwargs)

            repeats = 50 if n == 1 else how.repeats
            row.rate[n] = n / best_time(run, repeats, how.budget, expected)
    if backend == "numpy" or how.memory_all_backends:
        m = min(MEMORY_BATCH, len(w.many))
        tracemalloc.start()
        phronesis.decide_rows(compiled, w.many[:m])
        many.bytes_per_row = tracemalloc.get_traced_memory()[1] / m
        tracemalloc.stop()
    return rows, probe


def measure_loop(w: Workload, backend: str, seconds: float, kernel: Any) -> Row:
    """Today's per-row pipeline, one ``decide`` per row after a warm-up row, time-boxed;
    options compared with the kernel's on the same rows. Where the warm-up row alone outlasts
    the time box (pgmpy on alarm_decision), it is the timing."""
    from engine.backends.registry import get_backend

    engine = get_backend(backend)
    rows = [kernel.compiled.decode(r) for r in w.loop_rows]
    names = kernel.option_names[: len(rows)].tolist()
    first = int(np.argmax(kernel.possible.all(axis=1)[: len(rows)]))  # decide() raises where
    start = time.perf_counter()  # some option is impossible: warm up on a row that is not so
    option = decide(w.problem, rows[first], backend=engine, normalisation="variance").option
    elapsed = time.perf_counter() - start
    chosen: list[str | None | EvidenceError] = []
    warm_only = elapsed > seconds
    if warm_only:
        chosen, names = [option], names[first : first + 1]
    else:
        start = time.perf_counter()
        for row in rows:
            try:
                option = decide(w.problem, row, backend=engine, normalisation="variance").option
                chosen.append(option)
            except EvidenceError as exc:  # P(e | do(a)) = 0 for some a: the kernel excludes a
                chosen.append(exc)
            if time.perf_counter() - start > seconds:
                break
        elapsed = time.perf_counter() - start
    done = len(chosen)
    pairs = [
        (a, b or None)
        for a, b in zip(chosen, names[:done], strict=True)
        if not isinstance(a, Exception)
    ]
    agree = sum(a == b for a, b in pairs)
    result = Row(w.name, f"loop decide ({backend})", "many")
    result.latency_us = elapsed / done * 1e6
    result.rate[1] = done / elapsed
    result.note = (
        f"sequential, {done} rows in {elapsed:.1f} s; same option as kernel {agree}/{len(pairs)}"
    )
    if warm_only:
        result.note += " (the warm-up row: one decision outlasts the time box)"
    if len(pairs) < done:
        result.note += f"; {done - len(pairs)} raised EvidenceError (P(e | do(a)) = 0)"
    return result


def influence_diagram(problem: DecisionProblem) -> Any:
    """The one-theory problem as a pyAgrum influence diagram with one utility node."""
    from models.pyagrum.convert import import_pyagrum

    gum = import_pyagrum()
    (theory,) = problem.theories
    diagram = gum.InfluenceDiagram()
    decision = problem.decision
    diagram.addDecisionNode(
        gum.LabelizedVariable(decision.name, decision.name, list(decision.options))
    )
    for v in problem.variables:
        diagram.addChanceNode(gum.LabelizedVariable(v.name, v.name, list(v.states)))
    for cpt in problem.cpts:
        for parent in cpt.parents:
            diagram.addArc(parent, cpt.child)
    for cpt in problem.cpts:
        _fill(diagram.cpt(cpt.child), (*cpt.parents, cpt.child), problem.cpt_array(cpt.child))
    # U(decision, x) = sum_v w_v U_v(x) - sum_n weight_n [n binds a] 1[condition_n(x)]
    weights = dict(theory.value_weights)
    names = [decision.name]
    for value in problem.values:
        names += [p for p in value.parents if p not in names]
    for norm in problem.norms:  # no permissions: nothing defeats a prohibition
        assert norm.modality != "permission", "permissions are not translated"
        names += [c.variable for c in norm.condition if c.variable not in names]
    shape = [len(problem.states(x)) for x in names]
    utility = np.zeros(shape)
    for value in problem.values:
        table = problem.utility_array(value.name)
        axes = [names.index(p) for p in value.parents]
        utility += weights.get(value.name, 0.0) * _spread(table, axes, shape)
    for norm in problem.norms:
        event = np.ones(shape, dtype=bool)
        for clause in norm.condition:
            states = problem.states(clause.variable)
            mask = np.array([s in clause.states for s in states])
            event &= _spread(mask, [names.index(clause.variable)], shape)
        binds = np.array(
            [(o == norm.option) == (norm.modality == "prohibition") for o in decision.options]
        )
        event &= _spread(binds, [0], shape)
        utility -= norm.weight * event
    diagram.addUtilityNode(gum.LabelizedVariable("U", "U", 1))
    for x in names:
        diagram.addArc(x, "U")
    _fill(diagram.utility("U"), (*names, "U"), utility[..., None])
    return diagram


def _spread(table: np.ndarray, axes: list[int], shape: list[int]) -> np.ndarray:
    """``table`` (over ``axes`` of ``shape``, in that order) broadcast to ``shape``."""
    order = np.argsort(axes)
    view = np.transpose(table, order)
    full = [1] * len(shape)
    for k in sorted(axes):
        full[k] = shape[k]
    return np.broadcast_to(view.reshape(full), shape)


def _fill(potential: Any, order: tuple[str, ...], array: np.ndarray) -> None:
    """Fill a pyAgrum tensor (variables in ``potential.names``, last one varying slowest)
    from ``array`` whose axes follow ``order``."""
    axes = [order.index(n) for n in reversed(potential.names)]
    potential.fillWith(np.transpose(array, axes).ravel().tolist())


def measure_pyagrum(w: Workload, how: Settings) -> list[Row]:
    """pyAgrum per row on the one-theory problem, and the numpy kernel on the same rows."""
    from models.pyagrum.convert import import_pyagrum

    gum = import_pyagrum()
    problem = one_theory(w.problem)
    assert w.id_rows is not None
    start = time.perf_counter()
    compiled = phronesis.compile(problem, backend="numpy", normalisation="variance")
    kernel_row = Row(w.name, "numpy kernel, 1 theory", "before decision")
    kernel_row.compile_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    kernel = phronesis.decide_rows(compiled, w.id_rows)
    kernel_row.first_ms = (time.perf_counter() - start) * 1e3
    rows = [compiled.decode(r) for r in w.id_rows]
    start = time.perf_counter()
    diagram = influence_diagram(problem)
    engine = gum.ShaferShenoyLIMIDInference(diagram)
    engine.setEvidence(rows[0])
    engine.makeInference()
    build_ms = (time.perf_counter() - start) * 1e3
    name = problem.decision.name
    options = problem.decision.options

    def solve(row: dict[str, str]) -> str:
        for variable, state in row.items():
            engine.chgEvidence(variable, state)
        engine.makeInference()
        return options[int(np.argmax(engine.optimalDecision(name).toarray()))]

    chosen = []
    start = time.perf_counter()
    for row in rows:
        chosen.append(solve(row))
        if time.perf_counter() - start > how.loop_seconds:
            break
    elapsed = time.perf_counter() - start
    done = len(chosen)
    agree = sum(a == b for a, b in zip(chosen, kernel.option_names[:done].tolist(), strict=True))
    agrum = Row(w.name, "pyAgrum ShaferShenoyLIMID", "before decision", compile_ms=build_ms)
    agrum.latency_us = elapsed / done * 1e6
    agrum.rate[1] = done / elapsed
    agrum.distinct = len(np.unique(w.id_rows[:done], axis=0))
    agrum.note = (
        f"sequential, {done} rows in {elapsed:.1f} s; same option as numpy kernel "
        f"{agree}/{done}; one utility node over {len(diagram.utility('U').names) - 1} variables"
    )
    n = len(w.id_rows)
    t = best_time(lambda: phronesis.decide_rows(compiled, w.id_rows), how.repeats, how.budget)
    kernel_row.distinct = len(np.unique(w.id_rows, axis=0))
    kernel_row.note = f"the pyAgrum rows; rate at {n:,} rows shown under 1k"
    kernel_row.rate = {1_000: n / t}
    return [kernel_row, agrum]


def _same(a: Any, b: Any) -> bool:
    """Same options and abstentions, scores and expected values within 1e-9."""
    return (
        np.array_equal(a.chosen, b.chosen)
        and np.array_equal(a.abstention, b.abstention)
        and np.allclose(a.scores, b.scores, rtol=1e-9, atol=1e-9, equal_nan=True)
        and np.allclose(a.expected_values, b.expected_values, rtol=1e-9, atol=1e-9)
    )


def profile(batches: Sequence[int]) -> None:
    """cProfile of ``decide_rows`` on av_emergency (numpy) at each batch size."""
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    w = workload("av_emergency", problem, max(batches), np.random.default_rng(SEED))
    compiled = phronesis.compile(problem, backend="numpy", normalisation="variance")
    for n in batches:
        index = w.many[:n]
        phronesis.decide_rows(compiled, index)
        calls = max(1, 2_000 // n)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            forget(compiled)  # a new situation each time, not a remembered one-row decision
            phronesis.decide_rows(compiled, index)
        profiler.disable()
        print(f"\n## cProfile: decide_rows, av_emergency, numpy, batch {n:,} ({calls} calls)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


# -- report ----------------------------------------------------------------------------------------
def _cell(value: float | int | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _rate(value: float | None) -> str:
    if value is None:
        return "–"
    return format(value, ",.0f" if value >= 100 else ".3g")


def _k(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def table(rows: list[Row], batches: Sequence[int]) -> str:
    """The markdown table; ratios: the kernel's ``many`` rate at 100k (or the largest batch)
    over the per-row rates of the loop and of pyAgrum on the same problem."""
    ref = 100_000 if 100_000 in batches else max(batches)
    head = [
        "problem",
        "engine",
        "evidence",
        f"distinct @{_k(MEMORY_BATCH)}",
        "compile ms",
        "1st call ms",
        "1 dec µs",
        "1 dec µs repeat",
        "+expl µs",
        *(f"dec/s @{_k(n)}" for n in batches),
        f"B/row @{_k(MEMORY_BATCH)}",
        f"×loop torch @{_k(ref)}",
        f"×loop pgmpy @{_k(ref)}",
        f"×pyAgrum @{_k(ref)}",
        "note",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        peers = [x for x in rows if x.problem == r.problem]

        def per_row(engine: str, peers: list[Row] = peers) -> float | None:
            return next((x.rate[1] for x in peers if x.engine == engine), None)

        mine = r.rate.get(ref) if r.engine.endswith(" kernel") and r.evidence == "many" else None
        ratios = [
            mine / base if mine and base else None
            for base in (
                per_row("loop decide (torch)"),
                per_row("loop decide (pgmpy)"),
                per_row("pyAgrum ShaferShenoyLIMID"),
            )
        ]
        cells = [
            r.problem,
            r.engine,
            r.evidence,
            _cell(r.distinct, ","),
            _cell(r.compile_ms, ",.1f"),
            _cell(r.first_ms, ",.1f"),
            _cell(r.latency_us, ",.0f"),
            _cell(r.repeat_us, ",.1f"),
            _cell(r.explained_us, ",.0f"),
            *(_rate(r.rate.get(n)) for n in batches),
            _cell(r.bytes_per_row, ",.0f"),
            *(_cell(x, ",.0f") for x in ratios),
            r.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="phronesis bench decisions", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip 1M, fewer repeats, short boxes")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--problems", nargs="+", help="names (default: every example + alarm)")
    parser.add_argument("--profile", action="store_true", help="cProfile av_emergency, numpy")
    parser.add_argument("--output", type=Path, help="also write the markdown table here")
    args = parser.parse_args(argv)
    if args.quick:
        how = Settings(BATCHES[:-1], 1, 1.0, 0.5, memory_all_backends=False, quick=True)
    else:
        how = Settings(BATCHES, 3, 2.0, 5.0, memory_all_backends=True, quick=False)
    if args.profile:
        profile((1, 100_000))
        return 0
    import torch

    from models.pgmpy.backend import import_pgmpy

    import_pgmpy()  # imported here, not in the first timed warm-up of the pgmpy loop
    print(
        f"# phronesis decision benchmark ({os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, torch threads {torch.get_num_threads()}, float64; "
        f"best of up to {how.repeats} after a warm-up, {how.budget:.0f} s boxes)\n",
        flush=True,
    )
    rng = np.random.default_rng(SEED)
    problems: list[tuple[str, DecisionProblem | None]] = [*examples(), ("alarm_decision", None)]
    if args.problems:
        problems = [(n, p) for n, p in problems if n in args.problems]
    results: list[Row] = []
    for name, problem in problems:
        start = time.perf_counter()
        problem = problem or alarm_problem()
        w = workload(name, problem, max(how.batches), rng)
        print(f"{name}: built in {time.perf_counter() - start:.1f} s", flush=True)
        kernel = None
        for backend in args.backends:
            rows, batch = measure_kernel(w, backend, how)
            if kernel is None:
                kernel = batch
            elif not _same(batch, kernel):
                rows[0].note = f"DIFFERENT decisions from {kernel.compiled.backend.name}"
            results.extend(rows)
            for r in rows:
                shown = {_k(k): round(v) for k, v in r.rate.items()}
                print(f"  {r.engine} {r.evidence}: {shown}", flush=True)
        for backend in ("torch", "pgmpy"):
            if how.quick and backend == "pgmpy" and name == "alarm_decision":
                continue
            results.append(measure_loop(w, backend, how.loop_seconds, kernel))
            print(f"  {results[-1].engine}: {results[-1].note}", flush=True)
        if w.id_rows is not None:
            results.extend(measure_pyagrum(w, how))
            print(f"  {results[-1].engine}: {results[-1].note}", flush=True)
        print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    text = table(results, how.batches)
    print("\n" + text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
