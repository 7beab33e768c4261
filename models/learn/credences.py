"""Bayesian inverse reasoning: which credences in the theories best explain observed choices.

An agent facing evidence e_i chose option a_i. With credences c over the problem's theories,
per-theory choiceworthiness CW_T(a | e) (engine.semantics.assess, shared/DESIGN.md steps 1-4),
normalised
within each theory, and a rationality temperature tau, the agent is modelled as a noisily
rational maximiser of expected choiceworthiness (MacAskill, Bykvist & Ord 2020, "Moral
Uncertainty", ch. 2-4) with a softmax (Luce 1959; the Boltzmann-rational choice model of inverse
reinforcement learning, Ziebart et al. 2008; Baker, Saxe & Tenenbaum 2009)::

    c ~ Dirichlet(alpha)
    P(a_i | e_i, c, tau) = softmax_a( sum_T c_T CW~_T(a | e_i) / tau )

where CW~ is CW normalised per theory and evidence row (``none``; ``range``: divide by
max - min; ``variance``: subtract the mean over options and divide by the standard deviation,
variance voting, MacAskill et al. 2020 ch. 4). The posterior over c (and tau, when it is not
fixed) is sampled with Pyro's NUTS (Hoffman & Gelman 2014), seeded.

Deontic constraints (``norm_handling = constraint``) are not part of CW and so are not seen by
this likelihood; penalties are.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.backends.registry import get_backend
from engine.errors import EvidenceError
from engine.ir import DecisionProblem
from engine.ir.evidence import check_evidence
from engine.rules.base import normalise as normalise_choiceworthiness
from engine.semantics.assess import assess
from models.torch_runtime import torch_threads

Normalisation = Literal["none", "range", "variance"]
NORMALISATIONS: tuple[str, ...] = ("none", "range", "variance")


@dataclass(frozen=True, slots=True)
class ObservedChoice:
    """The option an agent chose when it had observed ``evidence``."""

    evidence: Mapping[str, str]
    option: str


@dataclass(frozen=True, slots=True, eq=False)
class CredencePosterior:
    """Posterior samples of the theory credences (and temperature) given observed choices.

    ``samples`` is (S, theories); ``ess`` is the effective sample size of each theory's
    credence (Pyro's ``effective_sample_size``); ``temperature`` holds the fixed value or the
    posterior samples.
    """

    theories: tuple[str, ...]
    samples: np.ndarray
    temperature: np.ndarray
    ess: np.ndarray
    observations: int
    normalisation: str
    seed: int

    @property
    def mean(self) -> np.ndarray:
        return self.samples.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.samples.std(axis=0)

    def credences(self) -> dict[str, float]:
        """Posterior mean credence per theory."""
        return dict(zip(self.theories, self.mean.tolist(), strict=True))


def normalise(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """Normalise CW (..., options, theories) per theory over the options axis: the decision
    rules' normalisation (:func:`engine.rules.base.normalise`), which also centres; the softmax
    over options is unchanged by the per-theory centre."""
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"normalisation {normalisation!r}: expected one of {NORMALISATIONS}")
    return normalise_choiceworthiness(cw, normalisation)


def choiceworthiness_tensor(
    problem: DecisionProblem,
    choices: Sequence[ObservedChoice],
    backend: InferenceBackend | str = "pgmpy",
) -> tuple[np.ndarray, np.ndarray]:
    """(CW shaped (N, options, theories), chosen option indices (N,)); one assessment per
    distinct evidence row."""
    engine = get_backend(backend)
    cache: dict[tuple[tuple[str, str], ...], np.ndarray] = {}
    cw = np.empty((len(choices), len(problem.decision.options), len(problem.theories)))
    chosen = np.empty(len(choices), dtype=np.int64)
    for i, choice in enumerate(choices):
        if choice.option not in problem.decision.options:
            raise EvidenceError(
                f"observed choice {i}: unknown option {choice.option!r}; expected one of: "
                f"{', '.join(problem.decision.options)}"
            )
        key = tuple(sorted(check_evidence(problem, choice.evidence).items()))
        if key not in cache:
            cache[key] = assess(problem, dict(key), engine).choiceworthiness
        cw[i] = cache[key]
        chosen[i] = problem.decision.options.index(choice.option)
    return cw, chosen


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def credence_model(cw: Any, chosen: Any, alpha: Any, temperature: float | None) -> None:
    """The Pyro model: Dirichlet credences, (optionally LogNormal(0, 1)) temperature, softmax."""
    import pyro
    import pyro.distributions as dist

    credences = pyro.sample("credences", dist.Dirichlet(alpha))
    tau = (
        pyro.sample("temperature", dist.LogNormal(cw.new_tensor(0.0), cw.new_tensor(1.0)))
        if temperature is None
        else temperature
    )
    logits = (cw @ credences) / tau
    with pyro.plate("choices", cw.shape[0]):
        pyro.sample("choice", dist.Categorical(logits=logits), obs=chosen)


def infer_credences(
    problem: DecisionProblem,
    choices: Sequence[ObservedChoice],
    *,
    temperature: float | None = 1.0,
    prior: float | Sequence[float] = 1.0,
    normalisation: Normalisation = "variance",
    backend: InferenceBackend | str = "pgmpy",
    num_samples: int = 500,
    warmup_steps: int = 300,
    seed: int = 0,
    num_threads: int | None = 1,
) -> CredencePosterior:
    """Sample P(credences | choices) with NUTS.

    ``temperature=None`` infers tau too (LogNormal(0, 1) prior). ``prior`` is the Dirichlet
    concentration, one number for all theories or one per theory. ``num_threads`` torch
    threads are used while sampling (restored afterwards; None leaves torch's setting).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> heinz = load_scenario("examples/heinz.yaml")
    >>> seen = [ObservedChoice({}, "steal_and_confess")] * 20
    >>> post = infer_credences(heinz, seen, num_samples=100, warmup_steps=100)
    >>> max(post.credences(), key=post.credences().get)
    'virtue_ethics'
    """
    with _quiet():
        import pyro
        import pyro.infer
        import torch

    if normalisation not in NORMALISATIONS:
        raise EvidenceError(
            f"normalisation {normalisation!r}: expected one of {', '.join(NORMALISATIONS)}"
        )
    if not choices:
        raise EvidenceError("no observed choices to learn credences from")
    if temperature is not None and not temperature > 0:
        raise EvidenceError(f"temperature must be positive, found {temperature!r}")
    k = len(problem.theories)
    alpha = np.broadcast_to(np.asarray(prior, dtype=np.float64), (k,))
    if not np.all(alpha > 0):
        raise EvidenceError(f"Dirichlet prior must be positive, found {list(alpha)}")
    cw, chosen = choiceworthiness_tensor(problem, choices, backend)
    cw = normalise(cw, normalisation)
    args = (
        torch.as_tensor(cw, dtype=torch.float64),
        torch.as_tensor(chosen),
        torch.as_tensor(alpha.copy(), dtype=torch.float64),
        temperature,
    )
    with _quiet(), torch.random.fork_rng(devices=[]), torch_threads(num_threads):
        torch.manual_seed(seed)
        kernel = pyro.infer.NUTS(credence_model)
        mcmc = pyro.infer.MCMC(
            kernel, num_samples=num_samples, warmup_steps=warmup_steps, disable_progbar=True
        )
        mcmc.run(*args)
        samples = {name: value.detach() for name, value in mcmc.get_samples().items()}
        from pyro.ops.stats import effective_sample_size

        ess = effective_sample_size(samples["credences"].unsqueeze(0)).numpy()
    tau = (
        samples["temperature"].numpy()
        if temperature is None
        else np.full(num_samples, float(temperature))
    )
    return CredencePosterior(
        theories=tuple(t.name for t in problem.theories),
        samples=samples["credences"].numpy(),
        temperature=tau,
        ess=ess,
        observations=len(choices),
        normalisation=normalisation,
        seed=seed,
    )


def with_credences(problem: DecisionProblem, credences: Mapping[str, float]) -> DecisionProblem:
    """``problem`` with its theories' credences replaced (renormalised to sum to 1 exactly)."""
    total = math.fsum(credences[t.name] for t in problem.theories)
    theories = tuple(
        dataclasses.replace(t, credence=credences[t.name] / total) for t in problem.theories
    )
    return dataclasses.replace(problem, theories=theories)
