"""The invariants of the IR, checked once when a :class:`~engine.ir.DecisionProblem` is built.

Each failure raises :class:`~engine.errors.InvalidProblem` with a dotted field path that uses
the names written in the scenario (``variables.pedestrian.cpt``), what was expected and what
was found.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from engine.continuous_checks import check_hybrid, check_linear_terms, hybrid_edges
from engine.errors import InvalidProblem

if TYPE_CHECKING:
    from engine.continuous import ContinuousVariable, LogisticCPT
    from engine.ir import (
        CPT,
        BayesianNetwork,
        Clause,
        DecisionProblem,
        Norm,
        Policy,
        Theory,
        Variable,
    )

ROW_TOLERANCE = 1e-6
CREDENCE_TOLERANCE = 1e-9


def check_problem(problem: DecisionProblem) -> None:
    """Raise :class:`InvalidProblem` at the first violated invariant."""
    from engine.ir import FORMALISMS, MODALITIES, NORM_HANDLINGS, THEORY_KINDS

    check_name("name", problem.name)
    states = _check_decision(problem)
    check_variables(problem.variables, states)
    _check_chance_part(
        problem.variables,
        problem.cpts,
        problem.continuous,
        problem.logistic,
        states,
        problem.decision.name,
    )
    continuous = {v.name for v in problem.continuous}
    for value in problem.values:
        where = f"values.{value.name}"
        check_name(where, value.name)
        _no_continuous(f"{where}.parents", value.parents, continuous, "a linear term")
        check_parents(where, value.parents, states)
        check_table(where, value.table, _shape(value.parents, states), probabilities=False)
        check_linear_terms(where, value.linear, value.parents, states, continuous)
    unique_names("values", (v.name for v in problem.values))
    for norm in problem.norms:
        _check_norm(norm, problem, states, MODALITIES)
    unique_names("norms", (n.name for n in problem.norms))
    if not problem.theories:
        raise InvalidProblem("theories", "at least one theory is required (found none)")
    for theory in problem.theories:
        _check_theory(theory, problem, THEORY_KINDS, NORM_HANDLINGS)
    unique_names("theories", (t.name for t in problem.theories))
    _check_credences("theories", [(t.name, t.credence) for t in problem.theories])
    for policy in problem.policies:
        _check_policy(policy, problem, FORMALISMS)
    unique_names("policies", (p.name for p in problem.policies))
    _check_uncertainty(problem, states)


def check_name(where: str, name: object) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidProblem(where, f"expected a non-empty name, found {name!r}")


def unique_names(where: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidProblem(where, f"duplicate name {name!r}; names must be unique")
        seen.add(name)


def _check_finite(where: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InvalidProblem(where, f"expected a number, found {x!r}")
    if not math.isfinite(x):
        raise InvalidProblem(where, f"expected a finite number, found {x!r}")
    return float(x)


def check_network(network: BayesianNetwork) -> None:
    """The invariants of a bare network: unique names, one valid CPT per variable, a DAG."""
    check_name("name", network.name)
    states: dict[str, tuple[str, ...]] = {}
    check_variables(network.variables, states)
    _check_chance_part(
        network.variables, network.cpts, network.continuous, network.logistic, states, None
    )


def _check_chance_part(
    variables: Sequence[Variable],
    cpts: Sequence[CPT],
    continuous: Sequence[ContinuousVariable],
    logistic: Sequence[LogisticCPT],
    states: dict[str, tuple[str, ...]],
    decision: str | None,
) -> None:
    """CPTs (logistic CPDs for discrete children of continuous variables), continuous
    variables, and one acyclic graph over all of them."""
    check_hybrid(continuous, logistic, states)
    by_logistic = {c.child for c in logistic}
    for cpt in cpts:
        if cpt.child in by_logistic:
            raise InvalidProblem(
                f"variables.{cpt.child}", "give either a cpt or a logistic CPD, not both"
            )
    for cpt in cpts:
        _no_continuous(
            f"variables.{cpt.child}.cpt.parents",
            cpt.parents,
            {v.name for v in continuous},
            "a logistic CPD (logistic: with inputs)",
        )
    check_cpts([v for v in variables if v.name not in by_logistic], cpts, states, decision=decision)
    nodes = {**states, **{v.name: () for v in continuous}}
    check_acyclic(nodes, cpts, hybrid_edges(continuous, logistic))


def check_clause(
    where: str, clause: Clause, states: dict[str, tuple[str, ...]], continuous: set[str]
) -> None:
    """A discrete variable's clause names known states; a continuous one's is an interval
    ``above < x < below`` with at least one finite bound."""
    if clause.variable in continuous:
        if clause.states or not clause.is_interval:
            raise InvalidProblem(
                where,
                f"{clause.variable!r} is continuous: give an interval {{above: X}}, {{below: Y}} "
                "or both, not states",
            )
        above = -math.inf if clause.above is None else _check_finite(f"{where}.above", clause.above)
        below = math.inf if clause.below is None else _check_finite(f"{where}.below", clause.below)
        if not above < below:
            raise InvalidProblem(where, f"empty interval: above {above} is not below {below}")
        return
    if clause.is_interval:
        raise InvalidProblem(
            where, f"{clause.variable!r} is discrete: name its states, not an interval"
        )
    if not clause.states:
        raise InvalidProblem(where, "expected at least one state")
    for state in clause.states:
        if state not in states[clause.variable]:
            raise InvalidProblem(
                where, f"unknown state {state!r}; expected one of {list(states[clause.variable])}"
            )


def _no_continuous(where: str, parents: Sequence[str], continuous: set[str], fix: str) -> None:
    for parent in parents:
        if parent in continuous:
            raise InvalidProblem(
                where, f"{parent!r} is continuous and cannot index a table; use {fix} instead"
            )


def _check_decision(problem: DecisionProblem) -> dict[str, tuple[str, ...]]:
    decision = problem.decision
    check_name("decision.name", decision.name)
    if not decision.options:
        raise InvalidProblem("decision.options", "expected at least one option, found none")
    for option in decision.options:
        check_name("decision.options", option)
    unique_names("decision.options", decision.options)
    return {decision.name: decision.options}


def check_variables(variables: Sequence[Variable], states: dict[str, tuple[str, ...]]) -> None:
    """Add each variable's states to ``states``, checking names are unique and non-empty."""
    for variable in variables:
        check_name("variables", variable.name)
        where = f"variables.{variable.name}"
        if variable.name in states:
            raise InvalidProblem(
                where,
                f"duplicate name {variable.name!r}; variables and the decision need unique names",
            )
        if not variable.states:
            raise InvalidProblem(f"{where}.states", "expected at least one state, found none")
        for state in variable.states:
            check_name(f"{where}.states", state)
        unique_names(f"{where}.states", variable.states)
        states[variable.name] = variable.states


def _shape(parents: Sequence[str], states: dict[str, tuple[str, ...]]) -> tuple[int, ...]:
    return tuple(len(states[p]) for p in parents)


def check_parents(where: str, parents: Sequence[str], states: dict[str, tuple[str, ...]]) -> None:
    for parent in parents:
        if parent not in states:
            raise InvalidProblem(
                f"{where}.parents",
                f"unknown parent {parent!r}; expected one of {sorted(states)}",
            )
    unique_names(f"{where}.parents", parents)


def check_table(
    where: str, table: Sequence[float], shape: tuple[int, ...], *, probabilities: bool
) -> None:
    expected = math.prod(shape)
    if len(table) != expected:
        dims = " x ".join(map(str, shape)) or "1"
        raise InvalidProblem(
            f"{where}.table", f"expected {expected} entries ({dims}), found {len(table)}"
        )
    for i, x in enumerate(table):
        value = _check_finite(f"{where}.table[{i}]", x)
        if probabilities and not 0.0 <= value <= 1.0:
            raise InvalidProblem(
                f"{where}.table[{i}]", f"expected a probability in [0, 1], found {x}"
            )


def check_cpts(
    variable_list: Sequence[Variable],
    cpts: Sequence[CPT],
    states: dict[str, tuple[str, ...]],
    decision: str | None,
) -> None:
    variables = {v.name for v in variable_list}
    seen: set[str] = set()
    for cpt in cpts:
        if cpt.child == decision:
            raise InvalidProblem(
                f"cpts.{cpt.child}",
                "the decision has no CPT: choosing an option is an intervention",
            )
        if cpt.child not in variables:
            raise InvalidProblem(f"cpts.{cpt.child}", f"CPT for unknown variable {cpt.child!r}")
        if cpt.child in seen:
            raise InvalidProblem(
                f"variables.{cpt.child}.cpt", "more than one CPT for this variable"
            )
        seen.add(cpt.child)
        where = f"variables.{cpt.child}.cpt"
        check_parents(where, cpt.parents, states)
        if cpt.child in cpt.parents:
            raise InvalidProblem(f"{where}.parents", f"{cpt.child!r} cannot be its own parent")
        parent_shape = _shape(cpt.parents, states)
        n_child = len(states[cpt.child])
        check_table(where, cpt.table, (*parent_shape, n_child), probabilities=True)
        parent_rows = itertools.product(*(states[p] for p in cpt.parents))
        for row, parent_states in enumerate(parent_rows):
            total = math.fsum(cpt.table[row * n_child : (row + 1) * n_child])
            if abs(total - 1.0) > ROW_TOLERANCE:
                given = ", ".join(
                    f"{p}={s}" for p, s in zip(cpt.parents, parent_states, strict=True)
                )
                raise InvalidProblem(
                    where,
                    f"row ({given or 'no parents'}) sums to {total:.6g}, expected 1",
                )
    missing = sorted(variables - seen)
    if missing:
        raise InvalidProblem(f"variables.{missing[0]}.cpt", "no CPT given for this variable")


def check_acyclic(
    states: dict[str, tuple[str, ...]],
    cpts: Sequence[CPT],
    extra_edges: Iterable[tuple[str, str]] = (),
) -> None:
    """Depth-first search; a back edge is reported as the cycle it closes."""
    children: dict[str, list[str]] = {name: [] for name in states}
    for cpt in cpts:
        for parent in cpt.parents:
            children[parent].append(cpt.child)
    for parent, child in extra_edges:
        children[parent].append(child)
    colour: dict[str, int] = dict.fromkeys(children, 0)
    path: list[str] = []

    def visit(node: str) -> None:
        colour[node] = 1
        path.append(node)
        for child in children[node]:
            if colour[child] == 1:
                cycle = [*path[path.index(child) :], child]
                raise InvalidProblem(
                    "variables", f"the graph has a cycle {' -> '.join(cycle)}; CPTs must form a DAG"
                )
            if colour[child] == 0:
                visit(child)
        path.pop()
        colour[node] = 2

    for node in children:
        if colour[node] == 0:
            visit(node)


def _check_norm(
    norm: Norm,
    problem: DecisionProblem,
    states: dict[str, tuple[str, ...]],
    modalities: tuple[str, ...],
) -> None:
    check_name("norms", norm.name)
    where = f"norms.{norm.name}"
    if norm.modality not in modalities:
        raise InvalidProblem(
            f"{where}.modality", f"expected one of {list(modalities)}, found {norm.modality!r}"
        )
    options = problem.decision.options
    if norm.option not in options:
        raise InvalidProblem(
            f"{where}.option", f"unknown option {norm.option!r}; expected one of {list(options)}"
        )
    continuous = {v.name for v in problem.continuous}
    for clause in norm.condition:
        if clause.variable == problem.decision.name or (
            clause.variable not in states and clause.variable not in continuous
        ):
            known = sorted([v.name for v in problem.variables] + sorted(continuous))
            raise InvalidProblem(
                f"{where}.condition",
                f"unknown variable {clause.variable!r}; expected a chance variable, one of {known}",
            )
        check_clause(f"{where}.condition.{clause.variable}", clause, states, continuous)
    unique_names(f"{where}.condition", (c.variable for c in norm.condition))
    if _check_finite(f"{where}.weight", norm.weight) < 0:
        raise InvalidProblem(f"{where}.weight", f"expected a weight >= 0, found {norm.weight}")
    threshold = _check_finite(f"{where}.threshold", norm.threshold)
    if not 0.0 <= threshold < 1.0:
        raise InvalidProblem(
            f"{where}.threshold", f"expected a probability in [0, 1), found {threshold}"
        )
    if isinstance(norm.priority, bool) or not isinstance(norm.priority, int):
        raise InvalidProblem(f"{where}.priority", f"expected an integer, found {norm.priority!r}")


def _check_theory(
    theory: Theory,
    problem: DecisionProblem,
    kinds: tuple[str, ...],
    handlings: tuple[str, ...],
) -> None:
    check_name("theories", theory.name)
    where = f"theories.{theory.name}"
    if theory.kind not in kinds:
        raise InvalidProblem(
            f"{where}.kind", f"expected one of {list(kinds)}, found {theory.kind!r}"
        )
    if theory.norm_handling not in handlings:
        raise InvalidProblem(
            f"{where}.norm_handling",
            f"expected one of {list(handlings)}, found {theory.norm_handling!r}",
        )
    values = {v.name for v in problem.values}
    for value, weight in theory.value_weights:
        if value not in values:
            raise InvalidProblem(
                f"{where}.value_weights",
                f"unknown value {value!r}; expected one of {sorted(values)}",
            )
        _check_finite(f"{where}.value_weights.{value}", weight)
    unique_names(f"{where}.value_weights", (v for v, _ in theory.value_weights))
    norms = {n.name for n in problem.norms}
    for norm in theory.norms or ():
        if norm not in norms:
            raise InvalidProblem(
                f"{where}.norms", f"unknown norm {norm!r}; expected one of {sorted(norms)}"
            )


def _check_credences(where: str, credences: Sequence[tuple[str, float]]) -> None:
    for name, credence in credences:
        value = _check_finite(f"{where}.{name}.credence", credence)
        if not 0.0 <= value <= 1.0:
            raise InvalidProblem(
                f"{where}.{name}.credence", f"expected a credence in [0, 1], found {credence}"
            )
    total = math.fsum(c for _, c in credences)
    if abs(total - 1.0) > CREDENCE_TOLERANCE:
        listed = ", ".join(f"{n}={c:g}" for n, c in credences)
        raise InvalidProblem(where, f"credences sum to {total:.6g} ({listed}), expected 1")


def _check_policy(policy: Policy, problem: DecisionProblem, formalisms: tuple[str, ...]) -> None:
    check_name("policies", policy.name)
    where = f"policies.{policy.name}"
    if policy.formalism not in formalisms:
        raise InvalidProblem(
            f"{where}.formalism", f"expected one of {list(formalisms)}, found {policy.formalism!r}"
        )
    theories = {t.name for t in problem.theories}
    for theory, _ in policy.credences:
        if theory not in theories:
            raise InvalidProblem(
                f"{where}.credences",
                f"unknown theory {theory!r}; expected one of {sorted(theories)}",
            )
    unique_names(f"{where}.credences", (t for t, _ in policy.credences))
    if policy.credences:  # empty: the problem's own credences apply
        _check_credences(f"{where}.credences", policy.credences)
    known = theories | {v.name for v in problem.values} | {n.name for n in problem.norms}
    _check_principles(f"{where}.principles", policy.principles, known)
    _check_policy_abstraction(policy, problem, known)


def _check_principles(where: str, principles: Sequence[str], known: set[str]) -> None:
    for principle in principles:
        if principle not in known:
            raise InvalidProblem(
                where, f"unknown principle {principle!r}; expected a value, norm or theory name"
            )
    unique_names(where, principles)


def _check_policy_abstraction(policy: Policy, problem: DecisionProblem, known: set[str]) -> None:
    from engine.ir import ABSTRACTIONS

    where = f"policies.{policy.name}"
    if policy.abstraction not in ABSTRACTIONS:
        raise InvalidProblem(
            f"{where}.abstraction",
            f"expected one of {list(ABSTRACTIONS)}, found {policy.abstraction!r}",
        )
    if policy.abstraction == "ordering" and not policy.principles:
        raise InvalidProblem(
            f"{where}.principles", "an ordering policy needs at least one principle (found none)"
        )
    if policy.abstraction == "conditional" and not policy.cases:
        raise InvalidProblem(
            f"{where}.cases", "a conditional policy needs at least one case (found none)"
        )
    if policy.cases and policy.abstraction != "conditional":
        raise InvalidProblem(
            f"{where}.cases",
            f"only a conditional policy has cases; set abstraction: conditional "
            f"(found {policy.abstraction!r})",
        )
    downstream = problem.descendants(problem.decision.name)
    variables = {v.name: v.states for v in problem.variables}
    continuous = {v.name for v in problem.continuous}
    for k, case in enumerate(policy.cases):
        at = f"{where}.cases[{k}]"
        if not case.when:
            raise InvalidProblem(f"{at}.when", "expected at least one condition, found none")
        for clause in case.when:
            if clause.variable not in variables and clause.variable not in continuous:
                known = sorted([*variables, *continuous])
                raise InvalidProblem(
                    f"{at}.when",
                    f"unknown variable {clause.variable!r}; expected one of {known}",
                )
            if clause.variable in downstream:
                raise InvalidProblem(
                    f"{at}.when.{clause.variable}",
                    "a policy condition must describe the situation, not an outcome: this "
                    "variable depends on the decision; condition on one that does not",
                )
            check_clause(f"{at}.when.{clause.variable}", clause, variables, continuous)
        if not case.principles:
            raise InvalidProblem(f"{at}.principles", "expected at least one principle")
        _check_principles(f"{at}.principles", case.principles, known)
    tolerance = _check_finite(f"{where}.tolerance", policy.tolerance)
    if tolerance < 0:
        raise InvalidProblem(f"{where}.tolerance", f"expected a number >= 0, found {tolerance}")
    confidence = _check_finite(f"{where}.confidence", policy.confidence)
    if not 0.5 < confidence <= 1.0:
        raise InvalidProblem(
            f"{where}.confidence", f"expected a probability in (0.5, 1], found {confidence}"
        )


def _check_uncertainty(problem: DecisionProblem, states: dict[str, tuple[str, ...]]) -> None:
    from engine.ir import UTILITY_DISTRIBUTIONS, CPTUncertainty

    seen: set[str] = set()
    cpts = {c.child: c for c in problem.cpts}
    values = {v.name: v for v in problem.values}
    for item in problem.uncertainty:
        if isinstance(item, CPTUncertainty):
            where = f"variables.{item.child}.cpt_concentration"
            if item.child not in cpts:
                raise InvalidProblem(where, f"unknown variable {item.child!r}")
            rows = math.prod(_shape(cpts[item.child].parents, states))
            key = f"cpt:{item.child}"
            if len(item.concentration) != rows:
                raise InvalidProblem(
                    where,
                    f"expected {rows} concentrations (one per row), found "
                    f"{len(item.concentration)}",
                )
            for r, kappa in enumerate(item.concentration):
                if _check_finite(f"{where}[{r}]", kappa) <= 0:
                    raise InvalidProblem(f"{where}[{r}]", f"expected a number > 0, found {kappa}")
        else:
            where = f"values.{item.value}.uncertainty"
            if item.value not in values:
                raise InvalidProblem(where, f"unknown value {item.value!r}")
            if item.distribution not in UTILITY_DISTRIBUTIONS:
                raise InvalidProblem(
                    f"{where}.distribution",
                    f"expected one of {list(UTILITY_DISTRIBUTIONS)}, found {item.distribution!r}",
                )
            size = len(values[item.value].table)
            key = f"value:{item.value}"
            if len(item.scale) != size:
                raise InvalidProblem(
                    f"{where}.scale", f"expected {size} entries, found {len(item.scale)}"
                )
            for i, scale in enumerate(item.scale):
                if _check_finite(f"{where}.scale[{i}]", scale) < 0:
                    raise InvalidProblem(
                        f"{where}.scale[{i}]", f"expected a number >= 0, found {scale}"
                    )
        if key in seen:
            raise InvalidProblem(where, "given more than once")
        seen.add(key)
