"""The influence matrix W of DeGroot averaging x(t+1) = W x(t), as the ``convergence``
property reads it: checked once (square, finite, non-negative, row-stochastic), in a canonical
form with a SHA-256 digest, and the graph facts that decide consensus — the closed
communicating classes, the period and cyclic subclasses of a closed class, and the consensus
weights π (Seneta 2006, *Non-negative Matrices and Markov Chains*, ch. 1 and 4; DeGroot
1974, "Reaching a consensus", *JASA* 69(345))."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import scipy.sparse as sparse
from scipy.sparse import csgraph

from theorems.registry import PropertyError

#: row sums of W must be within this of 1
STOCHASTIC_TOLERANCE = 1e-9


class InfluenceError(PropertyError):
    """The influence matrix given is not a square, non-negative, row-stochastic matrix."""


def stochastic_matrix(influence: Any) -> sparse.csr_array:
    """W as a canonical CSR array (sorted indices, no stored zeros), after checking that it
    is square, finite, non-negative and row-stochastic (within 1e-9)."""
    w = sparse.csr_array(influence, dtype=float, copy=True)  # canonicalised in place below
    w.eliminate_zeros()
    w.sort_indices()
    if w.shape[0] != w.shape[1] or w.shape[0] == 0:
        raise InfluenceError(f"influence: expected a square (N, N) matrix, found {w.shape}")
    if not np.isfinite(w.data).all() or (w.data < 0).any():
        raise InfluenceError("influence: expected finite non-negative weights")
    sums = np.asarray(w.sum(axis=1)).reshape(-1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > STOCHASTIC_TOLERANCE)
    if bad.size:
        raise InfluenceError(
            f"influence: expected rows summing to 1, row {bad[0]} sums to {sums[bad[0]]}"
        )
    return w


def matrix_digest(w: sparse.csr_array) -> str:
    """SHA-256 of a canonical CSR matrix: shape, then indptr, indices (int64) and data
    (float64), little-endian."""
    digest = hashlib.sha256(np.asarray(w.shape, dtype="<i8").tobytes())
    for part, kind in ((w.indptr, "<i8"), (w.indices, "<i8"), (w.data, "<f8")):
        digest.update(np.asarray(part, dtype=kind).tobytes())
    return digest.hexdigest()


def closed_classes(w: sparse.csr_array) -> list[np.ndarray]:
    """The closed communicating classes of W (strongly connected components no edge leaves),
    each as sorted agent indices, ordered by their first member."""
    count, labels = csgraph.connected_components(w, directed=True, connection="strong")
    rows, cols = w.nonzero()
    leaving = np.zeros(count, dtype=bool)
    leaving[labels[rows[labels[rows] != labels[cols]]]] = True
    closed = [np.flatnonzero(labels == c) for c in np.flatnonzero(~leaving)]
    return sorted(closed, key=lambda members: int(members[0]))


def cyclic_classes(w: sparse.csr_array, members: np.ndarray) -> list[np.ndarray]:
    """The cyclic subclasses C_0 .. C_{d-1} of one closed class (d its period): BFS levels
    from its first member, d = gcd over its edges u -> v of level(u) + 1 − level(v), and
    C_r = {level ≡ r (mod d)}; every edge leads from C_r to C_{r+1 mod d} (Seneta 2006, ch. 1)."""
    sub = w[members][:, members]
    level = csgraph.shortest_path(sub, directed=True, unweighted=True, indices=0)
    rows, cols = sub.nonzero()
    period = int(np.gcd.reduce(np.abs(level[rows] + 1 - level[cols]).astype(np.int64)))
    period = max(period, 1)
    residue = level.astype(np.int64) % period
    return [members[residue == r] for r in range(period)]


def consensus_weights(w: sparse.csr_array, members: np.ndarray) -> np.ndarray:
    """π, the left Perron vector of W (π W = π, Σ π = 1), supported on the one closed class
    ``members``: the null vector of (P − I)^T for the closed block P (dense solve; N ≤ a few
    thousand). The consensus from x(0) is π x(0) (DeGroot 1974, §3)."""
    block = w[members][:, members].toarray()
    k = len(members)
    system = np.vstack([(block - np.eye(k)).T, np.ones((1, k))])
    rhs = np.zeros(k + 1)
    rhs[-1] = 1.0
    solution = np.linalg.lstsq(system, rhs, rcond=None)[0]
    pi = np.zeros(w.shape[0])
    pi[members] = np.clip(solution, 0.0, None) / np.clip(solution, 0.0, None).sum()
    return pi
