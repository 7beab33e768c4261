"""Value dynamics: how agents' credences and value weights change over a simulation step.

Agents are rows of one array: credences are ``(N, T)`` and row-stochastic, value weights are
``(N, V)`` or ``(N, T, V)``. Every function is pure (it returns new arrays and never mutates
its inputs) and vectorised over agents; the only Python loops run over time steps or over
row chunks of a distance matrix.

- :func:`bayes_update` — credences from evidence (Bayes' rule, in logs).
- social learning on an influence network (DeGroot 1974) is :mod:`multiagent.degroot`.
- :func:`bounded_confidence_step`, :func:`deffuant_step` — bounded confidence
  (Hegselmann & Krause 2002; Deffuant et al. 2000).
- :func:`linear_reference`, :func:`progress_scores` — a moving reference value vector with
  follow / predict scores, in the spirit of ProgressGym (Qiu et al. 2024).

A sparse network is recognised without importing scipy (a caller who built one already has).
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
        shape = matrix_shape(neighbours)
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


def is_sparse(w: Any) -> bool:
    module = sys.modules.get("scipy.sparse")
    return module is not None and bool(module.issparse(w))


def matrix_shape(w: Any) -> tuple[int, ...]:
    return tuple(w.shape) if hasattr(w, "shape") else np.shape(w)


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
