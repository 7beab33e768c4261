"""Aggregation and choice for N rows at once (shared/DESIGN.md, "Compiled problems and the
decision kernel"; "Decision semantics" steps 5 and 6).

:func:`aggregate_batch` is the row-batched form of :func:`engine.decision.choice.choose`: each
row's rule applied to that row's permissible options (:func:`engine.decision.aggregation.
aggregate_options`), the best chosen by score, then tie-break score, then option name
(:func:`engine.rules.registry.ranking`), the options tied with it
(:func:`engine.rules.registry.tied_with_best`), and an abstention when nothing is permissible
or the top options are incomparable without a tie-break. Every rule is a closed form over the
row axis (see the ``*_batch`` rules); Python loops run only over options, theories, criteria
or lexical levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from engine.kernel.masked import masked_max, masked_tolerance, within
from engine.kernel.rule_batch import BatchedRule, RuleBatch
from engine.kernel.rules_bargaining import nash_batch
from engine.kernel.rules_credence import (
    borda_batch,
    mec_batch,
    mfo_batch,
    mft_batch,
    parliament_batch,
)
from engine.kernel.rules_order import lexicographic_batch, pareto_batch
from engine.kernel.rules_robust import median_batch, trimmed_mean_batch
from engine.rules.base import DEFAULT_OPTIONS, RuleOptions, comparable, normalisers
from engine.rules.registry import LINEAR_RULES, get_rule

#: the row-batched form of every rule in :data:`engine.rules.registry.RULES`
BATCHED_RULES: dict[str, BatchedRule] = {
    "mec": mec_batch,
    "mft": mft_batch,
    "mfo": mfo_batch,
    "borda": borda_batch,
    "parliament": parliament_batch,
    "nash": nash_batch,
    "trimmed-mean": trimmed_mean_batch,
    "median": median_batch,
    "lexicographic": lexicographic_batch,
    "pareto": pareto_batch,
}


class Abstention(IntEnum):
    """Why a row chose nothing: the codes of :attr:`BatchChoice.abstention`."""

    NONE = 0
    NOTHING_PERMISSIBLE = 1
    INCOMPARABLE = 2


@dataclass(frozen=True, slots=True)
class BatchChoice:
    """The aggregate and the choice of N rows over A options and T theories.

    ``scores`` (N, A): the rule's score of each permissible option, NaN at impermissible ones
    (and in rows with nothing permissible). ``chosen`` (N,): the chosen option's index, -1
    where the row abstains; ``abstention`` (N,) int8: an :class:`Abstention` code.
    ``ties`` (N, A): the options other than the chosen one whose score (and tie-break score)
    ties the chosen one's (empty when the option was drawn, or the top options were
    incomparable). ``incomparable`` (N, A): the undominated options of a row whose top options
    the rule does not rank (Pareto), whether or not a tie-break then chose among them.
    ``chances`` (N, A): the parliament's chances (0 at impermissible options and in rows with
    nothing permissible), else None. ``theory_weights`` (N, T): k_T with score =
    const + sum_T k_T CW_T for the linear rules (MEC, MFT), NaN in rows with nothing
    permissible, else None. ``tiebreak`` (N, A): the score that separates equal scores (MEC),
    NaN where ``scores`` is, or None.
    """

    scores: np.ndarray
    chosen: np.ndarray
    abstention: np.ndarray
    ties: np.ndarray
    incomparable: np.ndarray
    chances: np.ndarray | None
    theory_weights: np.ndarray | None
    tiebreak: np.ndarray | None


def aggregate_batch(
    rule: str,
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions = DEFAULT_OPTIONS,
    names: tuple[str, ...] | None = None,
    tie_break: str | None = None,
) -> BatchChoice:
    """Aggregate and choose for every row: row n equals
    ``choose`` on the permissible options of ``cw[n]`` under ``credences[n]``.

    Parameters
    ----------
    rule, normalisation
        A rule of :data:`engine.rules.registry.RULES` and a normalisation
        (:data:`~engine.rules.base.NORMALISATIONS`).
    cw
        (N, A, T) choiceworthiness of every option under every theory, per row.
    credences
        (N, T) credences per row (or (T,), shared); each row needs a positive credence.
    permissible
        (N, A) bool: the options each row may choose among.
    options
        The rules' settings (:class:`~engine.rules.base.RuleOptions`); ``criteria``, if given,
        covers all A options, (A, K) or per row (N, A, K).
    names
        The option names that break remaining ties (the index order if None).
    tie_break
        ``"name"`` chooses among incomparable top options by name instead of abstaining
        (any tie-break of :data:`engine.decision.settings.TIE_BREAKS`, checked where the
        settings are resolved; the kernel does not import :mod:`engine.decision`, which
        will call it).

    Non-finite choiceworthiness gives what the per-row rules give (NaN ranks last) and never
    warns.

    Examples
    --------
    >>> cw = np.array([[[10.0, 0.0], [0.0, 1.0]], [[10.0, 0.0], [0.0, 1.0]]])
    >>> c = np.array([[0.2, 0.8], [0.9, 0.1]])
    >>> ok = np.array([[True, True], [False, True]])
    >>> out = aggregate_batch("mec", cw, c, ok, "none", names=("a", "b"))
    >>> out.chosen.tolist(), out.scores.round(12).tolist()
    ([0, 1], [[2.0, 0.8], [nan, 0.1]])
    >>> none = aggregate_batch("mec", cw, c, np.zeros((2, 2), bool), "none")
    >>> none.chosen.tolist(), none.abstention.tolist()
    ([-1, -1], [1, 1])
    """
    cw = np.asarray(cw, dtype=float)
    n, _, t = cw.shape
    credences = np.asarray(credences, dtype=float)
    if credences.ndim == 1:
        credences = np.broadcast_to(credences, (n, t))
    # option-major copies (engine.kernel.masked): every reduction over options or theories
    # becomes elementwise arithmetic on contiguous row vectors
    return aggregate_option_major(
        rule,
        np.ascontiguousarray(cw.transpose(1, 2, 0)),
        np.ascontiguousarray(credences.T),
        np.ascontiguousarray(np.asarray(permissible, dtype=bool).T),
        normalisation,
        options,
        names,
        tie_break,
    )


def aggregate_option_major(
    rule: str,
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions = DEFAULT_OPTIONS,
    names: tuple[str, ...] | None = None,
    tie_break: str | None = None,
) -> BatchChoice:
    """:func:`aggregate_batch` for arrays already option-major, without the copies: ``cw``
    (A, T, N), ``credences`` (T, N), ``permissible`` (A, N), each C-contiguous (a kernel that
    computes choiceworthiness in this layout saves the transposition). The result is
    row-major, as :func:`aggregate_batch`'s."""
    get_rule(rule)
    normalisers(np.zeros((1, 1)), normalisation)
    rank = _name_rank(names, cw.shape[0])
    with np.errstate(all="ignore"):
        batch = BATCHED_RULES[rule](cw, credences, permissible, normalisation, options)
        return _choose(rule, batch, permissible, rank, tie_break)


def _name_rank(names: tuple[str, ...] | None, count: int) -> np.ndarray:
    """Each option's place in name order (equal names in index order, as ``min`` keeps the
    first)."""
    if names is None:
        return np.arange(count)
    rank = np.empty(count, dtype=np.int64)
    rank[sorted(range(count), key=lambda i: names[i])] = np.arange(count)
    return rank


def _choose(
    rule: str,
    batch: RuleBatch,
    permissible: np.ndarray,
    rank: np.ndarray,
    tie_break: str | None,
) -> BatchChoice:
    """The first option of each row's ranking, its ties and the abstentions (option-major
    in, row-major out)."""
    any_permissible = permissible.any(axis=0)
    rows = np.arange(permissible.shape[1])
    scores = comparable(batch.scores)
    tol = masked_tolerance(scores, permissible)
    tied = permissible & within(scores, masked_max(scores, permissible), tol)
    if batch.tiebreak is not None:
        second = comparable(batch.tiebreak)
        tol_second = masked_tolerance(second, permissible)
        tied &= within(second, masked_max(second, tied), tol_second)
    first = np.argmin(np.where(tied, rank[:, None], np.iinfo(np.int64).max), axis=0)
    if batch.drawn is not None:
        first = batch.drawn
        ties = np.zeros(permissible.shape, dtype=bool)
    else:
        ties = permissible & within(scores, scores[first, rows], tol)
        if batch.tiebreak is not None:
            ties &= within(second, second[first, rows], tol_second)
        ties[first, rows] = False

    incomparable = np.zeros(permissible.shape, dtype=bool)
    if batch.incomparable is not None:
        incomparable = batch.incomparable & any_permissible
    unranked = incomparable.any(axis=0)
    abstention = np.where(any_permissible, Abstention.NONE, Abstention.NOTHING_PERMISSIBLE)
    if tie_break is None:
        abstention = np.where(unranked, Abstention.INCOMPARABLE, abstention)
    abstention = abstention.astype(np.int8)
    chosen = np.where(abstention == Abstention.NONE, first, -1).astype(np.int64)
    ties &= ~unranked & (abstention == Abstention.NONE)

    def row_major(values: np.ndarray | None, fill: float = np.nan) -> np.ndarray | None:
        if values is None:
            return None
        return np.ascontiguousarray(np.where(permissible, values, fill).T)

    weights = None
    if rule in LINEAR_RULES and batch.theory_weights is not None:
        weights = np.ascontiguousarray(np.where(any_permissible, batch.theory_weights, np.nan).T)
    return BatchChoice(
        scores=row_major(batch.scores),
        chosen=chosen,
        abstention=abstention,
        ties=np.ascontiguousarray(ties.T),
        incomparable=np.ascontiguousarray(incomparable.T),
        chances=row_major(batch.chances, 0.0),
        theory_weights=weights,
        tiebreak=row_major(batch.tiebreak),
    )
