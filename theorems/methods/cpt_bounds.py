"""Sound bounds on posterior expectations when every CPT row may move by at most r.

The perturbation set of a CPT row p is {p' : |p'_i - p_i| <= r, p' >= 0, sum p' = 1} (rows
stay distributions; L-infinity on the row), independently per row. For evidence e and option a
(do(a): the decision is a root, so its state selects CPT rows), a posterior expectation is a
ratio of multilinear polynomials in the rows,

    E[f | do(a), e] = N / D,   N = sum_x P(x, e | do(a)) f(x),   D = sum_x P(x, e | do(a)),

and E >= L for every perturbation iff min (N - L D) >= 0 (Dinkelbach's parametrisation, 1967).
The minimum is bounded below by eliminating the variables children first: for X_i, whose
row appears in no remaining factor, min over its row of sum_{x_i} p'(x_i) g(., x_i) is a
fractional knapsack over box ∩ simplex (closed form), taken separately for every assignment
of the remaining variables — a relaxation (the same row may be chosen differently for
different assignments), hence a *lower* bound, and exact when no row is shared. A grid search on L
gives the largest L the bound certifies; upper bounds likewise with -f. Everything runs over the
full joint of the chance variables, so it is for small problems (``MAX_JOINT`` entries).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ir import DecisionProblem

#: largest joint (entries over all chance variables) the bounds enumerate
MAX_JOINT = 1 << 20
#: grid points and rounds of the search for the Dinkelbach parameter (resolution GRID^-ROUNDS)
GRID = 65
ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Joint:
    """The chance variables in topological order, their cardinalities, and each CPT as
    (option, *its chance parents' states, child state) over them: ``tables[i]`` with
    ``parents[i]`` (indices into ``names``) — the decision axis first, size 1 when the
    decision is not a parent."""

    names: tuple[str, ...]
    cards: tuple[int, ...]
    parents: tuple[tuple[int, ...], ...]
    tables: tuple[np.ndarray, ...]


def joint_of(problem: DecisionProblem, tables: list[np.ndarray] | None = None) -> Joint:
    """The :class:`Joint` of ``problem`` (``tables``: replacement CPT arrays in
    ``problem.cpts`` order, shaped as :meth:`DecisionProblem.cpt_array`)."""
    decision = problem.decision.name
    order: list[str] = []
    pending = [v.name for v in problem.variables]
    while pending:  # topological: a variable after its parents
        ready = [
            n for n in pending if all(p in order or p == decision for p in problem.cpt(n).parents)
        ]
        order.extend(ready)
        pending = [n for n in pending if n not in ready]
    position = {n: i for i, n in enumerate(order)}
    arrays = {c.child: problem.cpt_array(c.child) for c in problem.cpts}
    if tables is not None:
        arrays = {c.child: t for c, t in zip(problem.cpts, tables, strict=True)}
    parents, out = [], []
    for name in order:
        cpt = problem.cpt(name)
        array = arrays[name]
        if decision in cpt.parents:
            array = np.moveaxis(array, cpt.parents.index(decision), 0)
        else:
            array = array[None]
        parents.append(tuple(position[p] for p in cpt.parents if p != decision))
        out.append(array)
    cards = tuple(len(problem.states(n)) for n in order)
    return Joint(tuple(order), cards, tuple(parents), tuple(out))


def joint_size(joint: Joint) -> int:
    return int(np.prod(joint.cards, dtype=np.float64))


def _rows(joint: Joint, i: int, option: int, axes: int) -> np.ndarray:
    """X_i's CPT rows (option fixed) broadcast over the first ``axes`` variables of the joint
    (its parents are among them): shape (*broadcast, |X_i|)."""
    table = joint.tables[i]
    index: list[object] = [option if table.shape[0] > 1 else 0]
    for p in joint.parents[i]:
        shape = [1] * axes
        shape[p] = joint.cards[p]
        index.append(np.arange(joint.cards[p]).reshape(shape))
    return np.asarray(table[tuple(index)])


def probability(joint: Joint, option: int) -> np.ndarray:
    """P(x | do(option)) over the joint (shape ``cards``), the product of the CPT entries."""
    n = len(joint.names)
    out = np.ones(joint.cards)
    for i in range(n):
        rows = np.broadcast_to(_rows(joint, i, option, n), (*joint.cards, joint.cards[i]))
        shape = [1] * n
        shape[i] = joint.cards[i]
        child = np.broadcast_to(np.arange(joint.cards[i]).reshape(shape), joint.cards)
        out = out * np.take_along_axis(rows, child[..., None], axis=-1)[..., 0]
    return out


def _knapsack_min(g: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """min over p with lo <= p <= hi, sum p = 1 of p . g, along the last axis (greedy: the
    mass above lo goes to the smallest g first; exact for box ∩ simplex)."""
    order = np.argsort(g, axis=-1)
    gs = np.take_along_axis(g, order, axis=-1)
    cap = np.take_along_axis(hi - lo, order, axis=-1)
    rest = 1.0 - lo.sum(axis=-1, keepdims=True)
    before = np.cumsum(cap, axis=-1) - cap
    extra = np.clip(rest - before, 0.0, cap)
    return (lo * g).sum(axis=-1) + (extra * gs).sum(axis=-1)


def lower_bound(joint: Joint, option: int, g: np.ndarray, radius: float) -> np.ndarray:
    """Lower bounds of min over perturbed CPTs of sum_x P(x | do(option)) g(x), one per
    leading entry of ``g`` (shape (batch, *joint cards); 0 where the evidence fails): the
    elimination of the module docstring."""
    current = np.asarray(g, dtype=float)
    for i in reversed(range(len(joint.names))):
        rows = _rows(joint, i, option, i)  # parents of X_i are among X_0..X_{i-1}
        lo = np.broadcast_to(np.clip(rows - radius, 0.0, 1.0), current.shape)
        hi = np.broadcast_to(np.clip(rows + radius, 0.0, 1.0), current.shape)
        current = _knapsack_min(current, lo, hi)
    return current


def evidence_mask(joint: Joint, evidence: dict[str, int]) -> np.ndarray:
    """1 where the joint assignment agrees with ``evidence`` (variable -> state index)."""
    mask = np.ones(joint.cards)
    for name, state in evidence.items():
        i = joint.names.index(name)
        shape = [1] * len(joint.names)
        shape[i] = joint.cards[i]
        mask = mask * (np.arange(joint.cards[i]) == state).reshape(shape)
    return mask


def expectation_bounds(
    joint: Joint, option: int, f: np.ndarray, mask: np.ndarray, radius: float
) -> tuple[float, float]:
    """[lo, hi] containing E[f | do(option), e] for every perturbation within ``radius``
    (``mask`` the evidence indicator); [min f, max f] over the evidence when the bound on
    P(e | do(option)) reaches 0."""
    inside = mask > 0
    f_lo = float(f[inside].min()) if inside.any() else 0.0
    f_hi = float(f[inside].max()) if inside.any() else 0.0
    if lower_bound(joint, option, mask[None], radius)[0] <= 0.0:
        return f_lo, f_hi

    def search(sign: float, good: float, bad: float) -> float:
        """The L nearest ``bad`` with sign * (E[f] - L) >= 0 certified, on a grid of GRID
        points per round, ROUNDS rounds (the bound is monotone in L)."""
        for _ in range(ROUNDS):
            grid = np.linspace(good, bad, GRID)
            g = sign * (f[None] - grid.reshape(-1, *[1] * f.ndim)) * mask[None]
            ok = lower_bound(joint, option, g, radius) >= 0.0
            k = int(np.flatnonzero(ok).max(initial=0))
            if k == GRID - 1:
                return float(grid[-1])
            good, bad = float(grid[k]), float(grid[k + 1])
        return good

    return search(1.0, f_lo, f_hi), search(-1.0, f_hi, f_lo)


def certified_at_most(
    joint: Joint, option: int, f: np.ndarray, mask: np.ndarray, limit: float, radius: float
) -> bool:
    """Whether E[f | do(option), e] <= ``limit`` is certified for every perturbation: the
    lower bound of min sum_x P(x, e) (limit - f(x)) is >= 0 (P(e) > 0 assumed)."""
    return bool(lower_bound(joint, option, ((limit - f) * mask)[None], radius)[0] >= 0.0)


def certified_above(
    joint: Joint, option: int, f: np.ndarray, mask: np.ndarray, limit: float, radius: float
) -> bool:
    """Whether E[f | do(option), e] > ``limit`` is certified for every perturbation."""
    return bool(lower_bound(joint, option, ((f - limit) * mask)[None], radius)[0] > 0.0)
