"""The shared lexer of the BIF and Hugin .net readers: tokens with line numbers, number and
name parsing, and the blocks (variables, states, parents, tables) they declare, checked as they
are read."""

from __future__ import annotations

import bisect
import math
import os
import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from engine.errors import ScenarioError, listing
from models.formats.network_checks import Declarations, check_structure, shown

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


COUNT = re.compile(r"\d+")


# -- tokens of BIF and Hugin .net -------------------------------------------------------------
def _scanner(comments: str, punct: str, word_stops: str = "") -> re.Pattern[str]:
    """One token per match after any whitespace and comments (skipped possessively, so a
    match never backtracks into them); ``end`` matches at the end, ``bad`` any other text."""
    skip = rf"(?:\s+|{comments}|/\*.*?\*/)*+"
    word = rf'(?:[^\s{re.escape(punct + word_stops)}"/]|/(?![/*]))++'
    return re.compile(
        rf'{skip}(?:"(?P<quoted>(?:[^"\\]|\\.)*+)"|(?P<punct>[{re.escape(punct)}])'
        rf"|(?P<word>{word})|(?P<end>\Z)|(?P<bad>.))",
        re.DOTALL,
    )


_SCANNERS = {
    # BIF: "=" is not punctuation (bnlearn has states such as ">=7.5"); comments // and /* */.
    "bif": _scanner(r"//[^\n]*", "{}()[];,|"),
    # Hugin: comments run from % to the end of the line (// and /* */ are accepted too).
    "net": _scanner(r"%[^\n]*|//[^\n]*", "{}()[];,|=", "%"),
}


_UNCLOSED = {'"': 'a string (") that is never closed', "/": "a comment that is never closed"}


#: the most tokens a BIF or .net file may hold by default: the biggest bnlearn network
#: (diabetes) has 1.1 million; each costs a few microseconds to scan, so a file of brackets
#: under the size limit is refused in seconds, not minutes
MAX_TOKENS = 2_000_000


def max_tokens() -> int:
    """:data:`MAX_TOKENS`, or the environment variable ``PHRONESIS_MAX_NETWORK_TOKENS``."""
    try:
        return int(os.environ.get("PHRONESIS_MAX_NETWORK_TOKENS", MAX_TOKENS))
    except ValueError:
        return MAX_TOKENS


class Token(NamedTuple):
    kind: str  # "word", "quoted" (the text between the quotes) or "punct"
    text: str
    start: int
    end: int


class EndOfFile(Exception):
    """The text ended inside ``context`` (raised by :meth:`Tokens.take`)."""

    def __init__(self, context: str) -> None:
        super().__init__(context)
        self.context = context


class Tokens:
    """A cursor over a file's tokens that says, by line, what it expected and found."""

    def __init__(self, text: str, fmt: str, source: str) -> None:
        self.text, self.source = text, source
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        #: the tokens scanned so far: the text is scanned only as far as it is read, so a
        #: hostile file is refused at its first wrong token however long it is
        self.tokens: list[Token] = []
        self._matches = _SCANNERS[fmt].finditer(text)
        self._limit = max_tokens()
        self._done = False
        self.position = 0
        self.context = "the file"

    def _has(self, index: int) -> bool:
        """Whether the file has a token ``index``, scanning up to it."""
        while len(self.tokens) <= index and not self._done:
            self._scan()
        return index < len(self.tokens)

    def _scan(self) -> None:
        match = next(self._matches, None)
        kind = "end" if match is None else str(match.lastgroup)
        if match is None or kind == "end":
            self._done = True
            return
        start, value = match.start(kind), match.group(kind)
        if len(self.tokens) >= self._limit:
            raise self.error(
                start,
                f"more than {self._limit} tokens (words, numbers, brackets); set "
                "PHRONESIS_MAX_NETWORK_TOKENS to read a larger file",
            )
        if kind == "bad":
            raise self.error(start, _UNCLOSED.get(value, f"unexpected {shown(value)}"))
        if kind == "quoted":
            value = re.sub(r"\\(.)", r"\1", value)
        self.tokens.append(Token(kind, value, start, match.end(kind)))

    def more(self) -> bool:
        """Whether a token is left to read."""
        return self._has(self.position)

    def last_end(self) -> int:
        """Where the file's last token ends (scanning the rest of the file)."""
        while not self._done:
            self._scan()
        return self.tokens[-1].end if self.tokens else 0

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def error(self, offset: int, message: str, field: str = "") -> ScenarioError:
        line = self.line(offset)
        text = f"{message} (line {line})" if field else f"line {line}: {message}"
        return ScenarioError(self.source, field, text)

    def at(self, punct: str) -> bool:
        token = self.tokens[self.position] if self._has(self.position) else None
        return token is not None and token.kind == "punct" and token.text == punct

    def take(self) -> Token:
        if not self._has(self.position):
            raise EndOfFile(self.context)
        self.position += 1
        return self.tokens[self.position - 1]

    def expect(self, punct: str) -> Token:
        token = self.take()
        if token.kind != "punct" or token.text != punct:
            raise self.error(
                token.start, f"expected {punct!r} in {self.context}, found {shown(token.text)}"
            )
        return token

    def word(self, what: str) -> Token:
        token = self.take()
        if token.kind == "punct":
            raise self.error(
                token.start, f"expected {what} in {self.context}, found {shown(token.text)}"
            )
        return token

    def words(self, close: str, separators: str, what: str) -> list[str]:
        """Names up to and past ``close``, separated by spaces or any of ``separators``."""
        names = []
        while not self.at(close):
            token = self.take()
            if token.kind != "punct":
                names.append(token.text)
            elif token.text not in separators:
                raise self.error(
                    token.start, f"expected {what} in {self.context}, found {shown(token.text)}"
                )
        self.take()
        return names

    def number(self, token: Token) -> float:
        if token.kind != "word" or NUMBER.fullmatch(token.text) is None:
            raise self.error(
                token.start, f"expected a number in {self.context}, found {shown(token.text)}"
            )
        return float(token.text)

    def numbers(self, into: list[float], brackets: str = "") -> list[float]:
        """Numbers separated by spaces or commas (and grouped by ``brackets``) up to and past
        ``;``, or up to ``}``; on the way to the end of the file, ``into`` keeps what was read."""
        tokens, position = self.tokens, self.position
        while self._has(position):
            token = tokens[position]
            if token.kind != "punct":
                into.append(self.number(token))
            elif token.text in ";}":
                self.position = position + (token.text == ";")
                return into
            elif token.text != "," and token.text not in brackets:
                raise self.error(
                    token.start, f"expected a number in {self.context}, found {shown(token.text)}"
                )
            position += 1
        self.position = position
        raise EndOfFile(self.context)

    def skip_to(self, punct: str) -> None:
        """Past the next ``punct`` outside brackets (the end of a property or attribute)."""
        depth = 0
        while True:
            token = self.take()
            if token.kind != "punct":
                continue
            if token.text in "({[":
                depth += 1
            elif token.text in ")}]":
                depth -= 1
                if depth < 0:
                    raise self.error(token.start, f"expected {punct!r} before {shown(token.text)}")
            elif token.text == punct and depth == 0:
                return

    def skip_block(self) -> None:
        """Past the ``}`` that closes the block whose ``{`` is next."""
        self.expect("{")
        depth = 1
        while depth:
            token = self.take()
            if token.kind == "punct" and token.text in "{}":
                depth += 1 if token.text == "{" else -1


class TableBlock(NamedTuple):
    """One probability block as written, before its names are resolved."""

    child: str
    given: tuple[str, ...]
    line: int
    values: list[float]  # a BIF ``table`` or a Hugin ``data`` list, flat
    rows: list[tuple[tuple[str, ...], list[float], str]]  # BIF rows: (states, entries, text)
    default: list[float] | None  # BIF ``default``
    complete: bool  # False: the file ends inside the block


class Blocks:
    """Variables and probability blocks of a BIF or Hugin file, resolved once all are read.

    ``child_slowest``: a flat table lists the child's states slowest and the parent
    configurations within each (BIF ``table``), not the child fastest (Hugin ``data``).
    """

    def __init__(self, tokens: Tokens, *, child_slowest: bool) -> None:
        self.tokens, self.source = tokens, tokens.source
        self.child_slowest = child_slowest
        self.states: dict[str, tuple[str, ...]] = {}
        self.tables: list[TableBlock] = []
        self._children: set[str] = set()

    def add(self, table: TableBlock) -> None:
        """Keep ``table``; a second table for the same variable is refused as it is read, so
        a file of repeated blocks fails at the first repeat, not after scanning the rest."""
        if table.child in self._children:  # case-insensitive repeats: resolve() finds them
            raise ScenarioError(
                self.source,
                f"variables.{table.child}.cpt",
                f"a second probability table for this variable (line {table.line})",
            )
        self._children.add(table.child)
        self.tables.append(table)

    def declare(self, start: Token, states: list[str]) -> None:
        if start.text in self.states:
            raise self.tokens.error(start.start, "declared twice", f"variables.{start.text}")
        self.states[start.text] = tuple(states)

    def truncated(self, end: EndOfFile) -> ScenarioError:
        """The first variable without a whole table, and where the file ends.

        A table the file ends inside counts as whole when it holds all its entries.
        """
        line = self.tokens.line(self.tokens.last_end())
        ending = f"the file ends at line {line}, inside {end.context} (truncated?)"
        cards = {n: len(s) for n, s in self.states.items()}
        whole = set()
        for table in self.tables:
            size = math.prod(cards.get(n, 0) for n in (*table.given, table.child))
            if table.complete or (size and len(table.values) == size):
                whole.add(table.child)
        for name in self.states:
            if name not in whole:
                return ScenarioError(
                    self.source, f"variables.{name}.cpt", f"no probability table given ({ending})"
                )
        return ScenarioError(self.source, "", ending)

    def resolve(self) -> Declarations:
        """Names in table headers -> declared variables; tables -> the IR's layout."""
        lower = {n.lower(): n for n in self.states}
        parents: dict[str, tuple[str, ...]] = {}
        tables: dict[str, list[float]] = {}
        for table in self.tables:
            child = self._known(table.child, lower, table.child, table.line)
            if child in parents:
                raise ScenarioError(
                    self.source,
                    f"variables.{child}.cpt",
                    f"a second probability table for this variable (line {table.line})",
                )
            given = tuple(self._known(p, lower, child, table.line) for p in table.given)
            parents[child] = given
            tables[child] = self._layout(table, child, given)
        check_structure(self.source, self.states, parents, {v: len(t) for v, t in tables.items()})
        return Declarations(self.states, {v: parents[v] for v in self.states}, tables)

    def _known(self, name: str, lower: Mapping[str, str], child: str, line: int) -> str:
        # Names in headers match exactly, else ignoring case (as pgmpy's BIF reader does).
        found = name if name in self.states else lower.get(name.lower())
        if found is None:
            raise ScenarioError(
                self.source,
                f"variables.{child}" + (".parents" if name != child else ""),
                f"unknown variable {shown(name)}; the file declares no variable of that name "
                f"(line {line})",
            )
        return found

    def _layout(self, table: TableBlock, child: str, given: tuple[str, ...]) -> list[float]:
        cards = [len(self.states[p]) for p in given]
        n_rows, n_child = math.prod(cards), len(self.states[child])
        where = f"variables.{child}.cpt"
        if table.values and (table.rows or table.default is not None):
            raise ScenarioError(
                self.source, where, f"give a table or rows, not both (line {table.line})"
            )
        if table.values:
            if self.child_slowest and len(table.values) == n_rows * n_child:
                return np.reshape(table.values, (n_child, n_rows)).T.ravel().tolist()
            return table.values  # a wrong size is reported by check_structure
        if not table.rows and table.default is None:
            raise ScenarioError(
                self.source, where, f"no table, rows or default given (line {table.line})"
            )
        # BIF rows "(s_1, ..., s_k) p_1, ..., p_n;", "default" for the rows not listed; rows
        # neither listed nor defaulted are all zero (read as uniform, and noted, as before).
        filled = np.zeros((n_rows, n_child))
        if table.default is not None:
            if len(table.default) != n_child:
                raise ScenarioError(
                    self.source,
                    where,
                    f"default has {len(table.default)} entries, expected {n_child} "
                    f"(line {table.line})",
                )
            filled[:] = table.default
        seen: set[int] = set()
        for config, entries, text in table.rows:
            if len(config) != len(given):
                raise ScenarioError(
                    self.source,
                    where,
                    f"row {shown(text)} names {len(config)} parent state(s), expected {len(given)}",
                )
            row = 0
            for parent, card, state in zip(given, cards, config, strict=True):
                if state not in self.states[parent]:
                    raise ScenarioError(
                        self.source,
                        where,
                        f"row {shown(text)}: unknown state {shown(state)} of {parent}; "
                        f"expected one of {listing(self.states[parent])}",
                    )
                row = row * card + self.states[parent].index(state)
            if len(entries) != n_child:
                raise ScenarioError(
                    self.source,
                    where,
                    f"row {shown(text)} has {len(entries)} entries, expected {n_child}",
                )
            if row in seen:
                raise ScenarioError(self.source, where, f"row {shown(text)} is given twice")
            seen.add(row)
            filled[row] = entries
        return filled.ravel().tolist()
