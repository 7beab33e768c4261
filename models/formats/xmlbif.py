"""XMLBIF 0.3 and aGrUM BIFXML (parsed by :func:`~models.formats.xml_text.parse_xml`)."""

from __future__ import annotations

from engine.errors import ScenarioError
from models.formats.network_checks import Declarations, check_structure, shown
from models.formats.text_tokens import NUMBER
from models.formats.xml_text import parse_xml


# -- XMLBIF / BIFXML ----------------------------------------------------------------------------
def parse_xmlbif(text: str, source: str) -> Declarations:
    """The declarations of an XMLBIF 0.3 / BIFXML file.

    ``VARIABLE`` (``NAME``, ``OUTCOME``...) declares a variable; ``DEFINITION`` (``FOR``,
    ``GIVEN``..., ``TABLE``) gives its CPT with the parent configurations row-major in
    ``GIVEN`` order and the ``FOR`` variable's states fastest, the IR's layout. Decision and
    utility variables mean the file is an influence diagram.
    """
    root = parse_xml(text, source)
    network = root.find("NETWORK")
    if network is None:
        raise ScenarioError(source, "NETWORK", "no <NETWORK> element; is this an XMLBIF file?")
    states: dict[str, tuple[str, ...]] = {}
    for variable in network.findall("VARIABLE"):
        name = (variable.findtext("NAME") or "").strip()
        kind = variable.get("TYPE", "nature")
        if kind != "nature":
            raise ScenarioError(
                source,
                f"variables.{name}",
                f"a {kind} node: this file is an influence diagram; read it with "
                "models.formats.influence.read_influence_diagram (phronesis solve)",
            )
        if name in states:
            raise ScenarioError(source, f"variables.{name}", "declared twice")
        states[name] = tuple((o.text or "").strip() for o in variable.findall("OUTCOME"))
    parents: dict[str, tuple[str, ...]] = {}
    tables: dict[str, list[float]] = {}
    for definition in network.findall("DEFINITION"):
        child = (definition.findtext("FOR") or "").strip()
        where = f"variables.{child}.cpt"
        if child in parents:
            raise ScenarioError(source, where, "a second DEFINITION for this variable")
        parents[child] = tuple((g.text or "").strip() for g in definition.findall("GIVEN"))
        table = definition.find("TABLE")
        if table is not None:
            entries = (table.text or "").split()
            for entry in entries:
                if NUMBER.fullmatch(entry) is None:
                    raise ScenarioError(source, where, f"expected a number, found {shown(entry)}")
            tables[child] = [float(x) for x in entries]
    check_structure(source, states, parents, {v: len(t) for v, t in tables.items()})
    return Declarations(states, {v: parents.get(v, ()) for v in states}, tables)
