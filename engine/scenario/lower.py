"""A validated scenario model to the IR: variables, CPTs, values, norms, theories, policies and
parameter uncertainty."""

from __future__ import annotations

from engine.errors import InvalidProblem
from engine.ir import (
    CPT,
    Clause,
    CPTUncertainty,
    DecisionNode,
    DecisionProblem,
    DoubleEffect,
    Effect,
    LinearTerm,
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
from engine.ir.fields import check_parents
from engine.ir.limits import STATES
from engine.scenario.hybrid import continuous_variables, logistic_cpt
from engine.scenario.models import (
    DoubleEffectModel,
    EffectModel,
    IntervalModel,
    NormModel,
    ScenarioModel,
)
from engine.scenario.tables import flatten_table, per_entry

#: the key of a norm's condition that names violated norms (contrary-to-duty)
VIOLATED = "violated"

#: what a table with a continuous parent should be instead
LOGISTIC_INSTEAD = (
    "give the variable a logistic: CPD with it as an input, or a value a linear: term in it"
)


def to_problem(model: ScenarioModel, provenance: Provenance | None = None) -> DecisionProblem:
    """Turn a parsed scenario into the IR (tables flattened, conditions normalised)."""
    states: dict[str, tuple[str, ...]] = {model.decision.name: tuple(model.decision.options)}
    for variable in model.variables:
        STATES.check(f"variables.{variable.name}.states", len(variable.states))
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
        check_parents(
            where.rsplit(".", 1)[0],
            variable.parents,
            states,
            continuous=continuous_names,
            continuous_fix=LOGISTIC_INSTEAD,
        )
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
        check_parents(
            where.rsplit(".", 1)[0],
            value.parents,
            states,
            continuous=continuous_names,
            continuous_fix=LOGISTIC_INSTEAD,
        )
        table = per_entry(where, value.utility, value.parents, states)
        linear = tuple(
            LinearTerm(
                name,
                per_entry(f"values.{value.name}.linear.{name}", b, value.parents, states),
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
        norms=tuple(_norm(n, states) for n in model.norms),
        theories=tuple(
            Theory(
                name=t.name,
                kind=t.kind,
                credence=t.credence,
                value_weights=tuple(t.value_weights.items()),
                norm_handling=t.norm_handling,
                norms=None if t.norms is None else tuple(t.norms),
                description=t.description,
                double_effect=_double_effect(t.double_effect),
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
        conflicts=model.conflicts,
        conflict_threshold=model.conflict_threshold,
        uncertainty=uncertainty,
        continuous=continuous,
        logistic=tuple(logistic),
    )


def _norm(n: NormModel, states: dict[str, tuple[str, ...]]) -> Norm:
    """A norm; the key ``violated`` in its condition names the norms whose violation the
    condition requires (contrary-to-duty), the other keys are clauses."""
    where = f"norms.{n.name}"
    if VIOLATED in n.condition and VIOLATED in states:
        raise InvalidProblem(
            f"variables.{VIOLATED}",
            f"a variable called {VIOLATED!r} clashes with the contrary-to-duty key of norm "
            "conditions; rename the variable",
        )
    exceptions = [n.unless] if isinstance(n.unless, dict) else n.unless
    if any(VIOLATED in exception for exception in exceptions):
        raise InvalidProblem(
            f"{where}.unless.{VIOLATED}",
            "only a norm's condition may name violated norms; an exception is a condition "
            "on chance variables",
        )
    referenced = n.condition.get(VIOLATED, [])
    if isinstance(referenced, IntervalModel):
        raise InvalidProblem(
            f"{where}.condition.{VIOLATED}", "expected a norm name or a list of norm names"
        )
    return Norm(
        name=n.name,
        modality=n.modality,
        option=n.option,
        condition=tuple(clause(var, s) for var, s in n.condition.items() if var != VIOLATED),
        weight=n.weight,
        priority=n.priority,
        defeasible=n.defeasible,
        threshold=n.threshold,
        source=n.source,
        description=n.description,
        unless=tuple(
            tuple(clause(var, s) for var, s in exception.items()) for exception in exceptions
        ),
        violated=(referenced,) if isinstance(referenced, str) else tuple(referenced),
    )


def _double_effect(model: DoubleEffectModel | None) -> DoubleEffect | None:
    if model is None:
        return None

    def effects(named: dict[str, EffectModel]) -> tuple[Effect, ...]:
        return tuple(
            Effect(name, tuple(clause(v, s) for v, s in e.when.items()), e.amount)
            for name, e in named.items()
        )

    return DoubleEffect(effects(model.good), effects(model.bad), model.proportion)


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
                    per_entry(where, variable.cpt_concentration, variable.parents, states),
                )
            )
    for value in model.values:
        if value.uncertainty is not None:
            where = f"values.{value.name}.uncertainty.scale"
            found.append(
                UtilityUncertainty(
                    value.name,
                    value.uncertainty.distribution,
                    per_entry(where, value.uncertainty.scale, value.parents, states),
                )
            )
    return tuple(found)
