"""Walks over a directed acyclic graph given as ``child -> parents`` (a node missing from the
mapping is a root)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def ancestral_set(parents: Mapping[str, Sequence[str]], nodes: Iterable[str]) -> set[str]:
    """``nodes`` and every node with a directed path to one of them.

    Examples
    --------
    >>> sorted(ancestral_set({"c": ("b",), "b": ("a",)}, ["c"]))
    ['a', 'b', 'c']
    """
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(parents.get(node, ()))
    return found


def ancestors(parents: Mapping[str, Sequence[str]], node: str) -> set[str]:
    """Every node with a directed path to ``node`` (not ``node`` itself in a DAG)."""
    return ancestral_set(parents, parents.get(node, ()))
