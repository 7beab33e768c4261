"""Tables as written in scenarios (a row per parent configuration, or one flat list) to the flat
row-major tables of the IR."""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Sequence
from typing import Any

from engine.errors import InvalidProblem
from engine.ir.fields import check_finite
from engine.scenario.document import short


def number(where: str, x: Any) -> float:
    """:func:`~engine.ir.fields.check_finite`, quoting at most a short excerpt of a bad entry and
    refusing integers beyond float range (which ``float()`` cannot convert).

    Examples
    --------
    >>> number("cpt[0]", 10**400)
    Traceback (most recent call last):
    ...
    engine.errors.InvalidProblem: cpt[0]: expected a number within float range \
(about 1.8e308), found <an integer of about 401 digits>
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise InvalidProblem(where, f"expected a number, found {short(x)}")
    if isinstance(x, int) and abs(x) > sys.float_info.max:
        raise InvalidProblem(
            where, f"expected a number within float range (about 1.8e308), found {short(x)}"
        )
    return check_finite(where, x)


def _key(key: Any) -> str:
    """A row key as written in a field path, cut short when huge."""
    text = str(key)
    return text if len(text) <= 60 else short(text)


def per_entry(
    where: str, table: Any, parents: Sequence[str], states: dict[str, tuple[str, ...]]
) -> tuple[float, ...]:
    """One number per parent configuration: a scalar broadcast, or a utility-shaped table."""
    if not isinstance(table, list | dict):
        return (number(where, table),) * math.prod(len(states[p]) for p in parents)
    return flatten_table(where, table, parents, states, None)


def flatten_table(
    where: str,
    table: Any,
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    child_states: tuple[str, ...] | None,
) -> tuple[float, ...]:
    """Flatten a CPT (``child_states`` given) or utility table (``None``) to row-major order."""
    configurations = list(itertools.product(*(states[p] for p in parents)))
    width = 1 if child_states is None else len(child_states)
    if not isinstance(table, list | dict):
        raise InvalidProblem(where, f"expected a list or a mapping of rows, found {short(table)}")
    if isinstance(table, list):
        if table and isinstance(table[0], list):
            for i, row in enumerate(table):
                if len(row) != width:
                    raise InvalidProblem(
                        f"{where}[{i}]", f"expected a row of {width} entries, found {len(row)}"
                    )
            table = [x for row in table for x in row]
        return tuple(number(f"{where}.table[{i}]", x) for i, x in enumerate(table))
    if not parents:
        if child_states is None:
            raise InvalidProblem(where, "a utility without parents is a single number")
        return probability_row(where, table, child_states)
    rows: dict[tuple[str, ...], tuple[float, ...]] = {}
    for key, row in table.items():
        configuration = tuple(part.strip() for part in str(key).split(","))
        if configuration not in set(configurations):
            expected = ", ".join(parents)
            raise InvalidProblem(
                where,
                f"row key {short(key)} is not a configuration of ({expected}); "
                f"expected keys like {', '.join(configurations[0])!r}",
            )
        if child_states is None:
            rows[configuration] = (number(f"{where}[{_key(key)}]", row),)
        else:
            rows[configuration] = probability_row(f"{where}[{_key(key)}]", row, child_states)
    missing = [c for c in configurations if c not in rows]
    if missing:
        given = ", ".join(f"{p}={s}" for p, s in zip(parents, missing[0], strict=True))
        raise InvalidProblem(where, f"no row for ({given}); every parent configuration needs one")
    return tuple(x for c in configurations for x in rows[c])


def probability_row(where: str, row: Any, child_states: tuple[str, ...]) -> tuple[float, ...]:
    if isinstance(row, list):
        if len(row) != len(child_states):
            raise InvalidProblem(
                where,
                f"expected {len(child_states)} probabilities (one per state of "
                f"{list(child_states)}), found {len(row)}",
            )
        return tuple(number(f"{where}[{i}]", x) for i, x in enumerate(row))
    if not isinstance(row, dict):
        raise InvalidProblem(
            where, f"expected a row of {len(child_states)} probabilities, found {short(row)}"
        )
    unknown = [s for s in row if str(s) not in child_states]
    if unknown:
        raise InvalidProblem(
            where, f"unknown state {short(unknown[0])}; expected one of {list(child_states)}"
        )
    given = {str(k): v for k, v in row.items()}
    return tuple(number(f"{where}.{s}", given.get(s, 0.0)) for s in child_states)
