"""The IR as a pyAgrum network: the independent cross-check used by tests and benchmarks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from engine.ir import BayesianNetwork


def to_pyagrum(network: BayesianNetwork) -> Any:
    """A ``pyagrum.BayesNet`` with the same variables, arcs and CPTs.

    pyAgrum stores a CPT with its variables in ``potential.names`` order, last varying
    slowest; the IR's table (parents, then child) is transposed to match.
    """
    with warnings.catch_warnings():  # SWIG init warnings become fatal under filterwarnings=error
        warnings.simplefilter("ignore")
        import pyagrum as gum

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
