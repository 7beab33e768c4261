"""Second-order uncertainty as draws: the problem's uncertain numbers (Dirichlet CPT rows, Normal
or interval utilities) sampled jointly, and the problem at one draw."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.errors import InferenceError
from engine.ir import CPT, CPTUncertainty, DecisionProblem, ValueDimension


@dataclass(frozen=True, slots=True)
class ParameterSamples:
    """S draws of the uncertain parameters; certain ones have a leading axis of size 1.

    ``cpts[child]`` is shaped (S | 1, |parent_1|, ..., |child|) and ``utilities[value]``
    (S | 1, |parent_1|, ...), parents in the order of the IR.
    """

    samples: int
    cpts: dict[str, np.ndarray]
    utilities: dict[str, np.ndarray]


def sample_parameters(problem: DecisionProblem, samples: int, seed: int) -> ParameterSamples:
    """Draw ``samples`` parameter sets.

    A CPT row p with concentration kappa is Dirichlet(kappa p), drawn as normalised
    Gamma(kappa p_j, 1) variates (zero entries stay zero); a utility entry U with scale
    sigma is Normal(U, sigma^2) or Uniform(U - sigma, U + sigma).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> p = load_scenario("examples/heinz_uncertain.yaml")
    >>> draws = sample_parameters(p, 4, seed=0)
    >>> draws.cpts["drug_obtained"].shape, bool(np.allclose(draws.cpts["drug_obtained"].sum(-1), 1))
    ((4, 3, 2), True)
    """
    if samples < 1:
        raise InferenceError(f"samples must be >= 1, found {samples}")
    rng = np.random.default_rng(seed)
    cpts = {c.child: problem.cpt_array(c.child)[None] for c in problem.cpts}
    utilities = {v.name: problem.utility_array(v.name)[None] for v in problem.values}
    for item in problem.uncertainty:
        if isinstance(item, CPTUncertainty):
            mean = problem.cpt_array(item.child)
            rows = mean.reshape(-1, mean.shape[-1])
            alpha = rows * np.asarray(item.concentration)[:, None]
            positive = alpha > 0
            gamma = rng.standard_gamma(np.where(positive, alpha, 1.0), size=(samples, *alpha.shape))
            gamma = np.where(positive, gamma, 0.0)
            draws = gamma / gamma.sum(axis=-1, keepdims=True)
            cpts[item.child] = draws.reshape(samples, *mean.shape)
        else:
            mean = problem.utility_array(item.value)
            scale = np.asarray(item.scale).reshape(mean.shape)
            if item.distribution == "normal":
                noise = rng.standard_normal((samples, *mean.shape))
            else:
                noise = rng.uniform(-1.0, 1.0, (samples, *mean.shape))
            utilities[item.value] = mean + scale * noise
    return ParameterSamples(samples, cpts, utilities)


def problem_at(problem: DecisionProblem, draws: ParameterSamples, s: int) -> DecisionProblem:
    """The problem with the parameters of draw ``s`` (and no parameter uncertainty)."""

    def pick(array: np.ndarray) -> tuple[float, ...]:
        return tuple(float(x) for x in array[min(s, array.shape[0] - 1)].ravel())

    cpts = tuple(CPT(c.child, c.parents, pick(draws.cpts[c.child])) for c in problem.cpts)
    values = tuple(
        ValueDimension(
            v.name, v.parents, pick(draws.utilities[v.name]), v.description, v.frameworks
        )
        for v in problem.values
    )
    return dataclasses.replace(problem, cpts=cpts, values=values, uncertainty=())
