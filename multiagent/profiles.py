"""Profiles of agents' scores and what every social-choice rule returns: the checks on a profile,
indifference within tolerance, and winner and ties from a rule's scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import PhronesisError
from engine.rules.base import TIE_TOLERANCE


class ProfileError(PhronesisError, ValueError):
    """A profile of scores or weights has the wrong shape or values."""


@dataclass(frozen=True, slots=True)
class SocialChoice:
    """The outcome of a social-choice rule for each group.

    ``scores`` (..., A): the rule's score of each option (larger is better; -inf marks an
    option the rule excludes). ``winner`` (...,): the lowest-index best option, or -1 when the
    rule names none (no Condorcet winner; no option every agent prefers to the disagreement
    point). ``tied`` (..., A): the options within tolerance of the best score (for
    ``condorcet``, the Smith set). ``pairwise`` (..., A, A): the weight of agents strictly
    preferring a to b (majority rules only). ``smith`` (..., A): the Smith set (the smallest
    set of options each beating every option outside it). ``cycle`` (..., A): one majority
    cycle inside the Smith set, each option beating the next and the last beating the first,
    padded with -1 (all -1 when there is none). ``note`` says in words what the rule could
    not do as stated.
    """

    rule: str
    scores: np.ndarray
    winner: np.ndarray
    tied: np.ndarray
    pairwise: np.ndarray | None = None
    smith: np.ndarray | None = None
    cycle: np.ndarray | None = None
    note: str = ""

    def cycle_at(self, *group: int) -> tuple[int, ...]:
        """The majority cycle of one group as a tuple of options (empty when none)."""
        if self.cycle is None:
            return ()
        return tuple(int(o) for o in self.cycle[group] if o >= 0)


SocialChoiceRule = Callable[..., SocialChoice]


def check_profile(
    scores: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``scores`` as a float array (..., N, A) and ``weights`` broadcast to (..., N), checked.

    Scores must be finite or NaN (unavailable); weights finite and >= 0.

    Examples
    --------
    >>> s, w = check_profile(np.zeros((2, 3)))
    >>> w.tolist()
    [1.0, 1.0]
    """
    s = np.asarray(scores, dtype=float)
    if s.ndim < 2 or 0 in s.shape[-2:]:
        raise ProfileError(
            f"scores: expected an array (..., agents, options) with at least one agent and "
            f"one option, found shape {s.shape}"
        )
    if np.isinf(s).any():
        raise ProfileError("scores: expected finite numbers or NaN (unavailable), found inf")
    w = np.ones(s.shape[:-1]) if weights is None else np.asarray(weights, dtype=float)
    try:
        w = np.broadcast_to(w, s.shape[:-1])
    except ValueError:
        raise ProfileError(
            f"weights: expected shape {s.shape[:-1]} (one per agent), found {w.shape}"
        ) from None
    if not np.isfinite(w).all() or (w < 0).any():
        raise ProfileError(
            "weights: expected finite stakes >= 0, found a negative, infinite or NaN one"
        )
    return s, w


def agent_tolerance(s: np.ndarray) -> np.ndarray:
    """(..., N): the absolute tolerance within which agent n is indifferent."""
    finite = np.where(np.isnan(s), 0.0, np.abs(s))
    return TIE_TOLERANCE * np.maximum(1.0, finite.max(axis=-1))


def ranked_scores(s: np.ndarray) -> np.ndarray:
    """Scores with NaN as -inf: unavailable options rank last, tied among themselves."""
    return np.where(np.isnan(s), -np.inf, s)


def choice_result(
    rule: str, scores: np.ndarray, note: str = "", **extras: np.ndarray
) -> SocialChoice:
    """Winner and ties from the rule's scores, (..., A); -inf everywhere names no winner."""
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    tol = TIE_TOLERANCE * np.maximum(1.0, finite.max(axis=-1))[..., None]
    best = scores.max(axis=-1, keepdims=True)
    tied = ((scores == best) | (scores >= best - tol)) & (best > -np.inf)
    winner = np.where(tied.any(axis=-1), np.argmax(tied, axis=-1), -1)
    return SocialChoice(rule, scores, winner, tied, note=note, **extras)
