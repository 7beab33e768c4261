"""Row-batched Nash bargaining between theories (:mod:`engine.rules.bargaining`, where the
sources are cited). Arrays are option-major (:mod:`engine.kernel.masked`)."""

from __future__ import annotations

import numpy as np

from engine.kernel.masked import dot_theories, masked_favourites, masked_tolerance
from engine.kernel.rule_batch import RuleBatch
from engine.kernel.rules_credence import mec_batch
from engine.rules.base import RuleOptions


def disagreement_batch(
    cw: np.ndarray, credences: np.ndarray, permissible: np.ndarray, kind: str, relative: float
) -> np.ndarray:
    """d (T, N) (:func:`~engine.rules.bargaining.disagreement_point`): the worst permissible
    CW_T, or the random-dictator point sum_a P(a chosen) CW_T(a) over the permissible a."""
    marked = permissible[:, None, :]
    if kind == "worst":
        return np.min(np.where(marked, cw, np.inf), axis=0)
    right = masked_favourites(cw, permissible, relative)
    dictator = dot_theories(right / right.sum(axis=0), credences)  # (A, N)
    return np.sum(np.where(marked, dictator[:, None, :] * cw, 0.0), axis=0)


def nash_batch(
    cw: np.ndarray,
    credences: np.ndarray,
    permissible: np.ndarray,
    normalisation: str,
    options: RuleOptions,
) -> RuleBatch:
    """Asymmetric Nash bargaining (:func:`~engine.rules.bargaining.nash_bargaining`):
    score(a) = prod_T max(CW_T(a) - d_T, 0) ** C(T) over each row's active theories (credence
    > 0, not indifferent among the permissible options), accumulated as a sum of logs theory
    by theory; -1 where not individually rational, 0 where no strict gain; MEC as tie-break.
    The per-row ``note`` is not reproduced (it annotates the rows where no score is
    positive)."""
    marked = permissible[:, None, :]
    d = disagreement_batch(cw, credences, permissible, options.disagreement, options.tolerance)
    tol = masked_tolerance(cw, marked, options.tolerance)  # (T, N)
    spread = np.max(np.where(marked, cw, -np.inf), axis=0) - np.min(
        np.where(marked, cw, np.inf), axis=0
    )
    active = (credences > 0) & (spread > tol)
    log_product = np.zeros(permissible.shape)
    strict = np.ones(permissible.shape, dtype=bool)
    rational = np.ones(permissible.shape, dtype=bool)
    for t in range(cw.shape[1]):
        on = active[t]
        gain = cw[:, t] - d[t]
        strict &= ~on | (gain > tol[t])
        rational &= ~on | (gain >= -tol[t])
        step = credences[t] * np.log(np.where(gain > tol[t], gain, 1.0))
        log_product = np.where(on, log_product + step, log_product)
    scores = np.where(strict, np.exp(log_product), 0.0)
    scores = np.where(rational, scores, -1.0)
    mec = mec_batch(cw, credences, permissible, normalisation, options)
    return RuleBatch(scores=scores, tiebreak=mec.scores)
