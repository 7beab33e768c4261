"""``phronesis.load``: one entry for every kind of input file, chosen by suffix.

- .yaml .yml .json: a scenario (engine.scenario) -> DecisionProblem
- .ttl .owl .rdf .xml .jsonld .nt .n3 .owx: an ontology (ontology.extract) with the scenario it
  names or ``scenario`` -> DecisionProblem
- .bif .bif.gz .xmlbif .net .uai: a network file (models.formats.networks) -> BayesianNetwork
- .bifxml .xdsl .jgum: an influence diagram (models.formats.influence) -> InfluenceDiagram

A ``.json`` file whose top-level ``kind`` is ``"influence_diagram"`` (as
:meth:`~engine.ir.influence.InfluenceDiagram.to_json` writes it) is an influence diagram.
``kind`` overrides the suffix where it is ambiguous (an XMLBIF network saved as ``.xml``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from engine.errors import ScenarioError
from engine.ir import BayesianNetwork, DecisionProblem
from engine.ir.influence import InfluenceDiagram

Kind = Literal["scenario", "ontology", "network", "influence"]

SUFFIXES: dict[Kind, tuple[str, ...]] = {
    "scenario": (".yaml", ".yml", ".json"),
    "ontology": (".ttl", ".owl", ".rdf", ".xml", ".jsonld", ".nt", ".n3", ".owx"),
    "network": (".bif", ".bif.gz", ".xmlbif", ".net", ".uai"),
    "influence": (".bifxml", ".xdsl", ".jgum"),
}


def kind_of(path: str | Path) -> Kind:
    """The kind of file ``path`` is, from its (longest matching) suffix."""
    name = Path(path).name.lower()
    matches = [
        (len(s), kind) for kind, found in SUFFIXES.items() for s in found if name.endswith(s)
    ]
    if not matches:
        expected = ", ".join(s for found in SUFFIXES.values() for s in found)
        raise ScenarioError(
            str(path), "", f"unknown file type {Path(path).suffix!r}; expected one of {expected}"
        )
    return max(matches)[1]


def load(
    path: str | Path, scenario: str | Path | None = None, *, kind: Kind | None = None
) -> DecisionProblem | BayesianNetwork | InfluenceDiagram:
    """Read ``path`` into the IR: a scenario, an ontology (with the ``scenario`` that completes
    it), a network file or an influence-diagram file.

    Examples
    --------
    >>> load("examples/heinz.yaml").decision.options
    ('steal', 'steal_and_confess', 'do_not_steal')
    """
    kind = kind or ("ontology" if scenario is not None else kind_of(path))
    if kind == "scenario":
        from engine.scenario import parse_scenario, read_document

        data = read_document(path)
        if str(path).lower().endswith(".json") and data.get("kind") == "influence_diagram":
            return load(path, kind="influence")
        return parse_scenario(data, str(path))
    if kind == "ontology":
        from ontology.extract import problem_from_ontology

        return problem_from_ontology(path, scenario)
    if kind == "network":
        from models.formats.networks import read_network

        return read_network(path)
    from models.formats.influence import read_influence_diagram

    return read_influence_diagram(path)


def load_problem(path: str | Path, scenario: str | Path | None = None) -> DecisionProblem:
    """:func:`load` for commands that need a decision problem (a scenario or an ontology)."""
    loaded = load(path, scenario)
    if not isinstance(loaded, DecisionProblem):
        raise ScenarioError(
            str(path),
            "",
            f"holds a {type(loaded).__name__}, not a decision problem; decide takes a scenario "
            "(.yaml, .json) or an ontology with its scenario",
        )
    return loaded
