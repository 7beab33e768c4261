"""Moral-graph aggregation: values ranked per context by weighted PageRank on "wiser than" edges.

In Moral Graph Elicitation (Klingefjord, Lowe & Edelman 2024, "What are human values, and how do
we align AI to them?", arXiv:2404.10636, sections 4-5) participants say, for a context, that
one value is wiser than another; the edges, weighted by how many participants endorse them,
form a moral graph per context, and the values it ranks highest (by PageRank) are the ones the
group regards as wisest there. An edge u -> v means "v is wiser than u", so rank flows
towards wiser values.

In a simulation the endorsements come from agents' value weights
(:func:`wiser_than_edges`) and a group acts on the option that is best under its graph's
PageRank weights (:func:`moral_graph_choice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import PhronesisError
from multiagent.profiles import SocialChoice, agent_tolerance, choice_result


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


def wiser_than_edges(
    values: np.ndarray, weights: np.ndarray | None = None, *, net: bool = True
) -> np.ndarray:
    """The moral graph of each group from its members' value weights: member n endorses
    "v is wiser than u" (an edge u -> v) for every pair of values with x_nv > x_nu (beyond
    the tie tolerance of :func:`multiagent.profiles.agent_tolerance`), with its stake w_n:

        E[u, v] = sum_n w_n [x_nv > x_nu],    W[u, v] = max(0, E[u, v] - E[v, u])  (net)

    or W = E with ``net=False``. Every member ranks every pair, so each pair has endorsements
    both ways; PageRank normalises each value's out-edges, so on a two-value graph E ranks the
    values equally whatever the split. The net graph (the weighted majority graph of social
    choice, Zwicker 2016, "Introduction to the theory of voting", *Handbook of Computational
    Social Choice*, ch. 2) keeps only the endorsement a majority gives, as in Moral Graph
    Elicitation, where an edge records that participants judged one value an upgrade of
    another (Klingefjord et al. 2024, section 4). ``values`` is (..., N, V); rows of NaN (or
    stake 0) endorse nothing.

    Examples
    --------
    Two members hold value 1 above value 0, one holds 0 above 1: the net edge 0 -> 1 has
    weight 2 - 1 = 1.

    >>> x = np.array([[0.0, 1.0], [0.2, 0.5], [1.0, 0.0]])
    >>> wiser_than_edges(x).tolist(), wiser_than_edges(x, net=False).tolist()
    ([[0.0, 1.0], [0.0, 0.0]], [[0.0, 2.0], [1.0, 0.0]])
    """
    x = np.asarray(values, dtype=float)
    if x.ndim < 2 or x.shape[-1] == 0:
        raise MoralGraphError(
            f"values: expected an array (..., agents, values), found shape {x.shape}"
        )
    w = np.ones(x.shape[:-1]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape[:-1] or not np.isfinite(w).all() or (w < 0).any():
        raise MoralGraphError(
            f"weights: expected {x.shape[:-1]} finite stakes >= 0, found shape {w.shape}"
        )
    tol = agent_tolerance(x)[..., None, None]
    wiser = x[..., None, :] > x[..., :, None] + tol  # (..., N, u, v): v above u
    endorsed = np.einsum("...n,...nuv->...uv", w, wiser.astype(float))
    if not net:
        return endorsed
    return np.maximum(endorsed - np.swapaxes(endorsed, -1, -2), 0.0)


def moral_graph_choice(
    expected: np.ndarray,
    permissible: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    damping: float = 0.85,
) -> tuple[SocialChoice, MoralGraphRanking]:
    """Each group acts on the option best under the PageRank weights of its moral graph.

    For group g with members n (stakes w_n; rows of stake 0 are padding):

    1. s_g = PageRank of the net "wiser than" graph of the members' value weights
       ``values`` (G, N, V) (:func:`wiser_than_edges`, :func:`weighted_pagerank`), a weight
       per value summing to 1;
    2. the group's expected value EV_g(a, v) = sum_n w_n EV_n(a, v) / sum_n w_n, from each
       member's ``expected`` (G, N, A, V) (its posterior given its own evidence);
    3. score_g(a) = sum_v s_g(v) EV_g(a, v) on the options every member may take
       (``permissible`` (G, N, A)), -inf on the others: the moral graph ranks values, not
       norms, so norms bind the group through each member's permissibility filter;
    4. the winner is the best score (lowest index within tolerance), -1 when no option is
       open to every member.

    This is Moral Graph Elicitation's aggregation (Klingefjord, Lowe & Edelman 2024,
    arXiv:2404.10636, section 5: the wisest values of a context by PageRank) turned into a
    decision: the PageRank scores serve as the group's value weights in expected utility.

    Examples
    --------
    One group of three (two weigh speed over caution, one the reverse) choosing between
    yield (caution 1), go (speed 1) and creep (0.6 on both): the net graph has the edge
    caution -> speed of weight 1, PageRank gives (20/57, 37/57) and go scores 37/57 > 0.6.

    >>> ev = np.array([[[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]]] * 3)[None]
    >>> x = np.array([[[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]])
    >>> choice, ranking = moral_graph_choice(ev, np.ones((1, 3, 3), bool), x)
    >>> (ranking.scores * 57).round(6).tolist(), choice.winner.tolist()
    ([[20.0, 37.0]], [1])
    """
    ev = np.asarray(expected, dtype=float)
    x = np.asarray(values, dtype=float)
    allowed = np.asarray(permissible, dtype=bool)
    if ev.ndim != 4 or x.shape != (*ev.shape[:2], ev.shape[3]) or allowed.shape != ev.shape[:3]:
        raise MoralGraphError(
            "expected, permissible, values: expected shapes (G, N, A, V), (G, N, A) and "
            f"(G, N, V), found {ev.shape}, {allowed.shape} and {x.shape}"
        )
    w = np.ones(ev.shape[:2]) if weights is None else np.asarray(weights, dtype=float)
    ranking = _distinct_pagerank(wiser_than_edges(x, w), damping)
    members = w > 0
    stakes = w / np.maximum(w.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    group_ev = np.einsum("gn,gnav->gav", stakes, np.where(members[..., None, None], ev, 0.0))
    open_to_all = (allowed | ~members[..., None]).all(axis=1) & members.any(axis=1)[:, None]
    scores = np.where(open_to_all, np.einsum("gv,gav->ga", ranking.scores, group_ev), -np.inf)
    return choice_result("moral_graph", scores), ranking


def _distinct_pagerank(edges: np.ndarray, damping: float) -> MoralGraphRanking:
    """:func:`weighted_pagerank` of each of the (G, V, V) graphs, computed once per distinct
    graph (groups of like-minded members share few graphs: with two values, at most three)."""
    flat = edges.reshape(len(edges), -1)
    order = np.lexsort(flat.T[::-1])  # rows sorted (np.unique(axis=0) sorts slower)
    ordered = flat[order]
    first = np.ones(len(flat), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(len(flat), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    ranking = weighted_pagerank(ordered[first].reshape(-1, *edges.shape[1:]), damping)
    return MoralGraphRanking(
        ranking.scores[inverse],
        ranking.order[inverse],
        ranking.iterations[inverse],
        ranking.converged[inverse],
    )
