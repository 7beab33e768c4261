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
from engine.decision.policy import principle_criteria
from engine.decision.settings import Settings
from engine.errors import EvidenceError
from engine.ir.fields import MAX_MAGNITUDE
from engine.kernel.aggregate import BatchChoice, aggregate_batch
from engine.kernel.batch import Abstain, DecisionBatch
from engine.kernel.compiled import CompiledProblem
from engine.kernel.evaluate import Evaluation, evaluate
from engine.rules.base import comparable
from engine.rules.ordinal import rank_ordinal_theories
from engine.rules.registry import DEFAULT_NORMALISATION
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
    index = _checked_index(compiled, evidence)
    theories = len(problem.theories)
    n = len(index)
    given = {
        "credences": _rows_of("credences", credences, n, (theories,)),
        "value_weights": _rows_of(
            "value_weights", value_weights, n, (theories, len(problem.values))
        ),
        "norm_weights": _rows_of("norm_weights", norm_weights, n, (len(problem.norms),)),
        "norm_active": _active_rows(compiled, norm_active, n),
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
        batch = _decide_evaluated(compiled, distinct, evaluation, {})
        if key is not None:
            compiled.remember(key, batch.frozen())
        return batch if inverse is None else batch.take(inverse, index)
    if inverse is not None:
        evaluation = evaluation.take(inverse)
    return _decide_evaluated(compiled, index, evaluation, parameters)


def _checked_index(compiled: CompiledProblem, evidence: np.ndarray) -> np.ndarray:
    """``evidence`` as an (N, columns) integer matrix whose entries are -1 or a state index of
    their column, or :class:`EvidenceError` naming the first bad entry."""
    array = np.asarray(evidence)
    columns = len(compiled.columns)
    if array.ndim == 1 and array.size == columns:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != columns:
        raise EvidenceError(
            f"evidence index: expected shape (rows, {columns}) (one column per variable of "
            f"{compiled.problem.name!r}), found {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise EvidenceError(f"evidence index: expected integers, found {array.dtype}")
    index = array.astype(np.intp, copy=False)
    bad = (index < -1) | (index >= compiled.cardinalities)
    if bad.any():
        row, column = (int(x[0]) for x in np.nonzero(bad))
        name = compiled.columns[column]
        raise EvidenceError(
            f"evidence index row {row}: {index[row, column]} is not a state of {name!r} "
            f"(0..{compiled.cardinalities[column] - 1}, or -1 for unobserved)"
        )
    return index


def _per_row_product(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """out[n, a, t] = sum_j x[n, a, j] weights[n, t, j], one elementwise pass per j (values or
    norms are few; a batched einsum over rows is several times slower)."""
    out = np.zeros((x.shape[0], x.shape[1], weights.shape[1]))
    for j in range(x.shape[2]):
        out += x[:, :, j, None] * weights[:, None, :, j]
    return out


def _active_rows(compiled: CompiledProblem, active: np.ndarray | None, n: int) -> np.ndarray | None:
    """``norm_active`` as (n, norms) bool; a permission that defeats a prohibition must apply
    to every row (defeat is part of the compiled violation events)."""
    if active is None:
        return None
    norms = compiled.problem.norms
    array = np.asarray(active, dtype=bool)
    if array.shape == (len(norms),):
        array = np.broadcast_to(array, (n, len(norms)))
    if array.shape != (n, len(norms)):
        raise EvidenceError(f"norm_active: expected shape {(n, len(norms))}, found {array.shape}")
    for k, norm in enumerate(norms):
        if norm.modality == "permission" and not array[:, k].all():
            raise EvidenceError(
                f"norm_active: permission {norm.name!r} must apply to every agent (it may defeat "
                "prohibitions, which the compiled problem fixes); give it to all roles"
            )
    return array


def _rows_of(
    name: str, given: np.ndarray | None, n: int, shape: tuple[int, ...]
) -> np.ndarray | None:
    """``given`` as (n, *shape) finite numbers (a single (*shape) array repeated), checked."""
    if given is None:
        return None
    array = np.asarray(given, dtype=np.float64)
    if array.shape == shape:
        array = np.broadcast_to(array, (n, *shape))
    if array.shape != (n, *shape):
        raise EvidenceError(f"{name}: expected shape {(n, *shape)}, found {array.shape}")
    if not np.isfinite(array).all() or (np.abs(array) > MAX_MAGNITUDE).any():
        raise EvidenceError(f"{name}: expected finite numbers of magnitude <= {MAX_MAGNITUDE:g}")
    if name != "value_weights" and (array < 0).any():
        raise EvidenceError(f"{name}: expected numbers >= 0")
    if name == "credences":
        total = array.sum(axis=1)
        wrong = np.flatnonzero(np.abs(total - 1.0) > 1e-9)
        if wrong.size:
            row = int(wrong[0])
            raise EvidenceError(f"credences: row {row} sums to {total[row]:.6g}, expected 1")
    return array


def distinct_rows(
    index: np.ndarray, cardinalities: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """The distinct rows of an evidence index matrix and each row's position among them
    (``None`` when every row is distinct already, or there is one row). Rows are packed into
    one integer each (mixed radix, -1 as one more digit) when that fits in 63 bits."""
    n = len(index)
    if n <= 1:
        return index, None
    seen = (index >= 0).any(axis=0)  # columns no row observes do not tell rows apart
    if not seen.any():
        return index[:1], np.zeros(n, dtype=np.intp)
    packed, cards = index[:, seen], cardinalities[seen]
    radix = cards.astype(np.float64) + 1
    if np.sum(np.log2(radix)) < 62:
        weights = np.concatenate([[1], np.cumprod(cards[::-1] + 1)[:-1]])[::-1]
        codes = (packed + 1) @ weights.astype(np.int64)
        unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        unique = first
    if len(unique) == n:
        return index, None
    return index[first], inverse.reshape(-1)


def _decide_evaluated(
    compiled: CompiledProblem,
    index: np.ndarray,
    evaluation: Evaluation,
    parameters: dict[str, np.ndarray],
) -> DecisionBatch:
    """Steps 4-6 on evaluated rows (see the module docstring) under per-row ``parameters``."""
    n = len(index)
    s = compiled.structure
    if "norm_active" in parameters:
        evaluation = dataclasses.replace(
            evaluation, violation=evaluation.violation * parameters["norm_active"][:, None, :]
        )
    row_credences = parameters.get("credences")
    if row_credences is None:
        row_credences = np.broadcast_to(compiled.settings.credences, (n, len(s.value_weights)))
    if "value_weights" in parameters:
        weighted = _per_row_product(evaluation.expected, parameters["value_weights"])
    else:
        weighted = evaluation.expected @ s.value_weights.T
    if "norm_weights" in parameters:
        penalties = s.penalises[None] * parameters["norm_weights"][:, None, :]  # (N, T, K)
        cw = weighted - _per_row_product(evaluation.violation, penalties)
    else:
        cw = weighted - evaluation.violation @ s.norm_penalties.T
    permissible = evaluation.possible & ~_excluded(compiled, evaluation.violation, row_credences)

    chosen = np.full(n, -1, dtype=np.intp)
    abstention = np.zeros(n, dtype=np.int8)
    scores = np.full(cw.shape[:2], np.nan)
    ties = np.zeros(cw.shape[:2], dtype=bool)
    consistent = np.full(n, -1, dtype=np.int8)
    silent = np.zeros(n, dtype=bool)
    for rows, row_settings, quiet in _settings_groups(compiled, evaluation.cases):
        if not len(rows):
            continue
        crit = _criteria(compiled, row_settings.criteria_names, evaluation, cw, rows)
        options = row_settings.options
        if crit is not None:
            options = dataclasses.replace(options, criteria=crit)
        ranked = _ranked(row_settings, cw[rows], permissible[rows])
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
            top = _rule_top(
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
            top = _lexical_top(compiled, row_settings, evaluation, cw, permissible, rows)
        consistent[rows], silent[rows] = _verdict(top, permissible[rows], choice.chosen)
    impossible = ~evaluation.possible.any(axis=1)
    abstention[impossible] = Abstain.EVIDENCE_IMPOSSIBLE
    chosen[impossible] = -1
    if compiled.arguments["on_silence"] == "abstain":
        silenced = silent & (chosen >= 0)
        abstention[silenced] = Abstain.POLICY_SILENT
        chosen[silenced] = -1
        ties[silenced] = False
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


def _settings_groups(
    compiled: CompiledProblem, cases: np.ndarray
) -> list[tuple[np.ndarray, Settings, bool]]:
    """Rows sharing one set of settings, and whether the policy is silent in them: all rows,
    or (conditional policy, :func:`engine.decision.policy.compile_policy`) the rows whose first
    case with P(C | e) >= confidence is k, for each k, then the rows where none holds."""
    n = len(cases)
    if compiled.policy_settings is not None:
        return [(np.arange(n), compiled.policy_settings, False)]
    settings = compiled.settings
    policy = settings.policy
    assert policy is not None
    keys = compiled.structure.case_keys
    columns = [keys.index((policy.name, k)) for k in range(len(policy.cases))]
    holds = cases[:, columns] >= policy.confidence if columns else np.zeros((n, 0), bool)
    first = np.where(holds.any(axis=1), holds.argmax(axis=1), -1)
    groups = []
    for k, case in enumerate(policy.cases):
        rule = settings.rule if settings.explicit_rule else "lexicographic"
        changed = dataclasses.replace(settings, rule=rule, criteria_names=case.principles)
        groups.append((np.flatnonzero(first == k), changed, False))
    rule = settings.rule
    if not settings.explicit_rule and policy.rule is not None:
        rule = policy.rule
    names = policy.principles if rule in ("lexicographic", "pareto") else ()
    quiet = dataclasses.replace(settings, rule=rule, criteria_names=names)
    groups.append((np.flatnonzero(first < 0), quiet, True))
    return groups


def _criteria(
    compiled: CompiledProblem,
    names: tuple[str, ...],
    evaluation: Evaluation,
    cw: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray | None:
    """Principle criteria (rows, A, principles), or None without principles."""
    if not names:
        return None
    return principle_criteria(
        compiled.problem,
        names,
        evaluation.expected[rows],
        evaluation.violation[rows],
        cw[rows],
    )


def _ranked(settings: Settings, cw: np.ndarray, permissible: np.ndarray) -> np.ndarray:
    """``cw`` as the rule sees it: ordinal theories by their Borda scores among the
    permissible options (:func:`engine.rules.ordinal.rank_ordinal_theories`)."""
    if not any(settings.ordinal):
        return cw
    return rank_ordinal_theories(
        cw, np.array(settings.ordinal), settings.options.tolerance, permissible
    )


def _rule_top(
    compiled: CompiledProblem,
    settings: Settings,
    choice: BatchChoice,
    cw: np.ndarray,
    ranked: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    evaluation: Evaluation,
    rows: np.ndarray,
    criteria: np.ndarray | None,
) -> np.ndarray:
    """(rows, A): the options a ``rule`` policy's own rule ranks top, ties included (its
    incomparable options where it cannot rank them), :func:`judge_policy`. ``cw`` is the
    choiceworthiness of all rows, ``ranked`` that of ``rows`` as the rules see it."""
    policy = settings.policy
    assert policy is not None
    own_rule = policy.rule or "mec"
    own_norm = policy.normalisation or DEFAULT_NORMALISATION.get(own_rule, "none")
    own_names = settings.criteria_names
    if own_rule in ("lexicographic", "pareto") and criteria is None:
        own_names = policy.principles
    own = choice
    if (own_rule, own_norm, own_names) != (
        settings.rule,
        settings.normalisation,
        settings.criteria_names,
    ):
        options = settings.options
        crit = _criteria(compiled, own_names, evaluation, cw, rows)
        if crit is not None:
            options = dataclasses.replace(options, criteria=crit)
        own = aggregate_batch(
            own_rule,
            ranked,
            credences[rows],
            permissible[rows],
            own_norm,
            options,
            compiled.options,
            None,
        )
    incomparable = own.incomparable.any(axis=1)
    top = np.where(incomparable[:, None], own.incomparable, own.ties)
    best = np.flatnonzero((own.chosen >= 0) & ~incomparable)
    top[best, own.chosen[best]] = True
    return top


def _lexical_top(
    compiled: CompiledProblem,
    settings: Settings,
    evaluation: Evaluation,
    cw: np.ndarray,
    permissible: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """(rows, A): the permissible options within tolerance of the best on each principle in
    turn (:func:`engine.rules.lexical.lexical_best`; the tolerance of a principle is taken
    over all options, as :func:`engine.decision.policy.policy_verdict` does)."""
    criteria = _criteria(compiled, settings.criteria_names, evaluation, cw, rows)
    candidates = permissible[rows].copy()
    if criteria is None:
        return candidates
    values = comparable(criteria)
    finite = np.where(np.isfinite(criteria), np.abs(criteria), 0.0)
    tol = settings.options.tolerance * np.maximum(1.0, finite.max(axis=1, initial=0.0))
    for k in range(criteria.shape[2]):
        column = values[:, :, k]
        best = np.max(np.where(candidates, column, -np.inf), axis=1, keepdims=True)
        candidates &= (column == best) | (column >= best - tol[:, k : k + 1])
    return candidates


def _verdict(
    top: np.ndarray, permissible: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(policy_consistent as -1 / 0 / 1, policy_silent) per row: the policy is silent where it
    singles out several options or nothing is permissible; else the choice is consistent
    when it is the one it singles out (:func:`engine.decision.policy.policy_verdict`)."""
    silent = ~permissible.any(axis=1) | (top.sum(axis=1) > 1)
    ok = chosen >= 0
    picked = np.zeros(len(chosen), dtype=bool)
    picked[ok] = top[np.flatnonzero(ok), chosen[ok]]
    consistent = np.where(silent | ~ok, -1, picked.astype(np.int8))
    return consistent.astype(np.int8), silent
