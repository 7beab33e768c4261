"""Continuous chance variables in the IR: hybrid (discrete + continuous) decision networks.

Three frozen types extend the discrete IR (Koller & Friedman 2009, *Probabilistic Graphical
Models*, §5.5 "Continuous variables" and ch. 14 "Inference in hybrid networks"):

- :class:`ContinuousVariable` — Y | pa(Y) ~ Normal, LogNormal or Beta with parameters per
  configuration of its discrete parents; for Normal and LogNormal the location may also depend
  linearly on continuous parents (conditional linear Gaussian, Lauritzen 1992, JASA 87):
  loc(c, y) = loc_c + sum_k b_k y_k.
- :class:`LogisticCPT` — a discrete child of continuous parents (a softmax / multinomial
  logistic CPD): P(X = j | c, y) = exp(bias[c, j] + sum_k w[j, k] y_k) / sum_i exp(...).
- :class:`LinearTerm` — a utility linear in a continuous variable:
  U_v(c, y) = table_v[c] + sum_terms coefficient_t[c] y_t, c the value's discrete parents.

Tables are flat and row-major over the discrete parents, as for :class:`~engine.ir.CPT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ContinuousFamily = Literal["normal", "lognormal", "beta"]

#: family -> its parameter names, in the order they are stored per parent configuration.
FAMILY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "normal": ("loc", "scale"),
    "lognormal": ("loc", "scale"),
    "beta": ("alpha", "beta"),
}

#: families whose location may depend linearly on continuous parents.
LINEAR_LOCATION: tuple[str, ...] = ("normal", "lognormal")


@dataclass(frozen=True, slots=True)
class ContinuousVariable:
    """Y | c, y_pa ~ family(theta_c), with loc_c + sum_k b_k y_k for normal / lognormal.

    ``parameters`` is flat: for each configuration c of ``parents`` (row-major) the family's
    parameters in :data:`FAMILY_PARAMETERS` order (normal: mean, sd; lognormal: mean and sd of
    log Y; beta: alpha, beta). ``coefficients`` pairs continuous parents with b_k.
    """

    name: str
    distribution: ContinuousFamily
    parents: tuple[str, ...]
    parameters: tuple[float, ...]
    coefficients: tuple[tuple[str, float], ...] = ()
    description: str = ""

    @property
    def continuous_parents(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.coefficients)


@dataclass(frozen=True, slots=True)
class LogisticCPT:
    """P(child = j | parents = c, inputs = y) = softmax_j(bias[c, j] + sum_k weights[j, k] y_k).

    ``bias`` is flat over ``parents`` then the child's states; ``weights`` is flat over the
    child's states then ``inputs`` (the continuous parents).
    """

    child: str
    parents: tuple[str, ...]
    inputs: tuple[str, ...]
    bias: tuple[float, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class LinearTerm:
    """``coefficients[c] * variable`` added to a utility, c over the value's parents."""

    variable: str
    coefficients: tuple[float, ...]
