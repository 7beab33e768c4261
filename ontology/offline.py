"""Ontology files are read offline and contained: before rdflib or owlready2 sees a file, refuse
what would make them expand entities or fetch from the network (issue 10, "Offline and
contained"): XML with a DTD (entity bombs, external entities), JSON-LD with a remote
``@context``, and OWL/XML ``<Import>`` of anything but the shipped core ontology.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

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
    except DefusedXmlException:
        raise OntologyLoadError(
            str(path),
            "the file declares a DTD or entities, which are not read (no entity is expanded and "
            "nothing is fetched); remove the <!DOCTYPE ...> declaration",
        ) from None
    except (ElementTree.ParseError, LookupError, ValueError) as exc:
        raise OntologyLoadError(str(path), f"not well-formed XML ({exc})") from None
    if fmt != "owlxml":
        return
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Import":
            iri = (element.text or "").strip()
            if iri.rstrip("#/") != str(CORE_IRI):
                raise OntologyLoadError(
                    str(path),
                    f"imports {iri!r}, which is not fetched: download it and pass the local "
                    "file, or remove the <Import>",
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
                f"uses the remote JSON-LD @context {context[:200]!r}, which is not fetched: "
                "download it and put the context inline",
            )


def _contexts(node: Any) -> Iterator[Any]:
    """Every ``@context`` value in a JSON document (lists flattened), without recursion."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@context" in item:
                found = item["@context"]
                yield from found if isinstance(found, list) else [found]
            stack.extend(v for k, v in item.items() if k != "@context")
        elif isinstance(item, list):
            stack.extend(item)
