"""The field checks every reader and invariant shares, written once: names, numbers, parents."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from engine.errors import InvalidProblem


def check_finite(where: str, x: object) -> float:
    """``x`` as a float, or :class:`InvalidProblem` at ``where`` when it is not a finite real
    number (booleans, strings, NaN and infinities are refused).

    Examples
    --------
    >>> check_finite("norms.n.weight", 2)
    2.0
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InvalidProblem(where, f"expected a number, found {x!r}")
    if not math.isfinite(x):
        raise InvalidProblem(where, f"expected a finite number, found {x!r}")
    return float(x)


def check_name(where: str, name: object) -> None:
    """A name is a non-empty string."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidProblem(where, f"expected a non-empty name, found {name!r}")


def unique_names(where: str, names: Iterable[str]) -> None:
    """No name appears twice."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidProblem(where, f"duplicate name {name!r}; names must be unique")
        seen.add(name)


def check_parents(
    where: str,
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    *,
    continuous: Iterable[str] = (),
    continuous_fix: str = "",
    unknown_fix: str = "",
) -> None:
    """Every parent at ``where.parents`` is a known discrete variable (or the decision), listed
    once. A continuous parent cannot index a table: ``continuous_fix`` says where it belongs;
    ``unknown_fix`` is added to the message about an unknown parent."""
    continuous = set(continuous)
    for parent in parents:
        if parent in continuous:
            raise InvalidProblem(
                f"{where}.parents",
                f"{parent!r} is continuous and cannot index a table; {continuous_fix}",
            )
        if parent not in states:
            hint = f" ({unknown_fix})" if unknown_fix else ""
            raise InvalidProblem(
                f"{where}.parents",
                f"unknown parent {parent!r}; expected one of {sorted(states)}{hint}",
            )
    unique_names(f"{where}.parents", parents)
