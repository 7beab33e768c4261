"""What a decision records about how it was made:

problem hash, settings, evidence, backend, seeds and library versions.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

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


@functools.cache
def library_versions() -> tuple[tuple[str, str | None], ...]:
    """Installed versions of phronesis and the libraries a result may depend on (read once:
    ``importlib.metadata`` parses package metadata on every call)."""
    from importlib import metadata

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return tuple((p, version(p)) for p in ("phronesis", "numpy", "pgmpy", "torch", "jax"))
