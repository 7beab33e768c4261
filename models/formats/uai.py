"""UAI 2008 BAYES files -> declarations (tables in the specification's order)."""

from __future__ import annotations

import math
import re

from engine.errors import ScenarioError
from models.formats.network_checks import Declarations, check_structure, shown
from models.formats.text_tokens import COUNT, NUMBER


# -- UAI ----------------------------------------------------------------------------------------
def parse_uai(text: str, source: str) -> Declarations:
    """The declarations of a UAI 2008 ``BAYES`` file, by the model-format specification.

    Function i's scope lists its parents, then its child; its table lists the scope's
    configurations row-major (the last variable fastest), the IR's layout. UAI files carry
    no names: variables are ``var_0``, ``var_1``, ... and states ``s0``, ``s1``, ...
    """
    tokens = iter(text.split())

    def take(what: str, pattern: re.Pattern[str], kind: str) -> str:
        token = next(tokens, None)
        if token is None:
            raise ScenarioError(source, "", f"the file ends where {what} was expected (truncated?)")
        if pattern.fullmatch(token) is None:
            raise ScenarioError(source, "", f"expected {what} ({kind}), found {shown(token)}")
        return token

    def count(what: str) -> int:
        return int(take(what, COUNT, "an integer >= 0"))

    kind = next(tokens, "")
    if kind != "BAYES":
        found = f"a {shown(kind)} network" if kind else "an empty file"
        raise ScenarioError(source, "", f"{found}; only BAYES (directed) files are read")
    n = count("the number of variables")
    cards = [count(f"the cardinality of variable {i}") for i in range(n)]
    names = [f"var_{i}" for i in range(n)]
    scopes = []
    for f in range(count("the number of tables")):
        size = count(f"the scope size of table {f}")
        scopes.append([count(f"a variable of table {f}'s scope") for _ in range(size)])
    parents: dict[str, tuple[str, ...]] = {}
    tables: dict[str, list[float]] = {}
    for f, scope in enumerate(scopes):
        if not scope:
            raise ScenarioError(
                source, f"tables.{f}", "an empty scope; expected the parents, then the child"
            )
        where = f"variables.var_{scope[-1]}.cpt" if scope[-1] < n else f"tables.{f}"
        if any(v >= n for v in scope):
            raise ScenarioError(
                source, f"{where}.parents", f"unknown variable index in scope {scope}"
            )
        if names[scope[-1]] in parents:
            raise ScenarioError(source, where, "more than one table for this variable")
        expected = math.prod(cards[v] for v in scope)
        declared = count(f"the size of {where}")
        if declared != expected:
            dims = " x ".join(str(cards[v]) for v in scope)
            raise ScenarioError(
                source, where, f"declares {declared} entries, expected {expected} ({dims})"
            )
        parents[names[scope[-1]]] = tuple(names[v] for v in scope[:-1])
        tables[names[scope[-1]]] = [
            float(take(f"entry {i} of {where} ({expected} expected)", NUMBER, "a number"))
            for i in range(expected)
        ]
    extra = next(tokens, None)
    if extra is not None:
        raise ScenarioError(source, "", f"unexpected {shown(extra)} after the last table")
    states = {name: tuple(f"s{k}" for k in range(c)) for name, c in zip(names, cards, strict=True)}
    check_structure(source, states, parents, {v: len(t) for v, t in tables.items()})
    return Declarations(states, {v: parents.get(v, ()) for v in states}, tables)
