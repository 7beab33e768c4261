"""Sound contraction rates of DeGroot averaging x(t+1) = W x(t) (W row-stochastic).

Seneta's coefficient of ergodicity of a stochastic matrix M,

    τ(M) = 1 − min_{i,j} Σ_k min(M_ik, M_jk) = ½ max_{i,j} Σ_k |M_ik − M_jk|,

bounds the contraction of the spread: max(Mx) − min(Mx) ≤ τ(M) (max x − min x), and it is
submultiplicative, τ(AB) ≤ τ(A) τ(B) (Seneta 2006, *Non-negative Matrices and Markov Chains*,
ch. 3, coefficients of ergodicity). Doeblin's bound τ(M) ≤ 1 − Σ_k min_i M_ik follows from
min(M_ik, M_jk) ≥ min_i M_ik and costs O(nnz). For a sparse W, τ(W) is often 1 (two agents
with no common neighbour) while τ(W^m) < 1 for a power m that lets every pair of agents share
an influencer, so powers m = 1, 2, 4, ... are tried by repeated squaring.

Rounding is taken against the bound: the computed power P̃ of W^m (m = 2^k, by k squarings of
non-negative N x N matrices) satisfies |P̃ − W^m| ≤ e · W^m entrywise with e ≤ 2 m N u
(u = 2^-53; each product adds at most γ_N ≈ N u, Higham 2002, *Accuracy and Stability of
Numerical Algorithms*, §3.5, and squaring doubles the relative error before it), so the
overlaps computed from P̃ are shrunk by the factor 1 − e − N u before they are used. A power
whose e exceeds 10^-3 is not tried. The matrix W itself is taken as given.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sparse

#: unit roundoff of float64
UNIT = 2.0**-53
#: largest N whose powers are dense arrays (above it: sparse, within NNZ_BUDGET)
DENSE_LIMIT = 2000
#: largest N whose τ is computed exactly (O(N^3)); above it Doeblin's bound alone
EXACT_LIMIT = 500
#: largest number of stored entries of a sparse power
NNZ_BUDGET = 20_000_000
#: the largest relative rounding error of a power accepted
ROUNDING_LIMIT = 1e-3


@dataclass(frozen=True, slots=True)
class Rate:
    """``tau`` ≥ τ(W^``power``), a sound bound below 1, found by ``method`` (``"exact"``:
    Seneta's τ over all pairs of rows; ``"doeblin"``: 1 − Σ_k min_i (W^m)_ik)."""

    power: int
    tau: float
    method: str


def ergodicity_coefficient(m: np.ndarray) -> float:
    """τ(M) = 1 − min_{i,j} Σ_k min(M_ik, M_jk) of a dense stochastic M, in floating point
    (O(N^3), chunked to about 4·10^6 entries at a time).

    Examples
    --------
    >>> ergodicity_coefficient(np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]]))
    0.5
    """
    n = m.shape[0]
    chunk = max(1, 4_000_000 // (n * n))
    worst = 1.0
    for start in range(0, n, chunk):
        block = m[start : start + chunk]
        overlap = np.minimum(block[:, None, :], m[None, :, :]).sum(axis=2)
        worst = min(worst, float(overlap.min()))
    return 1.0 - worst


def doeblin_mass(m: np.ndarray | sparse.csr_array) -> float:
    """Σ_k min_i M_ik: the mass every row puts on a common column (0 unless some column has
    no zero), so τ(M) ≤ 1 − doeblin_mass(M).

    Examples
    --------
    >>> doeblin_mass(np.array([[0.5, 0.5], [0.25, 0.75]]))
    0.75
    """
    if not sparse.issparse(m):
        return float(np.asarray(m).min(axis=0).sum())
    csc = sparse.csc_array(m)
    counts = np.diff(csc.indptr)
    full = np.flatnonzero(counts == csc.shape[0])
    return float(sum(csc.data[csc.indptr[k] : csc.indptr[k + 1]].min() for k in full))


def rate_bound(w: sparse.csr_array, *, target: float = 0.5, max_doublings: int = 62) -> Rate | None:
    """A sound bound τ_m ≥ τ(W^m) < 1 for the first m = 2^k whose bound is at most
    ``target`` (with a margin of 10^-9 for the rounding allowance); failing that, the best
    per-step rate τ_m^(1/m) found before the rounding or memory limits; None when every bound
    tried is 1 (see the module docstring).

    Examples
    --------
    >>> w = sparse.csr_array(np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]]))
    >>> rate = rate_bound(w)
    >>> rate.power, round(rate.tau, 12), rate.method
    (1, 0.5, 'exact')
    """
    best: Rate | None = None
    for k, power in _powers(w, max_doublings):
        tau = _bound(power, 2**k, w.shape[0], exact=w.shape[0] <= 64)
        if tau >= 1.0:
            continue
        rate = _exact_at(power, 2**k, w.shape[0], tau)
        if best is None or math.log(rate.tau) / rate.power < math.log(best.tau) / best.power:
            best = rate
        if rate.tau <= target + 1e-9:  # the margin absorbs the rounding allowance
            return rate
    return best


def tau_bound_at(w: sparse.csr_array, power: int) -> float | None:
    """The bound :func:`rate_bound` gives for W^``power`` (a power of two), recomputed: None
    when it is not below 1 or the power is beyond the rounding or memory limits."""
    if power < 1 or power & (power - 1):
        return None
    target = power.bit_length() - 1
    for k, matrix in _powers(w, target):
        if k == target:
            tau = _exact_at(matrix, power, w.shape[0], _bound(matrix, power, w.shape[0])).tau
            return tau if tau < 1.0 else None
    return None


def slem(w: sparse.csr_array) -> float | None:
    """The second-largest eigenvalue modulus |λ2| of W (the asymptotic rate of DeGroot
    averaging on a primitive W), from a dense eigen-decomposition: eigvalsh for a symmetric W
    with N ≤ 2000, eigvals for N ≤ 1000; else None. Reported beside the certified bound, not
    used by it."""
    n = w.shape[0]
    if n < 2:
        return 0.0
    symmetric = (w != w.T).nnz == 0
    if n > (DENSE_LIMIT if symmetric else DENSE_LIMIT // 2):
        return None
    dense = w.toarray()
    values = np.linalg.eigvalsh(dense) if symmetric else np.linalg.eigvals(dense)
    moduli = np.abs(values)
    top = int(np.argmin(np.abs(values - 1.0)))
    return float(np.delete(moduli, top).max())


def _powers(w: sparse.csr_array, max_doublings: int) -> Iterator[tuple[int, Any]]:
    """(k, W^(2^k)) for k = 0, 1, ... while the rounding and memory limits allow."""
    n = w.shape[0]
    matrix: np.ndarray | sparse.csr_array = w.toarray() if n <= DENSE_LIMIT else w
    for k in range(max_doublings + 1):
        if _rounding(2**k, n) > ROUNDING_LIMIT:
            return
        yield k, matrix
        if sparse.issparse(matrix):
            matrix = sparse.csr_array(matrix @ matrix)
            if matrix.nnz > NNZ_BUDGET:
                return
        else:
            matrix = matrix @ matrix


def _rounding(power: int, n: int) -> float:
    """The relative error allowed for a computed W^power and a sum over N terms."""
    return 2.0 * power * n * UNIT + n * UNIT


def _bound(matrix: np.ndarray | sparse.csr_array, power: int, n: int, exact: bool = False) -> float:
    shrink = 1.0 - _rounding(power, n)
    tau = 1.0 - shrink * doeblin_mass(matrix)
    if exact and not sparse.issparse(matrix):
        tau = min(tau, 1.0 - shrink * (1.0 - ergodicity_coefficient(matrix)))
    return tau


def _exact_at(matrix: np.ndarray | sparse.csr_array, power: int, n: int, tau: float) -> Rate:
    """Tighten a Doeblin bound with the exact τ when N ≤ EXACT_LIMIT."""
    if n <= EXACT_LIMIT and not sparse.issparse(matrix):
        shrink = 1.0 - _rounding(power, n)
        exact = 1.0 - shrink * (1.0 - ergodicity_coefficient(matrix))
        if exact <= tau:
            return Rate(power, exact, "exact")
    return Rate(power, tau, "doeblin")
