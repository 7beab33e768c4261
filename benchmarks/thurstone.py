"""Thurstonian fit time: phronesis (Pyro SVI) against an equivalent hand-rolled torch optimiser.

Run ``python benchmarks/thurstone.py [--steps 1000] [--repeats 3] [--options 30 80]``.

Both fit the same model to the same choices from the same initial parameters: standardised
means, rescaled variances, P(A chosen) = Phi((mu_A - mu_B) / sqrt(sigma_A^2 + sigma_B^2)), loss
the negative Bernoulli log likelihood summed over choices (what ``Trace_ELBO`` with an empty
guide computes), Adam with the same learning rate, one torch thread. The hand-rolled loop is the
floor: Pyro's cost over it is tracing, the param store and the ELBO machinery per step. The
table prints the median wall time of ``--repeats`` fits after one warm-up, the ratio Pyro /
torch, and the largest difference between the two fits' standardised means (they should agree:
same model, same optimiser). Data: synthetic choices from known utilities, and the Utility
Engineering country file (Mazeika et al. 2025, MIT licence) when ``../shared/data`` is present.
Timings are whatever this machine gives; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.learn.thurstone import (  # noqa: E402
    PairwiseChoices,
    fit_thurstonian,
    initial_parameters,
    standardised,
)
from models.torch_runtime import torch_threads  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "utility_engineering" / "fork_PredictablyWeird"


def synthetic(n: int, repeats: int = 2, seed: int = 0) -> PairwiseChoices:
    rng = np.random.default_rng(seed)
    mu, sigma = rng.normal(size=n), rng.uniform(0.2, 0.6, size=n)
    pairs = [
        (f"o{i}", f"o{j}", bool(rng.normal(mu[i], sigma[i]) > rng.normal(mu[j], sigma[j])))
        for i in range(n)
        for j in range(n)
        if i != j
        for _ in range(repeats)
    ]
    return PairwiseChoices.from_labels(pairs, f"synthetic n={n}")


def torch_fit(choices: PairwiseChoices, steps: int, lr: float, seed: int) -> np.ndarray:
    """The same model and optimiser, written directly in torch."""
    import torch

    first = torch.as_tensor(choices.first)
    second = torch.as_tensor(choices.second)
    observed = torch.as_tensor(choices.chose_first, dtype=torch.float64)
    init = initial_parameters(len(choices.options), seed)
    raw_mu = init[0].clone().requires_grad_(True)
    log_var = init[1].clone().requires_grad_(True)
    optimiser = torch.optim.Adam([raw_mu, log_var], lr=lr)
    with torch_threads(1):
        for _ in range(steps):
            optimiser.zero_grad()
            sd = raw_mu.std() + 1e-5
            mu = (raw_mu - raw_mu.mean()) / sd
            var = log_var.exp() / sd**2
            z = (mu[first] - mu[second]) / (var[first] + var[second] + 1e-5).sqrt()
            p = torch.special.ndtr(z).clamp(1e-12, 1 - 1e-12)
            loss = -(observed * p.log() + (1 - observed) * (1 - p).log()).sum()
            loss.backward()
            optimiser.step()
    mu_np, _ = standardised(raw_mu.detach().numpy(), log_var.detach().numpy())
    return mu_np


def timed(fn: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    result = fn()  # warm-up: imports, allocator, Pyro's first trace
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--options", type=int, nargs="*", default=[30, 80])
    args = parser.parse_args(argv)

    datasets = [synthetic(n) for n in args.options]
    files = sorted(DATA.glob("*country_vs_country*.csv")) if DATA.is_dir() else []
    if files:
        from models.learn.exchange_rates import read_country_choices

        datasets.append(read_country_choices(files[0]))

    header = (
        f"{'data':<40} {'choices':>7} {'pyro s':>8} {'torch s':>8} {'ratio':>6} {'max|dmu|':>9}"
    )
    print(f"Thurstonian fit, {args.steps} Adam steps (lr {args.lr}), median of {args.repeats}")
    print(header)
    print("-" * len(header))
    for choices in datasets:
        pyro_s, fit = timed(
            lambda c=choices: (
                fit_thurstonian(c, steps=args.steps, learning_rate=args.lr, holdout=0.0, seed=0).mu
            ),
            args.repeats,
        )
        torch_s, mu = timed(lambda c=choices: torch_fit(c, args.steps, args.lr, 0), args.repeats)
        name = Path(choices.source).name[:40]
        print(
            f"{name:<40} {len(choices.first):>7} {pyro_s:>8.3f} {torch_s:>8.3f} "
            f"{pyro_s / torch_s:>6.2f} {np.abs(fit - mu).max():>9.2e}"
        )


if __name__ == "__main__":
    main()
