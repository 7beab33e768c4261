"""The class hierarchy of a (reasoned) graph as plain Python sets.

Reasoners return subsumptions differently — owlrl materialises the transitive closure, HermiT
(through owlready2) asserts direct parents only — so both are read the same way: the reflexive,
transitive closure of ``rdfs:subClassOf`` over named classes, with ``owl:equivalentClass``
counted in both directions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from ontology.vocabulary import PHR


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """Named classes with their direct parents; ancestors are computed (and cached) on demand."""

    parents: dict[URIRef, frozenset[URIRef]]
    _ancestors: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, graph: Graph) -> Hierarchy:
        parents: dict[URIRef, set[URIRef]] = defaultdict(set)
        for child, parent in graph.subject_objects(RDFS.subClassOf):
            if isinstance(child, URIRef) and isinstance(parent, URIRef) and child != parent:
                parents[child].add(parent)
        for a, b in graph.subject_objects(OWL.equivalentClass):
            if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
                parents[a].add(b)
                parents[b].add(a)
        for klass in graph.subjects(RDF.type, OWL.Class):
            if isinstance(klass, URIRef):
                parents.setdefault(klass, set())
        return cls({k: frozenset(v) for k, v in parents.items()})

    def ancestors(self, klass: URIRef) -> frozenset[URIRef]:
        """Every class ``klass`` is a subclass of, itself included."""
        cached = self._ancestors.get(klass)
        if cached is not None:
            return cached
        seen = {klass}
        stack = [klass]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        result = frozenset(seen)
        self._ancestors[klass] = result
        return result

    def is_a(self, klass: URIRef, ancestor: URIRef) -> bool:
        return ancestor in self.ancestors(klass)

    def descendants(self, root: URIRef) -> set[URIRef]:
        """Named classes below ``root`` (itself included), excluding owl:Nothing."""
        return {c for c in self.parents if c != OWL.Nothing and root in self.ancestors(c)}

    def leaves(self, root: URIRef) -> list[URIRef]:
        """The most specific named classes strictly below ``root`` (equivalents of it excluded)."""
        below = {c for c in self.descendants(root) if not self.is_a(root, c)}
        inner = {a for d in below for a in self.ancestors(d) if a != d and not self.is_a(a, d)}
        return sorted(below - inner)

    def contexts(self) -> set[URIRef]:
        return self.descendants(PHR.Context)
