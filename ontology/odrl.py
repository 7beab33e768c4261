"""ODRL 2.2 policies as norms.

Mapping (W3C ODRL Information Model 2.2, §2.5-2.8): each rule of a policy
(``odrl:permission``, ``odrl:prohibition``, ``odrl:obligation``, and the ``odrl:duty`` of a
permission) becomes one norm of the same modality (duties and obligations are obligations).
The rule's ``odrl:action`` names the option (``phr:name`` or its IRI's local name). Each simple
constraint ``[odrl:leftOperand L; odrl:operator op; odrl:rightOperand R]`` becomes one clause of
the norm's condition: L names a scenario variable, R its state(s); operators ``eq``,
``isAnyOf``, ``neq`` and ``isNoneOf`` are supported (the negative ones are taken as the
complement in the variable's states). Logical constraints (``odrl:and``/``odrl:or``/``odrl:xone``)
and comparison operators on numbers are not. ``phr:weight``, ``phr:priority``, ``phr:threshold``
and ``phr:defeasible`` may annotate a rule; defaults are the IR's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from ontology.errors import ExtractionError
from ontology.vocabulary import ODRL, PHR, local_name

RULE_PROPERTIES: tuple[tuple[URIRef, str], ...] = (
    (ODRL.permission, "permission"),
    (ODRL.prohibition, "prohibition"),
    (ODRL.obligation, "obligation"),
)
OPERATORS: tuple[str, ...] = ("eq", "isAnyOf", "neq", "isNoneOf")
POLICY_CLASSES = (ODRL.Policy, ODRL.Set, ODRL.Offer, ODRL.Agreement, ODRL.Privacy)


@dataclass(frozen=True, slots=True)
class Constraint:
    """``variable`` ``operator`` ``values`` (operator one of :data:`OPERATORS`)."""

    variable: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OdrlRule:
    """One ODRL rule read as a norm."""

    iri: str
    name: str
    modality: str
    option: str
    constraints: tuple[Constraint, ...]
    weight: float
    priority: int
    defeasible: bool
    threshold: float
    description: str


def _name(graph: Graph, node: Any) -> str:
    given = graph.value(node, PHR.name)
    if given is not None:
        return str(given)
    if isinstance(node, Literal):
        return str(node)
    return local_name(str(node))


def policies(graph: Graph) -> list[URIRef | BNode]:
    found = {p for klass in POLICY_CLASSES for p in graph.subjects(RDF.type, klass)}
    found |= {p for prop, _ in RULE_PROPERTIES for p in graph.subjects(prop, None)}
    return sorted(found, key=str)


def odrl_rules(graph: Graph, source: str) -> tuple[OdrlRule, ...]:
    """Every rule of every ODRL policy in ``graph``."""
    rules: list[OdrlRule] = []
    for policy in policies(graph):
        prefix = _name(graph, policy) if isinstance(policy, URIRef) else "policy"
        for prop, modality in RULE_PROPERTIES:
            for k, rule in enumerate(sorted(graph.objects(policy, prop), key=str)):
                rules.append(
                    _rule(graph, policy, rule, modality, f"{prefix}_{modality}_{k + 1}", source)
                )
                if modality == "permission":
                    for j, duty in enumerate(sorted(graph.objects(rule, ODRL.duty), key=str)):
                        name = f"{rules[-1].name}_duty_{j + 1}"
                        rules.append(_rule(graph, policy, duty, "obligation", name, source))
    return tuple(rules)


def _rule(
    graph: Graph, policy: Any, rule: Any, modality: str, fallback: str, source: str
) -> OdrlRule:
    iri = str(rule) if isinstance(rule, URIRef) else f"{policy}#{fallback}"
    action = graph.value(rule, ODRL.action)
    if isinstance(action, BNode):  # an action refined with rdf:value
        action = graph.value(action, RDF.value)
    if action is None:
        raise ExtractionError(
            source,
            f"ODRL {modality} has no odrl:action; add the action (the option) it governs",
            iri,
        )
    name = str(
        graph.value(rule, PHR.name) or (local_name(iri) if isinstance(rule, URIRef) else fallback)
    )
    constraints = tuple(
        _constraint(graph, c, iri, source)
        for c in sorted(graph.objects(rule, ODRL.constraint), key=str)
    )

    def number(prop: URIRef, default: float) -> float:
        value = graph.value(rule, prop)
        return float(value.toPython()) if isinstance(value, Literal) else default

    defeasible = graph.value(rule, PHR.defeasible)
    comment = graph.value(rule, RDFS.comment)
    return OdrlRule(
        iri=iri,
        name=name,
        modality=modality,
        option=_name(graph, action),
        constraints=constraints,
        weight=number(PHR.weight, 1.0),
        priority=int(number(PHR.priority, 0)),
        defeasible=bool(defeasible.toPython()) if isinstance(defeasible, Literal) else False,
        threshold=number(PHR.threshold, 0.0),
        description=str(comment) if comment is not None else "",
    )


def _constraint(graph: Graph, node: Any, rule: str, source: str) -> Constraint:
    left = graph.value(node, ODRL.leftOperand)
    operator = graph.value(node, ODRL.operator)
    right = graph.value(node, ODRL.rightOperand)
    if left is None or operator is None or right is None:
        raise ExtractionError(
            source,
            "ODRL constraint needs odrl:leftOperand, odrl:operator and odrl:rightOperand; "
            "logical constraints (odrl:and / odrl:or) are not supported",
            rule,
        )
    op = local_name(str(operator))
    if op not in OPERATORS:
        raise ExtractionError(
            source,
            f"ODRL operator odrl:{op} is not supported; use one of "
            f"{', '.join('odrl:' + o for o in OPERATORS)}",
            rule,
        )
    if isinstance(right, BNode) and graph.value(right, RDF.first) is not None:
        values = tuple(_name(graph, v) for v in Collection(graph, right))
    else:
        values = tuple(_name(graph, v) for v in graph.objects(node, ODRL.rightOperand))
    return Constraint(_name(graph, left), op, tuple(sorted(values)))


def rule_norm(rule: OdrlRule, states: dict[str, tuple[str, ...]], source: str) -> dict[str, Any]:
    """A scenario ``norms`` entry for ``rule``, its constraints checked against ``states``."""
    condition: dict[str, list[str]] = {}
    for c in rule.constraints:
        if c.variable not in states:
            raise ExtractionError(
                source,
                f"ODRL constraint's leftOperand {c.variable!r} is not a scenario variable; "
                f"expected one of {sorted(states)}",
                rule.iri,
            )
        unknown = [v for v in c.values if v not in states[c.variable]]
        if unknown:
            raise ExtractionError(
                source,
                f"ODRL constraint's rightOperand {unknown[0]!r} is not a state of "
                f"{c.variable!r}; expected one of {list(states[c.variable])}",
                rule.iri,
            )
        chosen = (
            set(c.values)
            if c.operator in ("eq", "isAnyOf")
            else set(states[c.variable]) - set(c.values)
        )
        previous = set(condition.get(c.variable, states[c.variable]))
        condition[c.variable] = [s for s in states[c.variable] if s in chosen & previous]
    return {
        "name": rule.name,
        "modality": rule.modality,
        "option": rule.option,
        "condition": condition,
        "weight": rule.weight,
        "priority": rule.priority,
        "defeasible": rule.defeasible,
        "threshold": rule.threshold,
        "source": rule.iri,
        "description": rule.description,
    }
