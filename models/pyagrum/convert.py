"""The IR as a pyAgrum network: the independent cross-check used by tests and benchmarks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from engine.errors import BackendUnavailable
from engine.ir import BayesianNetwork


def to_pyagrum(network: BayesianNetwork) -> Any:
    """A ``pyagrum.BayesNet`` with the same variables, arcs and CPTs.

    pyAgrum stores a CPT with its variables in ``potential.names`` order, last varying
    slowest; the IR's table (parents, then child) is transposed to match.
    """
    gum = import_pyagrum()
    bn = gum.BayesNet(network.name)
    for v in network.variables:
        bn.add(gum.LabelizedVariable(v.name, v.name, list(v.states)))
    for c in network.cpts:
        for p in c.parents:
            bn.addArc(p, c.child)
    for c in network.cpts:
        potential = bn.cpt(c.child)
        order = (*c.parents, c.child)
        axes = [order.index(n) for n in reversed(potential.names)]
        potential.fillWith(np.transpose(network.cpt_array(c.child), axes).ravel().tolist())
    return bn


# -- pyAgrum --------------------------------------------------------------------------------
def import_pyagrum() -> Any:
    """pyAgrum with its influence-diagram extension loaded quietly.

    Its SWIG modules emit DeprecationWarnings while they initialise; turned into errors (as under
    pytest's ``filterwarnings = error``) they crash the interpreter, so they are silenced here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import pyagrum as gum
        except ImportError:
            try:
                import pyAgrum as gum
            except ImportError:
                raise BackendUnavailable(
                    "reading BIFXML / jgum influence diagrams needs pyAgrum (pip install pyagrum)"
                ) from None
        _ = gum.loadID, gum.InfluenceDiagram, gum.ShaferShenoyLIMIDInference
    return gum
