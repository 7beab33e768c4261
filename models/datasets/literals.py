"""Cells that hold Python literals, as the DailyDilemmas files store them: lists with ``nan``
(``"['Care', nan]"``), dicts, and ``defaultdict(<class 'int'>, {...})`` reprs.

Parsed with :func:`ast.literal_eval` only (no code is run): ``nan`` becomes ``None`` and a
``defaultdict(<...>, {...})`` with a flat dict inside becomes that dict.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from engine.errors import DataError

#: the longest cell parsed as a literal (characters); the shipped cells are below 20,000
MAX_LITERAL_CHARS = 1_000_000

_DEFAULTDICT = re.compile(r"defaultdict\(<[^<>]*>,\s*(\{[^{}]*\})\)")
_NAN = re.compile(r"\bnan\b")


def literal(source: str, where: str, text: str) -> Any:
    """The Python literal in ``text``, or a DataError naming ``source`` and ``where``.

    Examples
    --------
    >>> literal("f.csv", "row 2", "{'a': defaultdict(<class 'int'>, {'selected': 1})}")
    {'a': {'selected': 1}}
    >>> literal("f.csv", "row 2", "['Care', nan]")
    ['Care', None]
    """
    if len(text) > MAX_LITERAL_CHARS:
        raise DataError(source, where, f"cell has {len(text):,} characters, over the limit")
    cleaned = _NAN.sub("None", _DEFAULTDICT.sub(r"\1", text.strip()))
    try:
        return ast.literal_eval(cleaned)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise DataError(
            source, where, f"expected a Python list or dict literal, found {shown!r}"
        ) from None


def string_list(source: str, where: str, text: str) -> list[str | None]:
    """A cell holding a list of strings (``None`` for ``nan``)."""
    value = literal(source, where, text)
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        raise DataError(source, where, "expected a list of strings like ['a', 'b']")
    return value


def number_dict(source: str, where: str, text: str) -> dict[str, float]:
    """A cell holding ``{name: number}``."""
    value = literal(source, where, text)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        raise DataError(source, where, "expected a dict of names to numbers like {'a': 1.0}")
    return {k: float(v) for k, v in value.items()}


def count_dict(source: str, where: str, text: str) -> dict[str, dict[str, int]]:
    """A cell holding ``{value: {'selected': n, 'neglected': m}}`` (missing keys count 0)."""
    value = literal(source, where, text)
    ok = isinstance(value, dict) and all(
        isinstance(k, str)
        and isinstance(v, dict)
        and set(v) <= {"selected", "neglected"}
        and all(isinstance(n, int) and n >= 0 for n in v.values())
        for k, v in value.items()
    )
    if not ok:
        raise DataError(
            source, where, "expected {value: {'selected': n, 'neglected': m}} with counts >= 0"
        )
    return {
        k: {"selected": v.get("selected", 0), "neglected": v.get("neglected", 0)}
        for k, v in value.items()
    }
