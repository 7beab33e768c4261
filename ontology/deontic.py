"""Exceptions and contrary-to-duty links of norms: ``phr:unlessContext`` and ``phr:contraryToDuty``.

Both are read from the told graph (:func:`read_deontic`) and written into the extracted norms
(:func:`add_deontic_terms`) as the IR's ``unless`` and ``condition.violated``
(:class:`engine.ir.nodes.Norm`), so the problem is the one the scenario YAML would state.

Exceptions. ``n phr:unlessContext C``: norm ``n`` is not violated in the situations of context
``C``. ``C`` must be a context class at or below the root of exactly one context variable ``V``;
like the contexts a norm governs (:func:`ontology.extract._norms`), it becomes a clause on ``V``:
the exception ``{V: [states of the leaves of V below C]}``, states in the scenario's order.
Several contexts give several exceptions, any of which excuses (the IR's ``unless`` is a
disjunction), listed in the order of the contexts' IRIs. A permission takes none: it is never
violated (narrow where it applies instead).

Contrary-to-duty (Chisholm 1963, "Contrary-to-duty imperatives and deontic logic", *Analysis*
24(2):33-36). ``n phr:contraryToDuty m``: ``n`` is in force only where ``m`` is violated; it
becomes ``violated: [m]`` in ``n``'s condition. Several links are a conjunction (``n`` needs each
of them violated), listed in the order of the targets' IRIs. Both ends are obligations or
prohibitions and the links do not cycle. ``m`` must become exactly one norm of the problem:

- gated (``applies__m``, where P(m | C) < 1): ``m`` keeps its name, and its violation, which
  ``n``'s condition joins, includes the gate;
- split by weight (``m__<states>``): ``m`` is violated where *any* part is, a disjunction that
  ``violated`` (a conjunction of violations) cannot state, so the link is refused;
- governing no context (so no norm in the problem): refused.

A contrary-to-duty norm that is itself split or gated carries ``violated`` in every part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import Graph, URIRef

from ontology.errors import ExtractionError
from ontology.hierarchy import Hierarchy
from ontology.vocabulary import CONTRARY_TO_DUTY, UNLESS_CONTEXT, local_name

if TYPE_CHECKING:
    from ontology.knowledge import ContextVariable, Knowledge, Prescript

#: the properties as messages name them
UNLESS = f"phr:{local_name(str(UNLESS_CONTEXT))}"
CTD = f"phr:{local_name(str(CONTRARY_TO_DUTY))}"

#: modalities that can be violated: the only ones that take exceptions or contrary-to-duty links
VIOLABLE = ("obligation", "prohibition")


@dataclass(frozen=True, slots=True)
class Unless:
    """Norm ``norm`` is not violated where context ``context`` holds: where context variable
    ``variable`` is in the state of one of ``leaves`` (leaf context IRIs)."""

    norm: str
    context: str
    variable: str
    leaves: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeonticTerms:
    """The exceptions and contrary-to-duty links ``(norm IRI, IRI of the norm whose violation it
    responds to)`` of one ontology."""

    unless: tuple[Unless, ...] = ()
    contrary: tuple[tuple[str, str], ...] = ()


def read_deontic(
    told: Graph,
    hierarchy: Hierarchy,
    prescripts: Sequence[Prescript],
    variables: Sequence[ContextVariable],
    source: str,
) -> DeonticTerms:
    """The ``phr:unlessContext`` and ``phr:contraryToDuty`` statements of ``told``, checked."""
    by_iri = {p.iri: p for p in prescripts}
    unless = [
        _unless(by_iri, str(norm), context, hierarchy, variables, source)
        for norm, context in sorted(told.subject_objects(UNLESS_CONTEXT))
    ]
    links = []
    for norm, target in sorted(told.subject_objects(CONTRARY_TO_DUTY)):
        _bearer(by_iri, str(norm), CTD, source)
        named = by_iri.get(str(target)) if isinstance(target, URIRef) else None
        if named is None or named.kind not in VIOLABLE:
            what = "not a norm of this ontology" if named is None else _what(named)
            raise ExtractionError(
                source,
                f"norm {by_iri[str(norm)].name!r}: {CTD} names {_shown(target)}, "
                f"which is {what}; it must name the obligation or prohibition whose violation "
                "this norm responds to (a permission or value prescript is never violated)",
                str(norm),
            )
        links.append((str(norm), str(target)))
    _check_acyclic(links, by_iri, source)
    return DeonticTerms(tuple(unless), tuple(links))


def _shown(node: object) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else repr(str(node))


def _what(prescript: Prescript | None) -> str:
    if prescript is None:
        return "not a norm"
    return "a value prescript" if prescript.kind == "value" else f"a {prescript.kind}"


def _name(prescript: Prescript | None, iri: str) -> str:
    return prescript.name if prescript is not None else local_name(iri)


def _bearer(by_iri: dict[str, Prescript], norm: str, prop: str, source: str) -> Prescript:
    """The norm ``prop`` is stated on; it must be an obligation or a prohibition."""
    prescript = by_iri.get(norm)
    if prescript is None or prescript.kind not in VIOLABLE:
        fix = (
            "narrow where the permission applies (phr:appliesIn) instead, or drop it"
            if prescript is not None and prescript.kind == "permission"
            else f"state {prop} on an obligation or a prohibition"
        )
        raise ExtractionError(
            source,
            f"{prop} is stated on {_name(prescript, norm)!r}, which is {_what(prescript)}; only "
            f"an obligation or a prohibition can be violated, so only they take {prop}: {fix}",
            norm,
        )
    return prescript


def _unless(
    by_iri: dict[str, Prescript],
    norm: str,
    context: object,
    hierarchy: Hierarchy,
    variables: Sequence[ContextVariable],
    source: str,
) -> Unless:
    name = _bearer(by_iri, norm, UNLESS, source).name
    if not isinstance(context, URIRef) or context not in hierarchy.contexts():
        raise ExtractionError(
            source,
            f"norm {name!r}: {UNLESS} names {_shown(context)}, which is not a context "
            "class; name a subclass of phr:Context below a context variable",
            norm,
        )
    above = [v for v in variables if hierarchy.is_a(context, URIRef(v.root))]
    if len(above) != 1:
        names = ", ".join(v.name for v in above)
        raise ExtractionError(
            source,
            f"norm {name!r}: {UNLESS} names context <{context}>, which is below "
            + (f"several context variables ({names})" if above else "no context variable")
            + ", so no one scenario variable says when the exception holds; name a context at "
            "or below the root of one class annotated phr:contextVariable (one "
            f"{UNLESS} per variable for an exception in contexts of several)",
            norm,
        )
    variable = above[0]
    leaves = tuple(leaf for leaf in variable.leaves if hierarchy.is_a(URIRef(leaf), context))
    return Unless(norm, str(context), variable.name, leaves)


def _check_acyclic(links: list[tuple[str, str]], by_iri: dict[str, Prescript], source: str) -> None:
    """Refuse a cycle of contrary-to-duty links (a norm in force because of its own violation),
    naming the norms on it (an iterative depth-first search)."""
    after: dict[str, list[str]] = {}
    for norm, target in links:
        after.setdefault(norm, []).append(target)
    done: set[str] = set()
    for start in sorted(after):
        path, stack = [start], [iter(after[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                done.add(path.pop())
                stack.pop()
            elif nxt in path:
                cycle = [by_iri[n].name for n in path[path.index(nxt) :]] + [by_iri[nxt].name]
                raise ExtractionError(
                    source,
                    f"norm {by_iri[nxt].name!r}: {CTD} links form a cycle "
                    f"({' -> '.join(cycle)}); a norm cannot be in force because of its own "
                    "violation: remove one of these links",
                    nxt,
                )
            elif nxt not in done:
                path.append(nxt)
                stack.append(iter(after.get(nxt, ())))


def add_deontic_terms(
    knowledge: Knowledge,
    parts: dict[str, list[dict[str, Any]]],
    states: dict[str, tuple[str, ...]],
) -> None:
    """Write exceptions and contrary-to-duty references into the norm dicts ``parts`` (ontology
    norm IRI -> the dicts of the norms it became), in place."""
    terms = knowledge.deontic
    by_iri = {p.iri: p for p in knowledge.prescripts}
    for norm, dicts in parts.items():
        exceptions = [_exception(u, knowledge, states) for u in terms.unless if u.norm == norm]
        violated = [
            _reference(knowledge.source, by_iri[norm], by_iri[target], parts.get(target, []))
            for source, target in terms.contrary
            if source == norm
        ]
        for entry in dicts:
            if exceptions:
                entry["unless"] = exceptions
            if violated:
                entry["condition"] = {**entry["condition"], "violated": violated}


def _exception(
    unless: Unless, knowledge: Knowledge, states: dict[str, tuple[str, ...]]
) -> dict[str, list[str]]:
    variable = next(v for v in knowledge.variables if v.name == unless.variable)
    named = {
        s for leaf, s in zip(variable.leaves, variable.states, strict=True) if leaf in unless.leaves
    }
    return {variable.name: [s for s in states[variable.name] if s in named]}


def _reference(source: str, norm: Prescript, target: Prescript, parts: list[dict[str, Any]]) -> str:
    """The name of the one norm ``target`` became in the problem (see the module docstring)."""
    if len(parts) == 1:
        return str(parts[0]["name"])
    if not parts:
        problem = (
            "which governs no context, so the problem has no such norm to be violated; state "
            f"where {target.name!r} applies (phr:appliesIn)"
        )
    else:
        names = ", ".join(str(p["name"]) for p in parts)
        problem = (
            f"which has different weights in different contexts and so is split into {names}; "
            f"{target.name!r} is violated where any part is, which a contrary-to-duty condition "
            f"(a conjunction of violations) cannot state: give {target.name!r} one weight where it "
            "applies, or state one norm per weight, each with its own contrary-to-duty norm"
        )
    raise ExtractionError(
        source,
        f"norm {norm.name!r}: {CTD} names norm {target.name!r} <{target.iri}>, " + problem,
        norm.iri,
    )
