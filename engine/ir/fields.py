"""The field checks every reader and invariant shares, written once: names, numbers, parents."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence

from engine.errors import InvalidProblem, listing, quote
from engine.ir.limits import PARENTS

#: The largest magnitude accepted for a utility, a value weight, a norm weight or a utility's
#: noise scale. Choiceworthiness sums products weight x utility over values, theories and
#: options (and rules then sum over theories and subtract across options), so each term must
#: leave room: with |utility|, |weight| <= 1e15 a product is at most 1e30 and any realistic sum
#: of them stays many orders of magnitude below the float maximum (~1.8e308), so no sum can
#: overflow to inf and no inf - inf can make a score NaN. 1e15 is also below 2**53 (~9.007e15),
#: so every integer utility or weight in range is represented exactly, and differences at the
#: rules' relative tie tolerance (1e-9) remain resolvable.
MAX_MAGNITUDE = 1e15


def check_finite(where: str, x: object) -> float:
    """``x`` as a float, or :class:`InvalidProblem` at ``where`` when it is not a finite real
    number (booleans, strings, NaN and infinities are refused).

    Examples
    --------
    >>> check_finite("norms.n.weight", 2)
    2.0
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InvalidProblem(where, f"expected a number, found {quote(x, 40)}")
    if isinstance(x, int) and abs(x) > sys.float_info.max:  # float(x) would overflow
        raise InvalidProblem(where, f"expected a number within float range, found {quote(x, 40)}")
    if not math.isfinite(x):
        raise InvalidProblem(where, f"expected a finite number, found {x!r}")
    return float(x)


def check_bounded(where: str, x: object, bound: float = MAX_MAGNITUDE) -> float:
    """``x`` as a float, or :class:`InvalidProblem` at ``where`` when it is not finite or its
    magnitude exceeds ``bound`` (:data:`MAX_MAGNITUDE`, which keeps sums finite and exact).

    Examples
    --------
    >>> check_bounded("values.v.table[0]", -3)
    -3.0
    >>> check_bounded("values.v.table[0]", 1e308)
    Traceback (most recent call last):
    ...
    engine.errors.InvalidProblem: values.v.table[0]: expected a magnitude <= 1e+15 ...
    """
    value = check_finite(where, x)
    if abs(value) > bound:
        short = f"{value:g}"
        found = short if float(short) == value else repr(value)
        raise InvalidProblem(
            where,
            f"expected a magnitude <= {bound:g} (so sums over values, theories and options stay "
            f"finite and exact), found {found}",
        )
    return value


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
    PARENTS.check(f"{where}.parents", len(parents))
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
                f"unknown parent {parent!r}; expected one of {listing(sorted(states))}{hint}",
            )
    unique_names(f"{where}.parents", parents)
