"""phronesis: probabilistic ethical reasoning — the composition root.

The only package that imports engine, ontology and models together: :func:`load` reads any
input file into the IR, :func:`decide` decides a problem and composes the analyses on the
decision, :func:`posterior` queries a problem's network; :func:`compile` prepares a problem for
the decision kernel and :func:`decide_rows` decides many evidence rows (agents, situations) at
once as array operations; :func:`verify` proves or refutes properties of the decisions over a
whole evidence space with certificates, which :func:`recheck` re-validates. The command line is
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
    from engine.kernel.batch import DecisionBatch
    from engine.kernel.compiled import CompiledProblem
    from engine.kernel.compiled import compile_problem as compile  # noqa: A004
    from engine.kernel.decide import decide_rows
    from phronesis.api import decide, posterior, recheck, verify
    from phronesis.inputs import load
    from phronesis.simulation import simulate

#: public name -> module; loaded on first use, so ``phronesis --help`` imports no engine code
_PUBLIC = {
    "BayesianNetwork": "engine",
    "Decision": "engine",
    "DecisionProblem": "engine",
    "PhronesisError": "engine",
    "CompiledProblem": "engine.kernel.compiled",
    "DecisionBatch": "engine.kernel.batch",
    "compile": "engine.kernel.compiled:compile_problem",
    "decide_rows": "engine.kernel.decide",
    "decide": "phronesis.api",
    "posterior": "phronesis.api",
    "verify": "phronesis.api",
    "recheck": "phronesis.api",
    "load": "phronesis.inputs",
    "simulate": "phronesis.simulation",
}

__all__ = [
    "BayesianNetwork",
    "CompiledProblem",
    "Decision",
    "DecisionBatch",
    "DecisionProblem",
    "PhronesisError",
    "compile",
    "decide",
    "decide_rows",
    "load",
    "posterior",
    "recheck",
    "simulate",
    "verify",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module, _, attribute = _PUBLIC[name].partition(":")
        return getattr(importlib.import_module(module), attribute or name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
