"""The public Python API: load a problem, decide it, query posteriors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from engine.backend import InferenceBackend, backend_for
from engine.errors import ScenarioError
from engine.evidence import check_evidence
from engine.ir import DecisionProblem

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
ONTOLOGY_SUFFIXES = (".ttl", ".owl", ".rdf", ".xml", ".jsonld", ".nt", ".n3", ".owx")


def load(path: str | Path, scenario: str | Path | None = None) -> DecisionProblem:
    """Load a scenario file, or an ontology together with the scenario that completes it."""
    suffix = Path(path).suffix.lower()
    if suffix in SCENARIO_SUFFIXES and scenario is None:
        from engine.scenario import load_scenario

        return load_scenario(path)
    if suffix in ONTOLOGY_SUFFIXES:
        from ontology.extract import problem_from_ontology

        return problem_from_ontology(path, scenario)
    expected = ", ".join(SCENARIO_SUFFIXES + ONTOLOGY_SUFFIXES)
    raise ScenarioError(str(path), "", f"unknown file type {suffix!r}; expected one of {expected}")


def posterior(
    problem: DecisionProblem,
    targets: tuple[str, ...] | list[str],
    evidence: Mapping[str, str] | None = None,
    option: str | None = None,
    backend: str | InferenceBackend = "auto",
) -> np.ndarray:
    """Joint P(targets | do(option), evidence), shaped by the targets' states.

    Without ``option`` the decision is marginalised under a uniform choice. ``"auto"`` is
    pgmpy for a discrete problem and Pyro (exact where every continuous variable the query
    needs is observed, importance sampling otherwise) for one with continuous variables.
    """
    rows = check_evidence(problem, evidence or {})
    if option is not None:
        rows = check_evidence(problem, {**rows, problem.decision.name: option}, allow_decision=True)
    engine = backend_for(backend, hybrid=problem.is_hybrid)
    return engine.posterior(problem.network(), [rows], tuple(targets))[0]
