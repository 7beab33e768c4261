"""Moral-graph aggregation: values ranked per context by weighted PageRank on "wiser than" edges.

In Moral Graph Elicitation (Klingefjord, Lowe & Edelman 2024, "What are human values, and how do
we align AI to them?", arXiv:2404.10636, sections 4-5) participants say, for a context, that
one value is wiser than another; the edges, weighted by how many participants endorse them,
form a moral graph per context, and the values it ranks highest (by PageRank) are the ones the
group regards as wisest there. An edge u -> v means "v is wiser than u", so rank flows
towards wiser values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import PhronesisError


class MoralGraphError(PhronesisError, ValueError):
    """Endorsements or edge weights of a moral graph have the wrong shape or values."""


@dataclass(frozen=True, slots=True)
class MoralGraphRanking:
    """PageRank of each value per context.

    ``scores`` (..., V): the PageRank vector of each context (sums to 1). ``order`` (..., V):
    the values from wisest to least wise (equal scores, to 12 decimals, by lowest index).
    ``iterations`` (...,): the power-iteration steps each context took; ``converged`` (...,):
    whether its L1 change fell to ``tol`` within ``max_iter`` steps.
    """

    scores: np.ndarray
    order: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def wiser_than_counts(
    endorsements: np.ndarray,
    n_contexts: int,
    n_values: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Edge weights W[c, u, v] = sum of the weights (1 each by default) of the endorsements
    (context c, less wise u, wiser v); ``endorsements`` is (E, 3) integers, one row per agent
    endorsing an edge.

    Examples
    --------
    >>> wiser_than_counts(np.array([[0, 0, 1], [0, 0, 1], [0, 1, 2]]), 1, 3)[0].tolist()
    [[0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    rows = np.asarray(endorsements)
    if rows.ndim != 2 or rows.shape[1] != 3 or not np.issubdtype(rows.dtype, np.integer):
        if rows.size == 0:
            return np.zeros((n_contexts, n_values, n_values))
        raise MoralGraphError(
            f"endorsements: expected integer rows (context, less_wise, wiser), found shape "
            f"{rows.shape} of {rows.dtype}"
        )
    bounds = np.array([n_contexts, n_values, n_values])
    if ((rows < 0) | (rows >= bounds)).any():
        raise MoralGraphError(
            f"endorsements: expected contexts in [0, {n_contexts}) and values in "
            f"[0, {n_values}), found one outside"
        )
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(rows),) or not np.isfinite(w).all() or (w < 0).any():
        raise MoralGraphError(
            f"weights: expected {len(rows)} finite numbers >= 0, found shape {w.shape}"
        )
    counts = np.zeros((n_contexts, n_values, n_values))
    np.add.at(counts, (rows[:, 0], rows[:, 1], rows[:, 2]), w)
    return counts


def weighted_pagerank(
    edges: np.ndarray, damping: float = 0.85, tol: float = 1e-12, max_iter: int = 1000
) -> MoralGraphRanking:
    """Weighted PageRank of each graph in ``edges`` (..., V, V), W[u, v] >= 0 the weight of
    the edge u -> v (self-loops ignored), by power iteration from the uniform vector:

        x_{k+1}(v) = d sum_u x_k(u) W[u, v] / W[u, .] + d D_k / V + (1 - d) / V,

    where D_k is the mass on dangling values (no outgoing edge), spread uniformly, until
    ||x_{k+1} - x_k||_1 <= ``tol`` (Page, Brin, Motwani & Winograd 1999, "The PageRank
    citation ranking", Stanford InfoLab 1999-66; dangling nodes as in networkx.pagerank).
    The fixed point is x = (1 - d)/V (I - d M)^-1 1 with M the column-stochastic matrix
    M[v, u] = W[u, v] / W[u, .] (1/V for dangling u).

    Examples
    --------
    >>> r = weighted_pagerank(np.array([[0.0, 1.0], [0.0, 0.0]]))
    >>> r.scores.round(4).tolist(), r.order.tolist()
    ([0.3509, 0.6491], [1, 0])
    """
    w = np.array(edges, dtype=float)
    if w.ndim < 2 or w.shape[-1] != w.shape[-2] or w.shape[-1] == 0:
        raise MoralGraphError(
            f"edges: expected square matrices (..., values, values), found shape {w.shape}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise MoralGraphError("edges: expected finite weights >= 0, found a negative or non-finite")
    if not 0 <= damping < 1:
        raise MoralGraphError(f"damping: expected a number in [0, 1), found {damping!r}")
    n = w.shape[-1]
    w[..., np.arange(n), np.arange(n)] = 0.0
    out = w.sum(axis=-1)
    dangling = out == 0
    transition = w / np.where(dangling, 1.0, out)[..., None]
    x = np.full(w.shape[:-1], 1.0 / n)
    iterations = np.zeros(w.shape[:-2], dtype=int)
    converged = np.zeros(w.shape[:-2], dtype=bool)
    for _ in range(max_iter):
        if converged.all():
            break
        leaked = np.where(dangling, x, 0.0).sum(axis=-1, keepdims=True)
        new = damping * (np.einsum("...u,...uv->...v", x, transition) + leaked / n)
        new += (1.0 - damping) / n
        change = np.abs(new - x).sum(axis=-1)
        x = np.where(converged[..., None], x, new)
        iterations += ~converged
        converged |= change <= tol
    order = np.argsort(-np.round(x, 12), axis=-1, kind="stable")
    return MoralGraphRanking(x, order, iterations, converged)


def moral_graph_ranking(
    endorsements: np.ndarray,
    n_contexts: int,
    n_values: int,
    weights: np.ndarray | None = None,
    *,
    damping: float = 0.85,
    tol: float = 1e-12,
) -> MoralGraphRanking:
    """Values ranked per context from agents' "wiser than" endorsements: the weighted
    PageRank (:func:`weighted_pagerank`) of each context's moral graph
    (:func:`wiser_than_counts`), as in Moral Graph Elicitation (Klingefjord et al. 2024).

    Examples
    --------
    Two agents say value 1 is wiser than value 0 in context 0; one says 0 is wiser than 1
    in context 1.

    >>> rows = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]])
    >>> moral_graph_ranking(rows, 2, 3).order.tolist()
    [[1, 0, 2], [0, 1, 2]]
    """
    counts = wiser_than_counts(endorsements, n_contexts, n_values, weights)
    return weighted_pagerank(counts, damping, tol)
