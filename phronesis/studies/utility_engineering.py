"""The Utility Engineering study: fitted utilities, hold-out accuracy, cycle probability and the
expected-utility property (Mazeika et al. 2025, arXiv:2502.08640, §4).

1. **Shipped utilities.** The two forks' Thurstonian utilities of the 510 outcomes: their
   category means and the Pearson correlation of the two models' means.
2. **Pairwise choices.** The country-vs-country choices (1,646) fitted with
   :func:`models.learn.thurstone.fit_thurstonian` (seeded, 20% of the pairs held out): hold-out
   accuracy and the triad cycle probability of the observed choices and of the fitted model.
3. **Expected utility.** The paper fits utilities to a model's choices over outcomes *and*
   lotteries and reports corr(U(L), sum_o p_o U(o)). The shipped data hold the lotteries but no
   choices over them, so this study measures the method on a seeded *expected-utility agent*:
   outcome utilities mu_o ~ N(0, 1), a lottery's utility sum_o p_o mu_o, every utility with
   noise sd ``noise``; ``pairs`` random pairs among outcomes and lotteries are answered by
   Thurstonian draws and fitted like the real choices. Each lottery is then a decision problem
   (:func:`models.datasets.utility_engineering.lottery_problem`) over the *fitted* outcome
   utilities, whose expected value the engine computes; the reported correlation is between the
   fitted lottery utilities and those expected values. A high value says the pipeline recovers
   the expected-utility property when it holds; it says nothing about any language model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.decision.pipeline import decide
from engine.errors import DataError
from models.datasets.utility_engineering import (
    FittedUtilities,
    Lottery,
    Outcome,
    lottery_problem,
    read_fitted_utilities,
    read_lotteries,
    read_outcomes,
)
from models.learn.exchange_rates import read_country_choices
from models.learn.thurstone import PairwiseChoices, ThurstonianFit, fit_thurstonian

OUTCOMES_FILE = "utility_analysis__shared_options__options_hierarchical.json"
LOTTERIES_FILE = (
    "utility_analysis__experiments__expected_utility_implicit__implicit_lotteries__options.json"
)
CHOICES_FILE = (
    "fork_PredictablyWeird/utility_analysis__notebooks__gpt4o-mini-country_vs_country-reasons-1.csv"
)
FORK = "fork_notrichardren"


@dataclass(frozen=True, slots=True)
class UtilitySettings:
    """Fit settings (``steps``, ``seed``) and the expected-utility agent (``pairs``,
    ``noise``)."""

    steps: int = 500
    seed: int = 0
    pairs: int = 4000
    noise: float = 0.3


@dataclass(frozen=True, slots=True)
class ExpectedUtilityCheck:
    lotteries: tuple[Lottery, ...]
    fitted: np.ndarray  # fitted utility of each lottery
    expected: np.ndarray  # engine's EV of each lottery under the fitted outcome utilities
    true: np.ndarray  # the agent's sum_o p_o mu_o
    correlation: float
    fit: ThurstonianFit


@dataclass(frozen=True, slots=True)
class UtilityStudy:
    settings: UtilitySettings
    outcomes: tuple[Outcome, ...]
    shipped: dict[str, FittedUtilities]
    model_correlation: float
    choices: PairwiseChoices
    choice_fit: ThurstonianFit
    expected_utility: ExpectedUtilityCheck


def dataset_folder(data: Path) -> Path:
    for folder in (data / "utility_engineering", data):
        if (folder / OUTCOMES_FILE).is_file() and (folder / LOTTERIES_FILE).is_file():
            return folder
    raise DataError(
        str(data),
        "",
        f"no {OUTCOMES_FILE} here or in its utility_engineering folder; pass "
        "--data with the folder that holds it",
    )


def simulated_choices(
    lotteries: tuple[Lottery, ...], settings: UtilitySettings
) -> tuple[PairwiseChoices, dict[str, float]]:
    """Choices of the seeded expected-utility agent (module docstring) and its utilities."""
    rng = np.random.default_rng(settings.seed)
    outcomes = sorted({o for lottery in lotteries for o in lottery.outcomes})
    mu = dict(zip(outcomes, rng.standard_normal(len(outcomes)), strict=True))
    for lottery in lotteries:
        mu[lottery.text] = float(np.dot(lottery.probabilities, [mu[o] for o in lottery.outcomes]))
    options = [*outcomes, *(lottery.text for lottery in lotteries)]
    values = np.array([mu[o] for o in options])
    first = rng.integers(0, len(options), settings.pairs)
    second = (first + rng.integers(1, len(options), settings.pairs)) % len(options)
    noise = rng.normal(0.0, settings.noise, (2, settings.pairs))
    chose_first = values[first] + noise[0] > values[second] + noise[1]
    choices = PairwiseChoices(tuple(options), first, second, chose_first, "expected-utility agent")
    return choices, mu


def expected_utility_check(
    lotteries: tuple[Lottery, ...], settings: UtilitySettings
) -> ExpectedUtilityCheck:
    choices, mu = simulated_choices(lotteries, settings)
    fit = fit_thurstonian(choices, steps=settings.steps, seed=settings.seed)
    fitted_mu = dict(zip(fit.options, fit.mu, strict=True))
    expected = []
    for lottery in lotteries:
        problem = lottery_problem(lottery, {o: float(fitted_mu[o]) for o in lottery.outcomes})
        expected.append(decide(problem).options[0].expected_values["utility"])
    fitted = np.array([fitted_mu[lottery.text] for lottery in lotteries])
    ev = np.array(expected)
    true = np.array([mu[lottery.text] for lottery in lotteries])
    correlation = float(np.corrcoef(fitted, ev)[0, 1])
    return ExpectedUtilityCheck(lotteries, fitted, ev, true, correlation, fit)


def run_utility_engineering(
    data: Path,
    settings: UtilitySettings = UtilitySettings(),
    progress: Callable[[int, int], None] | None = None,
) -> UtilityStudy:
    """The three parts of the module docstring, reporting ``progress(done, 3)``."""
    folder = dataset_folder(data)
    outcomes = read_outcomes(folder / OUTCOMES_FILE)
    shipped = {
        path.name.split("__results_utilities_")[-1].removesuffix(".json"): read_fitted_utilities(
            path
        )
        for path in sorted((folder / FORK).glob("*results_utilities*.json"))
    }
    means = [
        np.array([fitted.utilities[o.text][0] for o in outcomes if o.text in fitted.utilities])
        for fitted in shipped.values()
    ]
    correlation = float("nan")
    if len(means) == 2 and len(means[0]) == len(means[1]) > 1:
        correlation = float(np.corrcoef(means[0], means[1])[0, 1])
    if progress is not None:
        progress(1, 3)
    choices = read_country_choices(folder / CHOICES_FILE)
    choice_fit = fit_thurstonian(choices, steps=settings.steps, seed=settings.seed)
    if progress is not None:
        progress(2, 3)
    check = expected_utility_check(read_lotteries(folder / LOTTERIES_FILE), settings)
    if progress is not None:
        progress(3, 3)
    return UtilityStudy(settings, outcomes, shipped, correlation, choices, choice_fit, check)
