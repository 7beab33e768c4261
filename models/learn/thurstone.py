"""Thurstonian utilities from pairwise preferences, fitted with Pyro.

Each option o has a random utility U(o) ~ N(mu_o, sigma_o^2); a choice between x and y follows
the sign of U(x) - U(y), so (Thurstone 1927, "A law of comparative judgment", Case III;
Mazeika et al. 2025, "Utility Engineering: Analyzing and Controlling Emergent Value Systems in
AIs", arXiv:2502.08640, §3)::

    P(x > y) = Phi((mu_x - mu_y) / sqrt(sigma_x^2 + sigma_y^2))

As in the paper's reference implementation (``compute_utilities``, MIT licence), the means are
standardised to mean 0 and standard deviation 1 inside the model (which fixes the location and
scale the likelihood cannot identify) and the variances are rescaled with them; the fit is
maximum likelihood of the observed binary choices, here as Pyro SVI with an empty guide and
``pyro.optim.Adam`` on ``pyro.param`` sites, seeded.

Metrics: accuracy of P >= 1/2 on held-out *pairs* (both presentation orders of a pair go to the
same side), and the transitivity metric of the paper (§4): the probability of a preference cycle
in a triad {a, b, c},

    P(cycle) = p_ab p_bc p_ca + (1 - p_ab)(1 - p_bc)(1 - p_ca),

averaged over triads, for the observed choice frequencies and for the fitted model.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import PolicyError
from models.formats.network_checks import shown
from models.formats.tabular import DataError, read_table
from models.torch_runtime import torch_threads


@dataclass(frozen=True, slots=True, eq=False)
class PairwiseChoices:
    """Observed binary choices: in row i, ``options[first[i]]`` was shown first (as "A") against
    ``options[second[i]]`` and ``chose_first[i]`` says whether A was chosen."""

    options: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    chose_first: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.first)
        if not (len(self.second) == len(self.chose_first) == n):
            raise DataError(
                self.source, "choices", "first, second and chose_first differ in length"
            )
        if n == 0:
            raise DataError(self.source, "choices", "no pairwise choices to learn from")
        if np.any(self.first == self.second):
            i = int(np.flatnonzero(self.first == self.second)[0])
            raise DataError(
                self.source,
                f"choice {i}",
                f"option {shown(self.options[self.first[i]])} is compared with itself",
            )

    @classmethod
    def from_labels(
        cls, pairs: Sequence[tuple[str, str, bool]], source: str = ""
    ) -> PairwiseChoices:
        """From ``(option_a, option_b, a_was_chosen)`` triples; options in order of appearance."""
        index: dict[str, int] = {}
        for a, b, _ in pairs:
            index.setdefault(a, len(index))
            index.setdefault(b, len(index))
        return cls(
            tuple(index),
            np.array([index[a] for a, _, _ in pairs], dtype=np.int64),
            np.array([index[b] for _, b, _ in pairs], dtype=np.int64),
            np.array([chosen for _, _, chosen in pairs], dtype=bool),
            source,
        )

    def pair_ids(self) -> np.ndarray:
        """An id per row for the unordered pair {first, second}."""
        lo = np.minimum(self.first, self.second)
        hi = np.maximum(self.first, self.second)
        return lo * len(self.options) + hi

    def preference_matrix(self, rows: np.ndarray | None = None) -> np.ndarray:
        """P_obs[x, y]: the fraction of comparisons of x with y (either order) won by x; NaN if
        x and y were never compared."""
        rows = np.arange(len(self.first)) if rows is None else rows
        n = len(self.options)
        wins = np.zeros((n, n))
        total = np.zeros((n, n))
        winner = np.where(self.chose_first[rows], self.first[rows], self.second[rows])
        loser = np.where(self.chose_first[rows], self.second[rows], self.first[rows])
        np.add.at(wins, (winner, loser), 1.0)
        np.add.at(total, (winner, loser), 1.0)
        np.add.at(total, (loser, winner), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, wins / np.where(total > 0, total, 1.0), np.nan)


def read_pairs(path: str | Path) -> PairwiseChoices:
    """Pairwise choices from a CSV with columns ``option_a, option_b, choice``.

    ``choice`` is ``A`` or ``B`` (case-insensitive) or the chosen option's own label.
    """
    table = read_table(path)
    needed = ("option_a", "option_b", "choice")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(
            table.source, "header", f"missing column {missing[0]!r}; expected columns {needed}"
        )
    a, b, c = (table.columns.index(x) for x in needed)
    pairs = []
    for line, row in zip(table.lines, table.rows, strict=True):
        choice = row[c]
        if choice.upper() in ("A", "B"):
            chosen = choice.upper() == "A"
        elif choice in (row[a], row[b]):
            chosen = choice == row[a]
        else:
            raise DataError(
                table.source,
                f"line {line}, column 'choice'",
                f"expected A, B, {shown(row[a])} or {shown(row[b])}, found {shown(choice)}",
            )
        if row[a] == row[b]:
            raise DataError(
                table.source, f"line {line}", f"option {shown(row[a])} is compared with itself"
            )
        pairs.append((row[a], row[b], chosen))
    return PairwiseChoices.from_labels(pairs, table.source)


@dataclass(frozen=True, slots=True, eq=False)
class ThurstonianFit:
    """Fitted utilities (standardised: mean 0, sd 1 across options) and their quality.

    ``holdout_accuracy`` is over held-out rows (each presentation of a held-out pair);
    ``holdout_pair_accuracy`` compares sign(P_model - 1/2) with the majority of the pair's
    observed choices (pairs whose choices split evenly are skipped). Both are NaN when
    ``holdout == 0``. ``cycle_probability_*`` is the mean triad cycle probability.
    """

    options: tuple[str, ...]
    mu: np.ndarray
    sigma: np.ndarray
    train_accuracy: float
    holdout_accuracy: float
    holdout_pair_accuracy: float
    log_likelihood: float
    cycle_probability_observed: float
    cycle_probability_model: float
    observed_triads: int
    steps: int
    seed: int

    def utility(self, option: str) -> tuple[float, float]:
        """(mu, sigma) of ``option``."""
        i = self.options.index(option)
        return float(self.mu[i]), float(self.sigma[i])

    def preference(self, x: str, y: str) -> float:
        """P(x > y) under the fitted model."""
        i, j = self.options.index(x), self.options.index(y)
        return float(preference_probability(self.mu, self.sigma, np.array([i]), np.array([j]))[0])


def preference_probability(
    mu: np.ndarray, sigma: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Phi((mu_a - mu_b) / sqrt(sigma_a^2 + sigma_b^2)) for each row."""
    from scipy.special import ndtr

    z = (mu[first] - mu[second]) / np.sqrt(sigma[first] ** 2 + sigma[second] ** 2)
    return ndtr(z)


def cycle_probability(
    matrix: np.ndarray, max_triads: int = 200_000, seed: int = 0
) -> tuple[float, int]:
    """Mean P(cycle) over triads whose three pairs all have a preference probability.

    ``matrix[x, y]`` = P(x > y) (NaN where unknown). When there are more than ``max_triads``
    triads a seeded uniform sample of them is used. Returns (mean, number of triads used).
    """
    n = matrix.shape[0]
    total = math.comb(n, 3)
    if total == 0:
        return math.nan, 0
    if total <= max_triads:
        triads = np.array(list(itertools.combinations(range(n), 3)), dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        draws = np.sort(rng.integers(0, n, size=(2 * max_triads, 3)), axis=1)
        distinct = (draws[:, 0] < draws[:, 1]) & (draws[:, 1] < draws[:, 2])
        triads = draws[distinct][:max_triads]
    a, b, c = triads.T
    p_ab, p_bc, p_ca = matrix[a, b], matrix[b, c], matrix[c, a]
    cycles = p_ab * p_bc * p_ca + (1 - p_ab) * (1 - p_bc) * (1 - p_ca)
    known = ~np.isnan(cycles)
    if not known.any():
        return math.nan, 0
    return float(cycles[known].mean()), int(known.sum())


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def thurstonian_model(first: Any, second: Any, chose_first: Any, n_options: int, init: Any) -> None:
    """The Pyro model: standardised means, rescaled variances, Bernoulli choices.

    ``init`` is a (2, n) float64 tensor of initial raw means and log variances.
    """
    import pyro
    import pyro.distributions as dist
    import torch

    raw_mu = pyro.param("raw_mu", init[0].clone())
    log_var = pyro.param("log_var", init[1].clone())
    sd = raw_mu.std() + 1e-5
    mu = (raw_mu - raw_mu.mean()) / sd
    var = log_var.exp() / sd**2
    z = (mu[first] - mu[second]) / (var[first] + var[second] + 1e-5).sqrt()
    probs = torch.special.ndtr(z).clamp(1e-12, 1 - 1e-12)
    with pyro.plate("choices", len(first)):
        pyro.sample("chose_first", dist.Bernoulli(probs=probs), obs=chose_first)


def standardised(raw_mu: np.ndarray, log_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's (mu, sigma) from its raw parameters."""
    sd = raw_mu.std(ddof=1) + 1e-5
    return (raw_mu - raw_mu.mean()) / sd, np.sqrt(np.exp(log_var) / sd**2)


def initial_parameters(n: int, seed: int) -> Any:
    """(2, n) float64: small Gaussian raw means and log variances, as in the reference code."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    return 0.01 * torch.randn(2, n, generator=generator, dtype=torch.float64)


def split_pairs(
    choices: PairwiseChoices, holdout: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test), splitting by unordered pair with a seeded permutation."""
    if not 0.0 <= holdout < 1.0:
        raise DataError(choices.source, "holdout", f"expected 0 <= holdout < 1, found {holdout}")
    ids = choices.pair_ids()
    unique = np.unique(ids)
    rng = np.random.default_rng(seed)
    test_pairs = rng.permutation(unique)[: int(round(holdout * len(unique)))]
    test = np.isin(ids, test_pairs)
    if test.all():
        raise DataError(
            choices.source,
            "holdout",
            f"holdout {holdout} of {len(unique)} distinct pairs leaves none to fit on; "
            "lower --holdout",
        )
    return np.flatnonzero(~test), np.flatnonzero(test)


def fit_thurstonian(
    choices: PairwiseChoices,
    *,
    steps: int = 1000,
    learning_rate: float = 0.05,
    holdout: float = 0.2,
    seed: int = 0,
    num_threads: int | None = 1,
) -> ThurstonianFit:
    """Fit U(o) ~ N(mu_o, sigma_o^2) to ``choices`` by maximum likelihood with Pyro SVI.

    The parameters are fitted on the training pairs only; with ``holdout=0`` on all pairs.
    The global Pyro parameter store, torch RNG and (with ``num_threads``) torch's intra-op
    thread count are restored afterwards; one thread is fastest for these small tensors.

    Examples
    --------
    >>> pairs = [("tea", "coffee", True), ("coffee", "milk", True), ("tea", "milk", True)] * 5
    >>> fit = fit_thurstonian(PairwiseChoices.from_labels(pairs), steps=300, holdout=0.0)
    >>> [fit.options[i] for i in np.argsort(-fit.mu)]
    ['tea', 'coffee', 'milk']
    """
    if steps < 1:
        raise PolicyError(f"steps={steps}: the optimiser needs at least 1 step")
    with _quiet():
        import pyro
        import pyro.infer
        import pyro.optim
        import torch

    train, test = split_pairs(choices, holdout, seed)
    n = len(choices.options)
    first = torch.as_tensor(choices.first[train])
    second = torch.as_tensor(choices.second[train])
    observed = torch.as_tensor(choices.chose_first[train], dtype=torch.float64)
    init = initial_parameters(n, seed)

    def guide(*args: Any) -> None:  # maximum likelihood: nothing latent
        return None

    store = pyro.get_param_store()
    with _quiet(), store.scope(), torch.random.fork_rng(devices=[]), torch_threads(num_threads):
        torch.manual_seed(seed)
        svi = pyro.infer.SVI(
            thurstonian_model,
            guide,
            pyro.optim.Adam({"lr": learning_rate}),
            loss=pyro.infer.Trace_ELBO(),
        )
        loss = math.nan
        for _ in range(steps):
            loss = svi.step(first, second, observed, n, init)
        raw_mu = pyro.param("raw_mu").detach().numpy().copy()
        log_var = pyro.param("log_var").detach().numpy().copy()
    mu, sigma = standardised(raw_mu, log_var)
    return _summarise(choices, mu, sigma, train, test, -float(loss), steps, seed)


def _summarise(
    choices: PairwiseChoices,
    mu: np.ndarray,
    sigma: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    log_likelihood: float,
    steps: int,
    seed: int,
) -> ThurstonianFit:
    p = preference_probability(mu, sigma, choices.first, choices.second)
    correct = (p >= 0.5) == choices.chose_first
    holdout_accuracy = float(correct[test].mean()) if len(test) else math.nan
    pair_accuracy = math.nan
    if len(test):
        observed = choices.preference_matrix(test)
        model = preference_probability(
            mu, sigma, *np.meshgrid(np.arange(len(mu)), np.arange(len(mu)), indexing="ij")
        )
        decided = ~np.isnan(observed) & (observed != 0.5)
        upper = np.triu(decided, 1)
        if upper.any():
            pair_accuracy = float(((model[upper] >= 0.5) == (observed[upper] > 0.5)).mean())
    n = len(mu)
    grid = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    model_matrix = preference_probability(mu, sigma, *grid)
    observed_cycles, triads = cycle_probability(choices.preference_matrix(), seed=seed)
    model_cycles, _ = cycle_probability(model_matrix, seed=seed)
    return ThurstonianFit(
        options=choices.options,
        mu=mu,
        sigma=sigma,
        train_accuracy=float(correct[train].mean()),
        holdout_accuracy=holdout_accuracy,
        holdout_pair_accuracy=pair_accuracy,
        log_likelihood=log_likelihood,
        cycle_probability_observed=observed_cycles,
        cycle_probability_model=model_cycles,
        observed_triads=triads,
        steps=steps,
        seed=seed,
    )
