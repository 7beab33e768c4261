"""Read ontology files (Turtle, RDF/XML, JSON-LD, N-Triples, N3, OWL/XML) into rdflib graphs.

RDF serialisations are parsed by rdflib; OWL/XML, which rdflib cannot read, is loaded by
owlready2 into a fresh, explicit ``World`` and copied out triple by triple, so no owlready2 object
leaves this module. The core ontology is always merged in: a user graph may use ``phr:`` terms
without importing it. Other ``owl:imports`` are refused (they would not be fetched), nothing
that would expand entities or fetch from the network is parsed (:mod:`ontology.offline`), and an
IRI holding a character IRIs may not hold (a backslash, a space) is refused whatever the format.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

from ontology.errors import OntologyLoadError
from ontology.offline import check_imports, check_offline
from ontology.vocabulary import CORE_IRI, CORE_PATH, PHR

#: File suffix -> rdflib format; "owlxml" is read through owlready2.
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".owl": "xml",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
    ".n3": "n3",
    ".owx": "owlxml",
}


def detect_format(path: Path, head: str) -> str:
    """The format of ``path``: by suffix, except that XML whose root is ``<Ontology`` is OWL/XML."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise OntologyLoadError(
            str(path), f"unknown ontology suffix {suffix!r}; expected one of {known}"
        )
    fmt = FORMATS[suffix]
    if fmt == "xml" and _is_owl_xml(head):
        return "owlxml"
    return fmt


def _is_owl_xml(head: str) -> bool:
    body = head.split("?>", 1)[-1].lstrip()
    while body.startswith("<!"):  # comments and DOCTYPE
        body = body.split(">", 1)[-1].lstrip()
    return body.startswith("<Ontology") or body.startswith("<owl:Ontology")


def read_graph(path: str | Path) -> Graph:
    """The triples of one file, without the core ontology."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OntologyLoadError(str(path), f"cannot read file ({exc.strerror})") from None
    fmt = detect_format(path, raw[:4096].decode("utf-8", errors="replace"))
    check_offline(path, fmt, raw)
    quiet_library_logging()
    graph = _read_owl_xml(path, raw) if fmt == "owlxml" else _read_rdf(path, raw, fmt)
    check_iris(graph, str(path))
    check_imports(graph, str(path))
    return graph


def _read_rdf(path: Path, raw: bytes, fmt: str) -> Graph:
    graph = Graph()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rdflib warns on some JSON-LD contexts
            graph.parse(data=raw, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many unrelated types for syntax errors
        raise OntologyLoadError(str(path), f"not valid {fmt}: {summary(exc)}") from None
    return graph


#: characters an IRI may not hold (RFC 3987); rdflib reads some of them, then fails with a bare
#: Exception when it writes the graph out (for HermiT), so they are refused when the file is read
_NOT_IN_IRI = frozenset('<>"{}|\\^`') | {chr(c) for c in range(0x21)} | {chr(0x7F)}


def check_iris(graph: Graph, source: str) -> None:
    """Refuse an IRI holding a character IRIs may not hold (a space, a backslash, ``<``, ...),
    naming the IRI and the character, whatever format the file was in."""
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and not _NOT_IN_IRI.isdisjoint(term):
                bad = next(c for c in term if c in _NOT_IN_IRI)
                shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in term)
                iri = shown if len(shown) <= 120 else shown[:119] + "…"
                raise OntologyLoadError(
                    source,
                    f"the IRI holds {bad!r}, which IRIs may not hold; percent-encode it "
                    f"(%{ord(bad):02X}) or remove it",
                    iri,
                )


def _read_owl_xml(path: Path, raw: bytes) -> Graph:
    """OWL/XML through owlready2 (explicit World; the core preloaded so its import resolves)."""
    from owlready2 import World

    world = World()
    try:
        world.get_ontology(str(CORE_IRI)).load(
            fileobj=io.BytesIO(_core_ntriples()), format="ntriples"
        )
        world.get_ontology(path.resolve().as_uri()).load(fileobj=io.BytesIO(raw), format="owlxml")
    except Exception as exc:  # owlready2 raises bare exceptions for syntax errors
        raise OntologyLoadError(str(path), f"not valid OWL/XML: {summary(exc)}") from None
    graph = Graph()
    for triple in world.as_rdflib_graph().triples((None, None, None)):
        graph.add(triple)
    world.close()
    return graph


def core_graph() -> Graph:
    """The shipped core ontology."""
    return Graph().parse(CORE_PATH, format="turtle")


def _core_ntriples() -> bytes:
    return core_graph().serialize(format="nt", encoding="utf-8")


def load_graph(path: str | Path) -> Graph:
    """A user file merged with the core ontology (the graph reasoning and validation see)."""
    graph = read_graph(path)
    if (CORE_IRI, RDF.type, OWL.Ontology) not in graph:  # the core itself, or a copy of it
        graph += core_graph()
    graph.bind("phr", PHR)
    return graph


def summary(exc: BaseException, limit: int = 200) -> str:
    """A parser's exception in one short line: its first two non-empty lines (rdflib puts the
    position on the first and the reason on the second), at most ``limit`` characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = " ".join(lines[:2]) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quiet_library_logging() -> None:
    """Keep rdflib's and owlready2's log records (rdflib logs a traceback for every literal it
    cannot convert, such as ``"abc"^^xsd:decimal``) off the user's stderr: what matters reaches
    the user as an :class:`OntologyLoadError` or in the checks' findings. Idempotent."""
    for name in ("rdflib", "owlready2"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
