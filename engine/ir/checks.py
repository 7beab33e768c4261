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

import numpy as np

from engine.errors import InvalidProblem
from engine.ir.conflicts import norm_conflicts
from engine.ir.effect_checks import check_double_effect
from engine.ir.fields import (
    MAX_MAGNITUDE,
    check_bounded,
    check_finite,
    check_name,
    check_parents,
    unique_names,
)
from engine.ir.hybrid_checks import check_hybrid, check_linear_terms, hybrid_edges
from engine.ir.limits import FACTOR_ENTRIES, NODES, NORMS, STATES, TOTAL_ENTRIES, check_entries
from engine.ir.nodes import (
    CONFLICT_RESOLUTIONS,
    CPT,
    FORMALISMS,
    MODALITIES,
    NORM_HANDLINGS,
    THEORY_KINDS,
    UTILITY_DISTRIBUTIONS,
    CPTUncertainty,
    Variable,
)
from engine.ir.normative_checks import (
    check_conflict_resolution,
    check_credences,
    check_norm,
    check_policy,
    check_theory,
    check_violation_references,
)
from engine.ir.width import largest_factor

if TYPE_CHECKING:
    from engine.ir.continuous import ContinuousVariable, LogisticCPT
    from engine.ir.network import BayesianNetwork
    from engine.ir.problem import DecisionProblem

ROW_TOLERANCE = 1e-6


def check_problem(problem: DecisionProblem) -> None:
    """Raise :class:`InvalidProblem` at the first violated invariant."""
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
        for term in value.linear:
            for i, b in enumerate(term.coefficients):
                check_bounded(f"{where}.linear.{term.variable}[{i}]", b)
    unique_names("values", (v.name for v in problem.values))
    NORMS.check("norms", len(problem.norms))
    for norm in problem.norms:
        check_norm(norm, problem, states, MODALITIES)
    unique_names("norms", (n.name for n in problem.norms))
    check_violation_references(problem)
    norm_conflicts(problem.norms, problem.decision.options)  # within the conflicts limit
    check_conflict_resolution(problem, CONFLICT_RESOLUTIONS)
    if not problem.theories:
        raise InvalidProblem("theories", "at least one theory is required (found none)")
    for theory in problem.theories:
        check_theory(theory, problem, THEORY_KINDS, NORM_HANDLINGS)
        check_double_effect(theory, problem, states)
    unique_names("theories", (t.name for t in problem.theories))
    check_credences("theories", [(t.name, t.credence) for t in problem.theories])
    for policy in problem.policies:
        check_policy(policy, problem, FORMALISMS)
    unique_names("policies", (p.name for p in problem.policies))
    _check_uncertainty(problem, states)
    _check_query_sizes(problem, states)


def _check_query_sizes(problem: DecisionProblem, states: dict[str, tuple[str, ...]]) -> None:
    """Every table exact inference builds for a value, norm or policy case stays within the
    ``factor_entries`` limit (:func:`engine.ir.width.largest_factor`; the decision counts as
    one axis, since all options are evaluated at once). Problems with continuous variables
    are sampled, not eliminated, and are not checked here."""
    if problem.continuous or problem.logistic:
        return
    parents = {cpt.child: cpt.parents for cpt in problem.cpts}
    cards = {name: len(s) for name, s in states.items()}
    decision = problem.decision.name
    queries = [(f"values.{v.name}.parents", v.parents) for v in problem.values]
    queries += [
        (f"norms.{n.name}.condition", [c.variable for c in n.condition]) for n in problem.norms
    ]
    queries += [
        (f"policies.{p.name}.cases[{k}].when", [c.variable for c in case.when])
        for p in problem.policies
        for k, case in enumerate(p.cases)
    ]
    bound = FACTOR_ENTRIES.value()
    for where, targets in queries:
        known = {t for t in targets if t in cards} | {decision}
        FACTOR_ENTRIES.check(where, largest_factor(parents, cards, known, bound))


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
    variables, and one acyclic graph over all of them, within the ``nodes`` and
    ``total_entries`` limits."""
    NODES.check("variables", len(variables) + len(continuous))
    TOTAL_ENTRIES.check("variables", sum(len(cpt.table) for cpt in cpts))
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
        STATES.check(f"{where}.states", len(variable.states))
        for state in variable.states:
            check_name(f"{where}.states", state)
        unique_names(f"{where}.states", variable.states)
        states[variable.name] = variable.states


def _shape(parents: Sequence[str], states: dict[str, tuple[str, ...]]) -> tuple[int, ...]:
    return tuple(len(states[p]) for p in parents)


def check_table(
    where: str, table: Sequence[float], shape: tuple[int, ...], *, probabilities: bool
) -> np.ndarray:
    """``table`` has ``prod(shape)`` finite entries (at most the ``table_entries`` limit):
    probabilities in [0, 1], or utilities of magnitude at most
    :data:`~engine.ir.fields.MAX_MAGNITUDE`. Returns the entries as an array (checked at
    array speed; the first bad entry is reported with the scalar checks' message)."""
    expected = check_entries(where, shape)
    if len(table) != expected:
        dims = " x ".join(map(str, shape)) if len(shape) <= 8 else f"{len(shape)} axes"
        raise InvalidProblem(
            f"{where}.table", f"expected {expected:,} entries ({dims or '1'}), found {len(table):,}"
        )
    array = _as_floats(table, expected)
    valid = array is not None and bool(
        np.all((array >= 0.0) & (array <= 1.0) if probabilities else np.abs(array) <= MAX_MAGNITUDE)
    )
    if not valid:  # find and name the first bad entry
        for i, x in enumerate(table):
            at = f"{where}.table[{i}]"
            value = check_finite(at, x) if probabilities else check_bounded(at, x, MAX_MAGNITUDE)
            if probabilities and not 0.0 <= value <= 1.0:
                raise InvalidProblem(at, f"expected a probability in [0, 1], found {x}")
        array = np.asarray([float(x) for x in table])
    return array


def _as_floats(table: Sequence[float], count: int) -> np.ndarray | None:
    """The entries as a float array when every one is a plain ``int`` or ``float`` within float
    range (no bools, strings or NaN-producing conversions); otherwise ``None``."""
    if not set(map(type, table)) <= {float, int}:
        return None
    try:
        return np.fromiter(table, dtype=float, count=count)
    except OverflowError:  # an integer beyond float range
        return None


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
        array = check_table(where, cpt.table, (*parent_shape, n_child), probabilities=True)
        sums = array.reshape(-1, n_child).sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > ROW_TOLERANCE)
        if bad.size:
            row = int(bad[0])
            total = math.fsum(cpt.table[row * n_child : (row + 1) * n_child])
            if abs(total - 1.0) > ROW_TOLERANCE:
                parent_states = next(
                    itertools.islice(
                        itertools.product(*(states[p] for p in cpt.parents)), row, None
                    )
                )
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
    """Depth-first search with an explicit stack (no recursion, so a chain of any length is
    fine); a back edge is reported as the cycle it closes."""
    children: dict[str, list[str]] = {name: [] for name in states}
    for cpt in cpts:
        for parent in cpt.parents:
            children[parent].append(cpt.child)
    for parent, child in extra_edges:
        children[parent].append(child)
    colour: dict[str, int] = dict.fromkeys(children, 0)  # 0 unseen, 1 on the path, 2 done
    for root in children:
        if colour[root]:
            continue
        colour[root] = 1
        path = [root]
        pending = [iter(children[root])]  # pending[k]: the children of path[k] left to visit
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                colour[path.pop()] = 2
            elif colour[child] == 1:
                cycle = [*path[path.index(child) :], child]
                raise InvalidProblem(
                    "variables", f"the graph has a cycle {' -> '.join(cycle)}; CPTs must form a DAG"
                )
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                pending.append(iter(children[child]))


def _check_uncertainty(problem: DecisionProblem, states: dict[str, tuple[str, ...]]) -> None:
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
                if check_finite(f"{where}[{r}]", kappa) <= 0:
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
                if check_bounded(f"{where}.scale[{i}]", scale) < 0:
                    raise InvalidProblem(
                        f"{where}.scale[{i}]", f"expected a number >= 0, found {scale}"
                    )
        if key in seen:
            raise InvalidProblem(where, "given more than once")
        seen.add(key)
