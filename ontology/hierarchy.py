"""The class hierarchy of a (reasoned) graph as plain Python sets.

Reasoners return subsumptions differently — owlrl materialises the transitive closure, HermiT
(through owlready2) asserts direct parents only — so both are read the same way: the reflexive,
transitive closure of ``rdfs:subClassOf`` over named classes, with ``owl:equivalentClass``
counted in both directions.

Every walk is iterative and visits each class and link once (no recursion on input size, no
set of ancestors per class built to answer a question about descendants): a 20,000-class
subclass chain is read in linear time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from ontology.vocabulary import PHR


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """Named classes with their direct parents (and children); ancestors are computed (and
    cached) on demand, descendants by a walk down from the root."""

    parents: dict[URIRef, frozenset[URIRef]]
    children: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict, repr=False)
    _ancestors: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.children:
            below: dict[URIRef, set[URIRef]] = defaultdict(set)
            for child, parents in self.parents.items():
                for parent in parents:
                    below[parent].add(child)
            self.children.update({k: frozenset(v) for k, v in below.items()})

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
        result = frozenset(_reachable(klass, self.parents))
        self._ancestors[klass] = result
        return result

    def is_a(self, klass: URIRef, ancestor: URIRef) -> bool:
        return ancestor in self.ancestors(klass)

    def descendants(self, root: URIRef) -> set[URIRef]:
        """Named classes below ``root`` (itself included), excluding owl:Nothing."""
        found = _reachable(root, self.children)
        found.discard(OWL.Nothing)
        if root not in self.parents:  # as before: only classes the graph names are counted
            found.discard(root)
        return found

    def leaves(self, root: URIRef) -> list[URIRef]:
        """The most specific named classes strictly below ``root`` (equivalents of it excluded).

        A class strictly below ``root`` is a leaf when no other class strictly below ``root``
        is strictly below it. Equivalence classes are the strongly connected components of the
        subclass links; Tarjan's algorithm completes a component after every component beneath
        it, so one pass in completion order finds the components with something beneath.
        """
        below = self.descendants(root) - self.ancestors(root)
        reached = _reachable(root, self.children)  # below, plus root's equivalents and Nothing
        component = strongly_connected(reached, self.children)
        holds = set()  # components holding a class strictly below root
        for klass in below:
            holds.add(component[klass])
        inner = set()  # components with a class of ``below`` strictly beneath them
        members: dict[int, list[URIRef]] = defaultdict(list)
        for klass in reached:
            members[component[klass]].append(klass)
        for number in sorted(members):  # completion order: components beneath come first
            for klass in members[number]:
                for child in self.children.get(klass, ()):
                    other = component[child]
                    if other != number and (other in holds or other in inner):
                        inner.add(number)
                        break
                if number in inner:
                    break
        return sorted(c for c in below if component[c] not in inner)

    def contexts(self) -> set[URIRef]:
        return self.descendants(PHR.Context)


def _reachable(start: URIRef, links: dict[URIRef, frozenset[URIRef]]) -> set[URIRef]:
    """``start`` and every node reachable from it through ``links`` (an iterative walk)."""
    seen = {start}
    stack = [start]
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def strongly_connected(
    nodes: set[URIRef], links: dict[URIRef, frozenset[URIRef]]
) -> dict[URIRef, int]:
    """The strongly connected component of each of ``nodes`` through ``links`` restricted to
    ``nodes`` (Tarjan's algorithm, iterative), numbered in completion order: a component is
    numbered after every component reachable from it."""
    index: dict[URIRef, int] = {}
    low: dict[URIRef, int] = {}
    component: dict[URIRef, int] = {}
    on_stack: set[URIRef] = set()
    stack: list[URIRef] = []
    counter = 0
    completed = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(links.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for nxt in successors:
                if nxt not in nodes:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(links.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = completed
                    if member == node:
                        break
                completed += 1
    return component
