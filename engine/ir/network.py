"""The chance part of a problem: discrete and continuous variables with their CPDs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.ir.checks import check_network
from engine.ir.continuous import ContinuousVariable, LogisticCPT
from engine.ir.hashing import ContentHashed, content_digest
from engine.ir.nodes import CPT, Provenance, Variable


@dataclass(frozen=True, slots=True, eq=False)
class BayesianNetwork(ContentHashed):
    """Chance variables and their CPTs: what inference backends evaluate.

    A :class:`DecisionProblem` compiles to one (:meth:`DecisionProblem.network`) with the
    decision as a root of uniform prior, so conditioning on it is the intervention do(option).

    Examples
    --------
    >>> net = BayesianNetwork("coin", (Variable("c", ("h", "t")),), (CPT("c", (), (0.5, 0.5)),))
    >>> BayesianNetwork.from_json(net.to_json()) == net
    True
    """

    name: str
    variables: tuple[Variable, ...]
    cpts: tuple[CPT, ...]
    description: str = ""
    provenance: Provenance = Provenance()
    continuous: tuple[ContinuousVariable, ...] = ()
    logistic: tuple[LogisticCPT, ...] = ()
    content_hash: str = field(init=False, compare=False, default="")

    @property
    def is_hybrid(self) -> bool:
        """True when the network has continuous variables (only sampling backends evaluate it)."""
        return bool(self.continuous)

    def __post_init__(self) -> None:
        check_network(self)
        object.__setattr__(self, "content_hash", content_digest(self.content()))

    def states(self, name: str) -> tuple[str, ...]:
        for variable in self.variables:
            if variable.name == name:
                return variable.states
        raise KeyError(name)

    def cpt(self, child: str) -> CPT:
        return next(c for c in self.cpts if c.child == child)

    def cpt_array(self, child: str) -> np.ndarray:
        """The CPT of ``child`` shaped (|parent_1|, ..., |parent_k|, |child|)."""
        cpt = self.cpt(child)
        shape = tuple(len(self.states(p)) for p in (*cpt.parents, child))
        return np.asarray(cpt.table, dtype=np.float64).reshape(shape)
