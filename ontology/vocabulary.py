"""IRIs of the core ontology, ODRL 2.2 and the files shipped with this package."""

from __future__ import annotations

from pathlib import Path

from rdflib import Namespace, URIRef

PHR = Namespace("https://w3id.org/phronesis/ontology#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
DCTERMS = Namespace("http://purl.org/dc/terms/")

CORE_IRI = URIRef("https://w3id.org/phronesis/ontology")
CORE_PATH = Path(__file__).resolve().parent / "phronesis.ttl"
SHAPES_PATH = Path(__file__).resolve().parent / "shapes.ttl"

#: Modality classes of the core ontology, by the IR's modality names.
MODALITY_CLASSES: dict[str, URIRef] = {
    "obligation": PHR.Obligation,
    "prohibition": PHR.Prohibition,
    "permission": PHR.Permission,
}

#: A context in whose situations a norm is not violated: an exception (``ontology.deontic``).
UNLESS_CONTEXT = PHR.unlessContext
#: The norm whose violation a norm responds to: contrary-to-duty (Chisholm 1963;
#: ``ontology.deontic``).
CONTRARY_TO_DUTY = PHR.contraryToDuty


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#``, ``/`` or ``:``.

    Examples
    --------
    >>> local_name("https://w3id.org/phronesis/examples/av#swerve_right")
    'swerve_right'
    """
    for separator in ("#", "/", ":"):
        head, found, tail = iri.rpartition(separator)
        if found and tail:
            return tail
    return iri
