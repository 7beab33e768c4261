"""Interaction and influence networks over agents, as sparse matrices (scipy.sparse CSR).

An interaction graph says whose choices an agent's outcome depends on; an influence matrix W
(row-stochastic) says whose credences an agent averages with: x(t+1) = W x(t) (DeGroot 1974).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sparse

from engine.errors import InvalidProblem

KINDS: tuple[str, ...] = ("ring", "random", "groups")


def ring(n: int, degree: int) -> sparse.csr_matrix:
    """Each agent linked to its ``degree`` nearest agents on a ring (degree/2 each side)."""
    half = max(degree // 2, 1)
    rows = np.repeat(np.arange(n), 2 * half)
    offsets = np.tile(np.concatenate([np.arange(1, half + 1), -np.arange(1, half + 1)]), n)
    cols = (rows + offsets) % n
    keep = cols != rows
    return _adjacency(n, rows[keep], cols[keep])


def random_graph(n: int, degree: float, rng: np.random.Generator) -> sparse.csr_matrix:
    """Erdős–Rényi G(n, p) with p = degree / (n - 1), undirected, drawn in O(n · degree)."""
    if n < 2:
        return sparse.csr_matrix((n, n))
    edges = rng.binomial(n * (n - 1) // 2, min(degree / (n - 1), 1.0))
    a = rng.integers(0, n, size=edges)
    b = rng.integers(0, n, size=edges)
    keep = a != b
    return _adjacency(n, np.concatenate([a[keep], b[keep]]), np.concatenate([b[keep], a[keep]]))


def within_groups(groups: np.ndarray) -> sparse.csr_matrix:
    """Every pair of agents in the same group linked (a complete graph per group)."""
    n = len(groups)
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rows, cols = [], []
    for start, size in zip(starts, sizes, strict=True):
        members = order[start : start + size]
        if size > 1:
            r, c = np.meshgrid(members, members, indexing="ij")
            mask = r != c
            rows.append(r[mask])
            cols.append(c[mask])
    if not rows:
        return sparse.csr_matrix((n, n))
    return _adjacency(n, np.concatenate(rows), np.concatenate(cols))


def influence(adjacency: sparse.csr_matrix, self_weight: float) -> sparse.csr_matrix:
    """Row-stochastic W: weight ``self_weight`` on oneself and the rest shared equally among
    one's neighbours (all on oneself without neighbours)."""
    if not 0.0 <= self_weight <= 1.0:
        raise InvalidProblem(
            "learning.self_weight", f"expected a number in [0, 1], found {self_weight}"
        )
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    scale = np.where(degree > 0, (1.0 - self_weight) / np.maximum(degree, 1), 0.0)
    own = np.where(degree > 0, self_weight, 1.0)
    return (sparse.diags(scale) @ adjacency + sparse.diags(own)).tocsr()


def build(
    kind: str, n: int, degree: float, groups: np.ndarray, rng: np.random.Generator
) -> sparse.csr_matrix:
    """The network ``kind`` (one of :data:`KINDS`)."""
    if kind == "ring":
        return ring(n, int(degree))
    if kind == "random":
        return random_graph(n, degree, rng)
    if kind == "groups":
        return within_groups(groups)
    raise InvalidProblem("network.kind", f"expected one of {', '.join(KINDS)}, found {kind!r}")


def _adjacency(n: int, rows: np.ndarray, cols: np.ndarray) -> sparse.csr_matrix:
    data = np.ones(len(rows))
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
    matrix.data[:] = 1.0  # duplicate edges count once
    return matrix
