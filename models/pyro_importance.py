"""Likelihood weighting over the Pyro program of a network (Fung & Chang 1990; Koller & Friedman
2009, §12.2.2).

The unobserved sites of :func:`~models.pyro_program.network_program` are drawn from the prior in a
vectorised particle plate (rows x particles); each particle is weighted by
w = prod_{observed X} P(x | pa(x)) (the log-probabilities of the observed sites of the trace),
the posterior of the targets is the self-normalised weighted histogram, the effective sample size
ESS = (sum w)^2 / sum w^2 and log P(e) ~ log((1/S) sum w) are reported per evidence row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import EvidenceError
from models.pyro_program import (
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
    estimate of P(e) on the natural scale.
    """

    posterior: np.ndarray
    ess: np.ndarray
    log_evidence: np.ndarray
    num_samples: int


def likelihood_weighting(
    compiled: CompiledNetwork,
    rows: Sequence[dict[str, str]],
    targets: tuple[str, ...],
    num_samples: int,
    seed: int,
    allow_zero: bool,
) -> ImportanceResult:
    torch = torch_module()
    pyro = pyro_module()
    shape = tuple(len(compiled.states[t]) for t in targets)
    posterior = np.zeros((len(rows), *shape))
    ess = np.zeros(len(rows))
    log_evidence = np.zeros(len(rows))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for observed_names, indices in evidence_groups(rows).items():
            group = [rows[i] for i in indices]
            n = len(group)
            variables = compiled.ancestral(set(targets) | set(observed_names))
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
            _weigh(
                trace,
                group,
                indices,
                targets,
                shape,
                log_w,
                posterior,
                ess,
                log_evidence,
                allow_zero,
            )
    return ImportanceResult(posterior, ess, log_evidence, num_samples)


def _weigh(
    trace: Any,
    group: Sequence[dict[str, str]],
    indices: Sequence[int],
    targets: tuple[str, ...],
    shape: tuple[int, ...],
    log_w: Any,
    posterior: np.ndarray,
    ess: np.ndarray,
    log_evidence: np.ndarray,
    allow_zero: bool,
) -> None:
    """Self-normalised weighted histogram of the target particles, ESS and log P(e) per row."""
    torch = torch_module()
    n, num_samples = log_w.shape
    log_total = torch.logsumexp(log_w, dim=-1)
    dead = ~(log_total > -math.inf)
    if bool(dead.any()) and not allow_zero:
        row = group[int(dead.nonzero()[0, 0])]
        raise EvidenceError(
            f"evidence ({shown(row)}): every one of {num_samples} importance samples has weight "
            "0; the evidence is impossible or too unlikely for likelihood weighting"
        )
    weights = (log_w - log_total[:, None]).exp()
    flat = torch.zeros(n, dtype=torch.long).reshape(n, 1).expand(n, num_samples).clone()
    for t, size in zip(targets, shape, strict=True):
        value = trace.nodes[t]["value"].expand(n, num_samples)
        flat = flat * size + value
    histogram = torch.zeros(n, int(np.prod(shape)), dtype=torch.float64)
    histogram.scatter_add_(1, flat, torch.nan_to_num(weights, nan=0.0))
    histogram[dead] = math.nan
    posterior[list(indices)] = histogram.reshape(n, *shape).numpy()
    ess[list(indices)] = (1.0 / (weights**2).sum(-1)).nan_to_num(nan=0.0).numpy()
    log_evidence[list(indices)] = (log_total - math.log(num_samples)).numpy()
