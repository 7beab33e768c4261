"""DeGroot averaging x(t+1) = W x(t) on an influence network and its consensus (DeGroot 1974,
JASA 69(345)): the limit pi x(0) where it exists, with the contraction rate. scipy is imported
only by :func:`consensus_analysis`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from multiagent.dynamics import DynamicsInputError, is_sparse, matrix_shape


@dataclass(frozen=True, slots=True)
class ConsensusInfo:
    """Whether DeGroot averaging on an influence matrix W reaches consensus, and how fast.

    ``weights`` is the stationary left eigenvector π (π W = π, Σ π = 1) when consensus is
    reached, else None, and ``reason`` then says why. ``slem`` is the second-largest
    eigenvalue modulus of W (the contraction rate: the disagreement shrinks like slem^t) and
    ``spectral_gap`` is 1 − slem; both are NaN when not computed. ``method`` is ``"eig"``
    (dense eigen-decomposition) or ``"power"`` (power iteration; slem is then an estimate).
    """

    converges: bool
    reason: str
    weights: np.ndarray | None
    slem: float
    spectral_gap: float
    strongly_connected: bool
    period: int
    method: str


def degroot_step(influence: Any, x: np.ndarray) -> np.ndarray:
    """One round of DeGroot averaging: x(t+1) = W x(t).

    ``influence`` is a row-stochastic (N, N) array or scipy.sparse matrix (W[i, j] is the
    weight agent i gives to agent j); ``x`` is (N,), (N, T) credences or (N, T, V) / (N, V)
    value weights. Rows that are probability vectors stay probability vectors (a convex
    combination of them). Cost O(nnz(W) · size(x) / N).

    References
    ----------
    DeGroot (1974), "Reaching a consensus", *JASA* 69(345), 118-121.

    Examples
    --------
    >>> W = np.array([[0.5, 0.5], [0.0, 1.0]])
    >>> degroot_step(W, np.array([0.0, 1.0])).tolist()
    [0.5, 1.0]
    """
    w = checked_influence(influence)
    values = np.asarray(x, dtype=float)
    if values.ndim == 0 or values.shape[0] != w.shape[0]:
        raise DynamicsInputError(
            f"x: expected {w.shape[0]} rows (one per agent), found shape {values.shape}"
        )
    return apply_influence(w, values)


def degroot_iterate(influence: Any, x0: np.ndarray, steps: int) -> np.ndarray:
    """x(steps) = W^steps x(0) by ``steps`` rounds of :func:`degroot_step` (DeGroot 1974).

    Examples
    --------
    >>> W = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> degroot_iterate(W, np.array([0.0, 1.0]), 3).tolist()
    [0.5, 0.5]
    """
    if steps < 0:
        raise DynamicsInputError(f"steps: expected a count >= 0, found {steps}")
    w = checked_influence(influence)
    x = np.asarray(x0, dtype=float)
    if x.ndim == 0 or x.shape[0] != w.shape[0]:
        raise DynamicsInputError(
            f"x0: expected {w.shape[0]} rows (one per agent), found shape {x.shape}"
        )
    for _ in range(steps):
        x = apply_influence(w, x)
    return x


def consensus_analysis(
    influence: Any,
    *,
    dense_limit: int = 2000,
    tol: float = 1e-13,
    max_iter: int = 100_000,
    slem_iter: int = 300,
    seed: int = 0,
) -> ConsensusInfo:
    r"""Decide whether DeGroot averaging reaches consensus, and find its weights π.

    W^t converges to 1 π for every x(0) iff W has exactly one closed communicating class and
    that class is aperiodic (an irreducible, aperiodic W is the usual case); the consensus is
    then π x(0) with π W = π, Σ π = 1, π supported on the closed class (DeGroot 1974, §§3-4;
    Golub & Jackson 2010, "Naive learning in social networks", *AEJ: Micro* 2(1); Seneta
    2006, *Non-negative Matrices and Markov Chains*, ch. 4). Otherwise ``converges`` is
    False and ``reason`` names the obstacle (several closed classes, or the period d > 1).

    The classes come from strongly connected components (scipy.sparse.csgraph); the period d of
    the closed class is gcd over its edges u→v of level(u) + 1 − level(v) for BFS levels.
    For N ≤ ``dense_limit`` π and the second-largest eigenvalue modulus (slem) come from a dense
    eigen-decomposition, O(N³); above it π comes from power iteration π ← π W (to L1 change
    < ``tol``, at most ``max_iter`` rounds) and slem is estimated as the mean growth rate of ‖y‖
    over the second half of ``slem_iter`` rounds of the deflated map y ← y W − (y·1) π, from a
    start drawn with ``seed``; O(nnz(W)) per round.

    Examples
    --------
    >>> info = consensus_analysis(np.array([[0.5, 0.5], [0.25, 0.75]]))
    >>> info.converges, info.weights.round(4).tolist(), round(info.slem, 4)
    (True, [0.3333, 0.6667], 0.25)
    >>> consensus_analysis(np.array([[0.0, 1.0], [1.0, 0.0]])).reason
    'periodic: the closed class has period 2'
    """
    from scipy.sparse import csgraph, csr_array

    w = checked_influence(influence)
    n = w.shape[0]
    graph = csr_array(w)
    graph.eliminate_zeros()
    n_classes, labels = csgraph.connected_components(graph, directed=True, connection="strong")
    rows, cols = graph.nonzero()
    leaves = labels[rows] != labels[cols]
    open_class = np.zeros(n_classes, dtype=bool)
    open_class[labels[rows[leaves]]] = True
    closed = np.flatnonzero(~open_class)
    strongly = n_classes == 1
    if closed.size != 1:
        return _no_consensus(
            f"not one closed class: {closed.size} closed communicating classes, so groups that "
            "listen only to themselves keep different opinions",
            strongly,
            0,
        )
    members = np.flatnonzero(labels == closed[0])
    period = _period(graph, members)
    if period > 1:
        return _no_consensus(f"periodic: the closed class has period {period}", strongly, period)
    dense = n <= dense_limit
    if dense:
        pi, slem = _dense_spectrum(w)
    else:
        pi = _power_stationary(w, members, tol, max_iter)
        slem = _power_slem(w, pi, seed, slem_iter)
    return ConsensusInfo(
        converges=True,
        reason="",
        weights=pi,
        slem=slem,
        spectral_gap=1.0 - slem,
        strongly_connected=strongly,
        period=1,
        method="eig" if dense else "power",
    )


def degroot_consensus(
    influence: Any, x0: np.ndarray, **options: Any
) -> tuple[np.ndarray | None, ConsensusInfo]:
    """The DeGroot limit lim W^t x(0) = 1 (π x(0)): the consensus row π x(0), or None.

    ``options`` go to :func:`consensus_analysis`; the returned consensus has the shape of one
    row of ``x0`` (for credences, a (T,) probability vector every agent converges to).

    Examples
    --------
    >>> W = np.array([[0.5, 0.5], [0.25, 0.75]])
    >>> c, info = degroot_consensus(W, np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> c.round(4).tolist()
    [0.3333, 0.6667]
    """
    info = consensus_analysis(influence, **options)
    x = np.asarray(x0, dtype=float)
    if x.ndim == 0 or x.shape[0] != matrix_shape(influence)[0]:
        raise DynamicsInputError(
            f"x0: expected {matrix_shape(influence)[0]} rows (one per agent), found shape {x.shape}"
        )
    if info.weights is None:
        return None, info
    return np.tensordot(info.weights, x, axes=1), info


def checked_influence(influence: Any) -> Any:
    """Check W is square, non-negative and row-stochastic; return it as float (dense or CSR)."""
    if is_sparse(influence):
        w = influence.tocsr().astype(float)
        data, sums = w.data, np.asarray(w.sum(axis=1)).reshape(-1)
    else:
        w = np.asarray(influence, dtype=float)
        data, sums = w, (w.sum(axis=1) if w.ndim == 2 else np.zeros(0))
    if len(w.shape) != 2 or w.shape[0] != w.shape[1] or w.shape[0] == 0:
        raise DynamicsInputError(f"influence: expected a square (N, N) matrix, found {w.shape}")
    if not np.isfinite(data).all() or (data < 0).any():
        raise DynamicsInputError("influence: expected finite non-negative weights")
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise DynamicsInputError(
            f"influence: expected rows summing to 1, row {bad[0]} sums to {sums[bad[0]]}"
        )
    return w


def apply_influence(w: Any, x: np.ndarray) -> np.ndarray:
    """W x for a W returned by :func:`checked_influence` (checked once, applied every step)
    and x with one row per agent."""
    flat = x.reshape(x.shape[0], -1)
    return np.asarray(w @ flat).reshape(x.shape)


def _no_consensus(reason: str, strongly: bool, period: int) -> ConsensusInfo:
    return ConsensusInfo(
        converges=False,
        reason=reason,
        weights=None,
        slem=float("nan"),
        spectral_gap=float("nan"),
        strongly_connected=strongly,
        period=period,
        method="",
    )


def _period(graph: Any, members: np.ndarray) -> int:
    """Period of one strongly connected class: gcd of level(u) + 1 − level(v) over its edges."""
    from scipy.sparse import csgraph

    sub = graph[members][:, members]
    level = csgraph.shortest_path(sub, directed=True, unweighted=True, indices=0)
    rows, cols = sub.nonzero()  # a closed class keeps all its rows' weight: it has edges
    return int(np.gcd.reduce(np.abs(level[rows] + 1 - level[cols]).astype(np.int64)))


def _dense_spectrum(w: Any) -> tuple[np.ndarray, float]:
    dense = w.toarray() if is_sparse(w) else w
    values, vectors = np.linalg.eig(dense.T)
    moduli = np.abs(values)
    top = int(np.argmin(np.abs(values - 1.0)))  # the Perron root, 1, is simple here
    pi = np.real(vectors[:, top])
    pi = np.abs(pi) / np.abs(pi).sum()  # the Perron vector has one sign
    rest = np.delete(moduli, top)
    return pi, float(rest.max()) if rest.size else 0.0


def _power_stationary(w: Any, members: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    n = w.shape[0]
    pi = np.zeros(n)
    pi[members] = 1.0 / members.size
    wt = w.T.tocsr() if is_sparse(w) else w.T
    for _ in range(max_iter):
        nxt = np.asarray(wt @ pi).reshape(-1)
        nxt /= nxt.sum()
        if np.abs(nxt - pi).sum() < tol:
            return nxt
        pi = nxt
    return pi


def _power_slem(w: Any, pi: np.ndarray, seed: int, max_iter: int) -> float:
    """Estimate slem as the growth rate of ‖y_k‖ under y ← y W − (y·1) π, over the second half."""
    y = np.random.default_rng(seed).standard_normal(w.shape[0])
    y -= y.sum() * pi
    wt = w.T.tocsr() if is_sparse(w) else w.T
    logs = np.zeros(max_iter + 1)
    for k in range(1, max_iter + 1):
        y = np.asarray(wt @ y).reshape(-1)
        y -= y.sum() * pi
        norm = float(np.sqrt(y @ y))
        if norm == 0.0:  # W is nilpotent off the consensus direction
            return 0.0
        logs[k] = logs[k - 1] + np.log(norm)
        y /= norm
    half = max_iter // 2
    return float(np.exp((logs[max_iter] - logs[half]) / (max_iter - half)))
