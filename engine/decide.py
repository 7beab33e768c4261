"""The decision pipeline (shared/DESIGN.md, "Decision semantics" steps 1–6).

posterior under do(a)  ->  EV, P(violation), CW per theory   (engine.assess; CVaR: engine.risk)
->  permissibility filter: option a is impermissible when, for a hard norm n,
    P(viol_n | do(a), e) > threshold_n, a norm being hard when a theory with positive
    credence endorses it with ``norm_handling = constraint``
->  the active policy compiled to a rule and lexical criteria (engine.policy)
->  aggregation across theories over the permissible options (engine.aggregate); incomparable
    top options abstain unless a tie-break is asked for
->  Decision with explanation (engine.explain), policy verdict, P(best) under parameter
    uncertainty (engine.uncertainty), value of information (engine.voi) and provenance.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.aggregate import (
    DEFAULT_NORMALISATION,
    Aggregate,
    RuleOptions,
    get_rule,
    normalisers,
    ranking,
    tied_with_best,
)
from engine.assess import Assessment, assess, theory_endorses
from engine.backend import InferenceBackend, backend_for
from engine.errors import PolicyError
from engine.evidence import check_evidence
from engine.explain import explain
from engine.ir import DecisionProblem, Policy
from engine.observe_continuous import all_continuous_observed, observe_continuous
from engine.policy import CompiledPolicy, compile_policy, policy_verdict, principle_criteria
from engine.result import Decision, Exclusion, OptionReport
from engine.risk import parse_risk, risk_choiceworthiness

VIOLATION_TOLERANCE = 1e-12
TIE_BREAKS: tuple[str, ...] = ("name",)


@dataclass(frozen=True, slots=True)
class Settings:
    """The rule, normalisation, credences and policy a decision is made under.

    ``criteria_names`` are the lexical criteria (principles) of the ``lexicographic`` /
    ``pareto`` rules (empty: the theories by credence); ``risk`` is ``"ev"`` or
    ``"cvar:ALPHA"``; ``tie_break`` ``"name"`` chooses among incomparable options by name.
    """

    rule: str
    normalisation: str
    credences: np.ndarray
    policy: Policy | None
    options: RuleOptions = RuleOptions()
    criteria_names: tuple[str, ...] = ()
    risk: str = "ev"
    tie_break: str | None = None
    explicit_rule: bool = False


def resolve_settings(
    problem: DecisionProblem,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    *,
    options: RuleOptions | None = None,
    risk: str | None = None,
    tie_break: str | None = None,
) -> Settings:
    """Explicit arguments win over the policy's choices, which win over MEC / the rule's
    default normalisation (``none``; ``variance`` for trimmed-mean and median)."""
    active = problem.policy(policy) if policy is not None else None
    credences = np.array([t.credence for t in problem.theories])
    if active is not None and active.credences:
        stated = dict(active.credences)
        credences = np.array([stated.get(t.name, 0.0) for t in problem.theories])
    chosen_rule = rule or (active.rule if active else None) or "mec"
    get_rule(chosen_rule)
    chosen_norm = (
        normalisation
        or (active.normalisation if active else None)
        or DEFAULT_NORMALISATION.get(chosen_rule, "none")
    )
    normalisers(np.zeros((1, 1)), chosen_norm)
    kind, alpha = parse_risk(risk)
    if tie_break is not None and tie_break not in TIE_BREAKS:
        raise PolicyError(
            f"unknown tie-break {tie_break!r}; expected one of {', '.join(TIE_BREAKS)}"
        )
    rule_options = options or RuleOptions()
    if active is not None and active.tolerance != rule_options.tolerance and options is None:
        rule_options = dataclasses.replace(rule_options, tolerance=active.tolerance)
    return Settings(
        chosen_rule,
        chosen_norm,
        credences,
        active,
        rule_options,
        (),
        "ev" if kind == "ev" else f"cvar:{alpha:g}",
        tie_break,
        rule is not None,
    )


def exclusions(
    problem: DecisionProblem, assessment: Assessment, credences: np.ndarray
) -> list[Exclusion]:
    """Every (option, hard norm) with P(violation) above the norm's threshold."""
    hard = hard_norms(problem, credences)
    found = []
    for i, option in enumerate(assessment.options):
        for j in hard:
            norm = problem.norms[j]
            p = float(assessment.violation[i, j])
            if p > norm.threshold + VIOLATION_TOLERANCE:
                found.append(Exclusion(option, norm.name, p, norm.threshold))
    return found


def hard_norms(problem: DecisionProblem, credences: np.ndarray) -> list[int]:
    """Indices of norms a theory with positive credence treats as side-constraints."""
    return [
        j
        for j, norm in enumerate(problem.norms)
        if any(
            c > 0 and t.norm_handling == "constraint" and theory_endorses(t, norm.name)
            for t, c in zip(problem.theories, credences, strict=True)
        )
    ]


def criteria_matrix(
    problem: DecisionProblem, assessment: Assessment, settings: Settings
) -> np.ndarray | None:
    """The lexical criteria (options x principles) of ``settings``, or ``None``."""
    if not settings.criteria_names:
        return None
    return principle_criteria(
        problem,
        settings.criteria_names,
        assessment.expected_values,
        assessment.violation,
        assessment.choiceworthiness,
    )


def aggregate_options(
    assessment: Assessment,
    rows: list[int],
    settings: Settings,
    criteria: np.ndarray | None = None,
) -> tuple[Aggregate, list[int]]:
    """Aggregate the options ``rows`` and return (aggregate, ranking as indices into rows)."""
    cw = assessment.choiceworthiness[rows]
    options = settings.options
    if criteria is not None:
        options = dataclasses.replace(
            options, criteria=criteria[rows], criteria_names=settings.criteria_names
        )
    aggregate = get_rule(settings.rule)(
        cw, settings.credences, settings.normalisation, options=options
    )
    names = tuple(assessment.options[i] for i in rows)
    return aggregate, ranking(aggregate, names)


def apply_policy(
    problem: DecisionProblem, assessment: Assessment, settings: Settings
) -> tuple[Settings, CompiledPolicy | None]:
    """Compile the active policy in this context and fold its rule and criteria into settings."""
    if settings.policy is None:
        return settings, None
    compiled = compile_policy(problem, settings.policy, assessment)
    rule = settings.rule
    if not settings.explicit_rule and compiled.rule is not None:
        rule = compiled.rule
    names = compiled.principles if compiled.abstraction != "rule" else ()
    if rule in ("lexicographic", "pareto") and not names:
        names = settings.policy.principles
    return dataclasses.replace(settings, rule=rule, criteria_names=names), compiled


def decide(
    problem: DecisionProblem,
    evidence: Mapping[str, str] | None = None,
    *,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str | InferenceBackend = "auto",
    rule_options: RuleOptions | None = None,
    risk: str | None = None,
    tie_break: str | None = None,
    samples: int | None = None,
    seed: int = 0,
    value_of_information: bool = False,
    particles: int | None = None,
    on_silence: str = "abstain",
) -> Decision:
    """Decide ``problem`` given ``evidence``.

    ``rule`` is any short name of :data:`engine.aggregate.RULES`; ``rule_options`` carries a
    rule's extra settings (parliament seed, trimming, tolerance); ``risk`` is ``"ev"`` or
    ``"cvar:ALPHA"``; ``tie_break="name"`` chooses among incomparable top options by name
    instead of abstaining. Under parameter uncertainty P(best) is estimated from ``samples``
    parameter draws (default 1000; 0 skips it) seeded with ``seed``.
    ``value_of_information`` adds the value of observing each unobserved variable first.
    Where the active policy leaves the case open (``policy_silent``), the decision abstains
    with that reason (``on_silence="abstain"``, the default) or acts on the rule's choice
    among the options the policy leaves open (``on_silence="fallback"``), saying so either way.
    A problem whose continuous variables are all observed is reduced to the equivalent
    discrete problem (:mod:`engine.observe_continuous`) and decided exactly; provenance keeps
    the problem and evidence as stated. ``backend="auto"`` is pgmpy for a discrete problem and
    pyro for one with latent continuous variables, which is evaluated by likelihood weighting
    (``particles`` per option, default 10,000, seeded with ``seed``); the Decision's
    ``sampling`` reports the effective sample size and the standard errors.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> problem = load_scenario("examples/heinz.yaml")
    >>> decide(problem, policy="consequentialist").option
    'steal'
    >>> decide(problem, rule="parliament").chances
    {'steal': 0.0, 'steal_and_confess': 0.0, 'do_not_steal': 1.0}
    """
    if on_silence not in ON_SILENCE:
        raise PolicyError(f"on_silence={on_silence!r}: expected one of {', '.join(ON_SILENCE)}")
    stated, evidence = problem, check_evidence(problem, evidence or {})
    stated_evidence = evidence
    if problem.is_hybrid and all_continuous_observed(problem, evidence):
        # exact: every continuous variable is observed, so the problem is a discrete one
        problem, evidence = observe_continuous(problem, evidence)
    settings = resolve_settings(
        problem,
        rule,
        normalisation,
        policy,
        options=rule_options,
        risk=risk,
        tie_break=tie_break,
    )
    engine = backend_for(backend, hybrid=problem.is_hybrid, **sampling_options(seed, particles))
    assessment = assess(problem, evidence, engine)
    kind, alpha = parse_risk(settings.risk)
    if kind == "cvar" and assessment.sampling is not None:
        cw = assessment.sampling.cvar(alpha)
        assessment = dataclasses.replace(assessment, choiceworthiness=cw)
    elif kind == "cvar":
        cw = risk_choiceworthiness(problem, evidence, engine, assessment, alpha)
        assessment = dataclasses.replace(assessment, choiceworthiness=cw)
    settings, compiled = apply_policy(problem, assessment, settings)
    criteria = criteria_matrix(problem, assessment, settings)
    excluded = exclusions(problem, assessment, settings.credences)
    blocked = {e.option for e in excluded}
    everything = list(range(len(assessment.options)))
    permissible = [i for i in everything if assessment.options[i] not in blocked]
    notes: list[str] = []

    _, unconstrained = aggregate_options(assessment, everything, settings, criteria)
    unconstrained_best = assessment.options[unconstrained[0]]
    scores: dict[str, float | None] = dict.fromkeys(assessment.options)
    chances: dict[str, float] | None = None
    incomparable: tuple[str, ...] = ()
    aggregate: Aggregate | None = None
    order: list[int] = []
    chosen: str | None = None
    ties: list[str] = []
    abstain: str | None = None
    if permissible:
        aggregate, order = aggregate_options(assessment, permissible, settings, criteria)
        if kind == "cvar":  # CVaR is not linear in the values: no exact additive split
            aggregate = dataclasses.replace(aggregate, theory_weights=None)
        for k, i in enumerate(permissible):
            scores[assessment.options[i]] = float(aggregate.scores[k])
        if aggregate.chances is not None:
            chances = dict.fromkeys(assessment.options, 0.0)
            for k, i in enumerate(permissible):
                chances[assessment.options[i]] = float(aggregate.chances[k])
        if aggregate.note:
            notes.append(f"{settings.rule}: {aggregate.note}")
        incomparable = tuple(
            sorted(assessment.options[permissible[k]] for k in aggregate.incomparable)
        )
        if incomparable and settings.tie_break is None:
            abstain = (
                f"the top options are incomparable under rule {settings.rule!r}: "
                f"{', '.join(incomparable)} (none is at least as good on every criterion); "
                "ask for a tie-break (tie_break='name') to choose among them"
            )
            aggregate, order = None, []
        else:
            chosen = assessment.options[permissible[order[0]]]
            ties = [assessment.options[permissible[k]] for k in tied_with_best(aggregate, order)]
            if incomparable:
                ties = []
                notes.append(
                    f"incomparable options {', '.join(incomparable)}: chose by name (tie-break)"
                )
    else:
        abstain = "no option is permissible: " + "; ".join(
            f"{e.option} violates {e.norm} with probability {e.probability:.3g} "
            f"> threshold {e.threshold:.3g}"
            for e in excluded
        )

    consistent, silent = judge_policy(
        problem, assessment, settings, compiled, permissible, criteria, chosen
    )
    if silent is not None and chosen is not None and on_silence == "abstain":
        notes.append(
            f"Without guidance from the policy, rule {settings.rule!r} would choose {chosen!r} "
            "(on_silence='fallback' acts on it)"
        )
        abstain, chosen, ties, aggregate, order = silent, None, [], None, []

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
        policy_silent=None if abstain == silent else silent,
        notes=tuple(notes),
    )
    p_best = p_best_se = None
    n_samples = 0
    if problem.uncertainty and samples != 0:
        from engine.uncertainty import probability_best

        estimate = probability_best(problem, evidence, settings, samples=samples or 1000, seed=seed)
        p_best, p_best_se, n_samples = estimate.p_best, estimate.standard_error, estimate.samples
    sampling = None
    if assessment.sampling is not None:
        from engine.assess_sampled import summarise_sampling

        sampling = summarise_sampling(assessment, aggregate, explanation, chosen, notes)
    decision = Decision(
        option=chosen,
        abstain=abstain,
        options=reports,
        explanation=explanation,
        provenance=provenance(stated, settings, engine, stated_evidence, seed),
        chances=chances,
        incomparable=incomparable,
        policy_consistent=consistent,
        policy_silent=silent,
        p_best=p_best,
        p_best_se=p_best_se,
        p_best_samples=n_samples,
        notes=tuple(notes),
        sampling=sampling,
    )
    if value_of_information:
        from engine.voi import value_of_information as voi

        observations = voi(
            problem,
            evidence,
            decision,
            rule=rule,
            normalisation=normalisation,
            policy=policy,
            backend=engine,
            rule_options=rule_options,
            risk=risk,
            tie_break=tie_break,
            on_silence=on_silence,
        )
        extra = ()
        if problem.is_hybrid:
            extra = (
                "value of information from sampled expectations: each state's decision draws "
                "its own particles, so values within a few standard errors of 0 are noise",
            )
        decision = dataclasses.replace(
            decision, value_of_information=observations, notes=decision.notes + extra
        )
    return decision


#: what a decision does where its policy is silent
ON_SILENCE: tuple[str, ...] = ("abstain", "fallback")


def sampling_options(seed: int, particles: int | None) -> dict[str, Any]:
    """Importance-sampling options (used only for problems with continuous variables)."""
    options: dict[str, Any] = {"seed": seed}
    if particles is not None:
        options["num_samples"] = particles
    return options


def judge_policy(
    problem: DecisionProblem,
    assessment: Assessment,
    settings: Settings,
    compiled: CompiledPolicy | None,
    permissible: list[int],
    criteria: np.ndarray | None,
    chosen: str | None,
) -> tuple[bool | None, str | None]:
    """(policy_consistent, policy_silent) for the chosen option under the active policy."""
    if compiled is None or settings.policy is None:
        return None, None
    policy_best: list[int] | None = None
    if compiled.abstraction == "rule" and permissible and compiled.silent is None:
        own = dataclasses.replace(
            settings,
            rule=settings.policy.rule or "mec",
            normalisation=settings.policy.normalisation
            or DEFAULT_NORMALISATION.get(settings.policy.rule or "mec", "none"),
        )
        if own.rule in ("lexicographic", "pareto") and criteria is None:
            own = dataclasses.replace(own, criteria_names=settings.policy.principles)
            criteria = criteria_matrix(problem, assessment, own)
        aggregate, order = aggregate_options(assessment, permissible, own, criteria)
        if aggregate.incomparable:
            policy_best = [permissible[k] for k in aggregate.incomparable]
        else:
            top = [order[0], *tied_with_best(aggregate, order)]
            policy_best = [permissible[k] for k in top]
    verdict = policy_verdict(
        problem, compiled, assessment, permissible, policy_best, settings.options.tolerance
    )
    if verdict.silent is not None or chosen is None:
        return None, verdict.silent
    return chosen in verdict.admissible, None


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
