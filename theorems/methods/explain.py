"""A counterexample explained: the engine's own explanation of the decision at that evidence
(:mod:`engine.decision.explain`, through :meth:`engine.kernel.batch.DecisionBatch.decision`) —
the narrative and the exact split of the winning margin into value, norm and theory terms —
as JSON data for a certificate."""

from __future__ import annotations

from typing import Any

from engine.decision.result import json_safe
from engine.errors import EvidenceError
from engine.kernel.batch import DecisionBatch

#: contributions kept in a certificate (largest first)
TOP = 8


def explanation_of(batch: DecisionBatch, row: int = 0) -> dict[str, Any]:
    """Row ``row``'s explanation: ``narrative``, ``runner_up``, ``margin``, the ``TOP`` largest
    ``contributions`` and the sums ``by_value``, ``by_norm`` and ``by_theory`` (a row whose
    evidence is impossible under some option has only a narrative saying so)."""
    try:
        decision = batch.decision(row)
    except EvidenceError as exc:
        return {"narrative": f"not explained: {exc}"}
    e = decision.explanation
    return json_safe(
        {
            "narrative": e.narrative,
            "runner_up": e.runner_up,
            "margin": e.margin,
            "contributions": [c.to_dict() for c in e.contributions[:TOP]],
            "by_value": dict(e.by_value),
            "by_norm": dict(e.by_norm),
            "by_theory": dict(e.by_theory),
            "exclusions": [x.to_dict() for x in e.exclusions],
        }
    )
