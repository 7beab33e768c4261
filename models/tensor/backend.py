"""The shared tensor backend: plans, caches, batches and checks; torch and JAX only execute.

:class:`TensorBackend` implements the :class:`~engine.backends.registry.InferenceBackend` protocol.
For each evidence pattern in a batch it fetches (or builds, once) a :class:`CompiledQuery`
for the query shape (network hash, free targets, pattern, purpose), runs it on the group's
index matrix in chunks that fit ``memory_budget``, checks P(e) > 0 and lays the answer out
over the requested targets. Subclasses provide :meth:`TensorBackend._executor`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.backends.registry import require_discrete
from engine.errors import EvidenceError, InferenceError
from engine.ir import BayesianNetwork
from models.tensor.plan import QueryPlan, build_plan
from models.tensor.rows import embed, group_rows, state_index

Executor = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

#: default peak bytes for one chunk of a batched query.
DEFAULT_MEMORY_BUDGET = 256 * 2**20
#: default largest precompiled P(targets, evidence) table, in entries.
DEFAULT_TABLE_LIMIT = 2**20
DTYPES = ("float64", "float32")
PLAN_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """A planned, compiled query shape: call it on an index matrix of evidence states.

    ``evidence`` lists the variables whose state indices form the columns of the matrix the
    query is called with (the pattern it was compiled for).
    """

    plan: QueryPlan
    evidence: tuple[str, ...]
    executor: Executor
    compile_seconds: float

    def joint(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(P(T | e_n) (n, *T), P(e_n) restricted to requisite evidence (n,)), chunked."""
        if not (isinstance(index, np.ndarray) and index.dtype == np.intp and index.ndim == 2):
            index = np.asarray(index, dtype=np.intp).reshape(len(index), len(self.evidence))
        n = len(index)
        columns = self.plan.pattern_columns
        own = index if columns == tuple(range(index.shape[1])) else index[:, list(columns)]
        if not self.plan.batched:
            post, norm = self.executor(own[:1])
            return (np.broadcast_to(post, (n, *post.shape[1:])), np.broadcast_to(norm, (n,)))
        chunk = self.plan.chunk
        if n <= chunk:
            return self.executor(own)
        parts = [self.executor(own[s : s + chunk]) for s in range(0, n, chunk)]
        return (np.concatenate([p for p, _ in parts]), np.concatenate([z for _, z in parts]))

    def __call__(self, index: np.ndarray) -> np.ndarray:
        """P(T | e_n) for each row; raises :class:`EvidenceError` where P(e_n) = 0."""
        post, norm = self.joint(index)
        if not (norm > 0).all():
            bad = np.flatnonzero(~(norm > 0))
            raise EvidenceError(f"evidence row {int(bad[0])} has probability 0 under the model")
        return post


class TensorBackend:
    """Batched exact inference by planned einsum contractions (shared/DESIGN.md, models/).

    Parameters
    ----------
    device
        Where arrays live (``"cpu"``, ``"cuda"``, ``"cuda:1"``; the same code path on each).
    dtype
        ``"float64"`` (default) or ``"float32"``.
    memory_budget
        Peak bytes of one chunk's intermediates; batches are split to stay under it.
    table_limit
        Largest precompiled P(targets, evidence) table (entries) before contracting per row.
    prune_evidence
        Drop evidence d-separated from the targets (where CPTs are positive; see
        :mod:`models.tensor.prune`).
    optimize
        ``opt_einsum`` path optimiser (``"auto"``, ``"greedy"``, ``"dp"``, ...).
    """

    name = "tensor"

    def __init__(
        self,
        *,
        device: str = "cpu",
        dtype: str = "float64",
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        table_limit: int = DEFAULT_TABLE_LIMIT,
        prune_evidence: bool = True,
        optimize: str = "auto",
    ) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"dtype: expected one of {DTYPES}, found {dtype!r}")
        if int(memory_budget) <= 0:
            raise ValueError(
                f"memory_budget: expected a positive byte count, found {memory_budget}"
            )
        self.device = device
        self.dtype = dtype
        self.memory_budget = int(memory_budget)
        self.table_limit = int(table_limit)
        self.prune_evidence = prune_evidence
        self.optimize = optimize
        self._queries: OrderedDict[tuple[object, ...], CompiledQuery] = OrderedDict()

    # -- implementation hook -------------------------------------------------------------------
    def _executor(self, plan: QueryPlan) -> Executor:
        """A function (index (n, k) -> (posterior, normaliser)) running ``plan`` on the device."""
        raise NotImplementedError

    # -- compiling -----------------------------------------------------------------------------
    def compile(
        self,
        network: BayesianNetwork,
        targets: Sequence[str],
        evidence: Sequence[str],
        *,
        marginal: bool = False,
    ) -> CompiledQuery:
        """Compile P(targets | evidence) for index matrices whose columns follow ``evidence``.

        ``targets`` must not be observed. ``marginal=True`` keeps every evidence variable (no
        d-separation pruning), so the normaliser is P(evidence) exactly.

        Examples
        --------
        >>> from engine.ir import CPT, BayesianNetwork, Variable
        >>> from models.tensor import TorchBackend
        >>> net = BayesianNetwork("r", (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
        ...     (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))))
        >>> query = TorchBackend().compile(net, ["a"], ["b"])
        >>> query(np.array([[0], [1]])).round(4).tolist()
        [[0.8182, 0.1818], [0.1111, 0.8889]]
        """
        require_discrete(network, self.name)
        targets = tuple(targets)
        evidence = tuple(evidence)
        known = state_index(network)
        for name in (*targets, *evidence):
            if name not in known:
                raise EvidenceError(f"network {network.name!r} has no variable {name!r}")
        if set(targets) & set(evidence):
            raise InferenceError(f"targets {targets} overlap the evidence {evidence}")
        key = (network.content_hash, targets, evidence, marginal)
        query = self._queries.get(key)
        if query is None:
            start = time.perf_counter()
            plan = build_plan(
                network,
                targets,
                evidence,
                dtype=np.dtype(self.dtype),
                memory_budget=self.memory_budget,
                table_limit=self.table_limit,
                drop_irrelevant=self.prune_evidence and not marginal,
                optimize=self.optimize,
            )
            executor = self._executor(plan)
            query = CompiledQuery(plan, evidence, executor, time.perf_counter() - start)
            self._queries[key] = query
            if len(self._queries) > PLAN_CACHE_SIZE:
                self._queries.popitem(last=False)
        else:
            self._queries.move_to_end(key)
        return query

    # -- the protocol ----------------------------------------------------------------------------
    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Mapping[str, str]],
        targets: Sequence[str],
    ) -> np.ndarray:
        """Joint P(targets | evidence_n) per row, shaped (N, |t_1|, ..., |t_k|).

        Observed targets get a point mass. Raises :class:`EvidenceError` for a row with
        P(evidence) = 0.
        """
        require_discrete(network, self.name)
        targets = tuple(targets)
        lookup = state_index(network)
        for t in targets:
            if t not in lookup:
                raise EvidenceError(f"network {network.name!r} has no target variable {t!r}")
        shape = tuple(len(lookup[t]) for t in targets)
        groups = group_rows(network, evidence_batch)
        out: np.ndarray | None = None
        for group in groups:
            free = tuple(t for t in dict.fromkeys(targets) if t not in group.pattern)
            query = self.compile(network, free, group.pattern)
            post, norm = query.joint(group.index)
            self._check(norm, group.rows, evidence_batch)
            part = embed(post, targets, free, group.pattern, group.index, shape)
            if len(groups) == 1:
                return np.ascontiguousarray(part)
            if out is None:
                out = np.empty((len(evidence_batch), *shape), dtype=part.dtype)
            out[group.rows] = part
        if out is None:
            out = np.empty((0, *shape), dtype=np.dtype(self.dtype))
        return out

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Mapping[str, str]]
    ) -> np.ndarray:
        """P(evidence_n) per row, shaped (N,): the normaliser of a contraction with no target."""
        require_discrete(network, self.name)
        out = np.empty(len(evidence_batch), dtype=np.dtype(self.dtype))
        for group in group_rows(network, evidence_batch):
            _, norm = self.compile(network, (), group.pattern, marginal=True).joint(group.index)
            out[group.rows] = norm
        return out

    def map(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Mapping[str, str]],
        targets: Sequence[str],
    ) -> list[dict[str, str]]:
        """Maximum a posteriori joint state of ``targets`` per row: argmax_t P(t | e_n).

        With ``targets`` every unobserved variable this is the MPE (feasible while the joint
        fits ``memory_budget``; otherwise :class:`InferenceError`). Ties go to the first state
        in row-major order.
        """
        targets = tuple(targets)
        post = self.posterior(network, evidence_batch, targets)
        flat = post.reshape(len(post), -1).argmax(axis=1)
        states = [network.states(t) for t in targets]
        best = np.unravel_index(flat, post.shape[1:]) if targets else ()
        return [
            {t: states[k][int(best[k][n])] for k, t in enumerate(targets)} for n in range(len(post))
        ]

    def _check(
        self, norm: np.ndarray, rows: np.ndarray, batch: Sequence[Mapping[str, str]]
    ) -> None:
        if not (norm > 0).all():
            bad = np.flatnonzero(~(norm > 0))
            row = int(rows[bad[0]])
            shown = ", ".join(f"{k}={v}" for k, v in batch[row].items())
            raise EvidenceError(f"evidence row {row} ({shown}) has probability 0 under the model")
