"""The decision kernel: N rows decided as array operations over rows x options x theories x
values x norms (shared/DESIGN.md, "Decision semantics" steps 1-6, "Compiled problems").

    CW[n, a, T]   = sum_v w_Tv EV[n, a, v] - sum_k penalty_Tk P(viol_k | a, e_n)
    hard[n, k]    = exists T: c[n, T] > 0, T treats norm k as a side-constraint
    allowed[n, a] = P(e_n | do(a)) > 0 and no hard k with P(viol_k | a, e_n) > threshold_k
    choice        = the rule over the allowed options (aggregate_batch)

then the active policy's verdict where it has one. Rows may carry their own credences (an
agent's beliefs). A conditional policy picks its case per row; rows are grouped by case (a loop
over cases, not rows). CVaR (which needs the distribution of outcomes, not only expectations)
is decided per row over the same posteriors: :attr:`DecisionBatch.vectorised` says which.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from engine.decision.permissibility import VIOLATION_TOLERANCE
from engine.kernel.aggregate import aggregate_batch
from engine.kernel.batch import Abstain, DecisionBatch
from engine.kernel.compiled import CompiledProblem
from engine.kernel.evaluate import Evaluation, evaluate
from engine.kernel.rows import active_rows, checked_index, distinct_rows, rows_of
from engine.kernel.verdict import (
    as_ranked,
    lexical_top,
    principle_columns,
    rule_top,
    settings_groups,
    verdict,
)
from engine.semantics.double_effect import double_effect_excluded
from engine.semantics.events import theory_endorses


def decide_rows(
    compiled: CompiledProblem,
    evidence: np.ndarray | Sequence[Mapping[str, str] | None],
    *,
    credences: np.ndarray | None = None,
    value_weights: np.ndarray | None = None,
    norm_weights: np.ndarray | None = None,
    norm_active: np.ndarray | None = None,
) -> DecisionBatch:
    """Decide every evidence row: an index matrix (rows x ``compiled.columns``, -1 where
    unobserved; see :meth:`CompiledProblem.encode`) or a sequence of ``{variable: state}``.

    Agents with their own beliefs and values: ``credences`` (rows x theories) replace the
    settings' credences, ``value_weights`` (rows x theories x values) each theory's value
    weights w_Tv, and ``norm_weights`` (rows x norms) the norms' penalty weights, row by row
    (a single (theories,), (theories x values) or (norms,) array applies to every row).
    ``norm_active`` (rows x norms, bool) says which norms apply to each row (role-specific
    norms): a norm that does not apply is never violated there.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from engine.kernel.compiled import compile_problem
    >>> problem = load_scenario("examples/heinz.yaml")
    >>> compiled = compile_problem(problem, policy="consequentialist", backend="numpy")
    >>> decide_rows(compiled, [{}, {"drug_obtained": "no"}]).option_names.tolist()
    ['steal', 'do_not_steal']
    """
    problem = compiled.problem
    if not isinstance(evidence, np.ndarray):
        evidence = compiled.encode(list(evidence))
    index = checked_index(compiled, evidence)
    theories = len(problem.theories)
    n = len(index)
    given = {
        "credences": rows_of("credences", credences, n, (theories,)),
        "value_weights": rows_of(
            "value_weights", value_weights, n, (theories, len(problem.values))
        ),
        "norm_weights": rows_of("norm_weights", norm_weights, n, (len(problem.norms),)),
        "norm_active": active_rows(compiled, norm_active, n),
    }
    parameters = {k: v for k, v in given.items() if v is not None}
    key = index.tobytes() if n == 1 and not parameters else None
    if key is not None and key in compiled.decided:  # one row decided before: a lookup
        return compiled.decided[key]
    distinct, inverse = distinct_rows(index, compiled.cardinalities)
    evaluation = evaluate(
        compiled.structure,
        problem.network(),
        compiled.backend,
        compiled.columns,
        distinct,
        compiled.queries,
    )
    if not parameters:  # a decision is a function of the evidence: decide each once
        batch = decide_evaluated(compiled, distinct, evaluation, {})
        if key is not None:
            compiled.remember(key, batch.frozen())
        return batch if inverse is None else batch.take(inverse, index)
    shared = _shared_rows(parameters)
    if inverse is None:
        cw = _choiceworthiness(compiled, evaluation, shared)
    elif any(name in shared and shared[name].ndim == _ROW_NDIM[name] for name in _ROW_NDIM):
        evaluation = evaluation.take(inverse)  # weights differ between rows: CW per row
        cw = _choiceworthiness(compiled, evaluation, shared)
    else:  # CW depends on the evidence only: once per distinct row, then gathered
        cw = _choiceworthiness(compiled, evaluation, shared)[inverse]
        evaluation = evaluation.take(inverse)
    return decide_evaluated(compiled, index, evaluation, parameters, cw)


#: the number of dimensions a per-row (not shared) weight parameter has
_ROW_NDIM = {"value_weights": 3, "norm_weights": 2, "norm_active": 2}


def _shared_rows(parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``parameters`` with each weight array whose rows are all equal replaced by its first
    row (a population whose agents share their value weights decides like one agent, per
    situation); credences stay per row."""
    out = dict(parameters)
    for name in _ROW_NDIM:
        rows = parameters.get(name)
        if rows is not None and len(rows) and (rows == rows[:1]).all():
            out[name] = rows[0]
    return out


def _choiceworthiness(
    compiled: CompiledProblem, evaluation: Evaluation, parameters: Mapping[str, np.ndarray]
) -> np.ndarray:
    """CW[n, a, T] (module docstring) under the weight parameters, per row (``(N, ...)``
    arrays) or shared (one row); ``norm_active`` zeroes the violations of norms that do not
    apply."""
    s = compiled.structure
    violation = evaluation.violation
    if "norm_active" in parameters:
        active = parameters["norm_active"]
        violation = violation * (active[:, None, :] if active.ndim == 2 else active)
    weights = parameters.get("value_weights")
    if weights is None:
        weighted = evaluation.expected @ s.value_weights.T
    elif weights.ndim == 2:
        weighted = evaluation.expected @ weights.T
    else:
        weighted = _per_row_product(evaluation.expected, weights)
    norm_weights = parameters.get("norm_weights")
    if norm_weights is None:
        return weighted - violation @ s.norm_penalties.T
    if norm_weights.ndim == 1:
        return weighted - violation @ (s.penalises * norm_weights[None, :]).T
    penalties = s.penalises[None] * norm_weights[:, None, :]  # (N, T, K)
    return weighted - _per_row_product(violation, penalties)


def _per_row_product(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """out[n, a, t] = sum_j x[n, a, j] weights[n, t, j], one elementwise pass per j (values or
    norms are few; a batched einsum over rows is several times slower)."""
    out = np.zeros((x.shape[0], x.shape[1], weights.shape[1]))
    for j in range(x.shape[2]):
        out += x[:, :, j, None] * weights[:, None, :, j]
    return out


def decide_evaluated(
    compiled: CompiledProblem,
    index: np.ndarray,
    evaluation: Evaluation,
    parameters: dict[str, np.ndarray],
    cw: np.ndarray | None = None,
) -> DecisionBatch:
    """Steps 4-6 on evaluated rows (see the module docstring) under per-row ``parameters``
    (``cw``: their choiceworthiness, when computed already)."""
    n = len(index)
    if "norm_active" in parameters:
        evaluation = dataclasses.replace(
            evaluation, violation=evaluation.violation * parameters["norm_active"][:, None, :]
        )
    row_credences = parameters.get("credences")
    if row_credences is None:
        row_credences = np.broadcast_to(
            compiled.settings.credences, (n, len(compiled.structure.value_weights))
        )
    if cw is None:
        cw = _choiceworthiness(compiled, evaluation, parameters)
    permissible = evaluation.possible & ~_excluded(compiled, evaluation.violation, row_credences)
    structure = compiled.structure
    if structure.effect_tests:
        effects = evaluation.events[:, :, : structure.effects]
        permissible &= ~double_effect_excluded(structure.effect_tests, effects, row_credences)

    chosen = np.full(n, -1, dtype=np.intp)
    abstention = np.zeros(n, dtype=np.int8)
    scores = np.full(cw.shape[:2], np.nan)
    ties = np.zeros(cw.shape[:2], dtype=bool)
    consistent = np.full(n, -1, dtype=np.int8)
    silent = np.zeros(n, dtype=bool)
    for rows, row_settings, quiet in settings_groups(compiled, evaluation.cases):
        if isinstance(rows, np.ndarray) and not len(rows):
            continue
        crit = principle_columns(compiled, row_settings.criteria_names, evaluation, cw, rows)
        options = row_settings.options
        if crit is not None:
            options = dataclasses.replace(options, criteria=crit)
        ranked = as_ranked(row_settings, cw[rows], permissible[rows])
        choice = aggregate_batch(
            row_settings.rule,
            ranked,
            row_credences[rows],
            permissible[rows],
            row_settings.normalisation,
            options,
            compiled.options,
            row_settings.tie_break,
        )
        chosen[rows] = choice.chosen
        abstention[rows] = choice.abstention
        scores[rows] = choice.scores
        ties[rows] = choice.ties
        policy = row_settings.policy
        if policy is None:
            continue
        if quiet:
            silent[rows] = True
            continue
        if policy.abstraction == "rule":
            top = rule_top(
                compiled,
                row_settings,
                choice,
                cw,
                ranked,
                row_credences,
                permissible,
                evaluation,
                rows,
                crit,
            )
        else:
            top = lexical_top(compiled, row_settings, evaluation, cw, permissible, rows)
        consistent[rows], silent[rows] = verdict(top, permissible[rows], choice.chosen)
    impossible = ~evaluation.possible.any(axis=1)
    abstention[impossible] = Abstain.EVIDENCE_IMPOSSIBLE
    chosen[impossible] = -1
    if compiled.arguments["on_silence"] == "abstain":
        silenced = silent & (chosen >= 0)
        abstention[silenced] = Abstain.POLICY_SILENT
        chosen[silenced] = -1
        ties[silenced] = False
    if len(structure.events) > structure.effects:  # conflicts: abstain
        torn = _torn(compiled, evaluation) & (chosen >= 0)
        abstention[torn] = Abstain.DILEMMA
        chosen[torn] = -1
        ties[torn] = False
    return DecisionBatch(
        compiled=compiled,
        index=index,
        chosen=chosen,
        abstention=abstention,
        scores=scores,
        ties=ties,
        expected_values=evaluation.expected,
        violation=evaluation.violation,
        choiceworthiness=cw,
        permissible=permissible,
        possible=evaluation.possible,
        policy_consistent=consistent,
        policy_silent=silent,
        parameters=parameters,
    )


def _torn(compiled: CompiledProblem, evaluation: Evaluation) -> np.ndarray:
    """(N,) bool: some conflict of norms holds with P = max_a P(both in force | do(a), e)
    above the problem's ``conflict_threshold`` (:mod:`engine.decision.dilemmas`)."""
    conflicts = evaluation.events[:, :, compiled.structure.effects :]  # (N, A, C)
    return (conflicts.max(axis=1) > compiled.problem.conflict_threshold).any(axis=1)


def _excluded(
    compiled: CompiledProblem, violation: np.ndarray, credences: np.ndarray
) -> np.ndarray:
    """(N, A): some norm a theory with positive credence holds as a side-constraint is violated
    with probability above its threshold (:mod:`engine.decision.permissibility`)."""
    problem = compiled.problem
    if not problem.norms:
        return np.zeros(violation.shape[:2], dtype=bool)
    constraint = np.array(
        [
            [t.norm_handling == "constraint" and theory_endorses(t, n.name) for n in problem.norms]
            for t in problem.theories
        ]
    )  # (T, K)
    hard = (credences > 0).astype(np.int8) @ constraint.astype(np.int8) > 0  # (N, K)
    thresholds = np.array([n.threshold for n in problem.norms])
    above = violation > thresholds + VIOLATION_TOLERANCE  # (N, A, K)
    return (above & hard[:, None, :]).any(axis=2)
