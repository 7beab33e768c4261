"""What a network file declares (:class:`Declarations`) and the structural checks every reader
runs on it; the readers are one module per format (``bif``, ``hugin``, ``xmlbif``, ``uai``, with
the lexer of the first two in ``text_tokens``), each checking as it reads.

Each reader returns :class:`Declarations` (states, parents, tables in the IR's layout) or raises
:class:`~engine.errors.ScenarioError` naming the file, the variable or line, what is wrong and,
where there is one, the fix. Turning declarations into a network (row repair, variable order)
is :mod:`models.formats.networks`'s job.

Why not a library's reader: ``pgmpy.readwrite`` imports torch, pandas, scikit-learn and scipy
(seconds and hundreds of MB before the first byte is read), and pyAgrum 3.3 keeps the numbers
of BIF, Hugin .net and UAI files as float32 (``0.2`` becomes ``0.20000000298023224``), reads UAI
tables in an order other than the specification's and has hung on a truncated UAI file. The
grammars are small; these readers keep every number as the float64 it is written as, and say
where a file is wrong.

Formats: BIF 0.15 (Cozman's interchange format, as bnlearn writes it), XMLBIF 0.3 / aGrUM
BIFXML, Hugin .net (Bayesian networks: ``node`` and ``potential``) and UAI 2008 ``BAYES``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from engine.errors import ScenarioError

#: at most this many characters of a token are quoted in a message
SHOWN = 40


def shown(token: str, limit: int = SHOWN) -> str:
    """``repr(token)`` cut to about ``limit`` characters, so a message never quotes a long run
    of input (a 5,000-digit number, a line of nested brackets).

    Examples
    --------
    >>> shown("0.25")
    "'0.25'"
    >>> shown("9" * 5000)
    "'99999999999999999999…' (5000 characters)"
    """
    if len(token) <= limit:
        return repr(token)
    head = repr(token[: limit // 2])
    return f"{head[:-1]}…{head[-1]} ({len(token)} characters)"


#: the longest error message a reader lets through (issue 10: one short line)
MAX_MESSAGE = 300


def short_error(exc: ScenarioError) -> ScenarioError:
    """``exc``, or the same error with its field and detail cut to fit :data:`MAX_MESSAGE` on
    one line: the last guard of a reader's boundary, for a name or token a message quotes whole.

    Examples
    --------
    >>> len(str(short_error(ScenarioError("f.bif", "variables." + "x" * 900, "bad"))))
    83
    """
    if len(str(exc)) <= MAX_MESSAGE and "\n" not in str(exc):
        return exc
    field, detail = (" ".join(str(x).split()) for x in (exc.field, exc.detail))
    if len(field) > 80:
        field = f"{field[:50]}…{field[-20:]}"
    if len(detail) > 160:
        detail = f"{detail[:120]}…{detail[-30:]}"
    return type(exc)(exc.source, field, detail)


class Declarations(NamedTuple):
    """What a network file declares, each mapping in file order.

    ``tables[v]`` is flat in the IR's layout: parents in ``parents[v]`` order, then ``v``,
    the last index fastest (:class:`engine.ir.CPT`); its keys come in the order of the
    tables in the file.
    """

    states: dict[str, tuple[str, ...]]
    parents: dict[str, tuple[str, ...]]
    tables: dict[str, list[float]]


def check_structure(
    source: str,
    states: Mapping[str, Sequence[str]],
    parents: Mapping[str, Sequence[str]],
    sizes: Mapping[str, int],
) -> None:
    """Every parent declared, every variable with a table of |parents| x |child| entries."""
    for child in states:
        where = f"variables.{child}"
        if not states[child]:
            raise ScenarioError(source, f"{where}.states", "expected at least one state")
        for parent in parents.get(child, ()):
            if parent not in states:
                raise ScenarioError(
                    source,
                    f"{where}.parents",
                    f"unknown parent {shown(parent)}; the file declares no variable of that name",
                )
        if child not in sizes:
            raise ScenarioError(source, f"{where}.cpt", "no probability table given")
        shape = [len(states[p]) for p in (*parents.get(child, ()), child)]
        if sizes[child] != math.prod(shape):
            dims = " x ".join(map(str, shape))
            raise ScenarioError(
                source,
                f"{where}.cpt",
                f"expected {math.prod(shape)} entries ({dims}), found {sizes[child]}",
            )
    for child in sizes:
        if child not in states:
            raise ScenarioError(
                source, f"variables.{child}", "a probability table for an undeclared variable"
            )
