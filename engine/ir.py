"""The intermediate representation (IR) of a decision problem.

Everything downstream (backends, decision rules, verification) reads only these frozen
dataclasses. Invariants are checked once, in :func:`engine.checks.check_problem`, when a
:class:`DecisionProblem` is constructed; every violation raises
:class:`~engine.errors.InvalidProblem` naming the field.

Tables are stored flat, in row-major order over ``parents`` (in the order listed) and, for a
CPT, the child last: entry ``[i_1, ..., i_k, j]`` is P(child = j | parent_1 = i_1, ...).
The decision may be a parent of CPTs and utility tables; its "states" are its options.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from engine.continuous import (
    ContinuousVariable,
    LinearTerm,
    LogisticCPT,
    hybrid_dict,
    linear_dict,
)

Modality = Literal["obligation", "prohibition", "permission"]
TheoryKind = Literal["cardinal", "ordinal", "deontic"]
NormHandling = Literal["ignore", "penalty", "constraint"]
Formalism = Literal["deontological", "consequentialist", "virtue", "mixed"]
Abstraction = Literal["ordering", "conditional", "rule"]
UtilityDistribution = Literal["normal", "interval"]

MODALITIES: tuple[str, ...] = ("obligation", "prohibition", "permission")
THEORY_KINDS: tuple[str, ...] = ("cardinal", "ordinal", "deontic")
NORM_HANDLINGS: tuple[str, ...] = ("ignore", "penalty", "constraint")
FORMALISMS: tuple[str, ...] = ("deontological", "consequentialist", "virtue", "mixed")
ABSTRACTIONS: tuple[str, ...] = ("ordering", "conditional", "rule")
UTILITY_DISTRIBUTIONS: tuple[str, ...] = ("normal", "interval")


@dataclass(frozen=True, slots=True)
class Variable:
    """A chance variable with finitely many named states."""

    name: str
    states: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class DecisionNode:
    """The (single) decision; choosing an option is the intervention do(decision = option)."""

    name: str
    options: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class CPT:
    """P(child | parents), flat row-major over ``parents`` then ``child``."""

    child: str
    parents: tuple[str, ...]
    table: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ValueDimension:
    """A value outcomes are scored on, with utility table U_v(parents).

    ``parents`` may include the decision, so U_v(option, x) is expressible.
    ``frameworks`` tags the value with the taxonomies that name it (e.g. "moral_foundations").
    ``linear`` adds terms linear in continuous variables: U_v(c, y) = table[c] + sum_t b_t[c] y_t.
    """

    name: str
    parents: tuple[str, ...]
    table: tuple[float, ...]
    description: str = ""
    frameworks: tuple[str, ...] = ()
    linear: tuple[LinearTerm, ...] = ()


@dataclass(frozen=True, slots=True)
class Clause:
    """``variable`` takes one of ``states`` (a discrete variable), or lies strictly between
    ``above`` and ``below`` (a continuous variable; ``None`` leaves that side unbounded).
    A condition is a conjunction of clauses."""

    variable: str
    states: tuple[str, ...] = ()
    above: float | None = None
    below: float | None = None

    @property
    def is_interval(self) -> bool:
        return self.above is not None or self.below is not None

    def describe(self) -> str:
        """``x in ['a', 'b']`` or ``10 < y < 30``."""
        if not self.is_interval:
            return f"{self.variable} in {list(self.states)}"
        low = "" if self.above is None else f"{self.above:g} < "
        high = "" if self.below is None else f" < {self.below:g}"
        return f"{low}{self.variable}{high}"


def clause_data(clause: Clause) -> dict[str, Any]:
    """A clause as JSON data (interval bounds only when set, so discrete content is unchanged)."""
    data: dict[str, Any] = {"variable": clause.variable, "states": list(clause.states)}
    if clause.above is not None:
        data["above"] = float(clause.above)
    if clause.below is not None:
        data["below"] = float(clause.below)
    return data


def clause_from(data: dict[str, Any]) -> Clause:
    above, below = data.get("above"), data.get("below")
    return Clause(
        data["variable"],
        tuple(data.get("states", ())),
        None if above is None else float(above),
        None if below is None else float(below),
    )


@dataclass(frozen=True, slots=True)
class Norm:
    """A deontic prescript about one option.

    Violation semantics (choosing option ``a`` under evidence ``e``), with C the condition:

    - prohibition of ``o``: violated iff a = o and C holds;
    - obligation to ``o``: violated iff a != o and C holds;
    - permission of ``o``: never violated; where C holds it defeats every *defeasible*
      prohibition of ``o`` with a strictly lower ``priority``.

    A norm is *hard* for a theory whose ``norm_handling`` is ``constraint``: an option whose
    probability of violating it exceeds ``threshold`` is impermissible.
    """

    name: str
    modality: Modality
    option: str
    condition: tuple[Clause, ...] = ()
    weight: float = 1.0
    priority: int = 0
    defeasible: bool = False
    threshold: float = 0.0
    source: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Theory:
    """A normative theory with the agent's credence in it.

    Choiceworthiness (shared/DESIGN.md step 4)::

        CW_T(a) = sum_v w_{T,v} EV_v(a)
                  - [handling = penalty] sum_{n in N_T} weight_n P(viol_n | do(a), e)

    ``norms`` is N_T, the norms the theory endorses; ``None`` means every norm of the problem.
    """

    name: str
    kind: TheoryKind
    credence: float
    value_weights: tuple[tuple[str, float], ...] = ()
    norm_handling: NormHandling = "ignore"
    norms: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class PolicyCase:
    """One condition of a conditional policy: where ``when`` holds, ``principles`` apply
    (most important first)."""

    when: tuple[Clause, ...]
    principles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A stated in-context ethical policy.

    ``principles`` orders the norms, values and theories the policy appeals to, most important
    first; ``credences`` replaces the theories' credences while the policy is active (theories it
    omits get credence 0; an empty ``credences`` keeps the problem's). ``rule`` /
    ``normalisation`` optionally fix how theories aggregate.

    ``abstraction`` says how much the policy specifies (engine.policy compiles each):

    - ``rule``: a fully specified rule (credences, rule, normalisation); ``principles`` only
      explain the choice. The default, and the meaning of policies written before it existed.
    - ``ordering``: a bare lexical ordering of ``principles`` (values, norms, theories).
    - ``conditional``: ``cases``; the first case whose condition holds with probability at
      least ``confidence`` given the evidence supplies the ordering.

    ``tolerance`` is the relative tolerance within which a principle counts options as equal.
    """

    name: str
    formalism: Formalism
    credences: tuple[tuple[str, float], ...]
    principles: tuple[str, ...] = ()
    rule: str | None = None
    normalisation: str | None = None
    description: str = ""
    abstraction: Abstraction = "rule"
    cases: tuple[PolicyCase, ...] = ()
    tolerance: float = 1e-9
    confidence: float = 0.95


@dataclass(frozen=True, slots=True)
class CPTUncertainty:
    """Second-order uncertainty about the rows of ``child``'s CPT.

    Row r (parent configuration r, row-major as in :class:`CPT`) is Dirichlet(kappa_r p_r),
    p_r the row in the CPT (its mean) and kappa_r = ``concentration[r]`` > 0 its total
    concentration; a binary child's row is then Beta(kappa p, kappa (1 - p)). Zero entries
    stay zero.
    """

    child: str
    concentration: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class UtilityUncertainty:
    """Second-order uncertainty about the entries of ``value``'s utility table.

    Entry i is Normal(U_i, scale_i^2) (``normal``) or Uniform(U_i - scale_i, U_i + scale_i)
    (``interval``); ``scale`` is flat like the table.
    """

    value: str
    distribution: UtilityDistribution
    scale: tuple[float, ...]


ParameterUncertainty = CPTUncertainty | UtilityUncertainty


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a problem came from; not part of its content hash."""

    source: str = ""
    format: str = ""
    ontology_version: str = ""


class ContentHashed:
    """Identity by content: equal iff the SHA-256 content hashes and the provenance are equal.

    For frozen dataclasses declared with ``eq=False`` (so these methods are not replaced) that
    set ``content_hash`` with :func:`content_digest` at construction.
    """

    __slots__ = ()
    content_hash: str
    provenance: Provenance

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.content_hash == other.content_hash and self.provenance == other.provenance

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def content(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The content plus provenance (with the content hash, checked when read back)."""
        provenance = {**provenance_dict(self.provenance), "content_hash": self.content_hash}
        return {**self.content(), "provenance": provenance}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, allow_nan=False)


def content_digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` (sorted keys, no spaces, no NaN)."""
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


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
        from engine.checks import check_network

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

    def content(self) -> dict[str, Any]:
        """Everything that defines this object's meaning, as JSON data (no provenance)."""
        return network_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BayesianNetwork:
        from engine.serialise import network_from_dict

        return network_from_dict(data)

    @classmethod
    def from_json(cls, text: str) -> BayesianNetwork:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, slots=True, eq=False)
class DecisionProblem(ContentHashed):
    """A validated, hashed decision problem (shared/DESIGN.md, "engine/ir").

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
    content_hash: str = field(init=False, compare=False, default="")
    _network: BayesianNetwork | None = field(init=False, compare=False, default=None, repr=False)

    def __post_init__(self) -> None:
        from engine.checks import check_problem

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
        from engine.errors import PolicyError

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
        from engine.continuous_checks import hybrid_edges

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

    # -- serialisation ---------------------------------------------------------------------
    def content(self) -> dict[str, Any]:
        """Everything that defines this object's meaning, as JSON data (no provenance)."""
        return content_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionProblem:
        from engine.serialise import problem_from_dict

        return problem_from_dict(data)

    @classmethod
    def from_json(cls, text: str) -> DecisionProblem:
        return cls.from_dict(json.loads(text))


def content_dict(problem: DecisionProblem) -> dict[str, Any]:
    """Everything that defines the problem's meaning, as plain JSON data (no provenance)."""
    return (
        {
            "name": problem.name,
            "description": problem.description,
            "variables": variables_data(problem.variables),
            "decision": {
                "name": problem.decision.name,
                "options": list(problem.decision.options),
                "description": problem.decision.description,
            },
            "cpts": cpts_data(problem.cpts),
            "values": [
                {
                    "name": v.name,
                    "parents": list(v.parents),
                    "table": [float(x) for x in v.table],
                    "description": v.description,
                    "frameworks": list(v.frameworks),
                }
                | ({"linear": [linear_dict(t) for t in v.linear]} if v.linear else {})
                for v in problem.values
            ],
            "norms": [
                {
                    "name": n.name,
                    "modality": n.modality,
                    "option": n.option,
                    "condition": [clause_data(c) for c in n.condition],
                    "weight": float(n.weight),
                    "priority": n.priority,
                    "defeasible": n.defeasible,
                    "threshold": float(n.threshold),
                    "source": n.source,
                    "description": n.description,
                }
                for n in problem.norms
            ],
            "theories": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "credence": float(t.credence),
                    "value_weights": [[v, float(w)] for v, w in t.value_weights],
                    "norm_handling": t.norm_handling,
                    "norms": None if t.norms is None else list(t.norms),
                    "description": t.description,
                }
                for t in problem.theories
            ],
            "policies": [_policy_dict(p) for p in problem.policies],
        }
        | _uncertainty_dict(problem.uncertainty)
        | hybrid_dict(problem.continuous, problem.logistic)
    )


def _policy_dict(policy: Policy) -> dict[str, Any]:
    """A policy as JSON data; fields added after the foundation appear only when set, so the
    content hash of a problem that does not use them is unchanged."""
    data: dict[str, Any] = {
        "name": policy.name,
        "formalism": policy.formalism,
        "credences": [[t, c] for t, c in policy.credences],
        "principles": list(policy.principles),
        "rule": policy.rule,
        "normalisation": policy.normalisation,
        "description": policy.description,
    }
    if policy.abstraction != "rule":
        data["abstraction"] = policy.abstraction
    if policy.cases:
        data["cases"] = [
            {
                "when": [clause_data(c) for c in case.when],
                "principles": list(case.principles),
            }
            for case in policy.cases
        ]
    if policy.tolerance != 1e-9:
        data["tolerance"] = policy.tolerance
    if policy.confidence != 0.95:
        data["confidence"] = policy.confidence
    return data


def _uncertainty_dict(uncertainty: tuple[ParameterUncertainty, ...]) -> dict[str, Any]:
    if not uncertainty:
        return {}
    items: list[dict[str, Any]] = []
    for u in uncertainty:
        if isinstance(u, CPTUncertainty):
            items.append(
                {"kind": "dirichlet", "child": u.child, "concentration": list(u.concentration)}
            )
        else:
            items.append({"kind": u.distribution, "value": u.value, "scale": list(u.scale)})
    return {"uncertainty": items}


def network_dict(network: BayesianNetwork) -> dict[str, Any]:
    """The content of a network as plain JSON data (no provenance)."""
    return {
        "name": network.name,
        "description": network.description,
        "variables": variables_data(network.variables),
        "cpts": cpts_data(network.cpts),
    } | hybrid_dict(network.continuous, network.logistic)


def variables_data(variables: tuple[Variable, ...]) -> list[dict[str, Any]]:
    """Discrete variables as JSON data (shared by problems, networks and influence diagrams)."""
    return [
        {"name": v.name, "states": list(v.states), "description": v.description} for v in variables
    ]


def cpts_data(cpts: tuple[CPT, ...]) -> list[dict[str, Any]]:
    """CPTs as JSON data (shared by problems, networks and influence diagrams)."""
    return [
        {"child": c.child, "parents": list(c.parents), "table": [float(x) for x in c.table]}
        for c in cpts
    ]


def provenance_dict(provenance: Provenance) -> dict[str, str]:
    return {
        "source": provenance.source,
        "format": provenance.format,
        "ontology_version": provenance.ontology_version,
    }


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
