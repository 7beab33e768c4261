"""The decision problem: the chance network, the decision, values, norms, theories, policies."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import PolicyError
from engine.ir.checks import check_problem
from engine.ir.continuous import ContinuousVariable, LogisticCPT
from engine.ir.hashing import ContentHashed, content_digest
from engine.ir.hybrid_checks import hybrid_edges
from engine.ir.network import BayesianNetwork
from engine.ir.nodes import (
    CPT,
    ConflictResolution,
    DecisionNode,
    Norm,
    ParameterUncertainty,
    Policy,
    Provenance,
    Theory,
    ValueDimension,
    Variable,
)


@dataclass(frozen=True, slots=True, eq=False)
class DecisionProblem(ContentHashed):
    """A validated, hashed decision problem (shared/DESIGN.md, "engine/ir").

    ``conflicts`` says how a conflict of norms (:mod:`engine.ir.conflicts`) is resolved:
    ``weight`` (the default: penalty theories weigh both violations, constraint theories
    exclude), ``priority`` (where both hold, the lower-priority norm yields) or ``abstain``
    (abstain where a conflict holds with probability above ``conflict_threshold``).

    Examples
    --------
    >>> p = DecisionProblem(
    ...     name="umbrella",
    ...     variables=(Variable("rain", ("yes", "no")),),
    ...     decision=DecisionNode("act", ("take", "leave")),
    ...     cpts=(CPT("rain", (), (0.3, 0.7)),),
    ...     values=(ValueDimension("comfort", ("act", "rain"), (1.0, 0.5, -2.0, 1.0)),),
    ...     theories=(Theory("prudence", "cardinal", 1.0, (("comfort", 1.0),)),),
    ... )
    >>> DecisionProblem.from_json(p.to_json()) == p
    True
    """

    name: str
    variables: tuple[Variable, ...]
    decision: DecisionNode
    cpts: tuple[CPT, ...]
    values: tuple[ValueDimension, ...] = ()
    norms: tuple[Norm, ...] = ()
    theories: tuple[Theory, ...] = ()
    policies: tuple[Policy, ...] = ()
    description: str = ""
    provenance: Provenance = Provenance()
    uncertainty: tuple[ParameterUncertainty, ...] = ()
    continuous: tuple[ContinuousVariable, ...] = ()
    logistic: tuple[LogisticCPT, ...] = ()
    conflicts: ConflictResolution = "weight"
    conflict_threshold: float = 0.0
    content_hash: str = field(init=False, compare=False, default="")
    _network: BayesianNetwork | None = field(init=False, compare=False, default=None, repr=False)

    def __post_init__(self) -> None:
        check_problem(self)
        object.__setattr__(self, "content_hash", content_digest(self.content()))

    def network(self) -> BayesianNetwork:
        """The chance part with the decision as a uniform root: P(X | D = a) = P(X | do(a))."""
        if self._network is None:
            decision = self.decision
            root = Variable(decision.name, decision.options, decision.description)
            uniform = CPT(decision.name, (), (1.0 / len(decision.options),) * len(decision.options))
            net = BayesianNetwork(
                self.name,
                (root, *self.variables),
                (uniform, *self.cpts),
                self.description,
                self.provenance,
                self.continuous,
                self.logistic,
            )
            object.__setattr__(self, "_network", net)
        return self._network

    # -- lookups ---------------------------------------------------------------------------
    def states(self, name: str) -> tuple[str, ...]:
        """States of a chance variable, or options of the decision."""
        if name == self.decision.name:
            return self.decision.options
        for variable in self.variables:
            if variable.name == name:
                return variable.states
        raise KeyError(name)

    def cpt(self, child: str) -> CPT:
        return next(c for c in self.cpts if c.child == child)

    @property
    def is_hybrid(self) -> bool:
        """True when the problem has continuous chance variables (decided by sampling)."""
        return bool(self.continuous)

    def continuous_variable(self, name: str) -> ContinuousVariable:
        return next(v for v in self.continuous if v.name == name)

    def value(self, name: str) -> ValueDimension:
        return next(v for v in self.values if v.name == name)

    def norm(self, name: str) -> Norm:
        return next(n for n in self.norms if n.name == name)

    def theory(self, name: str) -> Theory:
        return next(t for t in self.theories if t.name == name)

    def policy(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        known = ", ".join(p.name for p in self.policies) or "none"
        raise PolicyError(f"problem {self.name!r} has no policy {name!r} (known: {known})")

    def cpt_array(self, child: str) -> np.ndarray:
        """The CPT of ``child`` shaped (|parent_1|, ..., |parent_k|, |child|)."""
        cpt = self.cpt(child)
        shape = tuple(len(self.states(p)) for p in (*cpt.parents, child))
        return np.asarray(cpt.table, dtype=np.float64).reshape(shape)

    def descendants(self, name: str) -> frozenset[str]:
        """Every variable (discrete or continuous) reachable from ``name`` along the edges of
        CPTs, logistic CPDs and continuous variables."""
        children: dict[str, list[str]] = {}
        edges = [(p, c.child) for c in self.cpts for p in c.parents]
        for parent, child in edges + hybrid_edges(self.continuous, self.logistic):
            children.setdefault(parent, []).append(child)
        found: set[str] = set()
        stack = [name]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return frozenset(found)

    def utility_array(self, value: str) -> np.ndarray:
        """U_v shaped (|parent_1|, ..., |parent_k|)."""
        dim = self.value(value)
        shape = tuple(len(self.states(p)) for p in dim.parents)
        return np.asarray(dim.table, dtype=np.float64).reshape(shape)
