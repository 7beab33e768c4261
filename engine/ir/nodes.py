"""The parts of the intermediate representation (IR): variables, CPTs, values, norms, theories,
policies and parameter uncertainty, as frozen dataclasses.

Everything downstream (backends, decision rules, verification) reads only these frozen
dataclasses. Invariants are checked once, in :func:`engine.ir.checks.check_problem`, when a
:class:`DecisionProblem` is constructed; every violation raises
:class:`~engine.errors.InvalidProblem` naming the field.

Tables are stored flat, in row-major order over ``parents`` (in the order listed) and, for a
CPT, the child last: entry ``[i_1, ..., i_k, j]`` is P(child = j | parent_1 = i_1, ...).
The decision may be a parent of CPTs and utility tables; its "states" are its options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.ir.continuous import LinearTerm

Modality = Literal["obligation", "prohibition", "permission"]
TheoryKind = Literal["cardinal", "ordinal", "deontic", "double_effect"]
NormHandling = Literal["ignore", "penalty", "constraint"]
Formalism = Literal["deontological", "consequentialist", "virtue", "mixed"]
Abstraction = Literal["ordering", "conditional", "rule"]
UtilityDistribution = Literal["normal", "interval"]
ConflictResolution = Literal["weight", "priority", "abstain"]

MODALITIES: tuple[str, ...] = ("obligation", "prohibition", "permission")
THEORY_KINDS: tuple[str, ...] = ("cardinal", "ordinal", "deontic", "double_effect")
NORM_HANDLINGS: tuple[str, ...] = ("ignore", "penalty", "constraint")
FORMALISMS: tuple[str, ...] = ("deontological", "consequentialist", "virtue", "mixed")
ABSTRACTIONS: tuple[str, ...] = ("ordering", "conditional", "rule")
UTILITY_DISTRIBUTIONS: tuple[str, ...] = ("normal", "interval")
#: how a conflict of norms (engine.ir.conflicts) is resolved; the first is the default
CONFLICT_RESOLUTIONS: tuple[str, ...] = ("weight", "priority", "abstain")


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


@dataclass(frozen=True, slots=True)
class Norm:
    """A deontic prescript about one option.

    Violation semantics (choosing option ``a`` under evidence ``e``), with C the condition and
    U_1, ..., U_m the exceptions (``unless``; each a conjunction of clauses, any one suffices):

    - prohibition of ``o``: violated iff a = o, C holds, no U_i holds and no defeater holds;
    - obligation to ``o``: violated iff a != o, C holds, no U_i holds and no defeater holds;
    - permission of ``o``: never violated; where C holds it defeats every *defeasible*
      prohibition of ``o`` and every *defeasible* obligation to another option, of strictly
      lower ``priority``; a prohibition of ``o`` likewise defeats every defeasible obligation
      to ``o`` of strictly lower priority (:func:`engine.semantics.events.violation_clauses`).

    A permission carries no exceptions (narrow its condition instead).

    A *contrary-to-duty* norm names in ``violated`` the norms whose violation is part of its
    condition (Chisholm 1963): it is violated under ``a`` only where each of them is violated
    under ``a`` too (:func:`engine.semantics.events.violable`). References may chain but not
    cycle.

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
    unless: tuple[tuple[Clause, ...], ...] = ()
    violated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Effect:
    """An outcome an option may bring about: the event ``when`` (a conjunction of clauses on
    chance variables the decision influences), of size ``amount`` > 0 in the proportionality
    test of :class:`DoubleEffect`."""

    name: str
    when: tuple[Clause, ...]
    amount: float = 1.0


@dataclass(frozen=True, slots=True)
class DoubleEffect:
    """The doctrine of double effect as a test of each option (Aquinas, *Summa Theologiae*
    II-II q. 64 a. 7; McIntyre 2019, "Doctrine of Double Effect", *Stanford Encyclopedia of
    Philosophy*, sec. 1; the causal reading of Lindner, Bentzen and Nebel 2017, "The HERA
    approach to morally competent robots", IROS, sec. III).

    Option ``a`` passes under evidence ``e`` when

    - *means*: no bad effect it brings about (P(bad | do(a), e) > 0) lies on a causal path
      from the decision to a good effect it brings about (a variable of the bad event is an
      ancestor, in the network, of a variable of the good event), and
    - *proportionality*: sum_g amount_g P(g | do(a), e) >= ``proportion`` *
      sum_b amount_b P(b | do(a), e).

    An option that fails is impermissible while the theory has positive credence, like one
    excluded by a side-constraint (:mod:`engine.semantics.double_effect`).
    """

    good: tuple[Effect, ...]
    bad: tuple[Effect, ...]
    proportion: float = 1.0


@dataclass(frozen=True, slots=True)
class Theory:
    """A normative theory with the agent's credence in it.

    Choiceworthiness (shared/DESIGN.md step 4)::

        CW_T(a) = sum_v w_{T,v} EV_v(a)
                  - [handling = penalty] sum_{n in N_T} weight_n P(viol_n | do(a), e)

    ``norms`` is N_T, the norms the theory endorses; ``None`` means every norm of the problem.
    A ``double_effect`` theory (kind ``double_effect``) also excludes the options that fail its
    :class:`DoubleEffect` test.
    """

    name: str
    kind: TheoryKind
    credence: float
    value_weights: tuple[tuple[str, float], ...] = ()
    norm_handling: NormHandling = "ignore"
    norms: tuple[str, ...] | None = None
    description: str = ""
    double_effect: DoubleEffect | None = None


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

    ``abstraction`` says how much the policy specifies (engine.decision.policy compiles each):

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
