"""Every evidence assignment of a set of observables decided at once, for exhaustive checks
and decision tables (``theorems/``): each observable in one of its states or not observed.

Assignment number k (0 <= k < prod_i (|X_i| + 1)) is the mixed-radix number of digits d_i, the
last varying fastest, digit ``|X_i|`` meaning "not observed" (the order of ``itertools.product``
over ``(*states, unobserved)``). Instead of one inference query per evidence pattern (2^m
patterns, each compiled anew), one query per target set gives the joint

    J_a(o, f) = P(O = o, F = f | do(a))      (O the observables, F the other targets)

and every value, norm and policy case becomes a numerator N_a(o) = sum_f J_a(o, f) table(a, x)
beside Z_a(o) = sum_f J_a(o, f). An unobserved digit sums its axis out, so for any assignment e

    E[table | e, do(a)] = N_a(e) / Z_a(e),   possible(e, a) = Z_a(e) > 0,

with the sums taken once per block of assignments: the leading observables are fixed per block
(indexed, or summed when unobserved) and the trailing ones extended by one slice holding the
sum over their axis. The rest of the decision is the kernel's (:func:`decide_evaluated`), so
a row decides here as :func:`engine.kernel.decide.decide_rows` decides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.kernel.batch import DecisionBatch
from engine.kernel.compiled import CompiledProblem
from engine.kernel.decide import decide_evaluated
from engine.kernel.evaluate import Evaluation, case_probability

#: the most entries of J_a over all options for one target set (beyond it: None, decide rows)
JOINT_ENTRIES = 1 << 24
#: the most assignments of the trailing observables extended in one block
BLOCK = 1 << 16


@dataclass(frozen=True, slots=True, eq=False)
class SpaceTables:
    """N_a(o) for every value, norm and case, then Z_a(o), stacked: ``numerators`` is
    (V + K + C + 1, A, *|O|); ``head`` observables are fixed per block, the others extended."""

    compiled: CompiledProblem
    observables: tuple[str, ...]
    cards: tuple[int, ...]
    numerators: np.ndarray
    head: int
    _block: dict[int, np.ndarray] = field(default_factory=dict)  # the last two blocks
    _path: list[tuple[int, np.ndarray]] = field(default_factory=list)  # sums along a prefix

    @property
    def size(self) -> int:
        """prod_i (|X_i| + 1): the number of assignments."""
        return int(np.prod(np.array(self.cards, dtype=np.int64) + 1))

    @property
    def block_size(self) -> int:
        return int(np.prod(np.array(self.cards[self.head :], dtype=np.int64) + 1))

    def block(self, number: int) -> np.ndarray:
        """(block_size, A, V + K + C + 1): the sums for the assignments whose leading digits
        are those of block ``number`` (the last two blocks are kept: a run of assignments
        spans at most two)."""
        if number not in self._block:
            digits = np.unravel_index(number, tuple(c + 1 for c in self.cards[: self.head]))
            out = self._fixed(tuple(int(d) for d in digits))
            for axis in range(2, out.ndim):
                out = np.concatenate([out, out.sum(axis=axis, keepdims=True)], axis=axis)
            if len(self._block) >= 2:
                del self._block[next(iter(self._block))]
            flat = out.reshape(out.shape[0], out.shape[1], -1)
            self._block[number] = np.ascontiguousarray(flat.transpose(2, 1, 0))
        return self._block[number]

    def _fixed(self, digits: tuple[int, ...]) -> np.ndarray:
        """The numerators with the leading observables fixed to ``digits`` (indexed, or summed
        out where unobserved); the arrays along the last prefix are kept, so consecutive
        blocks share their sums."""
        path = self._path
        depth = 0
        while depth < min(len(path), len(digits)) and path[depth][0] == digits[depth]:
            depth += 1
        del path[depth:]
        out = path[-1][1] if path else self.numerators
        for d, card in zip(digits[depth:], self.cards[depth : len(digits)], strict=True):
            out = out.sum(axis=2) if d == card else out[:, :, d]
            path.append((d, out))
        return out


def space_tables(compiled: CompiledProblem, observables: Sequence[str]) -> SpaceTables | None:
    """The joint sums of ``observables`` for ``compiled`` (module docstring), or ``None`` when
    a joint over observables and targets would exceed :data:`JOINT_ENTRIES` (decide the rows
    with :func:`~engine.kernel.decide.decide_rows` then)."""
    problem = compiled.problem
    structure = compiled.structure
    network = problem.network()
    decision = problem.decision.name
    options = problem.decision.options
    observables = tuple(observables)
    cards = tuple(len(problem.states(v)) for v in observables)
    grid = int(np.prod(np.array(cards, dtype=np.int64)))
    reductions = (*structure.values, *structure.norms, *structure.cases, *structure.events)
    numerators = np.zeros((len(reductions) + 1, len(options), *cards))
    rows = [{decision: option} for option in options]
    label = {name: k + 1 for k, name in enumerate(observables)}
    obs_labels = [label[v] for v in observables]
    for t, targets in enumerate(structure.targets):
        free = tuple(x for x in targets if x not in label)
        size = grid * len(options) * int(np.prod([len(problem.states(x)) for x in free]))
        if size > JOINT_ENTRIES or len(observables) + len(free) > 50:
            return None
        joint = np.asarray(
            compiled.backend.posterior(network, rows, (*observables, *free)), dtype=np.float64
        )  # (A, *|O|, *|F|)
        names = {**label, **{x: len(observables) + 1 + k for k, x in enumerate(free)}}
        joint_labels = [0, *obs_labels, *(names[x] for x in free)]
        target_labels = [0, *(names[x] for x in targets)]
        for j, reduction in enumerate(reductions):
            if reduction.target == t:
                numerators[j] = np.einsum(
                    joint, joint_labels, reduction.table, target_labels, [0, *obs_labels]
                )
        if t == 0 or not structure.targets:
            numerators[-1] = joint.sum(axis=tuple(range(1 + len(observables), joint.ndim)))
    if not structure.targets:  # nothing to query: Z = 1 everywhere
        numerators[-1] = 1.0
    head, extended = len(cards), 1
    while head and extended * (cards[head - 1] + 1) <= BLOCK:
        head -= 1
        extended *= cards[head] + 1
    return SpaceTables(compiled, observables, cards, numerators, head)


def decide_assignments(tables: SpaceTables, start: int, stop: int) -> DecisionBatch:
    """Decide assignments ``start`` .. ``stop - 1`` (module docstring); row i of the batch is
    assignment ``start + i``, its ``index`` the kernel's evidence index matrix."""
    compiled = tables.compiled
    structure = compiled.structure
    width = tables.block_size
    parts = []
    for number in range(start // width, (stop - 1) // width + 1 if stop > start else 0):
        block = tables.block(number)
        first = max(start - number * width, 0)
        last = min(stop - number * width, width)
        parts.append(block[first:last])
    shape = tables.numerators.shape
    sums = (
        np.concatenate(parts)
        if len(parts) > 1
        else parts[0]
        if parts
        else np.zeros((0, shape[1], shape[0]))
    )  # (n, A, reductions + 1)
    evidence = sums[:, :, -1:]
    possible = evidence[:, :, 0] > 0
    ratio = sums[:, :, :-1] / np.where(evidence > 0, evidence, np.inf)  # 0 where impossible
    v, k, c = len(structure.values), len(structure.norms), len(structure.cases)
    evaluation = Evaluation(
        expected=ratio[:, :, :v],
        violation=ratio[:, :, v : v + k],
        cases=case_probability(ratio[:, :, v + k : v + k + c], possible),
        possible=possible,
        events=ratio[:, :, v + k + c :],
    )
    return decide_evaluated(compiled, _index(tables, start, stop), evaluation, {})


def _index(tables: SpaceTables, start: int, stop: int) -> np.ndarray:
    """The evidence index matrix of assignments ``start`` .. ``stop - 1``."""
    numbers = np.arange(start, stop, dtype=np.int64)
    radices = tuple(c + 1 for c in tables.cards)
    if not radices:
        return evidence_index(tables.compiled, (), np.zeros((len(numbers), 0), dtype=np.intp))
    digits = np.stack(np.unravel_index(numbers, radices), axis=1)
    return evidence_index(tables.compiled, tables.observables, digits)


def evidence_index(
    compiled: CompiledProblem, observables: Sequence[str], digits: np.ndarray
) -> np.ndarray:
    """The kernel's evidence index matrix (rows x ``compiled.columns``, -1 unobserved) of
    assignment digits (rows x ``observables``; digit |X_i| means not observed)."""
    columns = compiled.columns
    index = np.full((len(digits), len(columns)), -1, dtype=np.intp)
    for k, name in enumerate(observables):
        card = len(compiled.problem.states(name))
        index[:, columns.index(name)] = np.where(digits[:, k] == card, -1, digits[:, k])
    return index
