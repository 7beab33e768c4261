"""The settings a decision is made under (rule, normalisation, credences, policy, risk, tie-break),
resolved once from the arguments and the active policy."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import PolicyError
from engine.ir import DecisionProblem, Policy
from engine.rules.base import RuleOptions, normalisers
from engine.rules.registry import DEFAULT_NORMALISATION, get_rule
from engine.semantics.cvar import parse_risk

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
    ordinal: tuple[bool, ...] = ()


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
        tuple(t.kind == "ordinal" for t in problem.theories),
    )


#: what a decision does where its policy is silent
ON_SILENCE: tuple[str, ...] = ("abstain", "fallback")


def sampling_options(seed: int, particles: int | None) -> dict[str, Any]:
    """Importance-sampling options (used only for problems with continuous variables)."""
    options: dict[str, Any] = {"seed": seed}
    if particles is not None:
        options["num_samples"] = particles
    return options
