"""A population of agents as arrays, not objects: each agent's credences in the theories, value
weights, norm weights, group (location) and role. Role-specific norms apply only to agents in
that role."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.errors import InvalidProblem
from engine.ir import DecisionProblem


@dataclass(frozen=True, slots=True)
class Population:
    """N agents deciding one problem.

    ``credences`` (N, T) rows summing to 1; ``value_weights`` (N, T, V) each theory's weight of
    each value as the agent holds it; ``norm_weights`` (N, K); ``groups`` (N,) the group or
    location an agent shares situations and interactions with; ``roles`` (N,) an index into
    ``role_names``; ``norm_roles`` (K,) the role a norm applies to (-1: every agent).
    """

    credences: np.ndarray
    value_weights: np.ndarray
    norm_weights: np.ndarray
    groups: np.ndarray
    roles: np.ndarray
    role_names: tuple[str, ...] = ("agent",)
    norm_roles: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.credences)

    @property
    def group_count(self) -> int:
        return int(self.groups.max()) + 1 if len(self.groups) else 0

    def norm_active(self) -> np.ndarray | None:
        """(N, K) bool: which norms apply to each agent (``None`` when all apply to all)."""
        if self.norm_roles is None or (self.norm_roles < 0).all():
            return None
        return (self.norm_roles[None, :] < 0) | (self.norm_roles[None, :] == self.roles[:, None])

    def replace(self, **changes: np.ndarray) -> Population:
        """A population with some arrays replaced (the others shared)."""
        fields = {
            "credences": self.credences,
            "value_weights": self.value_weights,
            "norm_weights": self.norm_weights,
            "groups": self.groups,
            "roles": self.roles,
            "role_names": self.role_names,
            "norm_roles": self.norm_roles,
        }
        return Population(**{**fields, **changes})


def uniform_population(
    problem: DecisionProblem,
    n: int,
    *,
    groups: int = 1,
    rng: np.random.Generator | None = None,
    concentration: float | None = None,
    weight_noise: float = 0.0,
    roles: Mapping[str, float] | None = None,
    norm_roles: Mapping[str, str] | None = None,
) -> Population:
    """``n`` agents holding the problem's numbers, assigned to ``groups`` round-robin.

    With ``concentration`` c, credences are drawn Dirichlet(c · C) around the problem's
    credences C (larger c: closer to C); ``weight_noise`` adds N(0, s^2) noise to every value
    weight; ``roles`` maps role names to population shares (drawn); ``norm_roles`` maps a norm
    to the role it applies to.
    """
    if n < 1:
        raise InvalidProblem("agents", f"expected at least 1 agent, found {n}")
    rng = rng or np.random.default_rng(0)
    theories = problem.theories
    base = np.array([t.credence for t in theories], dtype=np.float64)
    if concentration is None:
        credences = np.broadcast_to(base, (n, len(theories))).copy()
    else:
        if concentration <= 0:
            raise InvalidProblem("concentration", f"expected a number > 0, found {concentration}")
        credences = rng.dirichlet(np.maximum(base, 1e-3) * concentration, size=n)
    values = [v.name for v in problem.values]
    weights = np.zeros((len(theories), len(values)))
    for t, theory in enumerate(theories):
        for value, w in theory.value_weights:
            weights[t, values.index(value)] = w
    value_weights = np.broadcast_to(weights, (n, *weights.shape)).copy()
    if weight_noise:
        value_weights += rng.normal(0.0, weight_noise, size=value_weights.shape)
    norm_weights = np.broadcast_to(
        np.array([k.weight for k in problem.norms], dtype=np.float64), (n, len(problem.norms))
    ).copy()
    names: tuple[str, ...] = ("agent",)
    agent_roles = np.zeros(n, dtype=np.intp)
    if roles:
        names = tuple(roles)
        shares = np.array([roles[r] for r in names], dtype=np.float64)
        if (shares < 0).any() or shares.sum() <= 0:
            raise InvalidProblem("roles", "expected shares >= 0 with a positive sum")
        agent_roles = rng.choice(len(names), size=n, p=shares / shares.sum())
    applies = None
    if norm_roles:
        known = [k.name for k in problem.norms]
        applies = np.full(len(known), -1, dtype=np.intp)
        for norm, role in norm_roles.items():
            if norm not in known:
                raise InvalidProblem(f"norm_roles.{norm}", f"unknown norm; expected one of {known}")
            if role not in names:
                raise InvalidProblem(f"norm_roles.{norm}", f"unknown role {role!r}")
            applies[known.index(norm)] = names.index(role)
    return Population(
        credences=credences,
        value_weights=value_weights,
        norm_weights=norm_weights,
        groups=np.arange(n, dtype=np.intp) % max(groups, 1),
        roles=agent_roles,
        role_names=names,
        norm_roles=applies,
    )
