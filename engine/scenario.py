"""Scenario files (YAML or JSON) -> :class:`~engine.ir.DecisionProblem`.

The file boundary is the only place pydantic is used: :class:`ScenarioModel` parses and
type-checks the raw document, then :func:`to_problem` turns tables written per parent
configuration into the IR's flat tables, whose constructor checks the remaining invariants.
Every failure is a :class:`~engine.errors.ScenarioError` naming the file, the field and what was
expected.

Tables (CPT rows, utilities) are written either as a flat list in row-major order over the
parents, or as a mapping from a parent configuration — ``"steal"``, or ``"steal, yes"`` for two
parents, in the order listed under ``parents`` — to a row (a list, or a mapping state -> number).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from engine.continuous import LinearTerm
from engine.errors import InvalidProblem, ScenarioError
from engine.ir import (
    CPT,
    Clause,
    CPTUncertainty,
    DecisionNode,
    DecisionProblem,
    Norm,
    ParameterUncertainty,
    Policy,
    PolicyCase,
    Provenance,
    Theory,
    UtilityUncertainty,
    ValueDimension,
    Variable,
)
from engine.scenario_hybrid import continuous_variables, logistic_cpt


def _name(value: Any) -> Any:
    """Names may be written as integers in YAML (states 0 / 1); booleans and floats are errors."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, found {value}")
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
    condition: dict[Name, ConditionValue] = {}
    weight: Number = 1.0
    priority: int = 0
    defeasible: bool = False
    threshold: Number = 0.0
    source: str = ""
    description: str = ""


class TheoryModel(_Strict):
    name: Name
    kind: Literal["cardinal", "ordinal", "deontic"]
    credence: Number
    value_weights: dict[Name, Number] = {}
    norm_handling: Literal["ignore", "penalty", "constraint"] = "ignore"
    norms: list[Name] | None = None
    description: str = ""


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


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    return ScenarioModel.model_json_schema()


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so states named yes / no / on / off stay strings."""


_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file into plain data, with a clear error if it is neither."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    try:
        if Path(path).suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_YamlLoader)  # a SafeLoader subclass
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if Path(path).suffix.lower() == ".json" else "YAML"
        raise ScenarioError(source, "", f"not valid {kind}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ScenarioError(
            source, "", f"expected a mapping at the top level, found {type(data).__name__}"
        )
    return data


def load_scenario(path: str | Path) -> DecisionProblem:
    """Parse and validate a scenario file into a :class:`DecisionProblem`."""
    return parse_scenario(read_document(path), source=str(path))


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> DecisionProblem:
    """Validate scenario data (already read from a file) into a :class:`DecisionProblem`."""
    try:
        model = ScenarioModel.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ScenarioError(
            source, _location(error["loc"], data), _pydantic_message(error)
        ) from None
    fmt = "json" if source.endswith(".json") else "yaml"
    try:
        return to_problem(model, Provenance(source=source, format=fmt))
    except InvalidProblem as exc:
        raise ScenarioError(source, exc.field, exc.detail) from None


def _location(loc: Sequence[Any], data: Any) -> str:
    """Pydantic's location as ``variables[2](rain).cpt``, naming list items by their name.

    Keys that do not index into the document (pydantic's union and validator tags) are dropped;
    the last key is kept even when missing from the data (a required field).
    """
    parts: list[str] = []
    node = data
    for position, key in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            item = node[key]
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{key}]" + (f"({name})" if name else "")
            node = item
        elif isinstance(node, dict) and (key in node or last):
            parts.append(str(key))
            node = node.get(key)
        elif last and not parts:
            parts.append(str(key))
    return ".".join(parts) or "<document>"


def _pydantic_message(error: dict[str, Any]) -> str:
    found = error.get("input")
    if error["type"] == "extra_forbidden":
        return "unknown field; check its spelling against `phronesis schema`"
    if error["type"] == "missing":
        return "required field is missing"
    return f"{error['msg'].lower()} (found {found!r})"


def to_problem(model: ScenarioModel, provenance: Provenance | None = None) -> DecisionProblem:
    """Turn a parsed scenario into the IR (tables flattened, conditions normalised)."""
    states: dict[str, tuple[str, ...]] = {model.decision.name: tuple(model.decision.options)}
    for variable in model.variables:
        states.setdefault(variable.name, tuple(variable.states))

    continuous = continuous_variables(model.continuous, states)
    continuous_names = {v.name for v in continuous}
    cpts = []
    logistic = []
    for variable in model.variables:
        where = f"variables.{variable.name}.cpt"
        if variable.logistic is not None:
            if variable.cpt is not None:
                raise InvalidProblem(
                    f"variables.{variable.name}", "give either cpt or logistic, not both"
                )
            logistic.append(logistic_cpt(variable, states, continuous_names))
            continue
        if variable.cpt is None:
            raise InvalidProblem(
                where, "missing; give P(state | parents), or logistic: for continuous parents"
            )
        _known_parents(where, variable.parents, states, continuous_names)
        cpts.append(
            CPT(
                variable.name,
                tuple(variable.parents),
                flatten_table(
                    where, variable.cpt, variable.parents, states, tuple(variable.states)
                ),
            )
        )
    values = []
    for value in model.values:
        where = f"values.{value.name}.utility"
        _known_parents(where, value.parents, states, continuous_names)
        table = (
            (_number(where, value.utility),) * math.prod(len(states[p]) for p in value.parents)
            if not isinstance(value.utility, list | dict)
            else flatten_table(where, value.utility, value.parents, states, None)
        )
        linear = tuple(
            LinearTerm(
                name,
                _per_entry(f"values.{value.name}.linear.{name}", b, value.parents, states),
            )
            for name, b in value.linear.items()
        )
        values.append(
            ValueDimension(
                value.name,
                tuple(value.parents),
                table,
                value.description,
                tuple(value.frameworks),
                linear,
            )
        )
    uncertainty = _uncertainty(model, states)
    return DecisionProblem(
        name=model.name,
        description=model.description,
        variables=tuple(Variable(v.name, tuple(v.states), v.description) for v in model.variables),
        decision=DecisionNode(
            model.decision.name, tuple(model.decision.options), model.decision.description
        ),
        cpts=tuple(cpts),
        values=tuple(values),
        norms=tuple(
            Norm(
                name=n.name,
                modality=n.modality,
                option=n.option,
                condition=tuple(clause(var, s) for var, s in n.condition.items()),
                weight=n.weight,
                priority=n.priority,
                defeasible=n.defeasible,
                threshold=n.threshold,
                source=n.source,
                description=n.description,
            )
            for n in model.norms
        ),
        theories=tuple(
            Theory(
                name=t.name,
                kind=t.kind,
                credence=t.credence,
                value_weights=tuple(t.value_weights.items()),
                norm_handling=t.norm_handling,
                norms=None if t.norms is None else tuple(t.norms),
                description=t.description,
            )
            for t in model.theories
        ),
        policies=tuple(
            Policy(
                name=p.name,
                formalism=p.formalism,
                credences=tuple(p.credences.items()),
                principles=tuple(p.principles),
                rule=p.rule,
                normalisation=p.normalisation,
                description=p.description,
                abstraction=p.abstraction,
                cases=tuple(
                    PolicyCase(
                        tuple(clause(var, s) for var, s in case.when.items()),
                        tuple(case.principles),
                    )
                    for case in p.cases
                ),
                tolerance=p.tolerance,
                confidence=p.confidence,
            )
            for p in model.policies
        ),
        provenance=provenance or Provenance(),
        uncertainty=uncertainty,
        continuous=continuous,
        logistic=tuple(logistic),
    )


def clause(variable: str, value: str | list[str] | IntervalModel) -> Clause:
    """``var: state``, ``var: [states]`` or ``var: {above: X, below: Y}`` as a :class:`Clause`."""
    if isinstance(value, IntervalModel):
        return Clause(variable, (), value.above, value.below)
    return Clause(variable, (value,) if isinstance(value, str) else tuple(value))


def _uncertainty(
    model: ScenarioModel, states: dict[str, tuple[str, ...]]
) -> tuple[ParameterUncertainty, ...]:
    """``cpt_concentration`` and ``uncertainty`` entries as IR parameter uncertainty."""
    found: list[ParameterUncertainty] = []
    for variable in model.variables:
        if variable.cpt_concentration is not None:
            where = f"variables.{variable.name}.cpt_concentration"
            found.append(
                CPTUncertainty(
                    variable.name,
                    _per_entry(where, variable.cpt_concentration, variable.parents, states),
                )
            )
    for value in model.values:
        if value.uncertainty is not None:
            where = f"values.{value.name}.uncertainty.scale"
            found.append(
                UtilityUncertainty(
                    value.name,
                    value.uncertainty.distribution,
                    _per_entry(where, value.uncertainty.scale, value.parents, states),
                )
            )
    return tuple(found)


def _per_entry(
    where: str, table: Any, parents: Sequence[str], states: dict[str, tuple[str, ...]]
) -> tuple[float, ...]:
    """One number per parent configuration: a scalar broadcast, or a utility-shaped table."""
    if not isinstance(table, list | dict):
        return (_number(where, table),) * math.prod(len(states[p]) for p in parents)
    return flatten_table(where, table, parents, states, None)


def _known_parents(
    where: str,
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    continuous: set[str] | frozenset[str] = frozenset(),
) -> None:
    for parent in parents:
        if parent in continuous:
            raise InvalidProblem(
                where.rsplit(".", 1)[0] + ".parents",
                f"{parent!r} is continuous and cannot index a table; give the variable a "
                "logistic: CPD with it as an input, or a value a linear: term in it",
            )
        if parent not in states:
            raise InvalidProblem(
                where.rsplit(".", 1)[0] + ".parents",
                f"unknown parent {parent!r}; expected one of {sorted(states)}",
            )


def flatten_table(
    where: str,
    table: Any,
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    child_states: tuple[str, ...] | None,
) -> tuple[float, ...]:
    """Flatten a CPT (``child_states`` given) or utility table (``None``) to row-major order."""
    configurations = list(itertools.product(*(states[p] for p in parents)))
    width = 1 if child_states is None else len(child_states)
    if not isinstance(table, list | dict):
        raise InvalidProblem(where, f"expected a list or a mapping of rows, found {table!r}")
    if isinstance(table, list):
        if table and isinstance(table[0], list):
            for i, row in enumerate(table):
                if len(row) != width:
                    raise InvalidProblem(
                        f"{where}[{i}]", f"expected a row of {width} entries, found {len(row)}"
                    )
            table = [x for row in table for x in row]
        return tuple(_number(f"{where}.table[{i}]", x) for i, x in enumerate(table))
    if not parents:
        if child_states is None:
            raise InvalidProblem(where, "a utility without parents is a single number")
        return _row(where, table, child_states)
    rows: dict[tuple[str, ...], tuple[float, ...]] = {}
    for key, row in table.items():
        configuration = tuple(part.strip() for part in str(key).split(","))
        if configuration not in set(configurations):
            expected = ", ".join(parents)
            raise InvalidProblem(
                where,
                f"row key {key!r} is not a configuration of ({expected}); "
                f"expected keys like {', '.join(configurations[0])!r}",
            )
        if child_states is None:
            rows[configuration] = (_number(f"{where}[{key}]", row),)
        else:
            rows[configuration] = _row(f"{where}[{key}]", row, child_states)
    missing = [c for c in configurations if c not in rows]
    if missing:
        given = ", ".join(f"{p}={s}" for p, s in zip(parents, missing[0], strict=True))
        raise InvalidProblem(where, f"no row for ({given}); every parent configuration needs one")
    return tuple(x for c in configurations for x in rows[c])


def _number(where: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InvalidProblem(where, f"expected a number, found {x!r}")
    if not math.isfinite(x):
        raise InvalidProblem(where, f"expected a finite number, found {x!r}")
    return float(x)


def _row(where: str, row: Any, child_states: tuple[str, ...]) -> tuple[float, ...]:
    if isinstance(row, list):
        if len(row) != len(child_states):
            raise InvalidProblem(
                where,
                f"expected {len(child_states)} probabilities (one per state of "
                f"{list(child_states)}), found {len(row)}",
            )
        return tuple(_number(f"{where}[{i}]", x) for i, x in enumerate(row))
    if not isinstance(row, dict):
        raise InvalidProblem(
            where, f"expected a row of {len(child_states)} probabilities, found {row!r}"
        )
    unknown = [s for s in row if str(s) not in child_states]
    if unknown:
        raise InvalidProblem(
            where, f"unknown state {unknown[0]!r}; expected one of {list(child_states)}"
        )
    given = {str(k): v for k, v in row.items()}
    return tuple(_number(f"{where}.{s}", given.get(s, 0.0)) for s in child_states)
