"""Which part of a network a query needs: barren-node and irrelevant-evidence pruning.

For a query P(T | E = e):

- a node that is not an ancestor of T ∪ E (itself included) is *barren*: summing it out gives
  a factor of ones, so its CPT can be dropped (Shachter 1986, "Evaluating influence diagrams";
  Koller & Friedman 2009, *Probabilistic Graphical Models*, §9.3.1);
- an evidence variable E_i that is d-separated from T given the rest of the evidence is
  irrelevant: P(T | E) = P(T | E \\ {E_i}) (Koller & Friedman 2009, Alg. 3.1 "Reachable").

Dropping irrelevant evidence loses the factor P(E_i | rest), so a row whose evidence has
probability zero would go unnoticed. Irrelevant evidence is therefore pruned only when every CPT
in the ancestral set of E is strictly positive, which makes P(e) > 0 for every assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from engine.ir import BayesianNetwork
from engine.ir.graph import ancestral_set


@dataclass(frozen=True, slots=True)
class Structure:
    """Parents, children and CPT positivity of every variable of a network."""

    parents: dict[str, tuple[str, ...]]
    children: dict[str, tuple[str, ...]]
    positive: frozenset[str]


@dataclass(frozen=True, slots=True)
class PrunedQuery:
    """The variables (CPT children) and the requisite evidence of one query, in network order."""

    variables: tuple[str, ...]
    evidence: tuple[str, ...]


@lru_cache(maxsize=64)
def structure(network: BayesianNetwork) -> Structure:
    """The graph of ``network`` as parent / child maps, and the children whose CPT has no zero."""
    parents = {c.child: c.parents for c in network.cpts}
    children: dict[str, list[str]] = {v.name: [] for v in network.variables}
    for child, ps in parents.items():
        for p in ps:
            children[p].append(child)
    positive = frozenset(c.child for c in network.cpts if min(c.table) > 0.0)
    return Structure(parents, {k: tuple(v) for k, v in children.items()}, positive)


def reachable(graph: Structure, sources: Iterable[str], observed: set[str]) -> set[str]:
    """Nodes with an active trail from ``sources`` given ``observed`` (K&F 2009, Alg. 3.1)."""
    lifted = ancestral_set(graph.parents, observed)
    visited: set[tuple[str, bool]] = set()
    found: set[str] = set()
    stack = [(s, True) for s in sources]  # (node, arrived from a child = travelling "up")
    while stack:
        node, up = stack.pop()
        if (node, up) in visited:
            continue
        visited.add((node, up))
        if node not in observed:
            found.add(node)
        if up and node not in observed:
            stack.extend((p, True) for p in graph.parents[node])
            stack.extend((c, False) for c in graph.children[node])
        elif not up:
            if node not in observed:
                stack.extend((c, False) for c in graph.children[node])
            if node in lifted:  # v-structure opened by an observed descendant
                stack.extend((p, True) for p in graph.parents[node])
    return found


def prune(
    network: BayesianNetwork,
    targets: tuple[str, ...],
    evidence: tuple[str, ...],
    *,
    drop_irrelevant: bool = True,
) -> PrunedQuery:
    """The CPTs and evidence variables that P(targets | evidence) depends on.

    Parameters
    ----------
    network
        The Bayesian network.
    targets
        Unobserved query variables.
    evidence
        Observed variables (disjoint from ``targets``).
    drop_irrelevant
        Also drop evidence d-separated from ``targets`` (only where CPTs are positive, see the
        module docstring). Turn off to keep the normaliser equal to P(evidence).

    Examples
    --------
    >>> from engine.ir import CPT, Variable
    >>> v = (Variable("a", ("0", "1")), Variable("b", ("0", "1")), Variable("c", ("0", "1")))
    >>> cpts = (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8)),
    ...         CPT("c", ("a",), (0.7, 0.3, 0.4, 0.6)))
    >>> prune(BayesianNetwork("n", v, cpts), ("a",), ()).variables
    ('a',)
    """
    graph = structure(network)
    kept = list(evidence)
    if drop_irrelevant and targets and ancestral_set(graph.parents, evidence) <= graph.positive:
        for candidate in evidence:
            rest = set(kept) - {candidate}
            if candidate not in reachable(graph, targets, rest):
                kept.remove(candidate)
    needed = ancestral_set(graph.parents, (*targets, *kept))
    if drop_irrelevant and not targets and ancestral_set(graph.parents, evidence) <= graph.positive:
        needed, kept = set(), []
    order = tuple(v.name for v in network.variables if v.name in needed)
    return PrunedQuery(order, tuple(e for e in evidence if e in kept))
