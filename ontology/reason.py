"""Reasoning: expand the shorthand, add one situation per context, and close the graph.

A prescript governs a context through the OWL idiom
``Ctx rdfs:subClassOf [owl:onProperty phr:governedBy; owl:hasValue p]``; ``p phr:appliesIn Ctx``
(and an applicability record's ``phr:inContext``) is shorthand for it, expanded by
:func:`prepare`. :func:`prepare` also asserts one *situation* individual of each named context
class, so that "which prescripts govern context D" is a question a reasoner answers by
entailment: ``situation(D) phr:governedBy p`` follows from D ⊑ C and C's restriction. Before
reasoning only the restrictions stated on D itself hold.

Reasoners: HermiT (OWL 2 DL, through owlready2 with an explicit ``World``; needs Java) and owlrl
(OWL 2 RL rules, pure Python). ``auto`` picks HermiT when Java is on the path, owlrl otherwise;
the environment variable ``PHRONESIS_REASONER`` (``hermit``, ``owlrl`` or ``none``) overrides it.
Both return a plain rdflib graph of told and inferred triples.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from typing import Literal

from rdflib import OWL, RDF, RDFS, BNode, Graph, Namespace, URIRef

from engine.errors import BackendUnavailable
from ontology.errors import InconsistentOntologyError, OntologyLoadError, UnknownReasoner
from ontology.limits import check_hierarchy_depth
from ontology.load import summary
from ontology.vocabulary import PHR

Reasoner = Literal["auto", "hermit", "owlrl", "none"]
REASONERS: tuple[str, ...] = ("auto", "hermit", "owlrl", "none")
ENVIRONMENT_VARIABLE = "PHRONESIS_REASONER"
_WORKING_IRI = "urn:phronesis:working"
_OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


@dataclass(frozen=True, slots=True)
class Reasoned:
    """A prepared (told) graph, its closure under a reasoner and what the reasoner reported.

    ``situations`` maps each named context class to its situation individual;
    ``unsatisfiable`` lists classes the reasoner proved empty (HermiT only).
    """

    told: Graph
    closed: Graph
    reasoner: str
    situations: dict[URIRef, URIRef]
    unsatisfiable: tuple[str, ...]
    seconds: float


def java_available() -> bool:
    """Whether a Java runtime is on the path (HermiT needs one)."""
    return shutil.which("java") is not None


def resolve_reasoner(name: str = "auto") -> str:
    """``auto`` -> the environment's choice, else HermiT with Java, else owlrl."""
    if name not in REASONERS:
        raise UnknownReasoner(f"unknown reasoner {name!r}; expected one of {', '.join(REASONERS)}")
    if name == "auto":
        name = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or "auto"
        if name not in REASONERS:
            raise UnknownReasoner(
                f"{ENVIRONMENT_VARIABLE}={name!r} is not a reasoner; "
                f"expected one of {', '.join(REASONERS)}"
            )
    if name == "auto":
        return "hermit" if java_available() else "owlrl"
    if name == "hermit" and not java_available():
        raise BackendUnavailable(
            "the HermiT reasoner needs Java on the PATH; install a Java runtime (11+) or use "
            f"--reasoner owlrl (or set {ENVIRONMENT_VARIABLE}=owlrl)"
        )
    return name


def context_classes(graph: Graph) -> set[URIRef]:
    """Named classes that are told subclasses (transitively) of ``phr:Context``, and itself."""
    found = {PHR.Context}
    frontier = [PHR.Context]
    while frontier:
        parent = frontier.pop()
        for child in graph.subjects(RDFS.subClassOf, parent):
            if isinstance(child, URIRef) and child not in found:
                found.add(child)
                frontier.append(child)
        for equivalent in graph.objects(parent, OWL.equivalentClass):
            if isinstance(equivalent, URIRef) and equivalent not in found:
                found.add(equivalent)
                frontier.append(equivalent)
    return found


def situation_iri(context: URIRef) -> URIRef:
    return URIRef(f"urn:phronesis:situation:{context}")


def prepare(graph: Graph) -> tuple[Graph, dict[URIRef, URIRef]]:
    """A copy of ``graph`` with the ``appliesIn`` shorthand expanded and situations asserted."""
    told = Graph()
    told += graph
    stated = set(told.subject_objects(PHR.appliesIn))
    for prescript, record in told.subject_objects(PHR.hasApplicability):
        stated.update((prescript, ctx) for ctx in told.objects(record, PHR.inContext))
    for prescript, context in stated:
        restriction = BNode()
        told.add((restriction, RDF.type, OWL.Restriction))
        told.add((restriction, OWL.onProperty, PHR.governedBy))
        told.add((restriction, OWL.hasValue, prescript))
        told.add((context, RDFS.subClassOf, restriction))
    situations = {}
    for context in sorted(context_classes(told)):
        situation = situation_iri(context)
        told.add((situation, RDF.type, OWL.NamedIndividual))
        told.add((situation, RDF.type, context))
        situations[context] = situation
    return told, situations


def reason(graph: Graph, reasoner: str = "auto", source: str = "<graph>") -> Reasoned:
    """Prepare ``graph`` and close it under ``reasoner`` (see the module docstring)."""
    name = resolve_reasoner(reasoner)
    if name != "none":
        check_hierarchy_depth(graph, source, name)
    told, situations = prepare(graph)
    start = time.perf_counter()
    unsatisfiable: tuple[str, ...] = ()
    if name == "hermit":
        closed, unsatisfiable = _hermit(told, source, situations)
    elif name == "owlrl":
        closed = _owlrl(told, source)
    else:
        closed = told
    return Reasoned(told, closed, name, situations, unsatisfiable, time.perf_counter() - start)


def _hermit(
    told: Graph, source: str, situations: dict[URIRef, URIRef] | None = None
) -> tuple[Graph, tuple[str, ...]]:
    """Run HermiT on ``told``; on inconsistency, name the unsatisfiable classes if there are any.

    A context class that cannot have instances makes its situation (and so the ontology)
    inconsistent; HermiT is then rerun without the situations to name such classes.
    """
    from owlready2 import (
        OwlReadyInconsistentOntologyError,
        OwlReadyJavaError,
        World,
        sync_reasoner_hermit,
    )

    world = World()
    try:
        # the graph already holds every imported triple; owlready2 would try to download imports
        flat = Graph()
        for triple in told:
            if triple[1] != OWL.imports:
                flat.add(triple)
        try:
            data = flat.serialize(format="nt", encoding="utf-8")
        except Exception as exc:  # rdflib raises a bare Exception for an IRI it cannot write
            raise OntologyLoadError(
                source, f"cannot pass the graph to HermiT: {summary(exc)}"
            ) from None
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # owlready2 prints its own traces
                world.get_ontology(_WORKING_IRI).load(fileobj=io.BytesIO(data), format="ntriples")
        except Exception as exc:  # owlready2 refuses literals it cannot convert ("abc"^^decimal)
            reason = summary(exc.__cause__ or exc)
            raise OntologyLoadError(
                source, f"HermiT's loader (owlready2) cannot read a literal: {reason}"
            ) from None
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except OwlReadyJavaError as exc:  # HermiT itself failed (a malformed literal, memory)
            raise OntologyLoadError(
                source,
                f"HermiT failed: {java_exception(str(exc))}; check literals such as NaN "
                "weights, or reason with PHRONESIS_REASONER=owlrl",
            ) from None
        except OwlReadyInconsistentOntologyError:
            unsatisfiable: tuple[str, ...] = ()
            if situations:
                bare = Graph()
                individuals = set(situations.values())
                for triple in told:
                    if triple[0] not in individuals:
                        bare.add(triple)
                _, unsatisfiable = _hermit(bare, source, None)
            if unsatisfiable:
                named = ", ".join(f"<{c}>" for c in unsatisfiable)
                raise InconsistentOntologyError(
                    source,
                    f"HermiT finds {len(unsatisfiable)} unsatisfiable class(es): {named}; such a "
                    "class can have no instances (and a context that cannot hold makes the "
                    "ontology inconsistent) — check its superclasses and disjointness axioms",
                    unsatisfiable,
                ) from None
            raise InconsistentOntologyError(
                source,
                "HermiT finds the ontology inconsistent (no model exists); look for an individual "
                "typed with two disjoint classes (e.g. phr:Obligation and phr:Prohibition, an "
                "option that is also a norm, or an ODRL rule that is also a phr: prescript) or a "
                "value outside a property's range",
            ) from None
        unsatisfiable = tuple(
            sorted(
                c.iri
                for c in world.inconsistent_classes()
                if hasattr(c, "iri") and c.iri != str(OWL.Nothing)
            )
        )
        closed = Graph()
        for triple in world.as_rdflib_graph().triples((None, None, None)):
            closed.add(triple)
    finally:
        world.close()
    return closed, unsatisfiable


def _owlrl(told: Graph, source: str) -> Graph:
    import owlrl

    closed = Graph()
    closed += told
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            owlrl.DeductiveClosure(
                owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
            ).expand(closed)
    except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. "abc"^^xsd:decimal
        raise OntologyLoadError(
            source, f"owlrl cannot read a literal: {summary(exc)}; check typed literals"
        ) from None
    messages = sorted(
        str(m)
        for node in closed.subjects(RDF.type, _OWLRL_ERRORS.ErrorMessage)
        for m in closed.objects(node, _OWLRL_ERRORS.error)
    )
    if messages:
        raise InconsistentOntologyError(
            source, f"owlrl finds the ontology inconsistent: {messages[0].splitlines()[0]}"
        )
    return closed


def java_exception(message: str, limit: int = 200) -> str:
    """The Java exception line of a HermiT failure (its class and message), shortened."""
    line = next((x.strip() for x in message.splitlines() if "Exception" in x), message.strip())
    line = line.split(": ", 1)[-1] if "Exception in thread" in line else line
    return line if len(line) <= limit else line[: limit - 1] + "…"
