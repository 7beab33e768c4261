"""What a decision records about how it was made: problem hash, settings, evidence, backend, seeds
and library versions."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.decision.settings import Settings
from engine.ir import DecisionProblem


def provenance(
    problem: DecisionProblem,
    settings: Settings,
    backend: InferenceBackend,
    evidence: Mapping[str, str],
    seed: int = 0,
) -> dict[str, Any]:
    return {
        "problem": problem.name,
        "problem_hash": problem.content_hash,
        "source": problem.provenance.source,
        "rule": settings.rule,
        "normalisation": settings.normalisation,
        "policy": settings.policy.name if settings.policy else None,
        "credences": dict(
            zip((t.name for t in problem.theories), map(float, settings.credences), strict=True)
        ),
        "evidence": dict(evidence),
        "backend": backend.name,
        "risk": settings.risk,
        "tie_break": settings.tie_break,
        "criteria": list(settings.criteria_names),
        "rule_seed": settings.options.seed,
        "seed": seed,
        "versions": dict(library_versions()),
    }


def library_versions() -> tuple[tuple[str, str | None], ...]:
    """Versions of phronesis and numpy, and of the inference libraries this process has loaded
    (``None`` for one it has not: the result cannot depend on it)."""
    loaded = (sys.modules.get(name) for name in ("pgmpy", "torch", "jax"))
    return (
        ("phronesis", _phronesis_version()),
        ("numpy", np.__version__),
        *(
            (name, getattr(m, "__version__", None) if m else None)
            for name, m in zip(("pgmpy", "torch", "jax"), loaded, strict=True)
        ),
    )


@functools.cache
def _phronesis_version() -> str | None:
    from importlib import metadata  # parses package metadata: read once

    try:
        return metadata.version("phronesis")
    except metadata.PackageNotFoundError:
        return None
