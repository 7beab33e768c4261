"""The decision pipeline (shared/DESIGN.md, "Decision semantics" steps 1–6).

posterior under do(a)  ->  EV, P(violation), CW per theory
    (engine.semantics.assess; CVaR: engine.semantics.risk)
->  permissibility filter: option a is impermissible when, for a hard norm n,
    P(viol_n | do(a), e) > threshold_n, a norm being hard when a theory with positive
    credence endorses it with ``norm_handling = constraint``
    (engine.decision.permissibility)
->  the active policy compiled to a rule and lexical criteria (engine.decision.applied_policy)
->  aggregation across theories over the permissible options, then the choice or an abstention
    (engine.decision.choice; incomparable top options abstain unless a tie-break is asked for)
->  dilemmas: conflicts of norms that may hold, noted; under ``conflicts: abstain`` one
    above the threshold abstains (engine.decision.dilemmas)
->  Decision with explanation (engine.decision.explain), policy verdict and provenance.

P(best) under parameter uncertainty and the value of information are analyses composed on the
decision (engine.analyses; ``phronesis.decide`` composes them), not steps of the pipeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.backends.protocol import InferenceBackend
from engine.backends.registry import backend_for
from engine.decision.aggregation import aggregate_options, criteria_matrix
from engine.decision.applied_policy import apply_policy, judge_policy
from engine.decision.choice import choose
from engine.decision.dilemmas import abstention, dilemmas
from engine.decision.explain import explain
from engine.decision.permissibility import exclusions
from engine.decision.provenance import provenance
from engine.decision.result import Decision, option_reports
from engine.decision.sampling import summarise_sampling
from engine.decision.settings import ON_SILENCE, Settings, resolve_settings, sampling_options
from engine.errors import EvidenceError, PolicyError, listing
from engine.ir import DecisionProblem
from engine.ir.evidence import check_evidence
from engine.ir.observe import all_continuous_observed, observe_continuous
from engine.rules.base import RuleOptions
from engine.semantics.assess import assess
from engine.semantics.cvar import parse_risk
from engine.semantics.risk import risk_choiceworthiness


@dataclass(frozen=True, slots=True)
class DecisionContext:
    """What a decision was computed from, for the analyses composed on top of it: the problem
    and evidence as decided (a hybrid problem whose continuous variables are all observed is
    reduced to a discrete one), the settings after the active policy, and the backend."""

    problem: DecisionProblem
    evidence: Mapping[str, Any]
    settings: Settings
    backend: InferenceBackend


def decide(
    problem: DecisionProblem, evidence: Mapping[str, Any] | None = None, **settings: Any
) -> Decision:
    """Decide ``problem`` given ``evidence`` under the keyword ``settings`` of
    :func:`decide_in_context` (rule, normalisation, policy, backend, rule_options, risk,
    tie_break, seed, particles, on_silence).

    ``rule`` is any short name of :data:`engine.rules.registry.RULES`; ``rule_options`` carries a
    rule's extra settings (parliament seed, trimming, tolerance); ``risk`` is ``"ev"`` or
    ``"cvar:ALPHA"``; ``tie_break="name"`` chooses among incomparable top options by name
    instead of abstaining. P(best) under parameter uncertainty and the value of information
    are analyses composed on top (:mod:`engine.analyses`, ``phronesis.decide``).
    Where the active policy leaves the case open (``policy_silent``), the decision abstains
    with that reason (``on_silence="abstain"``, the default) or acts on the rule's choice
    among the options the policy leaves open (``on_silence="fallback"``), saying so either way.
    A problem whose continuous variables are all observed is reduced to the equivalent
    discrete problem (:mod:`engine.ir.observe`) and decided exactly; provenance keeps
    the problem and evidence as stated. ``backend="auto"`` chooses by capability: an exact
    backend for a discrete problem, a sampling one for a problem with latent continuous
    variables, evaluated by likelihood weighting (``particles`` per option, default 10,000,
    seeded with ``seed``); the Decision's
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
    return decide_in_context(problem, evidence, **settings)[0]


def decide_in_context(
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
    seed: int = 0,
    particles: int | None = None,
    on_silence: str = "abstain",
) -> tuple[Decision, DecisionContext]:
    """:func:`decide`, also returning the :class:`DecisionContext` it decided in."""
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
    try:
        assessment = assess(problem, evidence, engine)
    except EvidenceError as exc:
        if problem is stated:
            raise
        # the reduced problem's virtual-evidence nodes are internal: name what the user gave
        shown = listing(f"{k}={v}" for k, v in stated_evidence.items())
        raise EvidenceError(
            f"evidence ({shown}) has probability 0 under the model for some option"
        ) from exc
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

    # the explanation splits a linear rule's score exactly into value and norm terms, which
    # neither CVaR nor the Borda scores of ordinal theories allow
    linear = kind != "cvar" and not any(
        o and c > 0 for o, c in zip(settings.ordinal, settings.credences, strict=False)
    )
    choice = choose(assessment, permissible, excluded, settings, criteria, linear=linear)
    if excluded or not choice.order:  # otherwise the permissible options are all the options
        _, unconstrained = aggregate_options(assessment, everything, settings, criteria)
        unconstrained_best = assessment.options[unconstrained[0]]
    else:
        unconstrained_best = assessment.options[permissible[choice.order[0]]]
    chosen, ties, abstain = choice.option, list(choice.ties), choice.abstain
    aggregate, order = choice.aggregate, list(choice.order)
    notes.extend(choice.notes)

    computed = None if choice.aggregate is None else (choice.aggregate, choice.order)
    consistent, silent = judge_policy(
        problem, assessment, settings, compiled, permissible, criteria, chosen, computed
    )
    if silent is not None and chosen is not None and on_silence == "abstain":
        notes.append(
            f"Without guidance from the policy, rule {settings.rule!r} would choose {chosen!r} "
            "(on_silence='fallback' acts on it)"
        )
        abstain, chosen, ties, aggregate, order = silent, None, [], None, []
    found = dilemmas(problem, evidence, engine)
    notes.extend(d.note(problem.conflicts) for d in found)
    torn = abstention(problem, found)
    if torn is not None and chosen is not None:
        notes.append(f"Without the dilemma, rule {settings.rule!r} would choose {chosen!r}")
        abstain, chosen, ties, aggregate, order = torn, None, [], None, []

    reports = option_reports(assessment, excluded, choice.scores)
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
    sampling = None
    if assessment.sampling is not None:
        sampling = summarise_sampling(assessment, aggregate, explanation, chosen, notes)
    decision = Decision(
        option=chosen,
        abstain=abstain,
        options=reports,
        explanation=explanation,
        provenance=provenance(stated, settings, engine, stated_evidence, seed),
        chances=choice.chances,
        incomparable=choice.incomparable,
        policy_consistent=consistent,
        policy_silent=silent,
        notes=tuple(notes),
        sampling=sampling,
    )
    return decision, DecisionContext(problem, evidence, settings, engine)
