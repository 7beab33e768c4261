"""Errors raised by the ontology package.

Each is a :class:`~engine.errors.PhronesisError` and the matching builtin, and its message names
the file, the IRI at fault and what to change.
"""

from __future__ import annotations

from engine.errors import PhronesisError


class OntologyError(PhronesisError, ValueError):
    """An ontology file cannot be read or does not describe valid prescripts and contexts."""

    def __init__(self, source: str, message: str, iri: str = "") -> None:
        self.source = source
        self.iri = iri
        self.detail = message
        shown = iri if len(iri) <= 120 else f"{iri[:100]}… ({len(iri)} characters)"
        where = f"{source}: <{shown}>" if iri else source
        super().__init__(f"{where}: {message}")


class OntologyLoadError(OntologyError):
    """The file is missing, of an unknown format, or does not parse."""


class ExtractionError(OntologyError):
    """The ontology and its scenario do not fit together (unknown option, missing variable)."""


class ShapeViolationError(OntologyError):
    """The user graph violates a SHACL shape of the core ontology.

    ``violations`` lists every violation as ``(focus IRI, message)``; the error's text is the
    first, with a count of the rest, so a command line can print it as one line.
    """

    def __init__(self, source: str, violations: tuple[tuple[str, str], ...]) -> None:
        self.violations = violations
        focus, message = violations[0]
        more = f" (and {len(violations) - 1} more violations)" if len(violations) > 1 else ""
        super().__init__(source, message + more, focus)


class InconsistentOntologyError(OntologyError):
    """The reasoner found the ontology inconsistent or some classes unsatisfiable.

    ``unsatisfiable`` holds the IRIs of the unsatisfiable classes the reasoner named.
    """

    def __init__(self, source: str, message: str, unsatisfiable: tuple[str, ...] = ()) -> None:
        self.unsatisfiable = unsatisfiable
        super().__init__(source, message, unsatisfiable[0] if unsatisfiable else "")


class UnknownReasoner(PhronesisError, ValueError):
    """A reasoner name (argument or ``PHRONESIS_REASONER``) that phronesis does not know."""


class OntologyTooLarge(OntologyError):
    """The ontology exceeds a resource limit of :mod:`ontology.limits` (the message says the
    size found, the limit and the environment variable that raises it)."""
