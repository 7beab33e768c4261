"""In-context ethical policies: compile a stated policy and judge a decision against it.

A policy states principles at a level of abstraction (:class:`engine.ir.Policy`):

- ``rule`` compiles to theory weights: its credences, rule and normalisation;
- ``ordering`` compiles to lexical constraints: the ``lexicographic`` rule over its principles,
  each principle a criterion -- a value v scores EV_v(a), a norm n scores -P(viol_n | do(a), e),
  a theory T scores CW_T(a);
- ``conditional`` compiles like ``ordering``, with the principles of its first case whose
  condition C holds: P(C | e) >= ``confidence`` (conditions are about the situation, so
  P(C | do(a), e) = P(C | e) for every option a).

The policy *decides the case* when its compiled rule singles out one permissible option; it is
*silent* when its ordering does not separate the top options, its rule ties them, no condition
of a conditional policy holds, or nothing is permissible. A decision is then reported as
consistent with the policy (or not) only where the policy decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ir import DecisionProblem, Policy
from engine.rules.lexical import lexical_best
from engine.semantics.assessment import Assessment


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """What a policy says in this context: the principles that apply (most important first),
    the rule it implies, and why it is silent (``None`` when it speaks)."""

    policy: str
    abstraction: str
    principles: tuple[str, ...]
    rule: str | None
    case: int | None
    silent: str | None


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """The options the policy singles out (``admissible``), or why it is silent."""

    compiled: CompiledPolicy
    admissible: tuple[str, ...]
    silent: str | None


def compile_policy(
    problem: DecisionProblem, policy: Policy, assessment: Assessment
) -> CompiledPolicy:
    """The principles and rule ``policy`` implies given the evidence behind ``assessment``.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from engine.semantics.assess import assess
    >>> from engine.backends.registry import get_backend
    >>> p = load_scenario("examples/heinz_policies.yaml")
    >>> a = assess(p, {}, get_backend("pgmpy"))
    >>> compile_policy(p, p.policy("consequentialist_ordering"), a).principles
    ('life', 'liberty', 'property')
    >>> compile_policy(p, p.policy("virtue_conditional"), a).silent[:56]
    "policy is silent: no condition of policy 'virtue_conditi"
    """
    if policy.abstraction == "rule":
        return CompiledPolicy(policy.name, "rule", policy.principles, policy.rule, None, None)
    if policy.abstraction == "ordering":
        return CompiledPolicy(
            policy.name, "ordering", policy.principles, "lexicographic", None, None
        )
    reasons = []
    for k, case in enumerate(policy.cases):
        p = assessment.case_probability.get((policy.name, k), 0.0)
        if p >= policy.confidence:
            return CompiledPolicy(
                policy.name, "conditional", case.principles, "lexicographic", k, None
            )
        described = ", ".join(c.describe() for c in case.when)
        reasons.append(f"{described}: P = {p:.3g} < {policy.confidence:.3g}")
    silent = (
        f"policy is silent: no condition of policy {policy.name!r} holds given the evidence "
        f"({'; '.join(reasons)})"
    )
    return CompiledPolicy(policy.name, "conditional", (), policy.rule, None, silent)


def principle_criteria(
    problem: DecisionProblem,
    principles: tuple[str, ...],
    expected_values: np.ndarray,
    violation: np.ndarray,
    choiceworthiness: np.ndarray,
) -> np.ndarray:
    """Criteria (..., options, principles): EV_v for a value, -P(viol_n) for a norm, CW_T for
    a theory; the arrays may carry leading batch axes (e.g. parameter samples)."""
    values = [v.name for v in problem.values]
    norms = [n.name for n in problem.norms]
    theories = [t.name for t in problem.theories]
    columns = []
    for principle in principles:
        if principle in values:
            columns.append(expected_values[..., values.index(principle)])
        elif principle in norms:
            columns.append(-violation[..., norms.index(principle)])
        else:
            columns.append(choiceworthiness[..., theories.index(principle)])
    return np.stack(columns, axis=-1)


def policy_verdict(
    problem: DecisionProblem,
    compiled: CompiledPolicy,
    assessment: Assessment,
    permissible: list[int],
    policy_best: list[int] | None,
    tolerance: float,
) -> PolicyVerdict:
    """The options the policy singles out among the permissible ones.

    For ``ordering`` / ``conditional`` they are the survivors of the lexical filter over the
    compiled principles; for ``rule`` they are ``policy_best``, the options the policy's own
    rule ranks top (ties included), computed by the caller.
    """
    options = assessment.options
    if compiled.silent is not None:
        return PolicyVerdict(compiled, (), compiled.silent)
    if not permissible:
        return PolicyVerdict(compiled, (), "policy is silent: no option is permissible")
    if compiled.abstraction == "rule":
        best = policy_best or []
        what = f"the rule of policy {compiled.policy!r} ties"
    else:
        criteria = principle_criteria(
            problem,
            compiled.principles,
            assessment.expected_values,
            assessment.violation,
            assessment.choiceworthiness,
        )
        best = lexical_best(criteria, list(permissible), tolerance)
        what = (
            f"the ordering [{', '.join(compiled.principles)}] of policy {compiled.policy!r} "
            "does not separate"
        )
    names = tuple(sorted(options[i] for i in best))
    if len(names) > 1:
        return PolicyVerdict(
            compiled, names, f"policy is silent: {what} {', '.join(repr(n) for n in names)}"
        )
    return PolicyVerdict(compiled, names, None)
