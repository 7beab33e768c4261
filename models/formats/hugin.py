"""Hugin .net (Bayesian networks: node and potential blocks) -> declarations."""

from __future__ import annotations

from models.formats.network_checks import Declarations, shown
from models.formats.text_tokens import Blocks, EndOfFile, TableBlock, Token, Tokens


# -- Hugin .net ---------------------------------------------------------------------------------
def parse_net(text: str, source: str) -> Declarations:
    """The declarations of a Hugin .net Bayesian network.

    ``node v { states = ( "s_1" ... "s_n" ); ... }`` declares v; ``potential ( v | p_1 ...
    p_k ) { data = ( ... ); }`` gives P(v | parents), nested by parent in order with v's
    states innermost. Other attributes (label, position, ...) and the ``net { }`` block are
    skipped. Decision and utility nodes mean the file is an influence diagram.
    """
    tokens = Tokens(text, "net", source)
    blocks = Blocks(tokens, child_slowest=False)
    try:
        while tokens.more():
            tokens.context = "the file"
            keyword = tokens.word("net, node or potential")
            tokens.context = f"the {keyword.text} block from line {tokens.line(keyword.start)}"
            if keyword.text == "net":
                tokens.skip_block()
            elif keyword.text in {"node", "discrete", "continuous", "decision", "utility"}:
                _net_node(tokens, blocks, keyword)
            elif keyword.text == "potential":
                _net_potential(tokens, blocks)
            else:
                raise tokens.error(
                    keyword.start, f"expected net, node or potential, found {shown(keyword.text)}"
                )
    except EndOfFile as end:
        raise blocks.truncated(end) from None
    return blocks.resolve()


def _net_node(tokens: Tokens, blocks: Blocks, keyword: Token) -> None:
    kind = keyword.text
    if kind in {"discrete", "continuous"}:
        kind = f"{kind} {tokens.word('node, decision or utility').text}"
    start = tokens.word("a node name")
    field = f"variables.{start.text}"
    if kind in {"decision", "utility", "discrete decision"}:
        raise tokens.error(
            keyword.start,
            f"a {kind} node: this file is an influence diagram; phronesis solve reads "
            "influence diagrams from BIFXML, XDSL, .jgum or JSON",
            field,
        )
    if kind not in {"node", "discrete node"}:
        raise tokens.error(keyword.start, f"a {kind}: only discrete chance nodes are read", field)
    tokens.context = f"node {start.text}"
    tokens.expect("{")
    states: list[str] | None = None
    while not tokens.at("}"):
        attribute = tokens.word("an attribute").text
        tokens.expect("=")
        if attribute != "states":
            tokens.skip_to(";")
            continue
        tokens.expect("(")
        states = tokens.words(")", ",", f"a state of {start.text}")
        tokens.expect(";")
    tokens.take()
    if states is None:
        raise tokens.error(start.start, "no states = ( ... ); given", field)
    blocks.declare(start, states)


def _net_potential(tokens: Tokens, blocks: Blocks) -> None:
    header = tokens.expect("(")
    names = tokens.words(")", "|", "a node name")
    if not names:
        raise tokens.error(header.start, "a potential names no node")
    child, given = names[0], tuple(names[1:])
    tokens.context = f"potential ( {child}{' | ' + ' '.join(given) if given else ''} )"
    values: list[float] = []
    complete = False
    try:
        tokens.expect("{")
        while not tokens.at("}"):
            attribute = tokens.word("an attribute").text
            tokens.expect("=")
            if attribute == "data":
                tokens.numbers(values, "()")
            else:
                tokens.skip_to(";")
        tokens.take()
        complete = True
    finally:
        line = tokens.line(header.start)
        blocks.add(TableBlock(child, given, line, values, [], None, complete))
    if not values:
        raise tokens.error(header.start, "no data = ( ... ); given", f"variables.{child}.cpt")
