"""Ontology files are read offline and contained: before rdflib or owlready2 sees a file, refuse
what would make them expand entities or fetch from the network (issue 10, "Offline and
contained"): XML with a DTD (entity bombs, external entities and DTDs), JSON-LD with a remote
``@context`` (or ``@import``, or a remote scoped context), and OWL/XML ``<Import>`` of anything
but the shipped core ontology. ``owl:imports`` in the RDF formats is checked once the triples are
read (:func:`check_imports`): rdflib never follows it, but an import left unread would silently
drop the imported axioms.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from rdflib import OWL, Graph

from engine.errors import quote
from ontology.errors import OntologyLoadError
from ontology.vocabulary import CORE_IRI

#: formats parsed as XML by rdflib (RDF/XML) or owlready2 (OWL/XML)
XML_FORMATS = ("xml", "owlxml")


def check_offline(path: Path, fmt: str, raw: bytes) -> None:
    """Raise :class:`OntologyLoadError` when reading ``raw`` (``fmt``) would expand entities or
    fetch anything; the message names the IRI and says to download it and pass the local file."""
    if fmt in XML_FORMATS:
        _check_xml(path, fmt, raw)
    elif fmt == "json-ld":
        _check_json_ld(path, raw)


def _check_xml(path: Path, fmt: str, raw: bytes) -> None:
    import xml.etree.ElementTree as ElementTree

    try:
        root = SafeElementTree.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        iri = getattr(exc, "sysid", None) or getattr(exc, "pubid", None)
        fetched = f" and its DTD {str(iri)[:160]!r} is not fetched" if iri else ""
        raise OntologyLoadError(
            str(path),
            "the file declares a DTD or entities, which are not read (no entity is expanded"
            f"{fetched}); remove the <!DOCTYPE ...> declaration",
        ) from None
    except (ElementTree.ParseError, LookupError, ValueError) as exc:
        reason = str(exc) if len(str(exc)) <= 120 else f"{str(exc)[:119]}…"
        raise OntologyLoadError(str(path), f"not well-formed XML ({reason})") from None
    if fmt != "owlxml":
        return
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Import":
            iri = (element.text or "").strip()
            if iri.rstrip("#/") != str(CORE_IRI):
                raise OntologyLoadError(
                    str(path),
                    f"imports {quote(iri, 80)}, which is not fetched: download it and pass "
                    "the local file, or remove the <Import>",
                )


def _check_json_ld(path: Path, raw: bytes) -> None:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise OntologyLoadError(str(path), f"not valid JSON-LD: {first}") from None
    for context in _contexts(document):
        if isinstance(context, str):
            raise OntologyLoadError(
                str(path),
                f"uses the remote JSON-LD @context {quote(context, 80)}, which is not fetched: "
                "download it and put the context inline",
            )


def _contexts(node: Any) -> Iterator[Any]:
    """Every ``@context`` value in a JSON document (lists flattened), and every ``@import`` of
    a context, scoped contexts inside term definitions included, without recursion."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in ("@context", "@import"):
                if key in item:
                    found = item[key]
                    yield from found if isinstance(found, list) else [found]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_imports(graph: Graph, source: str) -> None:
    """Refuse ``owl:imports`` of anything but the shipped core ontology: imports are not
    fetched, and silently reading the file without the imported axioms would change its
    meaning. The message names the imported IRI."""
    for imported in sorted(graph.objects(None, OWL.imports)):
        if str(imported).rstrip("#/") != str(CORE_IRI):
            raise OntologyLoadError(
                source,
                f"imports {quote(str(imported), 80)}, which is not fetched: download it and merge "
                "its triples into this file, or remove the owl:imports",
            )
