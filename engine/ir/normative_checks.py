"""The normative invariants of a problem, checked once at construction: conditions, norms, theories
and their credences, policies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.errors import InvalidProblem, listing, quote
from engine.ir.conflicts import defeaters, norm_conflicts
from engine.ir.deontic import reference_cycle
from engine.ir.fields import check_bounded, check_finite, check_name, unique_names
from engine.ir.nodes import ABSTRACTIONS, Clause, Norm, Policy, Theory

if TYPE_CHECKING:
    from engine.ir.problem import DecisionProblem

CREDENCE_TOLERANCE = 1e-9


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
        above = -math.inf if clause.above is None else check_finite(f"{where}.above", clause.above)
        below = math.inf if clause.below is None else check_finite(f"{where}.below", clause.below)
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
                where,
                f"unknown state {quote(state)}; expected one of {listing(states[clause.variable])}",
            )


def check_condition(
    where: str,
    condition: tuple[Clause, ...],
    problem: DecisionProblem,
    states: dict[str, tuple[str, ...]],
) -> None:
    """A conjunction of clauses on distinct chance variables, each checked by
    :func:`check_clause` (a norm's ``condition`` and each of its ``unless`` exceptions)."""
    continuous = {v.name for v in problem.continuous}
    for clause in condition:
        if clause.variable == problem.decision.name or (
            clause.variable not in states and clause.variable not in continuous
        ):
            known = sorted([v.name for v in problem.variables] + sorted(continuous))
            raise InvalidProblem(
                where,
                f"unknown variable {clause.variable!r}; expected a chance variable, one of {known}",
            )
        check_clause(f"{where}.{clause.variable}", clause, states, continuous)
    unique_names(where, (c.variable for c in condition))


def check_norm(
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
            f"{where}.option", f"unknown option {norm.option!r}; expected one of {listing(options)}"
        )
    check_condition(f"{where}.condition", norm.condition, problem, states)
    if norm.unless and norm.modality == "permission":
        raise InvalidProblem(
            f"{where}.unless", "a permission carries no exceptions; narrow its condition instead"
        )
    for k, exception in enumerate(norm.unless):
        field = f"{where}.unless" if len(norm.unless) == 1 else f"{where}.unless[{k}]"
        if not exception:
            raise InvalidProblem(field, "expected at least one clause, found an empty exception")
        check_condition(field, exception, problem, states)
    _check_references(norm, problem)
    if check_bounded(f"{where}.weight", norm.weight) < 0:
        raise InvalidProblem(f"{where}.weight", f"expected a weight >= 0, found {norm.weight}")
    threshold = check_finite(f"{where}.threshold", norm.threshold)
    if not 0.0 <= threshold < 1.0:
        raise InvalidProblem(
            f"{where}.threshold", f"expected a probability in [0, 1), found {threshold}"
        )
    if isinstance(norm.priority, bool) or not isinstance(norm.priority, int):
        raise InvalidProblem(f"{where}.priority", f"expected an integer, found {norm.priority!r}")


def _check_references(norm: Norm, problem: DecisionProblem) -> None:
    """A contrary-to-duty condition (``violated``) names other obligations or prohibitions,
    each once; a permission has none (it is never violated and defeats only through its
    condition)."""
    where = f"norms.{norm.name}.condition.violated"
    if norm.violated and norm.modality == "permission":
        raise InvalidProblem(
            where,
            "a permission cannot be contrary-to-duty: its defeat must not depend on the option "
            "chosen; state it as an obligation or prohibition, or drop `violated`",
        )
    if not norm.violated:
        return
    unique_names(where, norm.violated)
    by_name = {n.name: n for n in problem.norms}
    for name in norm.violated:
        if name == norm.name:
            raise InvalidProblem(where, f"norm {name!r} refers to its own violation (a cycle)")
        other = by_name.get(name)
        if other is None:
            raise InvalidProblem(
                where, f"unknown norm {quote(name)}; expected one of {listing(tuple(by_name))}"
            )
        if other.modality == "permission":
            raise InvalidProblem(
                where,
                f"norm {name!r} is a permission, which is never violated; refer to an "
                "obligation or a prohibition",
            )


def check_violation_references(problem: DecisionProblem) -> None:
    """No cycle among ``violated`` references, and no contrary-to-duty norm defeats another
    (its condition would depend on the option chosen, which defeat cannot express)."""
    cycle = reference_cycle(problem.norms)
    if cycle is not None:
        raise InvalidProblem(
            f"norms.{cycle[0]}.condition.violated",
            f"contrary-to-duty references form a cycle: {' -> '.join(cycle)}; a norm cannot "
            "be in force because of its own violation",
        )
    if not any(n.violated for n in problem.norms):
        return
    beats = [(d, n) for n in problem.norms for d in defeaters(problem.norms, n)]
    if problem.conflicts == "priority":
        by_name = {n.name: n for n in problem.norms}
        for conflict in norm_conflicts(problem.norms, problem.decision.options):
            low, high = sorted(
                (by_name[conflict.first], by_name[conflict.second]), key=lambda n: n.priority
            )
            if high.priority > low.priority:
                beats.append((high, low))
    for beater, beaten in beats:
        if beater.violated:
            raise InvalidProblem(
                f"norms.{beater.name}.condition.violated",
                f"contrary-to-duty norm {beater.name!r} would defeat {beaten.name!r}, but a "
                "defeater acts through its condition alone, which cannot depend on the option "
                f"chosen: drop `violated` from it, give it a priority no higher than "
                f"{beaten.name!r}'s, or make {beaten.name!r} not defeasible",
            )


def check_conflict_resolution(problem: DecisionProblem, resolutions: tuple[str, ...]) -> None:
    """``conflicts`` is a known resolution and ``conflict_threshold`` a probability in [0, 1)."""
    if problem.conflicts not in resolutions:
        raise InvalidProblem(
            "conflicts", f"expected one of {list(resolutions)}, found {problem.conflicts!r}"
        )
    threshold = check_finite("conflict_threshold", problem.conflict_threshold)
    if not 0.0 <= threshold < 1.0:
        raise InvalidProblem(
            "conflict_threshold", f"expected a probability in [0, 1), found {threshold}"
        )


def check_theory(
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
                f"unknown value {quote(value)}; expected one of {listing(sorted(values))}",
            )
        check_bounded(f"{where}.value_weights.{value}", weight)
    unique_names(f"{where}.value_weights", (v for v, _ in theory.value_weights))
    norms = {n.name for n in problem.norms}
    for norm in theory.norms or ():
        if norm not in norms:
            raise InvalidProblem(
                f"{where}.norms",
                f"unknown norm {quote(norm)}; expected one of {listing(sorted(norms))}",
            )


def check_credences(where: str, credences: Sequence[tuple[str, float]]) -> None:
    for name, credence in credences:
        value = check_finite(f"{where}.{name}.credence", credence)
        if not 0.0 <= value <= 1.0:
            raise InvalidProblem(
                f"{where}.{name}.credence", f"expected a credence in [0, 1], found {credence}"
            )
    total = math.fsum(c for _, c in credences)
    if abs(total - 1.0) > CREDENCE_TOLERANCE:
        listed = ", ".join(f"{n}={c:g}" for n, c in credences)
        raise InvalidProblem(where, f"credences sum to {total:.6g} ({listed}), expected 1")


def check_policy(policy: Policy, problem: DecisionProblem, formalisms: tuple[str, ...]) -> None:
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
                f"unknown theory {quote(theory)}; expected one of {listing(sorted(theories))}",
            )
    unique_names(f"{where}.credences", (t for t, _ in policy.credences))
    if policy.credences:  # empty: the problem's own credences apply
        check_credences(f"{where}.credences", policy.credences)
    known = theories | {v.name for v in problem.values} | {n.name for n in problem.norms}
    check_principles(f"{where}.principles", policy.principles, known)
    check_policy_abstraction(policy, problem, known)


def check_principles(where: str, principles: Sequence[str], known: set[str]) -> None:
    for principle in principles:
        if principle not in known:
            raise InvalidProblem(
                where,
                f"unknown principle {quote(principle)}; expected a value, norm or theory name",
            )
    unique_names(where, principles)


def check_policy_abstraction(policy: Policy, problem: DecisionProblem, known: set[str]) -> None:
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
        check_principles(f"{at}.principles", case.principles, known)
    tolerance = check_finite(f"{where}.tolerance", policy.tolerance)
    if tolerance < 0:
        raise InvalidProblem(f"{where}.tolerance", f"expected a number >= 0, found {tolerance}")
    confidence = check_finite(f"{where}.confidence", policy.confidence)
    if not 0.5 < confidence <= 1.0:
        raise InvalidProblem(
            f"{where}.confidence", f"expected a probability in (0.5, 1], found {confidence}"
        )
