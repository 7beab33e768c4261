"""Influence diagrams with several decisions: a frozen IR beside the one-decision IR.

An influence diagram (Jensen & Nielsen, *Bayesian Networks and Decision Graphs*, 2nd ed., 2007,
ch. 9) has chance variables with CPTs P(X | pa(X)), decisions D_1, ..., D_n whose *information
parents* are what is known when deciding, and utility nodes U(pa(U)) that add up. With
``no_forgetting`` (the classical ID) the decisions are totally ordered by directed paths and every
decision remembers what earlier ones knew and chose; without it the diagram is a LIMID
(Lauritzen & Nilsson, "Representing and solving decision problems with limited information",
*Management Science* 47(9), 2001) and a decision knows only its own information parents.

Tables are flat and row-major, as in :mod:`engine.ir`: a CPT over ``parents`` then the child, a
utility table over ``parents``. Invariants are checked once, at construction, and raise
:class:`~engine.errors.InvalidProblem` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.ir.hashing import ContentHashed, content_digest
from engine.ir.influence_checks import check_influence_diagram
from engine.ir.nodes import CPT, Provenance, Variable


@dataclass(frozen=True, slots=True)
class DecisionVariable:
    """A decision with its options and ``information``: the nodes observed when deciding."""

    name: str
    options: tuple[str, ...]
    information: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class UtilityNode:
    """An additive utility U(parents), flat row-major over ``parents``."""

    name: str
    parents: tuple[str, ...]
    table: tuple[float, ...]
    description: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class InfluenceDiagram(ContentHashed):
    """A validated, hashed influence diagram (or LIMID when ``no_forgetting`` is false).

    Examples
    --------
    >>> diagram = InfluenceDiagram(
    ...     name="umbrella",
    ...     variables=(Variable("rain", ("yes", "no")), Variable("forecast", ("wet", "dry"))),
    ...     cpts=(CPT("rain", (), (0.3, 0.7)), CPT("forecast", ("rain",), (0.8, 0.2, 0.1, 0.9))),
    ...     decisions=(DecisionVariable("take", ("yes", "no"), ("forecast",)),),
    ...     utilities=(UtilityNode("comfort", ("take", "rain"), (1.0, 0.5, -2.0, 1.0)),),
    ... )
    >>> diagram.information_set("take")
    ('forecast',)
    >>> InfluenceDiagram.from_json(diagram.to_json()) == diagram
    True
    """

    name: str
    variables: tuple[Variable, ...]
    cpts: tuple[CPT, ...]
    decisions: tuple[DecisionVariable, ...]
    utilities: tuple[UtilityNode, ...]
    no_forgetting: bool = True
    description: str = ""
    provenance: Provenance = Provenance()
    content_hash: str = field(init=False, compare=False, default="")
    _order: tuple[str, ...] = field(init=False, compare=False, default=(), repr=False)

    def __post_init__(self) -> None:
        order = check_influence_diagram(self)
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "content_hash", content_digest(self.content()))

    # -- lookups ---------------------------------------------------------------------------
    def states(self, name: str) -> tuple[str, ...]:
        """States of a chance variable, or options of a decision."""
        for variable in self.variables:
            if variable.name == name:
                return variable.states
        return self.decision(name).options

    def decision(self, name: str) -> DecisionVariable:
        for decision in self.decisions:
            if decision.name == name:
                return decision
        raise KeyError(name)

    def cpt(self, child: str) -> CPT:
        return next(c for c in self.cpts if c.child == child)

    def utility(self, name: str) -> UtilityNode:
        return next(u for u in self.utilities if u.name == name)

    def cpt_array(self, child: str) -> np.ndarray:
        """The CPT of ``child`` shaped (|parent_1|, ..., |parent_k|, |child|)."""
        cpt = self.cpt(child)
        shape = tuple(len(self.states(p)) for p in (*cpt.parents, child))
        return np.asarray(cpt.table, dtype=np.float64).reshape(shape)

    def utility_array(self, name: str) -> np.ndarray:
        """U shaped (|parent_1|, ..., |parent_k|)."""
        node = self.utility(name)
        shape = tuple(len(self.states(p)) for p in node.parents)
        return np.asarray(node.table, dtype=np.float64).reshape(shape)

    def decision_order(self) -> tuple[str, ...]:
        """The decisions in temporal order (a topological order of the graph)."""
        return self._order

    def information_set(self, name: str) -> tuple[str, ...]:
        """What is known when deciding ``name``.

        Under no-forgetting, the information parents of this and every earlier decision and the
        earlier decisions themselves (Jensen & Nielsen 2007, sec. 9.1.2); in a LIMID, only the
        decision's own information parents. Listed in order of first appearance.
        """
        if not self.no_forgetting:
            return self.decision(name).information
        known: dict[str, None] = {}
        for earlier in self._order:
            if earlier == name:
                known.update(dict.fromkeys(self.decision(earlier).information))
                break
            known.update(dict.fromkeys(self.decision(earlier).information))
            known[earlier] = None
        return tuple(known)
