"""Second-order uncertainty: P(option is best) when the problem's own numbers are uncertain.

CPT rows carry Dirichlet uncertainty and utilities Normal or interval uncertainty
(:class:`engine.ir.CPTUncertainty`, :class:`engine.ir.UtilityUncertainty`). For S parameter
draws theta_1..theta_S (seeded NumPy PCG64),

    P(best = a | e) ~= (1/S) sum_s [a = decide(problem(theta_s), e)],
    standard error   = sqrt(P (1 - P) / S),

where ``decide`` is the same pipeline as :func:`engine.decision.pipeline.decide` (permissibility
filter,
rule, tie-breaks, and the risk setting: under ``cvar:ALPHA`` each draw's choiceworthiness is
the CVaR of U_T, as in :mod:`engine.semantics.risk`). All S x |options| posteriors come from one
vectorised pass: exact variable
elimination written as one ``numpy.einsum`` contraction per target set, with the sample and
the option as batch axes (the decision is a free index, so do(a) for every a at once).
Draws in which no option is permissible count towards ``"(abstain)"``.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.analyses.parameter_draws import ParameterSamples, sample_parameters
from engine.decision.aggregation import aggregate_options
from engine.decision.permissibility import hard_norms
from engine.decision.policy import principle_criteria
from engine.decision.settings import Settings
from engine.errors import EvidenceError, InferenceError
from engine.ir import DecisionProblem
from engine.ir.graph import ancestral_set
from engine.rules.base import centre, inverse_scale
from engine.semantics.assessment import Assessment
from engine.semantics.cvar import cvar_batched, parse_risk
from engine.semantics.double_effect import double_effect_excluded, effects, theory_effects
from engine.semantics.events import event_indicator, theory_matrices, violable, violation_clauses
from engine.semantics.risk import broadcast_to_grid, risk_targets

if TYPE_CHECKING:
    pass

ABSTAIN = "(abstain)"
_LETTERS = string.ascii_letters.replace("s", "")


@dataclass(frozen=True, slots=True)
class BestEstimate:
    """P(best) per option (and ``"(abstain)"`` when some draw permits nothing)."""

    p_best: dict[str, float]
    standard_error: dict[str, float]
    samples: int
    best: np.ndarray  # (S,) index of the best option per draw, -1 for abstain


class _Contraction:
    """P(targets | do(a), e) for every draw and option: einsum over the relevant factors."""

    def __init__(
        self, problem: DecisionProblem, evidence: Mapping[str, str], draws: ParameterSamples
    ) -> None:
        names = [problem.decision.name, *(v.name for v in problem.variables)]
        if len(names) > len(_LETTERS):
            raise InferenceError(
                f"P(best) handles at most {len(_LETTERS)} variables with numpy.einsum; "
                f"problem {problem.name!r} has {len(names)}"
            )
        self.problem = problem
        self.evidence = dict(evidence)
        self.draws = draws
        self.letter = dict(zip(names, _LETTERS, strict=False))
        self.parents = {c.child: c.parents for c in problem.cpts}
        self.cache: dict[tuple[str, ...], np.ndarray] = {}

    def _ancestors(self, names: set[str]) -> set[str]:
        """The chance variables among ``names`` and their ancestors (the decision is a free
        index of the contraction, not a factor)."""
        return ancestral_set(self.parents, names) - {self.problem.decision.name}

    def __call__(self, targets: tuple[str, ...]) -> np.ndarray:
        if targets in self.cache:
            return self.cache[targets]
        problem, draws, letter = self.problem, self.draws, self.letter
        relevant = self._ancestors(set(targets) | set(self.evidence))
        operands: list[np.ndarray] = [
            np.ones(draws.samples),
            np.ones(len(problem.decision.options)),
        ]
        subscripts = ["s", letter[problem.decision.name]]
        for name in sorted(relevant):
            table = draws.cpts[name]
            indices = "".join(letter[p] for p in (*self.parents[name], name))
            if table.shape[0] == 1:
                operands.append(table[0])
                subscripts.append(indices)
            else:
                operands.append(table)
                subscripts.append("s" + indices)
            if name in self.evidence:
                states = problem.states(name)
                operands.append(np.eye(len(states))[states.index(self.evidence[name])])
                subscripts.append(letter[name])
        output = "s" + letter[problem.decision.name] + "".join(letter[t] for t in targets)
        joint = np.einsum(f"{','.join(subscripts)}->{output}", *operands, optimize="greedy")
        mass = joint.reshape(joint.shape[0], joint.shape[1], -1).sum(axis=-1)
        if np.any(mass <= 0):
            raise EvidenceError(
                f"evidence {self.evidence} has probability zero under some parameter draw"
            )
        result = joint / mass.reshape(mass.shape + (1,) * len(targets))
        self.cache[targets] = result
        return result


def evaluate_draws(
    problem: DecisionProblem, evidence: Mapping[str, str], draws: ParameterSamples
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EV (S, options, values), P(violation) (S, options, norms) and CW (S, options, theories)
    under every draw, by the formulas of :mod:`engine.semantics.assess`."""
    decision = problem.decision.name
    options = problem.decision.options
    joint = _Contraction(problem, evidence, draws)
    S, A = draws.samples, len(options)
    expected = np.zeros((S, A, len(problem.values)))
    for j, value in enumerate(problem.values):
        chance = tuple(p for p in value.parents if p != decision)
        posterior = joint(chance)  # (S, A, *chance)
        utility = draws.utilities[value.name]  # (S|1, *parents)
        if decision in value.parents:
            utility = np.moveaxis(utility, 1 + value.parents.index(decision), 1)
        else:
            utility = utility[:, None]
        axes = tuple(range(2, 2 + len(chance)))
        expected[:, :, j] = (
            np.sum(posterior * utility, axis=axes) if axes else (posterior * utility)
        )
    violation = np.zeros((S, A, len(problem.norms)))
    for j, norm in enumerate(problem.norms):
        if norm.modality == "permission":
            continue
        clauses = violation_clauses(problem, norm)
        variables = tuple(dict.fromkeys(c.variable for group in clauses for c in group))
        event = event_indicator(problem, variables, clauses)
        probability = np.sum(
            joint(variables) * event[None, None], axis=tuple(range(2, 2 + len(variables)))
        )
        for i, option in enumerate(options):
            if violable(problem, norm, option):
                violation[:, i, j] = probability[:, i]
    weights, penalties = theory_matrices(problem, problem.theories)
    cw = expected @ weights.T - violation @ penalties.T
    return expected, violation, cw


def effects_per_draw(
    problem: DecisionProblem, evidence: Mapping[str, str], draws: ParameterSamples
) -> np.ndarray:
    """P(effect | do(a), e) (S, options, effects) of every double effect theory's effects
    under every draw (:mod:`engine.semantics.double_effect`)."""
    joint = _Contraction(problem, evidence, draws)
    listed = effects(problem)
    found = np.zeros((draws.samples, len(problem.decision.options), len(listed)))
    for k, effect in enumerate(listed):
        variables = tuple(dict.fromkeys(c.variable for c in effect.when))
        event = event_indicator(problem, variables, (effect.when,))
        found[:, :, k] = np.sum(
            joint(variables) * event[None, None], axis=tuple(range(2, 2 + len(variables)))
        )
    return found


def cvar_draws(
    problem: DecisionProblem,
    evidence: Mapping[str, str],
    draws: ParameterSamples,
    alpha: float,
) -> np.ndarray:
    """CW^risk_T(a) = CVaR_alpha(U_T(a, X) | do(a), e) under every draw, (S, options, theories)
    (the formula of :func:`engine.semantics.risk.risk_choiceworthiness`, with the draw as a
    batch axis)."""
    decision = problem.decision.name
    options = problem.decision.options
    weights, penalties = theory_matrices(problem, problem.theories)
    penalised = [j for j in range(len(problem.norms)) if np.any(penalties[:, j] != 0)]
    targets = risk_targets(problem, penalised)
    joint = _Contraction(problem, evidence, draws)(targets)  # (S, A, *targets)
    shape = tuple(len(problem.states(t)) for t in targets)
    S = draws.samples
    result = np.zeros((S, len(options), len(problem.theories)))
    for i, option in enumerate(options):
        u = np.zeros((S, len(problem.theories), *shape))
        for j, value in enumerate(problem.values):
            table = draws.utilities[value.name]  # (S|1, *parents)
            parents = list(value.parents)
            if decision in parents:
                table = np.take(table, i, axis=1 + parents.index(decision))
                parents.remove(decision)
            grid = broadcast_to_grid(table, parents, targets, shape, leading=1)
            u = u + weights[None, :, j].reshape(1, -1, *([1] * len(shape))) * grid[:, None]
        for j in penalised:
            norm = problem.norms[j]
            if not violable(problem, norm, option):
                continue
            groups = violation_clauses(problem, norm)
            variables = tuple(dict.fromkeys(c.variable for g in groups for c in g))
            event = broadcast_to_grid(
                event_indicator(problem, variables, groups), list(variables), targets, shape
            )
            u = u - penalties[:, j].reshape(-1, *([1] * len(shape))) * event[None]
        flat = u.reshape(S, len(problem.theories), -1)
        probabilities = joint[:, i].reshape(S, 1, -1)
        result[:, i] = cvar_batched(flat, probabilities, alpha)
    return result


def probability_best(
    problem: DecisionProblem,
    evidence: Mapping[str, str],
    settings: Settings,
    *,
    samples: int = 1000,
    seed: int = 0,
) -> BestEstimate:
    """P(best) with its Monte-Carlo standard error (module docstring).

    ``settings`` are those of the decision (after its policy was compiled): the same rule,
    normalisation, credences, lexical criteria and tie-break are applied to every draw.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from engine.decision.pipeline import resolve_settings
    >>> p = load_scenario("examples/heinz_uncertain.yaml")
    >>> est = probability_best(p, {}, resolve_settings(p, policy="consequentialist"), seed=1)
    >>> round(sum(est.p_best.values()), 12)
    1.0
    """
    if problem.is_hybrid:  # decide() passes a problem with observed continuous ones reduced
        raise InferenceError(
            f"problem {problem.name!r}: P(best) under parameter uncertainty needs every "
            "continuous variable observed (the problem is then discrete); pass samples=0 "
            "(--samples 0) to decide without it"
        )
    draws = sample_parameters(problem, samples, seed)
    expected, violation, cw = evaluate_draws(problem, evidence, draws)
    kind, alpha = parse_risk(settings.risk)
    if kind == "cvar":
        cw = cvar_draws(problem, evidence, draws, alpha)
    options = problem.decision.options
    thresholds = np.array([n.threshold for n in problem.norms])
    hard = hard_norms(problem, settings.credences)
    permitted = np.ones(cw.shape[:2], dtype=bool)
    if hard:
        permitted = ~np.any(violation[:, :, hard] > thresholds[hard] + 1e-12, axis=-1)
    tests = theory_effects(problem)
    if tests:
        effects = effects_per_draw(problem, evidence, draws)
        permitted &= ~double_effect_excluded(tests, effects, np.asarray(settings.credences))
    if settings.rule == "mec" and not settings.criteria_names:
        best = _best_mec(cw, permitted, settings, options)
    else:
        template = Assessment(
            options=options,
            value_names=tuple(v.name for v in problem.values),
            norm_names=tuple(n.name for n in problem.norms),
            theory_names=tuple(t.name for t in problem.theories),
            expected_values=expected[0],
            violation=violation[0],
            choiceworthiness=cw[0],
            value_weights=np.zeros((0, 0)),
            norm_penalties=np.zeros((0, 0)),
        )
        best = np.full(samples, -1)
        for s in range(samples):
            rows = [int(i) for i in np.flatnonzero(permitted[s])]
            if not rows:
                continue
            criteria = None
            if settings.criteria_names:
                criteria = principle_criteria(
                    problem, settings.criteria_names, expected[s], violation[s], cw[s]
                )
            draw = dataclasses.replace(template, choiceworthiness=cw[s])
            aggregate, order = aggregate_options(draw, rows, settings, criteria)
            if aggregate.incomparable and settings.tie_break is None:
                continue
            best[s] = rows[order[0]]
    counts = {option: float(np.mean(best == i)) for i, option in enumerate(options)}
    if np.any(best < 0):
        counts[ABSTAIN] = float(np.mean(best < 0))
    errors = {k: float(np.sqrt(p * (1.0 - p) / samples)) for k, p in counts.items()}
    return BestEstimate(counts, errors, samples, best)


def _best_mec(
    cw: np.ndarray, permitted: np.ndarray, settings: Settings, options: tuple[str, ...]
) -> np.ndarray:
    """MEC over the permitted options of every draw at once, ties by name (as ``ranking``)."""
    shift = centre(cw, settings.normalisation, permitted)  # (S, T); inf where none permitted
    weights = settings.credences[None] * inverse_scale(cw, settings.normalisation, permitted)
    with np.errstate(invalid="ignore"):  # draws with no permitted option: masked out below
        scores = np.einsum("sat,st->sa", cw - shift[:, None], weights)
    scores = np.where(permitted, scores, -np.inf)
    top = scores.max(axis=1, keepdims=True)
    finite = np.where(permitted, np.abs(scores), 0.0).max(axis=1, keepdims=True)
    tied = scores >= top - 1e-9 * np.maximum(1.0, finite)
    rank = np.argsort(np.argsort(np.array(options)))
    key = np.where(tied, rank[None], len(options))
    best = np.argmin(key, axis=1)
    return np.where(permitted.any(axis=1), best, -1)
