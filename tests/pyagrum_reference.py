"""An independent reference: the IR's network rebuilt in pyAgrum, queried by LazyPropagation."""

from __future__ import annotations

import numpy as np

from models.pyagrum.convert import to_pyagrum as to_pyagrum


def lazy_posterior(bn, target: str, evidence: dict[str, str]) -> np.ndarray:
    import pyagrum as gum

    engine = gum.LazyPropagation(bn)
    engine.setEvidence(evidence)
    engine.makeInference()
    return np.asarray(engine.posterior(target).toarray(), dtype=np.float64)
