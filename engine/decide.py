"""The decision pipeline (shared/DESIGN.md, "Decision semantics" steps 1–6).

posterior under do(a)  ->  EV, P(violation), CW per theory   (engine.assess)
->  permissibility filter: option a is impermissible when, for a hard norm n,
    P(viol_n | do(a), e) > threshold_n, a norm being hard when a theory with positive
    credence endorses it with ``norm_handling = constraint``
->  aggregation across theories over the permissible options (engine.aggregate)
->  Decision with explanation (engine.explain) and provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.aggregate import Aggregate, get_rule, normalisers, ranking, tied_with_best
from engine.assess import Assessment, assess, theory_endorses
from engine.backend import InferenceBackend, get_backend
from engine.evidence import check_evidence
from engine.explain import explain
from engine.ir import DecisionProblem, Policy
from engine.result import Decision, Exclusion, OptionReport

VIOLATION_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Settings:
    """The rule, normalisation, credences and policy a decision is made under."""

    rule: str
    normalisation: str
    credences: np.ndarray
    policy: Policy | None


def resolve_settings(
    problem: DecisionProblem,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
) -> Settings:
    """Explicit arguments win over the policy's choices, which win over MEC / none."""
    active = problem.policy(policy) if policy is not None else None
    credences = np.array([t.credence for t in problem.theories])
    if active is not None:
        stated = dict(active.credences)
        credences = np.array([stated.get(t.name, 0.0) for t in problem.theories])
    chosen_rule = rule or (active.rule if active else None) or "mec"
    chosen_norm = normalisation or (active.normalisation if active else None) or "none"
    get_rule(chosen_rule)
    normalisers(np.zeros((1, 1)), chosen_norm)
    return Settings(chosen_rule, chosen_norm, credences, active)


def exclusions(
    problem: DecisionProblem, assessment: Assessment, credences: np.ndarray
) -> list[Exclusion]:
    """Every (option, hard norm) with P(violation) above the norm's threshold."""
    hard = [
        j
        for j, norm in enumerate(problem.norms)
        if any(
            c > 0 and t.norm_handling == "constraint" and theory_endorses(t, norm.name)
            for t, c in zip(problem.theories, credences, strict=True)
        )
    ]
    found = []
    for i, option in enumerate(assessment.options):
        for j in hard:
            norm = problem.norms[j]
            p = float(assessment.violation[i, j])
            if p > norm.threshold + VIOLATION_TOLERANCE:
                found.append(Exclusion(option, norm.name, p, norm.threshold))
    return found


def aggregate_options(
    assessment: Assessment, rows: list[int], settings: Settings
) -> tuple[Aggregate, list[int]]:
    """Aggregate the options ``rows`` and return (aggregate, ranking as indices into rows)."""
    cw = assessment.choiceworthiness[rows]
    aggregate = get_rule(settings.rule)(cw, settings.credences, settings.normalisation)
    names = tuple(assessment.options[i] for i in rows)
    return aggregate, ranking(aggregate, names)


def decide(
    problem: DecisionProblem,
    evidence: Mapping[str, str] | None = None,
    *,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str | InferenceBackend = "pgmpy",
) -> Decision:
    """Decide ``problem`` given ``evidence``.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> problem = load_scenario("examples/heinz.yaml")
    >>> decide(problem, policy="consequentialist").option
    'steal'
    """
    evidence = check_evidence(problem, evidence or {})
    settings = resolve_settings(problem, rule, normalisation, policy)
    engine = get_backend(backend)
    assessment = assess(problem, evidence, engine)
    excluded = exclusions(problem, assessment, settings.credences)
    blocked = {e.option for e in excluded}
    everything = list(range(len(assessment.options)))
    permissible = [i for i in everything if assessment.options[i] not in blocked]

    _, unconstrained = aggregate_options(assessment, everything, settings)
    unconstrained_best = assessment.options[unconstrained[0]]
    scores: dict[str, float | None] = dict.fromkeys(assessment.options)
    if permissible:
        aggregate, order = aggregate_options(assessment, permissible, settings)
        for k, i in enumerate(permissible):
            scores[assessment.options[i]] = float(aggregate.scores[k])
        chosen = assessment.options[permissible[order[0]]]
        abstain = None
        ties = [assessment.options[permissible[k]] for k in tied_with_best(aggregate, order)]
    else:
        aggregate, order, chosen, ties = None, [], None, []
        abstain = "no option is permissible: " + "; ".join(
            f"{e.option} violates {e.norm} with probability {e.probability:.3g} "
            f"> threshold {e.threshold:.3g}"
            for e in excluded
        )

    reports = tuple(
        OptionReport(
            option=option,
            permissible=option not in blocked,
            expected_values=dict(
                zip(assessment.value_names, map(float, assessment.expected_values[i]), strict=True)
            ),
            choiceworthiness=dict(
                zip(
                    assessment.theory_names, map(float, assessment.choiceworthiness[i]), strict=True
                )
            ),
            score=scores[option],
            norm_violation=dict(
                zip(assessment.norm_names, map(float, assessment.violation[i]), strict=True)
            ),
            excluded_by=tuple(e.norm for e in excluded if e.option == option),
        )
        for i, option in enumerate(assessment.options)
    )
    explanation = explain(
        problem,
        assessment,
        settings,
        permissible=permissible,
        aggregate=aggregate,
        order=order,
        exclusions=excluded,
        unconstrained_best=unconstrained_best,
        ties=ties,
        abstain=abstain,
    )
    return Decision(
        option=chosen,
        abstain=abstain,
        options=reports,
        explanation=explanation,
        provenance=provenance(problem, settings, engine, evidence),
    )


def provenance(
    problem: DecisionProblem,
    settings: Settings,
    backend: InferenceBackend,
    evidence: Mapping[str, str],
) -> dict[str, Any]:
    from importlib import metadata

    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

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
        "versions": {
            package: version(package) for package in ("phronesis", "numpy", "pgmpy", "torch", "jax")
        },
    }
