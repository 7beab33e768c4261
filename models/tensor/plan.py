"""Planning one query shape: pruning, strategy, contraction path and memory, computed once.

A query shape is (network, free targets T, evidence variables E). Its plan answers, for a
batch of evidence assignments e_1..e_N, the unnormalised joint P(T, E = e_n) by one of two
strategies:

``"table"``
    P(T, E) is contracted once at compile time; row n is the gather ``P[e_n, :]``. Chosen when
    the table has at most ``table_limit`` entries and its contraction fits the memory budget.
``"contract"``
    One einsum over the pruned CPTs with the batch as an extra index. Evidence is applied by
    *indexing*: a CPT with observed axes is gathered at the rows' states, ``cpt[e_n, ...]``,
    so no one-hot factor is ever built (Darwiche 2009, *Modeling and Reasoning with Bayesian
    Networks*, §6.3: evidence as a restriction of factors). Sub-contractions of CPTs without
    observed axes are folded into constants at compile time.

The contraction order comes from ``opt_einsum`` (Smith & Gray 2018, JOSS 3(26):753).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import opt_einsum

from engine.ir import BayesianNetwork
from models.tensor.memory import BATCH, Footprint, chunk_rows, footprint
from models.tensor.prune import prune, structure

Strategy = Literal["table", "contract"]

#: batch size assumed when choosing a contraction order: large, so batched steps cost most.
NOMINAL_BATCH = 1024


@dataclass(frozen=True, slots=True)
class Operand:
    """A factor at run time.

    Its observed axes are flattened into the leading axis, which row n indexes at
    ``sum_j index[n, columns[j]] * strides[j]`` (row-major over the observed axes). A constant
    operand has no ``columns``.
    """

    table: np.ndarray
    columns: tuple[int, ...] = ()
    strides: tuple[int, ...] = ()

    @classmethod
    def gathered(cls, table: np.ndarray, columns: tuple[int, ...]) -> Operand:
        """Flatten the first ``len(columns)`` axes of ``table`` into one gather axis."""
        if not columns:
            return cls(table)
        observed = table.shape[: len(columns)]
        strides = tuple(int(np.prod(observed[j + 1 :])) for j in range(len(columns)))
        flat = table.reshape((int(np.prod(observed)), *table.shape[len(columns) :]))
        return cls(np.ascontiguousarray(flat), columns, strides)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """Everything a tensor implementation needs to answer one query shape.

    ``evidence`` are the requisite evidence variables; ``pattern_columns`` their positions in
    the evidence pattern the plan was built for. ``equation`` / ``path`` contract the gathered
    operands (empty for the table strategy, whose single operand packs P(T | e) and P(e)).
    """

    targets: tuple[str, ...]
    target_shape: tuple[int, ...]
    evidence: tuple[str, ...]
    pattern_columns: tuple[int, ...]
    strategy: Strategy
    operands: tuple[Operand, ...]
    equation: str
    path: tuple[tuple[int, ...], ...]
    footprint: Footprint
    chunk: int

    def runtime_shapes(self, rows: int = 2) -> list[tuple[int, ...]]:
        """Operand shapes for ``rows`` evidence rows (the batch replaces the gather axis)."""
        return [
            ((rows,) if op.columns else op.table.shape[:1]) + op.table.shape[1:]
            for op in self.operands
        ]

    @property
    def batched(self) -> bool:
        """Whether the answer depends on the evidence row."""
        return bool(self.evidence)


@lru_cache(maxsize=16)
def cpt_tables(network: BayesianNetwork) -> dict[str, np.ndarray]:
    """Every CPT shaped (parents..., child), float64."""
    return {c.child: network.cpt_array(c.child) for c in network.cpts}


def build_plan(
    network: BayesianNetwork,
    targets: tuple[str, ...],
    pattern: tuple[str, ...],
    *,
    dtype: np.dtype,
    memory_budget: int,
    table_limit: int,
    drop_irrelevant: bool = True,
    optimize: str = "auto",
) -> QueryPlan:
    """Plan P(targets, evidence) for rows observing exactly the variables ``pattern``.

    Raises
    ------
    engine.errors.InferenceError
        When one row's contraction does not fit ``memory_budget`` bytes.
    """
    pruned = prune(network, targets, pattern, drop_irrelevant=drop_irrelevant)
    evidence = pruned.evidence
    sizes = {v.name: len(v.states) for v in network.variables}
    graph = structure(network)
    tables = cpt_tables(network)
    factors = [(tables[c], (*graph.parents[c], c)) for c in pruned.variables]
    columns = tuple(pattern.index(e) for e in evidence)
    shown = f"{', '.join(targets) or '()'} | {', '.join(pattern) or '()'}"
    what = f"query P({shown}) on {network.name!r}"
    entries = math.prod(sizes[v] for v in (*evidence, *targets))
    if entries <= table_limit:
        table = _table(factors, evidence, targets, sizes, memory_budget, optimize)
        if table is not None:
            operands = _conditional(table, len(evidence), dtype)
            per_row = 3 * math.prod(sizes[t] for t in targets) + 2 * len(evidence) + 2
            fp = Footprint(table.size, per_row, table.size, False)
            chunk = chunk_rows(fp, dtype.itemsize, memory_budget, what)
            shape = tuple(sizes[t] for t in targets)
            return QueryPlan(
                targets, shape, evidence, columns, "table", operands, "", (), fp, chunk
            )
    return _contraction(
        factors, evidence, targets, columns, sizes, dtype, memory_budget, optimize, what
    )


def _conditional(table: np.ndarray, k: int, dtype: np.dtype) -> tuple[Operand]:
    """One operand packing P(T | E) and P(E) from the joint P(E, T) (E the first ``k`` axes).

    Row e holds the flattened P(T | E = e) followed by P(E = e), so one gather answers a row;
    P(T | E = e) is 0 where P(E = e) = 0.
    """
    observed = table.shape[:k]
    joint = table.reshape((*observed, -1))
    marginal = joint.sum(axis=-1, keepdims=True)
    conditional = np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)
    packed = np.concatenate([conditional, marginal], axis=-1)
    return (Operand.gathered(packed.astype(dtype), tuple(range(k))),)


def _symbols(variables: Sequence[str]) -> dict[str, str]:
    return {v: opt_einsum.get_symbol(i) for i, v in enumerate(variables)}


def _table(
    factors: list[tuple[np.ndarray, tuple[str, ...]]],
    evidence: tuple[str, ...],
    targets: tuple[str, ...],
    sizes: dict[str, int],
    budget: int,
    optimize: str,
) -> np.ndarray | None:
    """P(evidence..., targets...) by one contraction, or None when it would exceed ``budget``."""
    if not factors:
        return np.ones(())
    sym = _symbols(dict.fromkeys(v for _, vs in factors for v in vs))
    output = (*evidence, *targets)
    equation = (
        ",".join("".join(sym[v] for v in vs) for _, vs in factors)
        + "->"
        + "".join(sym[v] for v in output)
    )
    arrays = [t for t, _ in factors]
    path, _ = opt_einsum.contract_path(equation, *arrays, optimize=optimize)
    fp = footprint([frozenset(vs) for _, vs in factors], frozenset(output), path, sizes)
    if fp.fixed * 8 > budget:
        return None
    return np.asarray(opt_einsum.contract(equation, *arrays, optimize=path))


def _contraction(
    factors: list[tuple[np.ndarray, tuple[str, ...]]],
    evidence: tuple[str, ...],
    targets: tuple[str, ...],
    columns: tuple[int, ...],
    sizes: dict[str, int],
    dtype: np.dtype,
    budget: int,
    optimize: str,
    what: str,
) -> QueryPlan:
    sizes = {**sizes, BATCH: NOMINAL_BATCH}
    observed = set(evidence)
    # each factor with observed axes moved first; its index set replaces them by BATCH
    inputs: list[tuple[np.ndarray, tuple[int, ...], tuple[str, ...]]] = []
    for table, variables in factors:
        seen = tuple(e for e in evidence if e in variables)
        free = tuple(v for v in variables if v not in observed)
        moved = np.transpose(table, [variables.index(v) for v in (*seen, *free)])
        indices = ((BATCH,) if seen else ()) + free
        inputs.append((moved, tuple(evidence.index(e) for e in seen), indices))
    output = ((BATCH,) if evidence else ()) + targets
    sym = _symbols([BATCH, *dict.fromkeys(v for _, _, ix in inputs for v in ix)])

    def shape(item: tuple[np.ndarray, tuple[int, ...], tuple[str, ...]]) -> tuple[int, ...]:
        return tuple(sizes[i] for i in item[2])

    equation = (
        ",".join("".join(sym[i] for i in ix) for _, _, ix in inputs)
        + "->"
        + "".join(sym[i] for i in output)
    )
    path, _ = opt_einsum.contract_path(
        equation, *(shape(x) for x in inputs), shapes=True, optimize=optimize
    )
    fp = footprint([frozenset(ix) for _, _, ix in inputs], frozenset(output), path, sizes)
    chunk = chunk_rows(fp, dtype.itemsize, budget, what)
    operands, indices = _fold_constants(inputs, path, output)
    runtime = (
        ",".join("".join(sym[i] for i in ix) for ix in indices)
        + "->"
        + "".join(sym[i] for i in output)
    )
    shapes = [tuple(sizes[i] for i in ix) for ix in indices]
    run_path, _ = opt_einsum.contract_path(runtime, *shapes, shapes=True, optimize=optimize)
    operands = tuple(Operand.gathered(o.table.astype(dtype), o.columns) for o in operands)
    shape_t = tuple(sizes[t] for t in targets)
    return QueryPlan(
        targets,
        shape_t,
        evidence,
        columns,
        "contract",
        operands,
        runtime,
        tuple(tuple(s) for s in run_path),
        fp,
        chunk,
    )


def _fold_constants(
    inputs: list[tuple[np.ndarray, tuple[int, ...], tuple[str, ...]]],
    path: Sequence[tuple[int, ...]],
    output: tuple[str, ...],
) -> tuple[list[Operand], list[tuple[str, ...]]]:
    """Evaluate, once, every step of ``path`` whose operands carry no batch index.

    Returns the run-time operands: the gathered (batched) factors and the folded constants
    that meet them.
    """
    # live items: ("const", table, indices) or ("batch", None, indices)
    live: list[tuple[np.ndarray | None, tuple[int, ...] | None, tuple[str, ...]]] = [
        (t, c, ix) for t, c, ix in inputs
    ]
    runtime: list[tuple[Operand, tuple[str, ...]]] = []
    for step in path:
        chosen = [live[i] for i in step]
        for i in sorted(step, reverse=True):
            del live[i]
        keep = set(output).union(*(ix for _, _, ix in live))
        result = tuple(dict.fromkeys(i for _, _, ix in chosen for i in ix if i in keep))
        if all(t is not None and not c for t, c, _ in chosen):
            sym = _symbols(dict.fromkeys(i for _, _, ix in chosen for i in ix))
            eq = (
                ",".join("".join(sym[i] for i in ix) for _, _, ix in chosen)
                + "->"
                + "".join(sym[i] for i in result)
            )
            folded = np.asarray(opt_einsum.contract(eq, *(t for t, _, _ in chosen)))
            live.append((folded, (), result))
        else:
            for table, cols, ix in chosen:
                if table is not None:
                    runtime.append((Operand(table, cols or ()), ix))
            live.append((None, None, result))
    for table, cols, ix in live:  # a lone operand never contracted (e.g. a single factor)
        if table is not None:
            runtime.append((Operand(table, cols or ()), ix))
    return [o for o, _ in runtime], [ix for _, ix in runtime]
