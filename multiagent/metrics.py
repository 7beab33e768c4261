"""Metrics of one simulation step, each a pure function over that step's arrays.

Agents are rows: realised utilities (N, V), norm violations (N, K) bool, choices (N,) int,
credences (N, T), group labels (N,) int. Every function is vectorised over agents (sorting,
``bincount`` / ``reduceat``, reductions along axis 0); :func:`step_metrics` collects the
scalars into one flat dict with stable keys, one table column each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from multiagent.dynamics import DynamicsInputError


@dataclass(frozen=True, slots=True)
class Welfare:
    """Realised utility per value dimension: ``mean`` and ``total`` over agents, each (V,)."""

    mean: np.ndarray
    total: np.ndarray


@dataclass(frozen=True, slots=True)
class Violations:
    """Norm violations: ``counts`` (K,) agents violating each norm, ``rates`` = counts / N,
    ``total`` violations summed over norms, ``any_rate`` the share of agents violating any."""

    counts: np.ndarray
    rates: np.ndarray
    total: int
    any_rate: float


@dataclass(frozen=True, slots=True)
class Fairness:
    """Group means of a quantity and their spread: ``labels`` (G,), ``means`` (G,) or (G, V),
    ``gap`` = max − min over groups and ``ratio`` = min / max (NaN where undefined)."""

    labels: np.ndarray
    means: np.ndarray
    gap: np.ndarray | float
    ratio: np.ndarray | float


@dataclass(frozen=True, slots=True)
class Agreement:
    """``modal_option`` chosen by most agents (lowest index on ties), ``modal_share`` its share,
    ``entropy`` of the choice distribution normalised by log K (0 = unanimity, 1 = uniform)."""

    modal_option: int
    modal_share: float
    entropy: float


@dataclass(frozen=True, slots=True)
class Polarisation:
    """Per theory, across agents: ``variance`` (population) and Sarle's ``bimodality`` b."""

    variance: np.ndarray
    bimodality: np.ndarray


@dataclass(frozen=True, slots=True)
class Distance:
    """``max_abs`` = max |a − b| over all entries; ``mean_l1`` = mean over agents of
    Σ_T |a_iT − b_iT|."""

    max_abs: float
    mean_l1: float


def welfare(utilities: np.ndarray) -> Welfare:
    """Mean and total realised utility per value dimension: mean_v = (1/N) Σ_i u_iv.

    Examples
    --------
    >>> w = welfare(np.array([[1.0, 0.0], [3.0, 2.0]]))
    >>> w.mean.tolist(), w.total.tolist()
    ([2.0, 1.0], [4.0, 2.0])
    """
    u = _matrix(utilities, "utilities", "(N, V)")
    return Welfare(mean=u.mean(axis=0), total=u.sum(axis=0))


def violations(violated: np.ndarray) -> Violations:
    """Counts and realised rates of norm violations: rate_k = #{i : agent i violated k} / N.

    Examples
    --------
    >>> v = violations(np.array([[True, False], [True, True], [False, False]]))
    >>> v.counts.tolist(), v.rates.round(3).tolist(), v.total, round(v.any_rate, 3)
    ([2, 1], [0.667, 0.333], 3, 0.667)
    """
    m = np.asarray(violated)
    if m.ndim != 2 or m.dtype != bool:
        raise DynamicsInputError(
            f"violated: expected an (N, K) bool array, found {m.dtype} shape {m.shape}"
        )
    n = max(m.shape[0], 1)
    counts = m.sum(axis=0)
    return Violations(
        counts=counts,
        rates=counts / n,
        total=int(counts.sum()),
        any_rate=float(m.any(axis=1).sum() / n),
    )


def group_fairness(values: np.ndarray, groups: np.ndarray) -> Fairness:
    """Per-group means of a per-agent quantity and the gap and ratio between groups.

    mean_g = (1/|g|) Σ_{i ∈ g} x_i over the groups present; gap = max_g mean_g − min_g mean_g;
    ratio = min_g mean_g / max_g mean_g, defined for non-negative means only: it is NaN when any
    group mean is negative (shift or rescale the quantity first if a ratio is wanted) and 1
    when all group means are 0. ``values`` is (N,) or (N, V) (then per column).
    The ratio is the disparate-impact ratio behind the "four-fifths rule" (Feldman et al. 2015,
    "Certifying and removing disparate impact", KDD).

    Examples
    --------
    >>> f = group_fairness(np.array([1.0, 3.0, 4.0, 4.0]), np.array([0, 0, 1, 1]))
    >>> f.means.tolist(), f.gap, f.ratio
    ([2.0, 4.0], 2.0, 0.5)
    """
    x = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if x.ndim not in (1, 2) or g.shape != x.shape[:1] or x.shape[0] == 0:
        raise DynamicsInputError(
            f"values, groups: expected (N,) or (N, V) values and (N,) labels, found "
            f"{x.shape} and {g.shape}"
        )
    if not np.issubdtype(g.dtype, np.integer):
        raise DynamicsInputError(f"groups: expected integer labels, found {g.dtype}")
    labels, inverse, sizes = np.unique(g, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    sums = np.add.reduceat(x[order], starts, axis=0)
    means = sums / sizes.reshape((-1,) + (1,) * (x.ndim - 1))
    low, high = means.min(axis=0), means.max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(low < 0, np.nan, np.where(high == 0, 1.0, low / high))
    gap = high - low
    if x.ndim == 1:
        return Fairness(labels=labels, means=means, gap=float(gap), ratio=float(ratio))
    return Fairness(labels=labels, means=means, gap=gap, ratio=ratio)


def gini(values: np.ndarray) -> np.ndarray | float:
    r"""Gini coefficient of a non-negative quantity over agents (population form).

    G = Σ_i Σ_j |x_i − x_j| / (2 N² μ), computed from the sorted values x_(1) ≤ … ≤ x_(N) as
    G = 2 Σ_i i x_(i) / (N Σ_i x_i) − (N + 1) / N, O(N log N). It lies in [0, 1 − 1/N]:
    0 for equal shares, 1 − 1/N when one agent holds everything; G = 0 when all values are 0.
    ``values`` is (N,) or (N, V) (then one G per column). Negative values raise.

    References
    ----------
    Gini (1912), *Variabilità e mutabilità*; the sorted form: Sen (1973), *On Economic
    Inequality*, ch. 2, and Damgaard & Weiner (2000), *Ecology* 81(4), 1139-1142.

    Examples
    --------
    >>> gini(np.array([1.0, 1.0, 1.0, 1.0])), gini(np.array([0.0, 0.0, 0.0, 1.0]))
    (0.0, 0.75)
    """
    x = np.asarray(values, dtype=float)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise DynamicsInputError(f"values: expected shape (N,) or (N, V), found {x.shape}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise DynamicsInputError("values: the Gini coefficient needs finite non-negative values")
    n = x.shape[0]
    ranks = np.arange(1, n + 1, dtype=float).reshape((-1,) + (1,) * (x.ndim - 1))
    ordered = np.sort(x, axis=0)
    total = ordered.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 * (ranks * ordered).sum(axis=0) / (n * total) - (n + 1) / n
    g = np.where(total > 0, np.maximum(g, 0.0), 0.0)
    return float(g) if x.ndim == 1 else g


def agreement(choices: np.ndarray, n_options: int) -> Agreement:
    r"""Agreement of agents' choices among ``n_options`` options.

    modal share = max_a n_a / N; normalised entropy H = −Σ_a p_a log p_a / log K with
    p_a = n_a / N and K = ``n_options`` (H = 0 when K = 1).

    References
    ----------
    Shannon (1948), *Bell System Technical Journal* 27; entropy normalised by log K (evenness):
    Pielou (1966), *J. Theoretical Biology* 13, 131-144.

    Examples
    --------
    >>> a = agreement(np.array([0, 0, 0, 1]), 2)
    >>> a.modal_option, a.modal_share, round(a.entropy, 4)
    (0, 0.75, 0.8113)
    """
    c = np.asarray(choices)
    if c.ndim != 1 or c.size == 0 or not np.issubdtype(c.dtype, np.integer):
        raise DynamicsInputError(
            f"choices: expected (N,) option indices, found {c.dtype} {c.shape}"
        )
    if n_options < 1 or c.min() < 0 or c.max() >= n_options:
        raise DynamicsInputError(
            f"choices: expected indices in [0, {n_options}), found [{c.min()}, {c.max()}]"
        )
    counts = np.bincount(c, minlength=n_options)
    p = counts / c.size
    nonzero = p[p > 0]
    entropy = -(nonzero * np.log(nonzero)).sum() / np.log(n_options) if n_options > 1 else 0.0
    mode = int(np.argmax(counts))
    return Agreement(modal_option=mode, modal_share=float(p[mode]), entropy=abs(float(entropy)))


def polarisation(credences: np.ndarray) -> Polarisation:
    r"""Polarisation of credences across agents, per theory.

    variance_T = (1/N) Σ_i (c_iT − c̄_T)². Sarle's bimodality coefficient
    b = (g² + 1) / (k + 3 (n − 1)² / ((n − 2)(n − 3))) with g the sample skewness
    G1 = √(n(n−1))/(n−2) · m3 / m2^{3/2} and k the sample excess kurtosis
    G2 = (n−1)/((n−2)(n−3)) · ((n+1) m4/m2² − 3(n−1)) (m_r the central moments). b ranges over
    (0, 1]: about 5/9 for a uniform distribution, 1/3 for a normal one, → 1 for two point masses
    (b > 5/9 suggests bimodality). b is NaN for fewer than 4 agents or a constant column.

    References
    ----------
    SAS Institute (1990), *SAS/STAT User's Guide*, PROC CLUSTER; Pfister et al. (2013), "Good
    things peak in pairs", *Frontiers in Psychology* 4:700; G1, G2: Joanes & Gill
    (1998), *The Statistician* 47(1), 183-189.

    Examples
    --------
    >>> two_point = np.array([[0.0, 1.0]] * 50 + [[1.0, 0.0]] * 50)
    >>> polarisation(two_point).bimodality.round(4).tolist()
    [0.9507, 0.9507]
    """
    c = _matrix(credences, "credences", "(N, T)")
    n = c.shape[0]
    dev = c - c.mean(axis=0)
    m2 = (dev**2).mean(axis=0)
    if n < 4:
        return Polarisation(variance=m2, bimodality=np.full(c.shape[1], np.nan))
    m3 = (dev**3).mean(axis=0)
    m4 = (dev**4).mean(axis=0)
    # a column constant up to rounding has no shape to measure
    flat = m2 <= (1e-12 * np.abs(c).max(axis=0)) ** 2
    safe = np.where(flat, 1.0, m2)
    skew = np.sqrt(n * (n - 1)) / (n - 2) * m3 / safe**1.5
    kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / safe**2 - 3 * (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        b = (skew**2 + 1) / (kurt + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    return Polarisation(variance=m2, bimodality=np.where(flat, np.nan, b))


def distance(previous: np.ndarray, current: np.ndarray) -> Distance:
    """Distance between two credence states (N, T), or from each agent to a consensus (T,).

    max_abs = max_{i,T} |a_iT − b_iT|; mean_l1 = (1/N) Σ_i Σ_T |a_iT − b_iT|. ``current`` may
    be one row (the DeGroot consensus of :func:`multiagent.degroot.degroot_consensus`),
    broadcast against every agent.

    Examples
    --------
    >>> d = distance(np.array([[0.5, 0.5], [1.0, 0.0]]), np.array([0.5, 0.5]))
    >>> d.max_abs, d.mean_l1
    (0.5, 0.5)
    """
    a = _matrix(previous, "previous", "(N, T)")
    b = np.asarray(current, dtype=float)
    if b.shape not in (a.shape, a.shape[1:]):
        raise DynamicsInputError(
            f"current: expected shape {a.shape} or {a.shape[1:]}, found {b.shape}"
        )
    diff = np.abs(a - b)
    return Distance(max_abs=float(diff.max()), mean_l1=float(diff.sum(axis=1).mean()))


def step_metrics(
    *,
    utilities: np.ndarray | None = None,
    violated: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    choices: np.ndarray | None = None,
    n_options: int | None = None,
    credences: np.ndarray | None = None,
    previous_credences: np.ndarray | None = None,
    consensus: np.ndarray | None = None,
    value_names: Sequence[str] | None = None,
    norm_names: Sequence[str] | None = None,
    theory_names: Sequence[str] | None = None,
) -> dict[str, float | np.ndarray]:
    """All metrics of one step whose inputs are given, as a flat dict of floats.

    Keys are stable for a given set of inputs and names (names default to ``0``, ``1``, …):
    ``welfare.mean.<v>``, ``welfare.total.<v>``; ``violations.count.<k>``,
    ``violations.rate.<k>``, ``violations.total``, ``violations.any_rate``; with ``groups``,
    fairness of each agent's welfare summed over value dimensions: ``fairness.mean.<group>``,
    ``fairness.gap``, ``fairness.ratio``, and ``fairness.gini`` (NaN if any welfare is
    negative); ``agreement.modal_option``, ``agreement.modal_share``, ``agreement.entropy``;
    ``polarisation.variance.<t>``, ``polarisation.bimodality.<t>``;
    ``convergence.max_abs``, ``convergence.mean_l1`` (against ``previous_credences``);
    ``consensus.max_abs``, ``consensus.mean_l1`` (against ``consensus``).

    Examples
    --------
    >>> m = step_metrics(utilities=np.array([[1.0], [3.0]]), groups=np.array([0, 1]))
    >>> m["welfare.mean.0"], m["fairness.gap"], m["fairness.ratio"], m["fairness.gini"]
    (2.0, 2.0, 0.3333333333333333, 0.25)
    """
    out: dict[str, float | np.ndarray] = {}
    if utilities is not None:
        w = welfare(utilities)
        _put(out, "welfare.mean", w.mean, value_names)
        _put(out, "welfare.total", w.total, value_names)
        if groups is not None:
            per_agent = np.asarray(utilities, dtype=float).sum(axis=1)
            f = group_fairness(per_agent, groups)
            _put(out, "fairness.mean", f.means, [str(label) for label in f.labels])
            out["fairness.gap"] = float(f.gap)
            out["fairness.ratio"] = float(f.ratio)
            out["fairness.gini"] = gini(per_agent) if (per_agent >= 0).all() else float("nan")
    if violated is not None:
        v = violations(violated)
        _put(out, "violations.count", v.counts, norm_names)
        _put(out, "violations.rate", v.rates, norm_names)
        out["violations.total"] = float(v.total)
        out["violations.any_rate"] = v.any_rate
    if choices is not None:
        if n_options is None:
            raise DynamicsInputError("n_options: required with choices")
        a = agreement(choices, n_options)
        out["agreement.modal_option"] = float(a.modal_option)
        out["agreement.modal_share"] = a.modal_share
        out["agreement.entropy"] = a.entropy
    if credences is not None:
        p = polarisation(credences)
        _put(out, "polarisation.variance", p.variance, theory_names)
        _put(out, "polarisation.bimodality", p.bimodality, theory_names)
        if previous_credences is not None:
            d = distance(previous_credences, credences)
            out["convergence.max_abs"], out["convergence.mean_l1"] = d.max_abs, d.mean_l1
        if consensus is not None:
            d = distance(credences, consensus)
            out["consensus.max_abs"], out["consensus.mean_l1"] = d.max_abs, d.mean_l1
    return out


def _matrix(values: np.ndarray, field: str, shape: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0:
        raise DynamicsInputError(f"{field}: expected shape {shape} with N ≥ 1, found {x.shape}")
    return x


def _put(
    out: dict[str, float | np.ndarray], prefix: str, values: np.ndarray, names: Sequence[str] | None
) -> None:
    keys = [str(i) for i in range(len(values))] if names is None else list(names)
    if len(keys) != len(values):
        raise DynamicsInputError(
            f"{prefix}: {len(values)} entries but {len(keys)} names were given"
        )
    out.update({f"{prefix}.{key}": float(value) for key, value in zip(keys, values, strict=True)})
