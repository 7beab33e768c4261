"""What a batched rule returns: the row-batched form of :class:`engine.rules.base.Aggregate`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.rules.base import RuleOptions


@dataclass(frozen=True, slots=True)
class RuleBatch:
    """A rule's aggregate for N rows over A options (values at options a row does not mark are
    unspecified; the caller masks them).

    Option-major (:mod:`engine.kernel.masked`): ``scores`` (A, N); ``tiebreak`` (A, N) or None;
    ``theory_weights`` (T, N) for linear rules;
    ``chances`` (A, N) for the parliament; ``drawn`` (N,) option index when it drew one;
    ``incomparable`` (A, N) bool, the undominated options of rows whose top options the rule
    does not rank, or None.
    """

    scores: np.ndarray
    tiebreak: np.ndarray | None = None
    theory_weights: np.ndarray | None = None
    chances: np.ndarray | None = None
    drawn: np.ndarray | None = None
    incomparable: np.ndarray | None = None


#: rule(cw (A, T, N), credences (T, N), permissible (A, N), normalisation, options) -> RuleBatch
BatchedRule = Callable[[np.ndarray, np.ndarray, np.ndarray, str, RuleOptions], RuleBatch]
