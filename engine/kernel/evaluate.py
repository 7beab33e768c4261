"""Steps 1-3 of the decision semantics for N rows at once: one backend call per target set and
evidence pattern (rows observing the same variables), then every value, norm and policy case
reduced to a number per (row, option) by one contraction.

Evidence arrives as an index matrix (rows x observable variables, -1 = unobserved). A backend
that compiles queries (the tensor engines: ``compile(network, targets, evidence)`` returning
an object with ``joint(index) -> (posterior, P(evidence))``) is called on index matrices with
the option as the last column, and a row-option pair whose evidence has probability 0 is
marked impossible instead of failing the batch. Any other backend is asked
``posterior(network, rows, targets)`` with the rows as mappings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.ir import BayesianNetwork
from engine.kernel.structure import Reduction, Structure


@runtime_checkable
class CompilingBackend(Protocol):
    """A backend that compiles a query shape once and runs it on index matrices."""

    def compile(
        self, network: BayesianNetwork, targets: Sequence[str], evidence: Sequence[str]
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Per (row, option): expected value of each value, violation probability of each norm,
    probability of each event (``Structure.events``); per row: probability of each policy
    case; ``possible`` is False where P(e | do(a)) = 0."""

    expected: np.ndarray  # (N, A, V)
    violation: np.ndarray  # (N, A, K)
    cases: np.ndarray  # (N, cases)
    possible: np.ndarray  # (N, A) bool
    events: np.ndarray  # (N, A, E)

    def take(self, rows: np.ndarray) -> Evaluation:
        """The evaluation of ``rows`` (positions, repeats allowed)."""
        return Evaluation(
            self.expected[rows],
            self.violation[rows],
            self.cases[rows],
            self.possible[rows],
            self.events[rows],
        )


@dataclass(frozen=True, slots=True)
class _Step:
    """One target set under one evidence pattern: its compiled query (``None``: ask the
    backend's ``posterior``), the observed target axes {axis: column of the pattern}, and the
    values, norms and cases it serves."""

    query: Any
    targets: tuple[str, ...]
    seen: dict[int, int]
    values: tuple[int, ...]
    norms: tuple[int, ...]
    cases: tuple[int, ...]
    events: tuple[int, ...]


def evaluate(
    structure: Structure,
    network: BayesianNetwork,
    backend: InferenceBackend,
    columns: tuple[str, ...],
    index: np.ndarray,
    cache: dict[bytes, tuple[_Step, ...]] | None = None,
) -> Evaluation:
    """Evaluate every row of ``index`` (N x len(columns), -1 = unobserved) under every option.
    ``cache`` keeps the compiled queries of each evidence pattern between calls."""
    decision = network.variables[0]
    options = len(decision.states)
    n = len(index)
    expected = np.zeros((n, options, len(structure.values)))
    violation = np.zeros((n, options, len(structure.norms)))
    by_option = np.zeros((n, options, len(structure.cases)))
    possible = np.ones((n, options), dtype=bool)
    events = np.zeros((n, options, len(structure.events)))
    if n == 0:
        return Evaluation(expected, violation, by_option[:, 0], possible, events)
    cache = {} if cache is None else cache
    patterns, which = _patterns(index >= 0)
    order = np.argsort(which, kind="stable") if len(patterns) > 1 else None
    bounds = (
        np.searchsorted(which[order], np.arange(len(patterns) + 1)) if order is not None else None
    )
    for p, pattern in enumerate(patterns):
        rows = np.arange(n) if order is None else order[bounds[p] : bounds[p + 1]]
        names = tuple(c for c, seen in zip(columns, pattern, strict=True) if seen)
        sub = index[rows][:, pattern] if pattern.any() else index[rows, :0]
        key = pattern.tobytes()
        steps = cache.get(key)
        if steps is None:
            steps = cache[key] = _steps(structure, network, backend, names)
        with_options = None
        mappings = None
        for step in steps:
            if step.query is not None:
                if with_options is None:
                    with_options = _with_options(sub, options)
                post, ok = _compiled_posterior(step.query, with_options, len(sub), options)
                possible[rows] &= ok
            else:
                if mappings is None:
                    mappings, ok = _mappings(backend, network, decision, names, sub)
                    possible[rows] &= ok
                post = _posterior(backend, network, mappings, ok, step.targets)
            for j in step.values:
                expected[rows, :, j] = _reduce(post, structure.values[j], step.seen, sub)
            for j in step.norms:
                violation[rows, :, j] = _reduce(post, structure.norms[j], step.seen, sub)
            for j in step.cases:
                by_option[rows, :, j] = _reduce(post, structure.cases[j], step.seen, sub)
            for j in step.events:
                events[rows, :, j] = _reduce(post, structure.events[j], step.seen, sub)
    cases = case_probability(by_option, possible)
    return Evaluation(expected, violation, cases, possible, events)


def case_probability(by_option: np.ndarray, possible: np.ndarray) -> np.ndarray:
    """P(case | e) per row from (rows, options, cases) under do(a): taken under the first
    option for which the evidence is possible (the situation a policy case describes does not
    depend on the option; an option that rules the evidence out says nothing about it)."""
    first = possible.argmax(axis=1)
    return by_option[np.arange(len(by_option)), first]


def _steps(
    structure: Structure,
    network: BayesianNetwork,
    backend: InferenceBackend,
    names: tuple[str, ...],
) -> tuple[_Step, ...]:
    decision = network.variables[0].name
    compiling = isinstance(backend, CompilingBackend)
    steps = []
    for t, targets in enumerate(structure.targets):
        query, seen = None, {}
        if compiling:
            seen = {k: names.index(x) for k, x in enumerate(targets) if x in names}
            free = tuple(x for x in targets if x not in names)
            query = backend.compile(network, free, (*names, decision))
        steps.append(
            _Step(
                query,
                targets,
                seen,
                tuple(j for j, r in enumerate(structure.values) if r.target == t),
                tuple(j for j, r in enumerate(structure.norms) if r.target == t),
                tuple(j for j, r in enumerate(structure.cases) if r.target == t),
                tuple(j for j, r in enumerate(structure.events) if r.target == t),
            )
        )
    return tuple(steps)


def _with_options(sub: np.ndarray, options: int) -> np.ndarray:
    """Each row once per option, the option's index as the last column."""
    n = len(sub)
    out = np.empty((n * options, sub.shape[1] + 1), dtype=np.intp)
    out[:, :-1] = np.repeat(sub, options, axis=0)
    out[:, -1] = np.tile(np.arange(options, dtype=np.intp), n)
    return out


def _compiled_posterior(
    query: Any, rows: np.ndarray, n: int, options: int
) -> tuple[np.ndarray, np.ndarray]:
    """P(free targets | e_n, do(a)) shaped (n, A, *free cards), and which (row, option) pairs
    have P(e | do(a)) > 0 (the others get a zero posterior)."""
    post, norm = query.joint(rows)
    post = np.asarray(post, dtype=np.float64).reshape(n, options, *post.shape[1:])
    ok = (np.asarray(norm) > 0).reshape(n, options)
    if not ok.all():
        post = np.where(ok.reshape(n, options, *[1] * (post.ndim - 2)), post, 0.0)
    return post, ok


def _patterns(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the boolean ``observed`` (patterns x columns) and each row's
    pattern number; rows are packed into integers first, so this is one sort of N numbers."""
    n, columns = observed.shape
    if columns <= 62:
        codes = observed.astype(np.int64) @ (np.int64(1) << np.arange(columns, dtype=np.int64))
        if n and (codes == codes[0]).all():
            return observed[:1], np.zeros(n, dtype=np.intp)
        unique, first, which = np.unique(codes, return_index=True, return_inverse=True)
        return observed[first], which.reshape(-1)
    patterns, which = np.unique(observed, axis=0, return_inverse=True)
    return patterns, which.reshape(-1)


def _mappings(
    backend: InferenceBackend,
    network: BayesianNetwork,
    decision: Any,
    names: tuple[str, ...],
    sub: np.ndarray,
) -> tuple[list[dict[str, str]], np.ndarray]:
    """The (row, option) pairs as evidence mappings for a backend that does not compile, and
    which are possible (P(e, do(a)) > 0, one ``probability_of_evidence`` call)."""
    states = {v.name: v.states for v in network.variables}
    batch = [
        {**{x: states[x][int(i)] for x, i in zip(names, row, strict=True)}, decision.name: option}
        for row in sub
        for option in decision.states
    ]
    norm = np.asarray(backend.probability_of_evidence(network, batch), dtype=np.float64)
    return batch, (norm > 0).reshape(len(sub), len(decision.states))


def _posterior(
    backend: InferenceBackend,
    network: BayesianNetwork,
    batch: list[dict[str, str]],
    ok: np.ndarray,
    targets: tuple[str, ...],
) -> np.ndarray:
    """P(targets | e_n, do(a)) (n, A, *cards) from a backend's ``posterior`` over the possible
    pairs (zero at the others)."""
    n, options = ok.shape
    shape = tuple(len(network.states(t)) for t in targets)
    post = np.zeros((n * options, *shape))
    keep = np.flatnonzero(ok.reshape(-1))
    if keep.size:
        chosen = [batch[k] for k in keep]
        post[keep] = np.asarray(backend.posterior(network, chosen, targets), dtype=np.float64)
    return post.reshape(n, options, *shape)


def _reduce(
    post: np.ndarray, reduction: Reduction, seen: dict[int, int], sub: np.ndarray
) -> np.ndarray:
    """sum_x P(x | e_n, do(a)) table[a, x] per (row, option); observed target axes of the
    table are indexed by each row's observed state."""
    n, options = post.shape[:2]
    table = reduction.table
    if seen:
        axes = list(seen)
        table = np.moveaxis(table, [1 + k for k in axes], list(range(len(axes))))
        table = table[tuple(sub[:, seen[k]] for k in axes)]  # (n, A, *free cards)
        return np.einsum("nax,nax->na", post.reshape(n, options, -1), table.reshape(n, options, -1))
    return np.einsum("nax,ax->na", post.reshape(n, options, -1), table.reshape(options, -1))
