"""Norm events and theory matrices, written once: when a norm is violated, which theories endorse
it, and the value weights and penalties of each theory."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass

import numpy as np

from engine.ir import Clause, DecisionProblem, Norm, Theory, deontic
from engine.ir.conflicts import NormConflict, defeaters, priority_defeater_map
from engine.ir.deontic import binds

__all__ = [
    "binds",
    "conflict_clauses",
    "event_indicator",
    "in_force_clauses",
    "norm_events",
    "theory_endorses",
    "theory_matrices",
    "violable",
    "violation_clauses",
]


def theory_matrices(
    problem: DecisionProblem, theories: tuple[Theory, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(theories x values) value weights and (theories x norms) penalty weights."""
    value_index = {v.name: j for j, v in enumerate(problem.values)}
    weights = np.zeros((len(theories), len(problem.values)))
    penalties = np.zeros((len(theories), len(problem.norms)))
    for t, theory in enumerate(theories):
        for value, w in theory.value_weights:
            weights[t, value_index[value]] = w
        if theory.norm_handling == "penalty":
            for j, norm in enumerate(problem.norms):
                if theory_endorses(theory, norm.name):
                    penalties[t, j] = norm.weight
    return weights, penalties


def theory_endorses(theory: Theory, norm: str) -> bool:
    return theory.norms is None or norm in theory.norms


@dataclass(frozen=True, slots=True)
class NormEvents:
    """Every norm's violation event and option factor for one problem, built once
    (:func:`norm_events`): ``violation[name]`` is :func:`violation_clauses`, ``bound`` the
    (norms, options) matrix of :func:`violable`."""

    index: dict[str, int]
    references: deontic.References
    violation: dict[str, tuple[tuple[Clause, ...], ...]]


#: the events of recently seen problems, by content hash (equal content, equal events)
_EVENTS: OrderedDict[str, NormEvents] = OrderedDict()
_EVENTS_KEPT = 32


def norm_events(problem: DecisionProblem) -> NormEvents:
    """The :class:`NormEvents` of ``problem``: each norm's own groups computed once, then each
    contrary-to-duty norm joined with the events of the norms it names, in dependency order
    and without repeats, so a chain of K references costs O(K) groups, not O(K^2) work."""
    key = problem.content_hash
    found = _EVENTS.get(key)
    if found is not None and len(found.index) == len(problem.norms):
        with suppress(KeyError):  # another thread may have evicted it meanwhile
            _EVENTS.move_to_end(key)
        return found
    refs = deontic.references(problem.norms, problem.decision.options)
    yielding = priority_defeater_map(problem)
    violation: dict[str, tuple[tuple[Clause, ...], ...]] = {}
    for k in refs.order:
        norm = problem.norms[k]
        own = (*_own_in_force(problem, norm), *yielding.get(norm.name, ()))
        violation[norm.name] = _joined(own, [violation[r] for r in norm.violated if r in violation])
    found = NormEvents({n.name: k for k, n in enumerate(problem.norms)}, refs, violation)
    _EVENTS[key] = found
    while len(_EVENTS) > _EVENTS_KEPT:
        with suppress(KeyError):
            _EVENTS.popitem(last=False)
    return found


def violable(problem: DecisionProblem, norm: Norm, option: str) -> bool:
    """True when choosing ``option`` can violate ``norm``: it :func:`binds` the option, and so
    does every norm its condition says is ``violated`` (a contrary-to-duty norm applies only
    under options that violate its primary norm; :func:`engine.ir.deontic.references`)."""
    if not norm.violated:
        return binds(norm, option)
    events = norm_events(problem)
    return bool(
        events.references.bound[events.index[norm.name], problem.decision.options.index(option)]
    )


def violation_clauses(problem: DecisionProblem, norm: Norm) -> tuple[tuple[Clause, ...], ...]:
    """The norm's condition first, then its exceptions, then the conditions of the norms that
    defeat it (shared/DESIGN.md, "Decision semantics" step 3; the one place every path reads).

    The violation event (given that the option chosen can violate the norm, :func:`violable`)
    is

        C_n and not (U_1 or ... or U_m) and not (C_d1 or ... or C_dk) and V_r1 and ... V_rj

    with U_i the norm's ``unless`` exceptions, C_dj the conditions of its defeaters, the
    norms of strictly higher priority that override a *defeasible* norm where they hold
    (defeasible reasoning after Horty 2012, *Reasons as Defaults*, ch. 1; Ross 1930, *The
    Right and the Good*, ch. 2, on prima facie duties):

    - a defeasible prohibition of ``o``: permissions of ``o``;
    - a defeasible obligation to ``o``: permissions of any other option, and prohibitions
      of ``o``;

    and V_r the violation events of the norms named in ``violated`` (contrary-to-duty): their
    conditions join the first group, their exceptions and defeaters the negated ones, so
    P(violation | do(a), e) stays one event probability under do(a).

    Under ``conflicts: priority`` the defeaters also include the conditions of the
    higher-priority norms it conflicts with (:func:`engine.ir.conflicts.priority_defeaters`).
    A defeater acts through its condition: its own exceptions do not narrow its defeat.
    An obligation defeated where C_dj holds is lifted for every option there.
    """
    return norm_events(problem).violation[norm.name]


def in_force_clauses(problem: DecisionProblem, norm: Norm) -> tuple[tuple[Clause, ...], ...]:
    """Where ``norm`` is in force: its condition, then its exceptions and its defeaters'
    conditions (:func:`violation_clauses` before any conflict resolution), joined with the
    violation events of the norms it names in ``violated``."""
    own = _own_in_force(problem, norm)
    if not norm.violated:
        return own
    events = norm_events(problem).violation
    return _joined(own, [events[r] for r in norm.violated if r in events])


def _own_in_force(problem: DecisionProblem, norm: Norm) -> tuple[tuple[Clause, ...], ...]:
    return (norm.condition, *norm.unless, *(d.condition for d in defeaters(problem.norms, norm)))


def _joined(
    own: tuple[tuple[Clause, ...], ...], others: list[tuple[tuple[Clause, ...], ...]]
) -> tuple[tuple[Clause, ...], ...]:
    """``own`` and the events ``others`` in conjunction: the first groups joined, the rest
    appended as negated groups (not (A or B) and not C is one conjunction of negations),
    repeats dropped."""
    if not others:
        return own
    first = dict.fromkeys(own[0])
    negated = dict.fromkeys(own[1:])
    for event in others:
        first.update(dict.fromkeys(event[0]))
        negated.update(dict.fromkeys(event[1:]))
    return (tuple(first), *negated)


def conflict_clauses(
    problem: DecisionProblem, conflict: NormConflict
) -> tuple[tuple[Clause, ...], ...]:
    """Where both norms of ``conflict`` are in force: their joint condition, and not any
    exception or defeater of either."""
    first, second = (problem.norm(conflict.first), problem.norm(conflict.second))
    return (
        conflict.condition,
        *in_force_clauses(problem, first)[1:],
        *in_force_clauses(problem, second)[1:],
    )


def event_indicator(
    problem: DecisionProblem,
    variables: tuple[str, ...],
    clauses: tuple[tuple[Clause, ...], ...],
) -> np.ndarray:
    """1 where the first clause group holds and none of the others does, over ``variables``."""
    shape = tuple(len(problem.states(v)) for v in variables)

    def holds(group: tuple[Clause, ...]) -> np.ndarray:
        mask = np.ones(shape, dtype=bool)
        for clause in group:
            axis = variables.index(clause.variable)
            states = problem.states(clause.variable)
            allowed = np.array([s in clause.states for s in states])
            mask &= allowed.reshape([-1 if k == axis else 1 for k in range(len(shape))])
        return mask

    event = holds(clauses[0])
    for defeater in clauses[1:]:
        event &= ~holds(defeater)
    return event.astype(np.float64)
