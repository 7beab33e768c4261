"""BIF 0.15 (Cozman's interchange format, as bnlearn writes it) -> declarations."""

from __future__ import annotations

from models.formats.network_checks import Declarations, shown
from models.formats.text_tokens import Blocks, EndOfFile, TableBlock, Tokens


# -- BIF ----------------------------------------------------------------------------------------
def parse_bif(text: str, source: str) -> Declarations:
    """The declarations of a BIF 0.15 file.

    ``variable v { type discrete [ n ] { s_1, ..., s_n }; }`` declares v; ``probability
    ( v | p_1, ..., p_k ) { ... }`` gives P(v | parents) as rows ``(s_1, ..., s_k) p_1, ...,
    p_n;`` (``default`` for the rows not listed) or as one ``table`` listing v's states
    slowest, the parents' configurations row-major within each (as pgmpy and pyAgrum read
    it). ``property`` statements are skipped; quotes around names are dropped.
    """
    tokens = Tokens(text, "bif", source)
    blocks = Blocks(tokens, child_slowest=True)
    try:
        while tokens.more():
            tokens.context = "the file"
            keyword = tokens.word("network, variable or probability")
            tokens.context = f"the {keyword.text} block from line {tokens.line(keyword.start)}"
            if keyword.text == "network":
                tokens.word("the network's name")
                tokens.skip_block()
            elif keyword.text == "variable":
                _bif_variable(tokens, blocks)
            elif keyword.text == "probability":
                _bif_probability(tokens, blocks)
            else:
                raise tokens.error(
                    keyword.start,
                    f"expected network, variable or probability, found {shown(keyword.text)}",
                )
    except EndOfFile as end:
        raise blocks.truncated(end) from None
    return blocks.resolve()


def _bif_variable(tokens: Tokens, blocks: Blocks) -> None:
    start = tokens.word("a variable name")
    name = start.text
    tokens.context = f"variable {name}"
    tokens.expect("{")
    states: list[str] | None = None
    while not tokens.at("}"):
        token = tokens.take()
        if token.text == "property":
            tokens.skip_to(";")
            continue
        if token.text != "type":
            raise tokens.error(
                token.start,
                f"expected type or property in variable {name}, found {shown(token.text)}",
            )
        kind = tokens.word("the variable's type").text
        if kind != "discrete":
            raise tokens.error(
                token.start, f"a {kind} variable; only discrete ones are read", f"variables.{name}"
            )
        tokens.expect("[")
        count = tokens.take()
        tokens.expect("]")
        tokens.expect("{")
        states = tokens.words("}", ",", f"a state of {name}")
        tokens.expect(";")
        if not count.text.isdigit() or int(count.text) != len(states):
            raise tokens.error(
                count.start,
                f"declares [{count.text}] states and lists {len(states)}",
                f"variables.{name}.states",
            )
    tokens.take()
    if states is None:
        raise tokens.error(start.start, "no type discrete [ n ] { ... } given", f"variables.{name}")
    blocks.declare(start, states)


def _bif_probability(tokens: Tokens, blocks: Blocks) -> None:
    header = tokens.expect("(")
    names = tokens.words(")", ",|", "a variable name")
    if not names:
        raise tokens.error(header.start, "a probability block names no variable")
    child, given = names[0], tuple(names[1:])
    tokens.context = f"probability ( {child}{' | ' + ', '.join(given) if given else ''} )"
    values: list[float] = []
    rows: list[tuple[tuple[str, ...], list[float], str]] = []
    default: list[float] | None = None
    complete = False
    try:
        tokens.expect("{")
        while not tokens.at("}"):
            token = tokens.take()
            if token.text == "property":
                tokens.skip_to(";")
            elif token.text == "table":
                tokens.numbers(values)
            elif token.text == "default":
                default = tokens.numbers([])
            elif token.kind == "punct" and token.text == "(":
                config = tuple(tokens.words(")", ",", "a state name"))
                entries = tokens.numbers([])
                last = tokens.tokens[tokens.position - 1]
                if last.text == ";":
                    last = tokens.tokens[tokens.position - 2]
                rows.append((config, entries, tokens.text[token.start : last.end].strip()))
            else:
                raise tokens.error(
                    token.start,
                    f"expected table, default, a row ( states ) or property in "
                    f"{tokens.context}, found {shown(token.text)}",
                )
        tokens.take()
        complete = True
    finally:
        line = tokens.line(header.start)
        blocks.add(TableBlock(child, given, line, values, rows, default, complete))
