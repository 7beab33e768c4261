"""Tables as written in scenarios (a row per parent configuration, or one flat list) to the flat
row-major tables of the IR."""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.errors import InvalidProblem, listing
from engine.ir.fields import check_finite
from engine.ir.limits import check_entries
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
        size = check_entries(where, [len(states[p]) for p in parents])
        return (number(where, table),) * size
    return flatten_table(where, table, parents, states, None)


def flatten_table(
    where: str,
    table: Any,
    parents: Sequence[str],
    states: dict[str, tuple[str, ...]],
    child_states: tuple[str, ...] | None,
) -> tuple[float, ...]:
    """Flatten a CPT (``child_states`` given) or utility table (``None``) to row-major order.

    The size is checked against the ``table_entries`` limit first, and rows given as a
    mapping are placed by index arithmetic, so no list of parent configurations is built."""
    shape = [len(states[p]) for p in parents]
    width = 1 if child_states is None else len(child_states)
    check_entries(where, [*shape, width])
    if not isinstance(table, list | dict):
        raise InvalidProblem(where, f"expected a list or a mapping of rows, found {short(table)}")
    if isinstance(table, list):
        if table and isinstance(table[0], list):
            for i, row in enumerate(table):
                if not isinstance(row, list) or len(row) != width:
                    found = len(row) if isinstance(row, list) else short(row)
                    raise InvalidProblem(
                        f"{where}[{i}]", f"expected a row of {width} entries, found {found}"
                    )
            table = [x for row in table for x in row]
        return tuple(number(f"{where}.table[{i}]", x) for i, x in enumerate(table))
    if not parents:
        if child_states is None:
            raise InvalidProblem(where, "a utility without parents is a single number")
        return probability_row(where, table, child_states)
    positions = [{s: i for i, s in enumerate(states[p])} for p in parents]
    rows: dict[int, tuple[float, ...]] = {}
    for key, row in table.items():
        configuration = tuple(part.strip() for part in str(key).split(","))
        index = _row_index(configuration, positions)
        if index is None:
            example = ", ".join(states[p][0] for p in parents)
            raise InvalidProblem(
                where,
                f"row key {short(key)} is not a configuration of ({listing(parents)}); "
                f"expected keys like {example!r}",
            )
        if child_states is None:
            rows[index] = (number(f"{where}[{_key(key)}]", row),)
        else:
            rows[index] = probability_row(f"{where}[{_key(key)}]", row, child_states)
    if len(rows) < math.prod(shape):
        first = next(i for i in itertools.count() if i not in rows)
        missing = np.unravel_index(first, shape)
        given = ", ".join(f"{p}={states[p][k]}" for p, k in zip(parents, missing, strict=True))
        raise InvalidProblem(where, f"no row for ({given}); every parent configuration needs one")
    return tuple(x for i in range(len(rows)) for x in rows[i])


def _row_index(configuration: tuple[str, ...], positions: list[dict[str, int]]) -> int | None:
    """The row-major index of a parent configuration, or ``None`` if it is not one."""
    if len(configuration) != len(positions):
        return None
    index = 0
    for state, position in zip(configuration, positions, strict=True):
        if state not in position:
            return None
        index = index * len(position) + position[state]
    return index


def probability_row(where: str, row: Any, child_states: tuple[str, ...]) -> tuple[float, ...]:
    if isinstance(row, list):
        if len(row) != len(child_states):
            raise InvalidProblem(
                where,
                f"expected {len(child_states)} probabilities (one per state of "
                f"{listing(child_states)}), found {len(row)}",
            )
        return tuple(number(f"{where}[{i}]", x) for i, x in enumerate(row))
    if not isinstance(row, dict):
        raise InvalidProblem(
            where, f"expected a row of {len(child_states)} probabilities, found {short(row)}"
        )
    known = set(child_states)
    unknown = [s for s in row if str(s) not in known]
    if unknown:
        raise InvalidProblem(
            where, f"unknown state {short(unknown[0])}; expected one of {listing(child_states)}"
        )
    given = {str(k): v for k, v in row.items()}
    return tuple(number(f"{where}.{s}", given.get(s, 0.0)) for s in child_states)
