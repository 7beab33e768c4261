"""Row-batched rules over several criteria with no trade-offs: lexical priority and Pareto
dominance (:mod:`engine.rules.lexical`, where the sources are cited).

The criteria are ``options.criteria`` over all A options, (A, K) shared by every row or
(N, A, K) per row, or by default each row's theories of positive credence in decreasing
order of credence. Rows may give positive credence to different theories, so the default
criteria are all T theories in each row's order with a mask (T, N) of the criteria that
exist in each row; a criterion a row lacks neither separates nor ties anything. Arrays are
option-major (:mod:`engine.kernel.masked`): criteria (A, K, N).
"""

from __future__ import annotations

import numpy as np

from engine.kernel.masked import masked_max, masked_tolerance, within
from engine.kernel.rule_batch import RuleBatch
from engine.kernel.rules_credence import mec_batch
from engine.rules.base import RuleOptions, comparable


def batch_criteria(
    cw: np.ndarray, credences: np.ndarray, options: RuleOptions
) -> tuple[np.ndarray, np.ndarray]:
    """(criteria (A, K, N), present (K, N)): ``options.criteria`` for every row, or the
    theories by decreasing credence (stable; :func:`~engine.rules.lexical.default_criteria`)
    with the theories of credence 0, sorted last, marked absent."""
    a, _, n = cw.shape
    if options.criteria is not None:
        given = np.asarray(options.criteria, dtype=float)
        if given.ndim == 2:
            criteria = np.broadcast_to(given[:, :, None], (*given.shape, n))
        else:
            criteria = given.transpose(1, 2, 0)
        return criteria, np.ones(criteria.shape[1:], dtype=bool)
    order = np.argsort(-credences, axis=0, kind="stable")  # (T, N)
    criteria = np.take_along_axis(cw, np.broadcast_to(order, cw.shape), axis=1)
    return criteria, np.take_along_axis(credences, order, axis=0) > 0


def _lexical_best(
    values: np.ndarray, present: np.ndarray, tol: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """The candidates within tolerance of the best candidate on each present criterion in turn
    (:func:`~engine.rules.lexical.lexical_best`); ``values`` is comparable (no NaN)."""
    for k in range(values.shape[1]):
        column = values[:, k]
        keep = candidates & within(column, masked_max(column, candidates), tol[k])
        candidates = np.where(present[k], keep, candidates)
    return candidates


def lexicographic_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Lexical priority (:func:`~engine.rules.lexical.lexicographic`): score(a) = -(the
    indifference class of a), the classes peeled off best first, one level per pass over all
    rows (at most A passes), MEC as tie-break."""
    criteria, present = batch_criteria(cw, credences, options)
    tol = masked_tolerance(criteria, permissible[:, None, :], options.tolerance)
    values = comparable(criteria)
    scores = np.zeros(permissible.shape)
    remaining = permissible.copy()
    level = 0
    while remaining.any():
        best = _lexical_best(values, present, tol, remaining)
        scores[best] = -level
        remaining &= ~best
        level += 1
    mec = mec_batch(cw, credences, permissible, normalisation, options)
    return RuleBatch(scores=scores, tiebreak=mec.scores)


def pareto_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Pareto dominance (:func:`~engine.rules.lexical.pareto`): score(a) = -#{b : b dominates
    a}, b dominating a iff c_k(b) >= c_k(a) - tol_k on every criterion and > c_k(a) + tol_k on
    one, by an (A, A, K, N) comparison. The undominated options are ``incomparable`` in rows
    where one of them differs from the first beyond tolerance on a criterion."""
    criteria, present = batch_criteria(cw, credences, options)
    values = comparable(criteria)
    tol = masked_tolerance(values, permissible[:, None, :], options.tolerance)  # (K, N)
    mine = values[:, None]  # [a, b, k, n] = c_k(a)
    theirs = values[None, :]  # [a, b, k, n] = c_k(b)
    absent = ~present
    weakly = np.all(absent | (theirs >= mine - tol), axis=2)
    strictly = np.any(~absent & (theirs > mine + tol), axis=2)
    dominated_by = (permissible[None, :] & weakly & strictly).sum(axis=1)
    undominated = permissible & (dominated_by == 0)
    first_index = np.argmax(undominated, axis=0)[None, None, :]
    first = np.take_along_axis(values, np.broadcast_to(first_index, (1, *tol.shape)), axis=0)
    close = (values == first) | (np.abs(values - first) <= tol)
    equal = np.all(~undominated[:, None, :] | absent | close, axis=(0, 1))
    return RuleBatch(scores=-dominated_by.astype(float), incomparable=undominated & ~equal)
