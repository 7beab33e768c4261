"""Resource limits on ontologies, checked before the step whose cost they bound.

Reasoning cost grows faster than the file: owlrl materialises the transitive closure of
``rdfs:subClassOf`` (n²/2 triples for a chain of n classes) and rescans the graph once per level,
so its time grows about as n³ (a 100-class chain takes about a minute on 2 cores); HermiT
recurses down the hierarchy and stops with Java's StackOverflowError on a 20,000-class chain.
Both are third-party code, so the depth of the told hierarchy is bounded before either runs.
Each limit has a name, a default and an environment variable that raises it; the message says
the size found, the limit and how to raise it.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import RDFS, Graph, URIRef

from engine.ir.limits import HIERARCHY_DEPTH
from ontology.errors import OntologyTooLarge


def hierarchy_depth(graph: Graph) -> int:
    """The number of links in the longest rdfs:subClassOf chain among named classes.

    Kahn's algorithm over the told links (linear, iterative); classes on a cycle are left out
    (cycles are reported by the shapes or the reasoner).

    Examples
    --------
    >>> from rdflib import URIRef as U
    >>> g = Graph()
    >>> _ = g.add((U("urn:b"), RDFS.subClassOf, U("urn:a")))
    >>> _ = g.add((U("urn:c"), RDFS.subClassOf, U("urn:b")))
    >>> hierarchy_depth(g)
    2
    """
    children: dict[URIRef, set[URIRef]] = defaultdict(set)
    pending: dict[URIRef, int] = defaultdict(int)
    for child, parent in graph.subject_objects(RDFS.subClassOf):
        named = isinstance(child, URIRef) and isinstance(parent, URIRef)
        if named and child != parent and child not in children[parent]:
            children[parent].add(child)
            pending[child] += 1
    depth = {c: 0 for c in children if pending[c] == 0}
    frontier = list(depth)
    deepest = 0
    while frontier:
        node = frontier.pop()
        level = depth[node]
        deepest = max(deepest, level)
        for child in children.get(node, ()):
            depth[child] = max(depth.get(child, 0), level + 1)
            pending[child] -= 1
            if pending[child] == 0:
                frontier.append(child)
    return deepest


def check_hierarchy_depth(graph: Graph, source: str, reasoner: str) -> None:
    """Refuse a hierarchy deeper than :data:`HIERARCHY_DEPTH` before ``reasoner`` runs on it."""
    limit = HIERARCHY_DEPTH.value()
    depth = hierarchy_depth(graph)
    if depth > limit:
        raise OntologyTooLarge(
            source,
            f"the class hierarchy is {depth:,} rdfs:subClassOf levels deep, above the limit of "
            f"{limit:,} for reasoning with {reasoner}; raise it with "
            f"{HIERARCHY_DEPTH.variable}=N, or read it without reasoning (--reasoner none)",
        )
