"""phronesis: probabilistic ethical reasoning — the composition root.

The only package that imports engine, ontology and models together: :func:`load` reads any
input file into the IR, :func:`decide` decides a problem and composes the analyses on the
decision, :func:`posterior` queries a problem's network. The command line is
:mod:`phronesis.cli`.

Examples
--------
>>> import phronesis
>>> phronesis.decide(phronesis.load("examples/heinz.yaml"), policy="consequentialist").option
'steal'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine import BayesianNetwork, Decision, DecisionProblem, PhronesisError
    from phronesis.api import decide, posterior
    from phronesis.inputs import load

#: public name -> module; loaded on first use, so ``phronesis --help`` imports no engine code
_PUBLIC = {
    "BayesianNetwork": "engine",
    "Decision": "engine",
    "DecisionProblem": "engine",
    "PhronesisError": "engine",
    "decide": "phronesis.api",
    "posterior": "phronesis.api",
    "load": "phronesis.inputs",
}

__all__ = [
    "BayesianNetwork",
    "Decision",
    "DecisionProblem",
    "PhronesisError",
    "decide",
    "load",
    "posterior",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
