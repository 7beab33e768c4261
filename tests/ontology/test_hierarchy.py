"""The linear-time hierarchy walks agree with their definitions (closures of ancestor sets) on
random graphs of subclass and equivalence links, cycles included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from ontology.hierarchy import Hierarchy

NODES = [URIRef(f"urn:c{i}") for i in range(7)] + [OWL.Nothing]
links = st.lists(
    st.tuples(
        st.sampled_from(["sub", "eq", "class"]), st.sampled_from(NODES), st.sampled_from(NODES)
    ),
    max_size=14,
)


def graph_of(drawn: list[tuple[str, URIRef, URIRef]]) -> Graph:
    graph = Graph()
    for kind, a, b in drawn:
        if kind == "sub":
            graph.add((a, RDFS.subClassOf, b))
        elif kind == "eq":
            graph.add((a, OWL.equivalentClass, b))
        else:
            graph.add((a, RDF.type, OWL.Class))
    return graph


def by_definition(hierarchy: Hierarchy, root: URIRef) -> tuple[set[URIRef], list[URIRef]]:
    """Descendants and leaves as first written: through every class's set of ancestors."""
    descendants = {
        c for c in hierarchy.parents if c != OWL.Nothing and root in hierarchy.ancestors(c)
    }
    below = {c for c in descendants if not hierarchy.is_a(root, c)}
    inner = {
        a for d in below for a in hierarchy.ancestors(d) if a != d and not hierarchy.is_a(a, d)
    }
    return descendants, sorted(below - inner)


@given(links)
def test_descendants_and_leaves_match_their_definition(drawn) -> None:
    hierarchy = Hierarchy.of(graph_of(drawn))
    for root in NODES:
        descendants, leaves = by_definition(hierarchy, root)
        assert hierarchy.descendants(root) == descendants
        assert hierarchy.leaves(root) == leaves
