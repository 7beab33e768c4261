"""Value dynamics: how agents' credences and value weights change over a simulation step.

Agents are rows of one array: credences are ``(N, T)`` and row-stochastic, value weights are
``(N, V)`` or ``(N, T, V)``. Every function is pure (it returns new arrays and never mutates
its inputs) and vectorised over agents; the only Python loops run over time steps or over
row chunks of a distance matrix.

- :func:`bayes_update` — credences from evidence (Bayes' rule, in logs).
- :func:`degroot_step`, :func:`degroot_iterate`, :func:`consensus_analysis`,
  :func:`degroot_consensus` — social learning on an influence network (DeGroot 1974).
- :func:`bounded_confidence_step`, :func:`deffuant_step` — bounded confidence
  (Hegselmann & Krause 2002; Deffuant et al. 2000).
- :func:`linear_reference`, :func:`progress_scores` — a moving reference value vector with
  follow / predict scores, in the spirit of ProgressGym (Qiu et al. 2024).

scipy is imported only by the functions that need it (:func:`consensus_analysis`); a sparse
influence matrix is recognised without importing scipy (a caller who built one already has).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine import PhronesisError

Norm = Literal["l1", "l2", "linf"]

#: The most float64 elements one chunk of a pairwise distance computation may hold (32 MiB).
CHUNK_ELEMENTS = 1 << 22


class DynamicsInputError(PhronesisError, ValueError):
    """An array handed to a dynamics or metrics function has the wrong shape or values."""


@dataclass(frozen=True, slots=True)
class BayesInfo:
    """What :func:`bayes_update` did per agent.

    ``uninformative[i]`` is True where the evidence had likelihood zero under every theory
    agent i gives credence to: Bayes' rule is undefined there and the prior is kept.
    ``log_evidence[i]`` is log Σ_T prior_i(T) L_i(T) (−inf where uninformative).
    """

    uninformative: np.ndarray
    log_evidence: np.ndarray


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


@dataclass(frozen=True, slots=True)
class ProgressScores:
    """Per-agent cosine similarities with the reference now (follow) and next (predict)."""

    follow: np.ndarray
    predict: np.ndarray

    @property
    def follow_score(self) -> float:
        """Mean follow similarity over agents."""
        return float(np.mean(self.follow))

    @property
    def predict_score(self) -> float:
        """Mean predict similarity over agents (NaN when there is no next reference)."""
        return float(np.mean(self.predict))


# --- Bayesian updating --------------------------------------------------------------------


def bayes_update(
    credences: np.ndarray, likelihood: np.ndarray, *, log: bool = False
) -> tuple[np.ndarray, BayesInfo]:
    r"""Update each agent's credences over theories on what it observed.

    posterior_i(T) = prior_i(T) L_i(T) / Σ_T' prior_i(T') L_i(T'), computed in logs
    (log prior + log L − logsumexp) so that products of many small likelihoods do not
    underflow. Rows whose likelihood is zero under every theory with prior mass keep their
    prior and are flagged in :class:`BayesInfo`.

    Parameters
    ----------
    credences : (N, T) row-stochastic array.
    likelihood : (N, T) or (T,) — L_i(T), the probability of agent i's observation (an
        outcome, a human judgment) under theory T; or its log when ``log=True`` (sum the logs
        of several observations to update on all of them at once).

    References
    ----------
    Bayes' rule: Gelman et al. (2013), *Bayesian Data Analysis*, 3rd ed., §1.3; the
    log-sum-exp device: Murphy (2012), *Machine Learning: A Probabilistic Perspective*, §3.5.3.

    Examples
    --------
    >>> post, info = bayes_update(np.array([[0.5, 0.5]]), np.array([[0.8, 0.2]]))
    >>> post.round(3).tolist(), info.uninformative.tolist()
    ([[0.8, 0.2]], [False])
    """
    prior = _stochastic_rows(credences, "credences")
    lik = np.asarray(likelihood, dtype=float)
    try:
        lik = np.broadcast_to(lik, prior.shape)
    except ValueError:
        raise DynamicsInputError(
            f"likelihood: expected shape {prior.shape} or ({prior.shape[1]},), "
            f"found {np.shape(likelihood)}"
        ) from None
    if log:
        if np.isnan(lik).any() or (lik == np.inf).any():
            raise DynamicsInputError("likelihood: log-likelihoods must be < +inf and not NaN")
        log_lik = lik
    else:
        if not np.isfinite(lik).all() or (lik < 0).any():
            raise DynamicsInputError("likelihood: expected finite non-negative values")
        with np.errstate(divide="ignore"):
            log_lik = np.log(lik)
    with np.errstate(divide="ignore"):
        joint = np.log(prior) + log_lik
    top = joint.max(axis=1, keepdims=True)
    uninformative = top[:, 0] == -np.inf
    safe_top = np.where(uninformative[:, None], 0.0, top)
    scaled = np.exp(joint - safe_top)
    total = scaled.sum(axis=1, keepdims=True)
    posterior = np.where(uninformative[:, None], prior, scaled / np.where(total > 0, total, 1.0))
    with np.errstate(divide="ignore"):
        log_evidence = np.where(uninformative, -np.inf, safe_top[:, 0] + np.log(total[:, 0]))
    return posterior, BayesInfo(uninformative=uninformative, log_evidence=log_evidence)


# --- DeGroot averaging --------------------------------------------------------------------


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
    w = _influence(influence)
    values = np.asarray(x, dtype=float)
    if values.ndim == 0 or values.shape[0] != w.shape[0]:
        raise DynamicsInputError(
            f"x: expected {w.shape[0]} rows (one per agent), found shape {values.shape}"
        )
    return _apply(w, values)


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
    w = _influence(influence)
    x = np.asarray(x0, dtype=float)
    if x.ndim == 0 or x.shape[0] != w.shape[0]:
        raise DynamicsInputError(
            f"x0: expected {w.shape[0]} rows (one per agent), found shape {x.shape}"
        )
    for _ in range(steps):
        x = _apply(w, x)
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

    w = _influence(influence)
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
    if x.ndim == 0 or x.shape[0] != _shape(influence)[0]:
        raise DynamicsInputError(
            f"x0: expected {_shape(influence)[0]} rows (one per agent), found shape {x.shape}"
        )
    if info.weights is None:
        return None, info
    return np.tensordot(info.weights, x, axes=1), info


# --- bounded confidence -------------------------------------------------------------------


def bounded_confidence_step(
    x: np.ndarray,
    epsilon: float,
    *,
    norm: Norm = "l2",
    neighbours: Any = None,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> np.ndarray:
    r"""One synchronous Hegselmann–Krause round: each agent moves to the mean of the agents
    (itself included) within distance ε of it: x_i(t+1) = mean{x_j(t) : ‖x_j − x_i‖ ≤ ε}.

    ``x`` is (N,) opinions or (N, D) vectors (credences (N, T) stay row-stochastic, being
    averages of probability vectors). Distance: ``"l1"`` (Σ|·|, for probability vectors twice
    the total-variation distance), ``"l2"`` (Euclidean, default) or ``"linf"`` (max |·|).
    With ``neighbours`` (an (N, N) adjacency, scipy.sparse or dense; nonzero = may listen) only
    neighbours and oneself are candidates: O(E D) for E edges. Without it everyone is a
    candidate: 1-D opinions (N,) or (N, 1) use sorting and prefix sums, O(N log N) time and O(N)
    memory; vectors use the (N, N) distance matrix in row chunks of at most ``chunk_elements``
    floats, O(N² D) time and O(chunk_elements) memory whatever N is (chunks of
    ⌊chunk_elements / N⌋ rows: with the default budget L2 takes one chunk up to N ≈ 2,000).

    References
    ----------
    Hegselmann & Krause (2002), "Opinion dynamics and bounded confidence: models, analysis and
    simulation", *JASSS* 5(3).

    Examples
    --------
    >>> bounded_confidence_step(np.array([0.0, 0.1, 0.9, 1.0]), 0.2).round(2).tolist()
    [0.05, 0.05, 0.95, 0.95]
    """
    if not epsilon >= 0:
        raise DynamicsInputError(f"epsilon: expected a distance >= 0, found {epsilon}")
    if norm not in ("l1", "l2", "linf"):
        raise DynamicsInputError(f"norm: expected 'l1', 'l2' or 'linf', found {norm!r}")
    values = np.asarray(x, dtype=float)
    if values.ndim not in (1, 2) or values.shape[0] == 0:
        raise DynamicsInputError(f"x: expected shape (N,) or (N, D), found {values.shape}")
    if neighbours is not None:
        shape = _shape(neighbours)
        if shape != (values.shape[0],) * 2:
            raise DynamicsInputError(
                f"neighbours: expected shape {(values.shape[0],) * 2}, found {shape}"
            )
        flat = values.reshape(values.shape[0], -1)
        return _bounded_confidence_network(flat, epsilon, norm, neighbours).reshape(values.shape)
    if values.ndim == 1 or values.shape[1] == 1:
        return _bounded_confidence_1d(values.reshape(-1), epsilon).reshape(values.shape)
    return _bounded_confidence_all_pairs(values, epsilon, norm, chunk_elements)


def deffuant_step(
    rng: np.random.Generator, x: np.ndarray, epsilon: float, mu: float = 0.5, *, norm: Norm = "l2"
) -> np.ndarray:
    r"""One round of Deffuant–Weisbuch bounded confidence: agents meet in random pairs (a
    random perfect matching drawn from ``rng``; with N odd one agent sits out) and a pair
    within distance ε moves each toward the other: x_i ← x_i + μ (x_j − x_i), μ ∈ [0, 1/2].

    References
    ----------
    Deffuant, Neau, Amblard & Weisbuch (2000), "Mixing beliefs among interacting agents",
    *Advances in Complex Systems* 3, 87-98.

    Examples
    --------
    >>> deffuant_step(np.random.default_rng(0), np.array([0.0, 0.1]), 0.5).tolist()
    [0.05, 0.05]
    """
    if not 0.0 <= mu <= 0.5:
        raise DynamicsInputError(f"mu: expected a convergence parameter in [0, 0.5], found {mu}")
    values = np.asarray(x, dtype=float)
    if values.ndim not in (1, 2):
        raise DynamicsInputError(f"x: expected shape (N,) or (N, D), found {values.shape}")
    n = values.shape[0]
    order = rng.permutation(n)
    a, b = order[0 : n - 1 : 2], order[1:n:2]
    gap = values[b] - values[a]
    dist = _distance(gap.reshape(len(a), int(np.prod(values.shape[1:]))), norm)
    move = (dist <= epsilon).reshape((-1,) + (1,) * (values.ndim - 1)) * mu * gap
    out = values.copy()
    out[a] += move
    out[b] -= move
    return out


# --- progress mode ------------------------------------------------------------------------


def linear_reference(r0: np.ndarray, drift: np.ndarray, steps: int) -> np.ndarray:
    """A reference value trajectory r(t) = r0 + t · drift for t = 0..steps, shape (steps+1, V).

    Examples
    --------
    >>> linear_reference(np.array([1.0, 0.0]), np.array([0.0, 0.5]), 2).tolist()
    [[1.0, 0.0], [1.0, 0.5], [1.0, 1.0]]
    """
    start = np.asarray(r0, dtype=float)
    step = np.broadcast_to(np.asarray(drift, dtype=float), start.shape)
    return start[None, :] + np.arange(steps + 1, dtype=float)[:, None] * step[None, :]


def progress_scores(weights: np.ndarray, reference: np.ndarray, t: int) -> ProgressScores:
    r"""Follow and predict scores of agents' value vectors against a moving reference.

    follow_i = cos(w_i, r(t)), predict_i = cos(w_i, r(t+1)), with cos(a, b) = a·b / (‖a‖ ‖b‖)
    and cos = 0 where either vector is zero; predict is NaN at the trajectory's last step.
    ``weights`` is (N, V) (reduce (N, T, V) weights first, e.g. credence-weighted over T);
    ``reference`` is the (S, V) trajectory (see :func:`linear_reference`).

    References
    ----------
    Qiu et al. (2024), "ProgressGym: Alignment with a Millennium of Moral Progress", NeurIPS
    Datasets & Benchmarks (the Follow and Predict challenges).

    Examples
    --------
    >>> ref = linear_reference(np.array([1.0, 0.0]), np.array([-1.0, 1.0]), 1)
    >>> s = progress_scores(np.array([[1.0, 0.0], [0.0, 2.0]]), ref, 0)
    >>> s.follow.tolist(), s.predict.tolist()
    ([1.0, 0.0], [0.0, 1.0])
    """
    w = np.asarray(weights, dtype=float)
    ref = np.asarray(reference, dtype=float)
    if w.ndim != 2 or ref.ndim != 2 or ref.shape[1] != w.shape[1]:
        raise DynamicsInputError(
            f"weights, reference: expected (N, V) and (S, V), found {w.shape} and {ref.shape}"
        )
    if not 0 <= t < ref.shape[0]:
        raise DynamicsInputError(f"t: expected a step in [0, {ref.shape[0]}), found {t}")
    follow = _cosine(w, ref[t])
    predict = _cosine(w, ref[t + 1]) if t + 1 < ref.shape[0] else np.full(w.shape[0], np.nan)
    return ProgressScores(follow=follow, predict=predict)


# --- internals ----------------------------------------------------------------------------


def _stochastic_rows(credences: np.ndarray, field: str) -> np.ndarray:
    c = np.asarray(credences, dtype=float)
    if c.ndim != 2:
        raise DynamicsInputError(f"{field}: expected shape (N, T), found {c.shape}")
    if not np.isfinite(c).all() or (c < 0).any():
        raise DynamicsInputError(f"{field}: expected finite non-negative probabilities")
    sums = c.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad.size:
        raise DynamicsInputError(
            f"{field}: expected rows summing to 1, row {bad[0]} sums to {sums[bad[0]]}"
        )
    return c


def _is_sparse(w: Any) -> bool:
    module = sys.modules.get("scipy.sparse")
    return module is not None and bool(module.issparse(w))


def _shape(w: Any) -> tuple[int, ...]:
    return tuple(w.shape) if hasattr(w, "shape") else np.shape(w)


def _influence(influence: Any) -> Any:
    """Check W is square, non-negative and row-stochastic; return it as float (dense or CSR)."""
    if _is_sparse(influence):
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


def _apply(w: Any, x: np.ndarray) -> np.ndarray:
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
    dense = w.toarray() if _is_sparse(w) else w
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
    wt = w.T.tocsr() if _is_sparse(w) else w.T
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
    wt = w.T.tocsr() if _is_sparse(w) else w.T
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


def _bounded_confidence_1d(x: np.ndarray, epsilon: float) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    prefix = np.concatenate(([0.0], np.cumsum(sorted_x)))
    lo = np.searchsorted(sorted_x, sorted_x - epsilon, side="left")
    hi = np.searchsorted(sorted_x, sorted_x + epsilon, side="right")
    means = (prefix[hi] - prefix[lo]) / (hi - lo)
    out = np.empty_like(x)
    out[order] = means
    return out


def _bounded_confidence_all_pairs(
    values: np.ndarray, epsilon: float, norm: Norm, chunk_elements: int
) -> np.ndarray:
    n, d = values.shape
    per_row = n * (d if norm in ("l1", "linf") else 1)
    chunk = max(1, chunk_elements // max(per_row, 1))
    out = np.empty_like(values)
    squares = np.einsum("ij,ij->i", values, values)
    for start in range(0, n, chunk):
        block = values[start : start + chunk]
        if norm == "l2":
            gram = block @ values.T
            dist2 = squares[start : start + chunk, None] + squares[None, :] - 2.0 * gram
            # ‖a‖² + ‖b‖² − 2a·b loses ~1e-16 · ‖a‖² to cancellation: let ties count as near.
            near = dist2 <= epsilon * epsilon + 1e-12 * (1.0 + squares.max())
        elif norm == "l1":
            near = np.abs(block[:, None, :] - values[None, :, :]).sum(axis=2) <= epsilon
        else:
            near = np.abs(block[:, None, :] - values[None, :, :]).max(axis=2) <= epsilon
        weights = near.astype(float)
        out[start : start + chunk] = (weights @ values) / weights.sum(axis=1, keepdims=True)
    return out


def _bounded_confidence_network(
    values: np.ndarray, epsilon: float, norm: Norm, neighbours: Any
) -> np.ndarray:
    n = values.shape[0]
    rows, cols = neighbours.nonzero()
    other = rows != cols
    rows = np.concatenate([rows[other], np.arange(n)])  # oneself, once, is always within ε
    cols = np.concatenate([cols[other], np.arange(n)])
    near = _distance(values[rows] - values[cols], norm) <= epsilon
    rows, cols = rows[near], cols[near]
    counts = np.bincount(rows, minlength=n).astype(float)
    sums = np.stack(
        [np.bincount(rows, values[cols, k], minlength=n) for k in range(values.shape[1])], axis=1
    )
    return sums / counts[:, None]


def _distance(diff: np.ndarray, norm: Norm) -> np.ndarray:
    if norm == "l1":
        return np.abs(diff).sum(axis=1)
    if norm == "l2":
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if norm == "linf":
        return np.abs(diff).max(axis=1) if diff.shape[1] else np.zeros(diff.shape[0])
    raise DynamicsInputError(f"norm: expected 'l1', 'l2' or 'linf', found {norm!r}")


def _cosine(w: np.ndarray, r: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(w, axis=1) * np.linalg.norm(r)
    dots = w @ r
    return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
