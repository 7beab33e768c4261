"""What a reasoned ontology says, as plain frozen data: prescripts, context variables and the
applicability P(E | C) and weight w(E, C) of each prescript in each leaf context.

Nothing here holds an rdflib or owlready2 object, so the extraction to the IR and the ethical
profile work on these records only.

Semantics (shared/DESIGN.md, "Vocabulary"): a prescript E governs leaf context D when the
reasoner entails ``situation(D) phr:governedBy E`` (see :mod:`ontology.reason`); its
applicability and weight in D come from the most specific ``phr:Applicability`` record stated
for D or one of its superclasses, and default to 1 and the prescript's ``phr:weight`` (default 1).
The rules of ODRL policies are read apart (:mod:`ontology.odrl`); they are not prescripts, and
the norms' exceptions and contrary-to-duty links apart too (:mod:`ontology.deontic`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from engine.errors import quote
from ontology.deontic import DeonticTerms, read_deontic
from ontology.errors import ExtractionError
from ontology.hierarchy import Hierarchy
from ontology.odrl import OdrlRule, odrl_rules
from ontology.reason import Reasoned
from ontology.vocabulary import DCTERMS, MODALITY_CLASSES, PHR, local_name


@dataclass(frozen=True, slots=True)
class Prescript:
    """A norm (``kind`` is its modality) or a value prescript (``kind == "value"``)."""

    iri: str
    name: str
    kind: str
    option: str | None
    option_iri: str | None
    values: tuple[tuple[str, int], ...]
    weight: float
    priority: int
    defeasible: bool
    threshold: float
    source: str
    description: str
    order: float
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContextVariable:
    """A context class whose leaf subcontexts are the states of a scenario variable."""

    name: str
    root: str
    leaves: tuple[str, ...]
    states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Applicability:
    """Prescript ``prescript`` governs leaf context ``context`` with P(E | C) and w(E, C)."""

    prescript: str
    context: str
    probability: float
    weight: float


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The prescripts, contexts and applicabilities of one reasoned ontology."""

    source: str
    reasoner: str
    version: str
    scenario: str | None
    prescripts: tuple[Prescript, ...]
    variables: tuple[ContextVariable, ...]
    leaves: tuple[str, ...]
    contexts: tuple[str, ...]
    applicability: tuple[Applicability, ...]
    options: tuple[tuple[str, str], ...]
    odrl: tuple[OdrlRule, ...]
    unsatisfiable: tuple[str, ...]
    triples: int
    seconds: float
    deontic: DeonticTerms = field(default_factory=DeonticTerms)
    _index: dict[str, dict[str, Applicability]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for a in self.applicability:
            self._index.setdefault(a.prescript, {})[a.context] = a

    def governed(self, prescript: str) -> dict[str, Applicability]:
        """Leaf context IRI -> applicability, for the leaves ``prescript`` governs."""
        return dict(self._index.get(prescript, {}))

    def prescript(self, name: str) -> Prescript:
        return next(p for p in self.prescripts if p.name == name or p.iri == name)


def read_knowledge(graph: Graph, reasoned: Reasoned, source: str) -> Knowledge:
    """Read prescripts, context variables and applicabilities from ``reasoned``.

    ``graph`` is the loaded (unprepared) graph; the told graph of ``reasoned`` adds the
    expanded shorthand and the situations.
    """
    told, closed = reasoned.told, reasoned.closed
    hierarchy = Hierarchy.of(closed)  # the closed graph holds every told triple too
    contexts = sorted(hierarchy.contexts())
    variables = _context_variables(told, hierarchy, source)
    leaves = _leaves_in_scope(variables, hierarchy)
    prescripts = _prescripts(told, closed, hierarchy, source)
    rules = odrl_rules(graph, source)
    _check_read_once(prescripts, rules, source)
    records = _records(told, source)
    applicability = []
    by_iri = {p.iri: p for p in prescripts}
    for leaf in leaves:
        governing = _governing(told, closed, reasoned.situations.get(URIRef(leaf)), URIRef(leaf))
        for prescript in sorted((by_iri[i] for i in governing if i in by_iri), key=_position):
            probability, weight = _most_specific(
                prescript, records.get(prescript.iri, []), URIRef(leaf), hierarchy, source
            )
            applicability.append(Applicability(prescript.iri, leaf, probability, weight))
    options = sorted(
        {(str(o), _name(told, o)) for o in _instances(told, closed, hierarchy, PHR.Option)}
        | {(p.option_iri, p.option) for p in prescripts if p.option_iri and p.option}
    )
    return Knowledge(
        source=source,
        reasoner=reasoned.reasoner,
        version=_version(graph),
        scenario=_scenario(graph),
        prescripts=tuple(prescripts),
        variables=tuple(variables),
        leaves=tuple(leaves),
        contexts=tuple(str(c) for c in contexts),
        applicability=tuple(applicability),
        options=tuple(options),
        odrl=rules,
        unsatisfiable=reasoned.unsatisfiable,
        triples=len(graph),
        seconds=reasoned.seconds,
        deontic=read_deontic(told, hierarchy, prescripts, variables, source),
    )


def _check_read_once(prescripts: list[Prescript], rules: tuple[OdrlRule, ...], source: str) -> None:
    """Refuse a node that is both a prescript and an ODRL rule: it would become two norms.

    The core ontology makes ``odrl:Rule`` disjoint from ``phr:Prescript``, so a reasoner reports
    such a node as an inconsistency; without reasoning it is caught here.
    """
    both = sorted({p.iri for p in prescripts} & {r.iri for r in rules})
    if both:
        raise ExtractionError(
            source,
            "an ODRL rule is also typed a phr: prescript, so it would be read as two norms; "
            "keep one: drop its phr: modality and phr:concerns, or take it out of the policy",
            both[0],
        )


def _name(graph: Graph, node: URIRef) -> str:
    given = graph.value(node, PHR.name)
    return str(given) if given is not None else local_name(str(node))


def _version(graph: Graph) -> str:
    for ontology in sorted(graph.subjects(RDF.type, OWL.Ontology)):
        if ontology == URIRef("https://w3id.org/phronesis/ontology"):
            continue
        version = graph.value(ontology, OWL.versionIRI) or graph.value(ontology, OWL.versionInfo)
        return f"{ontology} {version}" if version is not None else str(ontology)
    return ""


def _scenario(graph: Graph) -> str | None:
    for ontology in sorted(graph.subjects(RDF.type, OWL.Ontology)):
        scenario = graph.value(ontology, PHR.scenario)
        if scenario is not None:
            return str(scenario)
    return None


def _types(told: Graph, closed: Graph, hierarchy: Hierarchy, node: URIRef) -> set[URIRef]:
    asserted = set(told.objects(node, RDF.type)) | set(closed.objects(node, RDF.type))
    return {a for t in asserted if isinstance(t, URIRef) for a in hierarchy.ancestors(t)}


def _instances(told: Graph, closed: Graph, hierarchy: Hierarchy, klass: URIRef) -> set[URIRef]:
    classes = hierarchy.descendants(klass) | {klass}
    return {
        s
        for graph in (told, closed)
        for c in classes
        for s in graph.subjects(RDF.type, c)
        if isinstance(s, URIRef)
    }


def _context_variables(told: Graph, hierarchy: Hierarchy, source: str) -> list[ContextVariable]:
    variables = []
    for root, name in sorted(told.subject_objects(PHR.contextVariable)):
        if not isinstance(root, URIRef):
            continue
        leaves = hierarchy.leaves(root)
        if not leaves:
            raise ExtractionError(
                source,
                f"context variable {name!s} has no subcontexts; add the contexts that stand for "
                f"its states as subclasses of <{root}>",
                str(root),
            )
        states = tuple(
            str(told.value(leaf, PHR.stateName) or local_name(str(leaf))) for leaf in leaves
        )
        if len(set(states)) != len(states):
            raise ExtractionError(
                source,
                f"two leaf contexts of context variable {name!s} have the same state name "
                f"(states {list(states)}); give each a distinct phr:stateName",
                str(root),
            )
        variables.append(ContextVariable(str(name), str(root), tuple(map(str, leaves)), states))
    names = [v.name for v in variables]
    for v in variables:
        if names.count(v.name) > 1:
            raise ExtractionError(
                source, f"two context classes declare context variable {v.name!r}", v.root
            )
    return variables


def _leaves_in_scope(variables: list[ContextVariable], hierarchy: Hierarchy) -> list[str]:
    if variables:
        return [leaf for v in variables for leaf in v.leaves]
    return [str(c) for c in hierarchy.leaves(PHR.Context)]


def _governing(told: Graph, closed: Graph, situation: URIRef | None, leaf: URIRef) -> set[str]:
    """Prescripts governing ``leaf``: entailed for its situation, or stated on the leaf itself."""
    found = set()
    if situation is not None:
        found.update(str(p) for p in closed.objects(situation, PHR.governedBy))
    for restriction in told.objects(leaf, RDFS.subClassOf):
        if told.value(restriction, OWL.onProperty) == PHR.governedBy:
            value = told.value(restriction, OWL.hasValue)
            if value is not None:
                found.add(str(value))
    return found


def _prescripts(told: Graph, closed: Graph, hierarchy: Hierarchy, source: str) -> list[Prescript]:
    nodes = _instances(told, closed, hierarchy, PHR.Prescript) | {
        s for s in told.subjects(PHR.concerns, None) if isinstance(s, URIRef)
    }
    prescripts = []
    for node in sorted(nodes):
        types = _types(told, closed, hierarchy, node)
        modalities = [m for m, klass in MODALITY_CLASSES.items() if klass in types]
        values = tuple(
            sorted(
                [(_name(told, v), 1) for v in told.objects(node, PHR.promotes)]
                + [(_name(told, v), -1) for v in told.objects(node, PHR.demotes)]
            )
        )
        if len(modalities) > 1:
            raise ExtractionError(
                source, f"norm has several modalities {modalities}; keep exactly one", str(node)
            )
        if modalities:
            kind = modalities[0]
        elif PHR.ValuePrescript in types or (values and PHR.Norm not in types):
            kind = "value"
        else:
            raise ExtractionError(
                source,
                "prescript has no modality; type it phr:Obligation, phr:Prohibition or "
                "phr:Permission (or phr:ValuePrescript with phr:promotes)",
                str(node),
            )
        option = told.value(node, PHR.concerns)
        if kind != "value" and not isinstance(option, URIRef):
            raise ExtractionError(
                source, "norm concerns no option; add phr:concerns <an option>", str(node)
            )
        src = told.value(node, DCTERMS.source)
        comments = sorted(str(c) for c in told.objects(node, RDFS.comment))
        prescripts.append(
            Prescript(
                iri=str(node),
                name=_name(told, node),
                kind=kind,
                option=_name(told, option) if isinstance(option, URIRef) else None,
                option_iri=str(option) if isinstance(option, URIRef) else None,
                values=values,
                weight=_number(told, node, PHR.weight, 1.0, source),
                priority=int(_number(told, node, PHR.priority, 0, source)),
                defeasible=bool(_literal(told, node, PHR.defeasible, False)),
                threshold=_number(told, node, PHR.threshold, 0.0, source),
                source=str(src) if src is not None else str(node),
                description=comments[0] if comments else "",
                order=_number(told, node, PHR.order, float("inf"), source),
                roles=tuple(sorted(_name(told, r) for r in told.objects(node, PHR.heldBy))),
            )
        )
    prescripts.sort(key=_position)
    return prescripts


def _position(prescript: Prescript) -> tuple[float, str]:
    return (prescript.order, prescript.name)


def _literal(graph: Graph, node: URIRef, prop: URIRef, default: object) -> object:
    value = graph.value(node, prop)
    return value.toPython() if isinstance(value, Literal) else default


def _number(graph: Graph, node: URIRef, prop: URIRef, default: float, source: str) -> float:
    value = _literal(graph, node, prop, default)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ExtractionError(
            source, f"{local_name(str(prop))} must be a number, found {quote(value)}", str(node)
        )
    return float(value)


def _records(
    told: Graph, source: str
) -> dict[str, list[tuple[URIRef, float | None, float | None]]]:
    records: dict[str, list[tuple[URIRef, float | None, float | None]]] = {}
    for prescript, record in told.subject_objects(PHR.hasApplicability):
        probability = told.value(record, PHR.applicability)
        weight = told.value(record, PHR.weight)
        for context in told.objects(record, PHR.inContext):
            records.setdefault(str(prescript), []).append(
                (
                    context,
                    None
                    if probability is None
                    else _number(told, record, PHR.applicability, 1, source),
                    None if weight is None else _number(told, record, PHR.weight, 1, source),
                )
            )
    return records


def _most_specific(
    prescript: Prescript,
    records: list[tuple[URIRef, float | None, float | None]],
    leaf: URIRef,
    hierarchy: Hierarchy,
    source: str,
) -> tuple[float, float]:
    """(P(E | leaf), w(E, leaf)) from the most specific records stated for the leaf's ancestors."""
    above = [r for r in records if r[0] in hierarchy.ancestors(leaf)]
    specific = [
        r
        for r in above
        if not any(
            o[0] != r[0] and hierarchy.is_a(o[0], r[0]) and not hierarchy.is_a(r[0], o[0])
            for o in above
        )
    ]
    found = {(r[1], r[2]) for r in specific}
    if len(found) > 1:
        stated = ", ".join(sorted(f"<{r[0]}>" for r in specific))
        raise ExtractionError(
            source,
            f"conflicting applicability records for leaf context <{leaf}> (stated for {stated}); "
            "state one for the leaf itself",
            prescript.iri,
        )
    probability, weight = next(iter(found)) if found else (None, None)
    return (
        1.0 if probability is None else probability,
        prescript.weight if weight is None else weight,
    )
