"""The invariants of an :class:`~engine.ir.influence.InfluenceDiagram`, checked once at
construction.

Shares the table and name checks of :mod:`engine.ir.checks`; adds what is particular to influence
diagrams (Jensen & Nielsen, *Bayesian Networks and Decision Graphs*, 2nd ed., sec. 9.1):
decisions have options and information parents, utility nodes have no children, the graph of
chance and decision nodes is acyclic, and under no-forgetting the decisions lie on one directed
path (a total temporal order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import InvalidProblem
from engine.ir.checks import (
    check_acyclic,
    check_cpts,
    check_name,
    check_parents,
    check_table,
    check_variables,
    unique_names,
)
from engine.ir.graph import ancestors
from engine.ir.nodes import CPT

if TYPE_CHECKING:
    from engine.ir.influence import InfluenceDiagram


def check_influence_diagram(diagram: InfluenceDiagram) -> tuple[str, ...]:
    """Raise :class:`InvalidProblem` at the first violated invariant; return the decision order."""
    check_name("name", diagram.name)
    states: dict[str, tuple[str, ...]] = {}
    check_variables(diagram.variables, states)
    for decision in diagram.decisions:
        check_name("decisions", decision.name)
        where = f"decisions.{decision.name}"
        if decision.name in states:
            raise InvalidProblem(
                where, f"duplicate name {decision.name!r}; node names must be unique"
            )
        if not decision.options:
            raise InvalidProblem(f"{where}.options", "expected at least one option, found none")
        for option in decision.options:
            check_name(f"{where}.options", option)
        unique_names(f"{where}.options", decision.options)
        states[decision.name] = decision.options
    check_cpts(diagram.variables, diagram.cpts, states, decision=None)
    for decision in diagram.decisions:
        where = f"decisions.{decision.name}.information"
        check_parents(where, decision.information, states)
        if decision.name in decision.information:
            raise InvalidProblem(where, f"{decision.name!r} cannot be its own information parent")
    for utility in diagram.utilities:
        check_name("utilities", utility.name)
        where = f"utilities.{utility.name}"
        if utility.name in states:
            raise InvalidProblem(
                where, f"duplicate name {utility.name!r}; node names must be unique"
            )
        check_parents(where, utility.parents, states)
        shape = tuple(len(states[p]) for p in utility.parents)
        check_table(where, utility.table, shape, probabilities=False)
    unique_names("utilities", (u.name for u in diagram.utilities))
    arcs = [*diagram.cpts, *(CPT(d.name, d.information, ()) for d in diagram.decisions)]
    check_acyclic(states, arcs)
    order = _decision_order(diagram, arcs)
    if diagram.no_forgetting:
        _check_total_order(order, arcs)
    return order


def _decision_order(diagram: InfluenceDiagram, arcs: list[CPT]) -> tuple[str, ...]:
    """Decisions in a topological order of the graph; ties keep the order they were declared."""
    nodes = [*(v.name for v in diagram.variables), *(d.name for d in diagram.decisions)]
    parents = {a.child: set(a.parents) for a in arcs}
    done: set[str] = set()
    order: list[str] = []
    while len(done) < len(nodes):
        ready = next(n for n in nodes if n not in done and parents.get(n, set()) <= done)
        done.add(ready)
        order.append(ready)
    decisions = {d.name for d in diagram.decisions}
    return tuple(n for n in order if n in decisions)


def _check_total_order(order: tuple[str, ...], arcs: list[CPT]) -> None:
    parents = {a.child: a.parents for a in arcs}

    for earlier, later in zip(order, order[1:], strict=False):
        if earlier not in ancestors(parents, later):
            raise InvalidProblem(
                "decisions",
                f"no-forgetting needs the decisions on one directed path, but there is no path "
                f"from {earlier!r} to {later!r}; add an information arc {earlier} -> {later} "
                "or set no_forgetting to false (a LIMID)",
            )
