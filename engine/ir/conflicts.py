"""Which norms override or clash with which: defeat among defeasible norms, and conflicts of
norms (dilemmas) that no single option can satisfy.

A *conflict* is a pair of norms such that every option violates one of them where both are in
force, for instance

- two obligations to different options (whatever is chosen violates one of them);
- an obligation to ``o`` and a prohibition of ``o``;
- prohibitions of the only two options;

(contrary-to-duty norms counted only under the options that violate the norms they refer to,
:func:`engine.ir.deontic.references`), with jointly satisfiable conditions (on each variable
both name, the clauses intersect) and neither defeating the other (:func:`defeaters`). This
is the "conflict of prima facie duties" of Ross 1930 (*The Right and the Good*, ch. 2) and
the deontic dilemma O(a) and O(b) with a, b incompatible (McConnell 2018, "Moral Dilemmas",
*Stanford Encyclopedia of Philosophy*, sec. 1; Horty 2012, *Reasons as Defaults*, ch. 3).
The problem's ``conflicts`` setting resolves one (see :func:`priority_defeaters` and
:mod:`engine.decision.dilemmas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from engine.ir.deontic import references
from engine.ir.limits import CONFLICTS
from engine.ir.nodes import Clause, Norm

if TYPE_CHECKING:
    from engine.ir.problem import DecisionProblem


@dataclass(frozen=True, slots=True)
class NormConflict:
    """Norms ``first`` and ``second`` (by name) clash where ``condition`` holds (both of their
    conditions; exceptions and defeaters still apply, see
    :func:`engine.semantics.events.conflict_clauses`)."""

    first: str
    second: str
    condition: tuple[Clause, ...]

    def describe(self) -> str:
        """``promise vs rescue where accident in ['yes']``."""
        where = " and ".join(c.describe() for c in self.condition) or "always"
        return f"{self.first} vs {self.second} where {where}"


def defeaters(norms: tuple[Norm, ...], norm: Norm) -> tuple[Norm, ...]:
    """The norms among ``norms`` that defeat ``norm`` where their condition holds; none unless
    ``norm`` is defeasible. A defeater has strictly higher priority and is

    - for a prohibition of ``o``: a permission of ``o``;
    - for an obligation to ``o``: a permission of another option, or a prohibition of ``o``.

    Examples
    --------
    >>> promise = Norm("promise", "obligation", "keep", defeasible=True)
    >>> rescue = Norm("rescue", "permission", "help", priority=1)
    >>> [d.name for d in defeaters((promise, rescue), promise)]
    ['rescue']
    """
    if not norm.defeasible or norm.modality == "permission":
        return ()
    return tuple(d for d in norms if d.priority > norm.priority and _defeats(d, norm))


def _defeats(defeater: Norm, norm: Norm) -> bool:
    if norm.modality == "prohibition":
        return defeater.modality == "permission" and defeater.option == norm.option
    if defeater.modality == "permission":
        return defeater.option != norm.option
    return defeater.modality == "prohibition" and defeater.option == norm.option


@lru_cache(maxsize=64)
def norm_conflicts(norms: tuple[Norm, ...], options: tuple[str, ...]) -> tuple[NormConflict, ...]:
    """Every conflicting pair among ``norms`` over the decision's ``options``, in the order the
    norms are listed (O(K^2) for K norms, computed once per norm tuple).

    Examples
    --------
    >>> promise = Norm("promise", "obligation", "meet_friend", (Clause("met", ("yes",)),))
    >>> rescue = Norm("rescue", "obligation", "help_victim", (Clause("crash", ("yes",)),))
    >>> options = ("meet_friend", "help_victim")
    >>> [c.describe() for c in norm_conflicts((promise, rescue), options)]
    ["promise vs rescue where met in ['yes'] and crash in ['yes']"]
    """
    refs = references(norms, options)
    masks = [sum(1 << int(a) for a in np.flatnonzero(row)) for row in refs.bound]
    every = (1 << len(options)) - 1
    beaten = [{id(d) for d in defeaters(norms, n)} for n in norms]
    conditions: dict[int, tuple[Clause, ...] | None] = {}

    def condition(k: int) -> tuple[Clause, ...] | None:
        """Norm k's condition joined with those of the norms it refers to (merged once)."""
        if k not in conditions:
            joined = [c for r in (k, *refs.closure[k]) for c in norms[r].condition]
            conditions[k] = joint_condition(tuple(joined), ())
        return conditions[k]

    found = []
    limit = CONFLICTS.value()
    for i, first in enumerate(norms):
        if not masks[i]:
            continue
        for j in range(i + 1, len(norms)):
            if not masks[j] or masks[i] | masks[j] != every:
                continue
            second = norms[j]
            if id(first) in beaten[j] or id(second) in beaten[i]:
                continue
            mine, theirs = condition(i), condition(j)
            joint = None if mine is None or theirs is None else joint_condition(mine, theirs)
            if joint is not None:
                found.append(NormConflict(first.name, second.name, joint))
                if len(found) > limit:  # refuse before finding the rest
                    CONFLICTS.check("norms", len(found))
    return tuple(found)


def joint_condition(
    first: tuple[Clause, ...], second: tuple[Clause, ...]
) -> tuple[Clause, ...] | None:
    """The conjunction of two conditions, one clause per variable (states intersected,
    intervals narrowed), or ``None`` when no state of the world satisfies both."""
    merged: dict[str, Clause] = {}
    for clause in (*first, *second):
        known = merged.get(clause.variable)
        if known is None:
            merged[clause.variable] = clause
            continue
        if clause.is_interval:
            above = max((b for b in (known.above, clause.above) if b is not None), default=None)
            below = min((b for b in (known.below, clause.below) if b is not None), default=None)
            if above is not None and below is not None and not above < below:
                return None
            merged[clause.variable] = Clause(clause.variable, (), above, below)
            continue
        states = tuple(s for s in known.states if s in clause.states)
        if not states:
            return None
        merged[clause.variable] = Clause(clause.variable, states)
    return tuple(merged.values())


def priority_defeaters(problem: DecisionProblem, norm: Norm) -> tuple[tuple[Clause, ...], ...]:
    """Under ``conflicts: priority``, the conditions of the higher-priority norms ``norm``
    conflicts with: where one holds, ``norm`` yields. Nothing under the other settings, or
    between norms of equal priority (those stay a dilemma, weighed as under ``weight``)."""
    return priority_defeater_map(problem).get(norm.name, ())


def priority_defeater_map(problem: DecisionProblem) -> dict[str, tuple[tuple[Clause, ...], ...]]:
    """:func:`priority_defeaters` of every norm that has some, by name, from one pass over the
    conflicts."""
    if problem.conflicts != "priority":
        return {}
    by_name = {n.name: n for n in problem.norms}
    found: dict[str, list[tuple[Clause, ...]]] = {}
    for conflict in norm_conflicts(problem.norms, problem.decision.options):
        first, second = by_name[conflict.first], by_name[conflict.second]
        for low, high in ((first, second), (second, first)):
            if high.priority > low.priority:
                found.setdefault(low.name, []).append(high.condition)
    return {name: tuple(conditions) for name, conditions in found.items()}
