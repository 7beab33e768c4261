"""Why a network file is malformed: structure checks and diagnosis of files a reader rejected.

pgmpy's readers turn a wrong file into a ``KeyError`` or a pyparsing traceback. The checks here
run before conversion (unknown parents, tables of the wrong size), and when a reader fails they
look again at the text to name the variable and what is wrong. Nothing here builds a network:
parsing stays with pgmpy (:mod:`models.formats.networks`).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence

from engine.errors import ScenarioError


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
                    f"unknown parent {parent!r}; the file declares no variable of that name",
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


def xmlbif_for_pgmpy(text: str, source: str) -> str:
    """Check an XMLBIF document and smooth what pgmpy's reader trips on.

    pgmpy requires ``NETWORK/NAME`` (aGrUM omits it) and splits every ``PROPERTY`` at ``=``
    (free-text properties crash it); properties carry no probabilities, so they are dropped.
    Decision and utility variables mean the file is an influence diagram.
    """
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ScenarioError(source, "", f"not well-formed XML ({exc})") from None
    network = root.find("NETWORK")
    if network is None:
        raise ScenarioError(source, "NETWORK", "no <NETWORK> element; is this an XMLBIF file?")
    for variable in network.findall("VARIABLE"):
        kind = variable.get("TYPE", "nature")
        if kind != "nature":
            name = variable.findtext("NAME", "?")
            raise ScenarioError(
                source,
                f"variables.{name}",
                f"a {kind} node: this file is an influence diagram; read it with "
                "models.formats.influence.read_influence_diagram (phronesis solve)",
            )
        for prop in variable.findall("PROPERTY"):
            variable.remove(prop)
    if network.find("NAME") is None:
        name = ElementTree.Element("NAME")
        name.text = "network"
        network.insert(0, name)
    states = {
        v.findtext("NAME", ""): [o.text or "" for o in v.findall("OUTCOME")]
        for v in network.findall("VARIABLE")
    }
    parents = {}
    sizes = {}
    for definition in network.findall("DEFINITION"):
        child = definition.findtext("FOR", "")
        parents[child] = [g.text or "" for g in definition.findall("GIVEN")]
        table = definition.find("TABLE")
        if table is not None:
            try:
                sizes[child] = len([float(x) for x in (table.text or "").split()])
            except ValueError as exc:
                raise ScenarioError(
                    source, f"variables.{child}.cpt", f"not a number ({exc})"
                ) from None
    check_structure(source, states, parents, sizes)
    return ElementTree.tostring(root, encoding="unicode")


_BLOCKS = {
    # format: (variable declaration, its cardinality or states, table header, table body)
    "bif": (
        r"variable\s+([^\s{]+)\s*\{[^}]*?\[\s*(\d+)\s*\]",
        r"probability\s*\(\s*([^|)\s]+)\s*(?:\|\s*([^)]*))?\)\s*\{(.*?)\}",
    ),
    "net": (
        r"node\s+([^\s{]+)\s*\{[^}]*?states\s*=\s*\(([^)]*)\)",
        r"potential\s*\(\s*([^|)\s]+)\s*(?:\|\s*([^)]*))?\)\s*\{[^}]*?data\s*=(.*?);",
    ),
}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def diagnose_blocks(fmt: str, text: str) -> tuple[str, str]:
    """Why a BIF / Hugin file failed: unknown parent or wrong table size, if either (else "")."""
    declaration, table = _BLOCKS[fmt]
    cards: dict[str, int] = {}
    for name, spec in re.findall(declaration, text.replace('"', " ") if fmt == "bif" else text):
        cards[name] = int(spec) if fmt == "bif" else len(re.findall(r'"[^"]*"', spec))
    for match in re.finditer(table, text, re.DOTALL):
        child, given, body = match.group(1), match.group(2) or "", match.group(3)
        parents = [p for p in re.split(r"[\s,]+", given.strip()) if p]
        for name in (child, *parents):
            if name not in cards:
                return (
                    f"variables.{child}.parents" if name != child else f"variables.{child}",
                    f"unknown variable {name!r}; the file declares no variable of that name",
                )
        numbers = re.findall(_NUMBER, re.sub(r"\([^()]*[A-Za-z_][^()]*\)", " ", body))
        expected = math.prod(cards[p] for p in (*parents, child))
        if fmt == "net" or "table" in body:
            if len(numbers) != expected:
                dims = " x ".join(str(cards[p]) for p in (*parents, child))
                return (
                    f"variables.{child}.cpt",
                    f"expected {expected} entries ({dims}), found {len(numbers)}",
                )
        else:
            for row in filter(str.strip, body.split(";")):
                found = len(re.findall(_NUMBER, re.sub(r"\([^)]*\)", " ", row)))
                if found and found != cards[child]:
                    return (
                        f"variables.{child}.cpt",
                        f"row {row.strip()!r} has {found} entries, expected {cards[child]}",
                    )
    return "", ""


def diagnose_uai(text: str) -> tuple[str, str]:
    """Why a UAI file failed: walk its whitespace-separated tokens and say what is missing."""
    tokens = text.split()
    position = 0

    def take(what: str) -> str:
        nonlocal position
        if position >= len(tokens):
            raise LookupError(f"the file ends where {what} was expected (truncated?)")
        position += 1
        return tokens[position - 1]

    try:
        take("the network type")
        n = int(take("the number of variables"))
        cards = [int(take(f"the cardinality of variable {i}")) for i in range(n)]
        scopes = []
        for f in range(int(take("the number of tables"))):
            size = int(take(f"the scope size of table {f}"))
            scopes.append([int(take(f"a variable of table {f}'s scope")) for _ in range(size)])
        for scope in scopes:
            where = f"variables.var_{scope[-1]}.cpt" if scope else "tables"
            if any(not 0 <= v < n for v in scope):
                return f"{where}.parents", f"unknown variable index in scope {scope}"
            expected = math.prod(cards[v] for v in scope)
            declared = int(take(f"the size of {where}"))
            if declared != expected:
                return where, f"declares {declared} entries, expected {expected}"
            for i in range(expected):
                value = take(f"entry {i} of {where} ({expected} expected)")
                float(value)
    except LookupError as exc:
        return "", str(exc)
    except ValueError as exc:
        return "", f"expected a number ({exc})"
    return "", ""
