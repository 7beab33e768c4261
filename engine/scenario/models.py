"""The file boundary of scenarios: pydantic models of the YAML/JSON document (strict: unknown keys
are errors), and its JSON Schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engine.errors import InvalidProblem
from engine.ir.fields import check_finite


def _name(value: Any) -> Any:
    """Names may be written as integers in YAML (states 0 / 1); booleans and floats are errors."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _finite(value: Any) -> Any:
    """Numbers must be finite (:func:`~engine.ir.fields.check_finite`); other types are left to
    pydantic's own type check, which names what it expected."""
    if isinstance(value, float):
        try:
            check_finite("", value)
        except InvalidProblem as exc:
            raise ValueError(exc.detail) from None
    return value


Name = Annotated[str, BeforeValidator(_name), Field(min_length=1)]


Number = Annotated[float, BeforeValidator(_finite)]


#: Tables are checked by :func:`flatten_table`, whose messages name the row; pydantic's union
#: errors would not.
Table = Annotated[
    Any,
    Field(
        description="A flat list in row-major order over the parents, a list of rows, or a "
        "mapping from a parent configuration ('s1' or 's1, s2') to a row (list, or mapping "
        "state -> number); a utility without parents may be a single number."
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecisionModel(_Strict):
    name: Name
    options: list[Name] = Field(min_length=1)
    description: str = ""


class LogisticModel(_Strict):
    inputs: list[Name] = Field(
        min_length=1, description="The continuous parents (names under `continuous:`)."
    )
    bias: Table = Field(
        description="Per configuration of the discrete `parents`, one number per state (shaped "
        "like a CPT, but the rows need not sum to 1)."
    )
    weights: dict[Name, dict[Name, Number]] = Field(
        default={},
        description="state -> {input: weight}; missing entries are 0. P(state | parents, inputs) "
        "= softmax over states of bias + sum(weight * input).",
    )


class VariableModel(_Strict):
    name: Name
    states: list[Name] = Field(min_length=1)
    parents: list[Name] = []
    cpt: Table | None = Field(
        default=None, description="P(state | parents); required unless `logistic` is given."
    )
    logistic: LogisticModel | None = Field(
        default=None,
        description="A discrete variable with continuous parents: a softmax (multinomial "
        "logistic) CPD instead of a cpt.",
    )
    cpt_concentration: Table | None = Field(
        default=None,
        description="Second-order uncertainty: row r of the CPT is Dirichlet(kappa_r * row_r) "
        "(Beta for two states), with the CPT row as its mean. One number for every row, or a "
        "table with one number per parent configuration, like a utility.",
    )
    description: str = ""


class UtilityUncertaintyModel(_Strict):
    distribution: Literal["normal", "interval"] = Field(
        description="normal: entry ~ Normal(U, scale^2); interval: entry ~ Uniform(U - scale, "
        "U + scale)."
    )
    scale: Table = Field(
        description="One number for every entry, or a table shaped like the utility."
    )


class ContinuousModel(_Strict):
    name: Name
    distribution: Literal["normal", "lognormal", "beta"] = Field(
        description="normal {loc, scale}: mean and sd; lognormal {loc, scale}: mean and sd of "
        "log Y; beta {alpha, beta}."
    )
    parents: list[Name] = Field(default=[], description="Discrete parents (or the decision).")
    parameters: Table = Field(
        description="The family's parameters as a mapping ({loc: 0, scale: 1}), or, with "
        "parents, a mapping from each parent configuration to such a mapping."
    )
    coefficients: dict[Name, Number] = Field(
        default={},
        description="normal / lognormal only: loc += sum(coefficient * continuous parent).",
    )
    description: str = ""


class ValueModel(_Strict):
    name: Name
    parents: list[Name] = []
    utility: Table
    linear: dict[Name, Table] = Field(
        default={},
        description="continuous variable -> coefficient (one number, or a table over the "
        "value's parents): the utility gains coefficient * variable.",
    )
    uncertainty: UtilityUncertaintyModel | None = None
    description: str = ""
    frameworks: list[str] = []


class IntervalModel(_Strict):
    """A condition on a continuous variable: above < value < below (either bound may go)."""

    above: Number | None = None
    below: Number | None = None


#: a condition's right-hand side: a state, a list of states, or an interval (continuous)
ConditionValue = Name | list[Name] | IntervalModel


class NormModel(_Strict):
    name: Name
    modality: Literal["obligation", "prohibition", "permission"]
    option: Name
    condition: dict[Name, ConditionValue] = Field(
        default={},
        description="Where the norm applies: chance variable -> state(s) or interval, all of "
        "which must hold; the key `violated` names norms (one or a list) whose violation it "
        "also requires (a contrary-to-duty norm).",
    )
    weight: Number = 1.0
    priority: int = 0
    defeasible: bool = False
    threshold: Number = 0.0
    source: str = ""
    description: str = ""
    unless: dict[Name, ConditionValue] | list[dict[Name, ConditionValue]] = Field(
        default=[],
        description="Exceptions: a condition (like `condition`) or a list of them, any of "
        "which suffices; the norm is not violated where an exception holds. Not for "
        "permissions.",
    )


class EffectModel(_Strict):
    when: dict[Name, ConditionValue] = Field(
        min_length=1, description="The outcome: chance variable -> state(s), all holding."
    )
    amount: Number = Field(default=1.0, description="Its size in the proportionality test.")


class DoubleEffectModel(_Strict):
    good: dict[Name, EffectModel] = Field(
        min_length=1, description="Good effects by name (what the option aims at)."
    )
    bad: dict[Name, EffectModel] = Field(
        min_length=1, description="Bad effects by name (harms the option may bring about)."
    )
    proportion: Number = Field(
        default=1.0,
        description="The good must be at least this multiple of the bad (expected amounts).",
    )


class TheoryModel(_Strict):
    name: Name
    kind: Literal["cardinal", "ordinal", "deontic", "double_effect"]
    credence: Number
    value_weights: dict[Name, Number] = {}
    norm_handling: Literal["ignore", "penalty", "constraint"] = "ignore"
    norms: list[Name] | None = None
    description: str = ""
    double_effect: DoubleEffectModel | None = Field(
        default=None,
        description="kind double_effect: an option is impermissible when a bad effect it "
        "brings about is a means to a good one (on a causal path to it in the network), or "
        "when the good does not outweigh the bad by `proportion`.",
    )


class PolicyCaseModel(_Strict):
    when: dict[Name, ConditionValue] = Field(
        min_length=1, description="Conditions on situation variables (not on outcomes)."
    )
    principles: list[Name] = Field(min_length=1)


class PolicyModel(_Strict):
    name: Name
    formalism: Literal["deontological", "consequentialist", "virtue", "mixed"]
    abstraction: Literal["ordering", "conditional", "rule"] = Field(
        default="rule",
        description="ordering: a bare lexical ordering of `principles`; conditional: `cases`, "
        "each an ordering that applies when its condition holds; rule: credences, rule and "
        "normalisation fully specify the decision.",
    )
    credences: dict[Name, Number] = Field(
        default={}, description="Credences while the policy is active; empty keeps the problem's."
    )
    principles: list[Name] = []
    cases: list[PolicyCaseModel] = []
    rule: str | None = None
    normalisation: Literal["none", "range", "variance"] | None = None
    tolerance: Number = 1e-9
    confidence: Number = 0.95
    description: str = ""


class ScenarioModel(_Strict):
    """A decision problem as written in a scenario file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="phronesis scenario")

    name: Name
    description: str = ""
    decision: DecisionModel
    variables: list[VariableModel] = []
    continuous: list[ContinuousModel] = Field(
        default=[],
        description="Continuous chance variables; problems with them are decided by sampling "
        "(backend pyro).",
    )
    values: list[ValueModel] = []
    norms: list[NormModel] = []
    theories: list[TheoryModel] = Field(min_length=1)
    policies: list[PolicyModel] = []
    conflicts: Literal["weight", "priority", "abstain"] = Field(
        default="weight",
        description="How a conflict of norms (two obligations to different options, or an "
        "obligation and a prohibition of one option, in force together) is resolved: weight "
        "(default: penalty theories weigh both violations, constraint theories exclude), "
        "priority (the lower-priority norm yields where both hold) or abstain.",
    )
    conflict_threshold: Number = Field(
        default=0.0,
        description="With conflicts: abstain, abstain when a conflict holds with probability "
        "above this (under some option, given the evidence).",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    return ScenarioModel.model_json_schema()
