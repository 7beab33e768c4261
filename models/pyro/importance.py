"""Likelihood weighting over the Pyro program of a network (Fung & Chang 1990; Koller & Friedman
2009, §12.2.2), discrete or hybrid.

The unobserved sites of :func:`~models.pyro.program.network_program` (discrete and continuous)
are drawn from the prior in a vectorised particle plate (rows x particles); each particle is
weighted by w = prod_{observed X} p(x | pa(x)) (the log-probabilities or log-densities of the
observed sites of the trace). Self-normalised estimates E_w[f] = sum_s w_s f_s / sum_s w_s are
reported with

- the effective sample size ESS = (sum w)^2 / sum w^2 (Kong 1992; Owen 2013, *Monte Carlo
  theory, methods and examples*, §9.3) per evidence row;
- the delta-method standard error of a self-normalised estimate (Owen 2013, eq. 9.9):
  se(f) = sqrt(sum_s wbar_s^2 (f_s - E_w[f])^2), wbar the normalised weights;
- log P(e) ~ log((1/S) sum w), unbiased for P(e) on the natural scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import EvidenceError
from models.pyro.program import (
    CompiledNetwork,
    evidence_groups,
    network_program,
    observed_indices,
    pyro_module,
    quiet,
    shown,
    torch_module,
)


@dataclass(frozen=True, slots=True)
class ImportanceResult:
    """Likelihood-weighting estimates for a batch of evidence rows.

    ``posterior`` is shaped (N, |t_1|, ..., |t_k|); ``ess`` (N,) is the effective sample size
    (sum w)^2 / sum w^2 of each row; ``log_evidence`` (N,) is log((1/S) sum w), an unbiased
    estimate of P(e) on the natural scale; ``standard_error`` is the delta-method standard
    error of each posterior entry.
    """

    posterior: np.ndarray
    ess: np.ndarray
    log_evidence: np.ndarray
    num_samples: int
    standard_error: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Particles:
    """Weighted particles of the requested sites for N evidence rows.

    ``values[name]`` is (N, S): state indices (discrete) or values (continuous); ``weights`` is
    (N, S), normalised per row (NaN where every weight is 0); ``ess`` and ``log_evidence`` (N,).
    """

    values: Mapping[str, np.ndarray]
    weights: np.ndarray
    ess: np.ndarray
    log_evidence: np.ndarray
    num_samples: int

    def mean(self, f: np.ndarray) -> np.ndarray:
        """E_w[f] per row for per-particle values ``f`` (N, S)."""
        return np.sum(self.weights * f, axis=-1)

    def standard_error(self, f: np.ndarray) -> np.ndarray:
        """Delta-method standard error of :meth:`mean` (Owen 2013, eq. 9.9)."""
        centred = f - self.mean(f)[:, None]
        return np.sqrt(np.sum(self.weights**2 * centred**2, axis=-1))


def sample_particles(
    compiled: CompiledNetwork,
    rows: Sequence[Mapping[str, Any]],
    sites: tuple[str, ...],
    num_samples: int,
    seed: int,
    allow_zero: bool,
) -> Particles:
    """Likelihood weighting: ``num_samples`` particles per row, seeded by ``seed``."""
    torch = torch_module()
    pyro = pyro_module()
    n_rows = len(rows)
    values = {s: np.zeros((n_rows, num_samples)) for s in sites}
    weights = np.zeros((n_rows, num_samples))
    ess = np.zeros(n_rows)
    log_evidence = np.zeros(n_rows)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for observed_names, indices in evidence_groups(rows).items():
            group = [rows[i] for i in indices]
            n = len(group)
            variables = compiled.ancestral(set(sites) | set(observed_names))
            observed = observed_indices(compiled, group, observed_names, (n, 1))

            def model(
                variables: tuple[str, ...] = variables, observed: dict = observed, n: int = n
            ) -> None:
                network_program(
                    compiled, variables, observed, [("rows", n, -2), ("particles", num_samples, -1)]
                )

            with quiet():
                trace = pyro.poutine.trace(model).get_trace()
                trace.compute_log_prob()
            log_w = torch.zeros(n, num_samples, dtype=torch.float64)
            for site in trace.nodes.values():
                if site["type"] == "sample" and site["is_observed"]:  # evidence and row masses
                    log_w = log_w + site["log_prob"]
            log_total = torch.logsumexp(log_w, dim=-1)
            dead = ~(log_total > -math.inf)
            if bool(dead.any()) and not allow_zero:
                row = group[int(dead.nonzero()[0, 0])]
                raise EvidenceError(
                    f"evidence ({shown(row)}): every one of {num_samples} importance samples has "
                    "weight 0; the evidence is impossible or too unlikely for likelihood weighting"
                )
            normalised = (log_w - log_total[:, None]).exp()
            weights[indices] = normalised.numpy()
            ess[indices] = (1.0 / (normalised**2).sum(-1)).nan_to_num(nan=0.0).numpy()
            log_evidence[indices] = (log_total - math.log(num_samples)).numpy()
            for s in sites:
                value = trace.nodes[s]["value"].expand(n, num_samples)
                values[s][indices] = value.to(torch.float64).numpy()
    return Particles(values, weights, ess, log_evidence, num_samples)


def likelihood_weighting(
    compiled: CompiledNetwork,
    rows: Sequence[Mapping[str, Any]],
    targets: tuple[str, ...],
    num_samples: int,
    seed: int,
    allow_zero: bool,
) -> ImportanceResult:
    """P(targets | e) per row as the weighted histogram of the particles, with standard errors."""
    particles = sample_particles(compiled, rows, targets, num_samples, seed, allow_zero)
    shape = tuple(len(compiled.states[t]) for t in targets)
    n = len(rows)
    flat = np.zeros((n, num_samples), dtype=np.int64)
    for t, size in zip(targets, shape, strict=True):
        flat = flat * size + particles.values[t].astype(np.int64)
    cells = int(np.prod(shape))
    weights = np.nan_to_num(particles.weights, nan=0.0)
    posterior = np.zeros((n, cells))
    second = np.zeros((n, cells))
    for r in range(n):
        posterior[r] = np.bincount(flat[r], weights=weights[r], minlength=cells)
        second[r] = np.bincount(flat[r], weights=weights[r] ** 2, minlength=cells)
    # se(p_k)^2 = sum_s w_s^2 (1{s in k} - p_k)^2 = second_k - 2 p_k second_k + p_k^2 sum w^2
    total_second = np.sum(weights**2, axis=-1, keepdims=True)
    variance = second * (1 - 2 * posterior) + posterior**2 * total_second
    dead = particles.ess == 0
    posterior[dead] = math.nan
    variance[dead] = math.nan
    return ImportanceResult(
        posterior.reshape(n, *shape),
        particles.ess,
        particles.log_evidence,
        num_samples,
        np.sqrt(np.clip(variance, 0.0, None)).reshape(n, *shape),
    )
