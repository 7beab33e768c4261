"""phronesis.ontology: OWL / RDF / ODRL norms and contexts -> the IR (DESIGN.md, "ontology/").

Pipeline: :func:`load_graph` (rdflib; OWL/XML through owlready2 with an explicit ``World``) ->
:func:`validate_shapes` (SHACL) -> :func:`reason` (HermiT or owlrl) -> :func:`read_knowledge`
-> :func:`problem_from_ontology` (with a scenario) and :func:`ethical_profile`.

Names are re-exported lazily so that ``import ontology`` loads neither rdflib nor owlready2.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "analyse_file": "ontology.analyse",
    "load_graph": "ontology.load",
    "read_graph": "ontology.load",
    "reason": "ontology.reason",
    "resolve_reasoner": "ontology.reason",
    "validate_shapes": "ontology.validate",
    "read_knowledge": "ontology.knowledge",
    "Knowledge": "ontology.knowledge",
    "problem_from_ontology": "ontology.extract",
    "problem_from_knowledge": "ontology.extract",
    "ethical_profile": "ontology.profile",
    "plot_profile": "ontology.profile",
    "Profile": "ontology.profile",
    "odrl_rules": "ontology.odrl",
    "write_value_module": "ontology.values",
    "OntologyError": "ontology.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ontology' has no attribute {name!r}")
