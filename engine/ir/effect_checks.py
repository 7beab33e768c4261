"""The invariants of a double effect theory (:class:`engine.ir.nodes.DoubleEffect`), checked
once at construction: a ``double_effect`` theory states its test and only such a theory does;
each effect is a non-empty event on discrete chance variables, at least one of which the
decision influences; amounts are positive and the proportion is >= 0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import InvalidProblem
from engine.ir.fields import check_bounded, check_name, unique_names
from engine.ir.nodes import Theory
from engine.ir.normative_checks import check_condition

if TYPE_CHECKING:
    from engine.ir.problem import DecisionProblem

KIND = "double_effect"


def check_double_effect(
    theory: Theory,
    problem: DecisionProblem,
    states: dict[str, tuple[str, ...]],
) -> None:
    """Raise :class:`~engine.errors.InvalidProblem` naming the field when ``theory``'s double
    effect test is missing, misplaced or malformed."""
    where = f"theories.{theory.name}"
    test = theory.double_effect
    if (theory.kind == KIND) != (test is not None):
        raise InvalidProblem(
            f"{where}.double_effect",
            "a theory of kind double_effect states its test (good and bad effects, "
            "proportion), and only such a theory does"
            if test is None
            else f"only a theory of kind {KIND} has a double_effect test; set kind: {KIND}",
        )
    if test is None:
        return
    if problem.is_hybrid:
        raise InvalidProblem(
            f"{where}.kind",
            "a double effect theory reads exact event probabilities, which problems with "
            "continuous variables do not have; discretise them or drop the theory",
        )
    where = f"{where}.double_effect"
    influenced = problem.descendants(problem.decision.name)
    for side, effects in (("good", test.good), ("bad", test.bad)):
        if not effects:
            raise InvalidProblem(
                f"{where}.{side}", f"expected at least one {side} effect, found none"
            )
        for effect in effects:
            check_name(f"{where}.{side}", effect.name)
            at = f"{where}.{side}.{effect.name}"
            if not effect.when:
                raise InvalidProblem(f"{at}.when", "expected at least one clause, found none")
            check_condition(f"{at}.when", effect.when, problem, states)
            if not any(c.variable in influenced for c in effect.when):
                raise InvalidProblem(
                    f"{at}.when",
                    f"no variable of this effect depends on the decision "
                    f"{problem.decision.name!r}, so no option brings it about; name an outcome "
                    "the decision influences",
                )
            if not check_bounded(f"{at}.amount", effect.amount) > 0:
                raise InvalidProblem(f"{at}.amount", f"expected > 0, found {effect.amount}")
    unique_names(where, (e.name for e in (*test.good, *test.bad)))
    if not check_bounded(f"{where}.proportion", test.proportion) >= 0:
        raise InvalidProblem(f"{where}.proportion", f"expected >= 0, found {test.proportion}")
