"""Evidence rows and per-row parameters as the kernel takes them: index matrices checked,
per-row arrays validated, distinct rows found (each situation is decided once)."""

from __future__ import annotations

import numpy as np

from engine.errors import EvidenceError
from engine.ir.fields import MAX_MAGNITUDE
from engine.kernel.compiled import CompiledProblem

#: the most row codes :func:`distinct_rows` marks in a table instead of sorting
DENSE_CODES = 1 << 20


def checked_index(compiled: CompiledProblem, evidence: np.ndarray) -> np.ndarray:
    """``evidence`` as an (N, columns) integer matrix whose entries are -1 or a state index of
    their column, or :class:`EvidenceError` naming the first bad entry."""
    array = np.asarray(evidence)
    columns = len(compiled.columns)
    if array.ndim == 1 and array.size == columns:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != columns:
        raise EvidenceError(
            f"evidence index: expected shape (rows, {columns}) (one column per variable of "
            f"{compiled.problem.name!r}), found {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise EvidenceError(f"evidence index: expected integers, found {array.dtype}")
    index = array.astype(np.intp, copy=False)
    bad = (index < -1) | (index >= compiled.cardinalities)
    if bad.any():
        row, column = (int(x[0]) for x in np.nonzero(bad))
        name = compiled.columns[column]
        raise EvidenceError(
            f"evidence index row {row}: {index[row, column]} is not a state of {name!r} "
            f"(0..{compiled.cardinalities[column] - 1}, or -1 for unobserved)"
        )
    return index


def active_rows(compiled: CompiledProblem, active: np.ndarray | None, n: int) -> np.ndarray | None:
    """``norm_active`` as (n, norms) bool; a permission that defeats a prohibition, and a norm
    a contrary-to-duty norm refers to, must apply to every row (defeat and references are part
    of the compiled violation events)."""
    if active is None:
        return None
    norms = compiled.problem.norms
    array = np.asarray(active, dtype=bool)
    if array.shape == (len(norms),):
        array = np.broadcast_to(array, (n, len(norms)))
    if array.shape != (n, len(norms)):
        raise EvidenceError(f"norm_active: expected shape {(n, len(norms))}, found {array.shape}")
    referenced = {r: n.name for n in norms for r in n.violated}
    for k, norm in enumerate(norms):
        if norm.modality == "permission" and not array[:, k].all():
            raise EvidenceError(
                f"norm_active: permission {norm.name!r} must apply to every agent (it may defeat "
                "prohibitions, which the compiled problem fixes); give it to all roles"
            )
        if norm.name in referenced and not array[:, k].all():
            raise EvidenceError(
                f"norm_active: norm {norm.name!r} must apply to every agent: contrary-to-duty "
                f"norm {referenced[norm.name]!r} refers to its violation, which the compiled "
                "problem fixes; give it to all roles"
            )
    return array


def rows_of(
    name: str, given: np.ndarray | None, n: int, shape: tuple[int, ...]
) -> np.ndarray | None:
    """``given`` as (n, *shape) finite numbers (a single (*shape) array repeated), checked."""
    if given is None:
        return None
    array = np.asarray(given, dtype=np.float64)
    if array.shape == shape:
        array = np.broadcast_to(array, (n, *shape))
    if array.shape != (n, *shape):
        raise EvidenceError(f"{name}: expected shape {(n, *shape)}, found {array.shape}")
    if not np.isfinite(array).all() or (np.abs(array) > MAX_MAGNITUDE).any():
        raise EvidenceError(f"{name}: expected finite numbers of magnitude <= {MAX_MAGNITUDE:g}")
    if name != "value_weights" and (array < 0).any():
        raise EvidenceError(f"{name}: expected numbers >= 0")
    if name == "credences":
        total = array.sum(axis=1)
        wrong = np.flatnonzero(np.abs(total - 1.0) > 1e-9)
        if wrong.size:
            row = int(wrong[0])
            raise EvidenceError(f"credences: row {row} sums to {total[row]:.6g}, expected 1")
    return array


def distinct_rows(
    index: np.ndarray, cardinalities: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct rows of an evidence index matrix and each row's position among them
    (``None`` when every row is distinct already, or there is one row). Rows are packed into
    one integer each (mixed radix, -1 as one more digit) when that fits in 63 bits; when the
    codes are fewer than :data:`DENSE_CODES` the distinct ones are marked in a table (linear
    time, no sort)."""
    n = len(index)
    if n <= 1:
        return index, None
    seen = (index >= 0).any(axis=0)  # columns no row observes do not tell rows apart
    if not seen.any():
        return index[:1], np.zeros(n, dtype=np.intp)
    packed, cards = index[:, seen], cardinalities[seen]
    radix = cards.astype(np.float64) + 1
    if np.prod(radix) <= min(DENSE_CODES, 4 * n):
        codes = np.ravel_multi_index(tuple((packed + 1).T), tuple(cards + 1))
        present = np.zeros(int(np.prod(cards + 1)), dtype=bool)
        present[codes] = True
        unique = np.flatnonzero(present)
        if len(unique) == n:
            return index, None
        position = np.cumsum(present) - 1
        distinct = np.full((len(unique), index.shape[1]), -1, dtype=index.dtype)
        distinct[:, seen] = np.stack(np.unravel_index(unique, tuple(cards + 1)), axis=1) - 1
        return distinct, position[codes]
    if np.sum(np.log2(radix)) < 62:
        weights = np.concatenate([[1], np.cumprod(cards[::-1] + 1)[:-1]])[::-1]
        codes = (packed + 1) @ weights.astype(np.int64)
        unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        unique = first
    if len(unique) == n:
        return index, None
    return index[first], inverse.reshape(-1)
