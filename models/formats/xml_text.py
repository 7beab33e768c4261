"""The one way network and influence-diagram files are parsed as XML: defusedxml with DTDs
refused (so no entity is expanded and nothing is fetched), and every parser failure — malformed
XML, an unknown declared encoding — reported as a :class:`~engine.errors.ScenarioError` naming
the file."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from engine.errors import ScenarioError


def parse_xml(text: str, source: str) -> ElementTree.Element:
    """The root element of ``text``, or :class:`ScenarioError` saying why it cannot be read.

    Examples
    --------
    >>> parse_xml("<a><b/></a>", "x.xml").tag
    'a'
    """
    try:
        return SafeElementTree.fromstring(text.encode(), forbid_dtd=True)
    except DefusedXmlException:
        raise ScenarioError(
            source,
            "",
            "the file declares a DTD or entities, which are not read (no entity is expanded "
            "and nothing is fetched); remove the <!DOCTYPE ...> declaration",
        ) from None
    except ElementTree.ParseError as exc:
        raise ScenarioError(source, "", f"not well-formed XML ({exc})") from None
    except (LookupError, ValueError) as exc:  # an unknown encoding in the XML declaration
        raise ScenarioError(source, "", f"cannot be decoded as XML ({exc})") from None
