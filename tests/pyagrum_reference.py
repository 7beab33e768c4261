"""An independent reference: the IR's network rebuilt in pyAgrum, queried by LazyPropagation."""

from __future__ import annotations

import itertools

import numpy as np

from engine.ir import BayesianNetwork


def to_pyagrum(network: BayesianNetwork):
    import pyagrum as gum

    bn = gum.BayesNet(network.name)
    for variable in network.variables:
        bn.add(gum.LabelizedVariable(variable.name, variable.name, list(variable.states)))
    for cpt in network.cpts:
        for parent in cpt.parents:
            bn.addArc(parent, cpt.child)
    for cpt in network.cpts:
        table = network.cpt_array(cpt.child)
        for index in itertools.product(*(range(n) for n in table.shape[:-1])):
            given = {p: network.states(p)[i] for p, i in zip(cpt.parents, index, strict=True)}
            bn.cpt(cpt.child)[given] = table[index].tolist()
    return bn


def lazy_posterior(bn, target: str, evidence: dict[str, str]) -> np.ndarray:
    import pyagrum as gum

    engine = gum.LazyPropagation(bn)
    engine.setEvidence(evidence)
    engine.makeInference()
    return np.asarray(engine.posterior(target).toarray(), dtype=np.float64)
