"""Collective choice: social-choice rules over a profile of agents' scores (issue 12, item 2).

A profile is ``scores`` of shape (..., N, A): agent n's aggregated choiceworthiness of option a,
with NaN for an option not available to that agent (it ranks below every available option).
Leading axes are independent groups (junctions, wards) decided at once. ``weights`` (..., N),
or (N,), are the agents' stakes (>= 0; 1 each by default). Every rule returns a
:class:`SocialChoice`; :data:`SOCIAL_CHOICE_RULES` maps a short name to each rule, and a user
may add their own (any callable ``rule(scores, weights=None, **options) -> SocialChoice``).

Ties: agent n is indifferent between a and b when their scores differ by at most
``TIE_TOLERANCE * max(1, max_a |score_n(a)|)``; a rule's scores tie within the same relative
tolerance. The winner is the lowest-index option among the tied best; ``tied`` reports them all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import PhronesisError, PolicyError
from engine.rules.base import TIE_TOLERANCE, normalise


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


# -- the profile at the boundary ---------------------------------------------------------------


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


def _agent_tolerance(s: np.ndarray) -> np.ndarray:
    """(..., N): the absolute tolerance within which agent n is indifferent."""
    finite = np.where(np.isnan(s), 0.0, np.abs(s))
    return TIE_TOLERANCE * np.maximum(1.0, finite.max(axis=-1))


def _ranked(s: np.ndarray) -> np.ndarray:
    """Scores with NaN as -inf: unavailable options rank last, tied among themselves."""
    return np.where(np.isnan(s), -np.inf, s)


def _result(rule: str, scores: np.ndarray, note: str = "", **extras: np.ndarray) -> SocialChoice:
    """Winner and ties from the rule's scores, (..., A); -inf everywhere names no winner."""
    finite = np.where(np.isfinite(scores), np.abs(scores), 0.0)
    tol = TIE_TOLERANCE * np.maximum(1.0, finite.max(axis=-1))[..., None]
    best = scores.max(axis=-1, keepdims=True)
    tied = ((scores == best) | (scores >= best - tol)) & (best > -np.inf)
    winner = np.where(tied.any(axis=-1), np.argmax(tied, axis=-1), -1)
    return SocialChoice(rule, scores, winner, tied, note=note, **extras)


# -- positional rules --------------------------------------------------------------------------


def plurality(scores: np.ndarray, weights: np.ndarray | None = None) -> SocialChoice:
    """Plurality: score(a) = sum_n w_n top_n(a) / |top_n|, top_n the agent's best options.

    An agent with several best options splits its vote equally; an agent with no available
    option abstains (Pacuit 2019, "Voting Methods", Stanford Encyclopedia of Philosophy, 2.1).

    Examples
    --------
    >>> r = plurality(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 1.0], [4.0, 0.0, 0.0]]))
    >>> r.scores.tolist(), int(r.winner)
    ([2.0, 1.0, 0.0], 0)
    """
    s, w = check_profile(scores, weights)
    ranked = _ranked(s)
    top = (ranked >= ranked.max(axis=-1, keepdims=True) - _agent_tolerance(s)[..., None]) & (
        ~np.isnan(s)
    )
    share = top / np.maximum(top.sum(axis=-1, keepdims=True), 1)
    return _result("plurality", np.einsum("...n,...na->...a", w, share))


def borda(scores: np.ndarray, weights: np.ndarray | None = None) -> SocialChoice:
    """Borda count: score(a) = sum_n w_n B_n(a), with ties averaged,

        B_n(a) = #{b : a >_n b} + 1/2 #{b != a : a ~_n b}   (0 for last, A - 1 for first),

    the mean of the positions the tied options share (Borda 1781; Saari 1995, *Basic Geometry
    of Voting*, ch. 1). Unavailable options tie for last place.

    Examples
    --------
    >>> r = borda(np.array([[3.0, 2.0, 1.0], [1.0, 3.0, 3.0]]))
    >>> r.scores.tolist(), int(r.winner)
    ([2.0, 2.5, 1.5], 1)
    """
    s, w = check_profile(scores, weights)
    ranked, tol = _ranked(s), _agent_tolerance(s)[..., None]
    points = np.empty(s.shape)
    for a in range(s.shape[-1]):
        below = (ranked[..., a, None] > ranked + tol).sum(axis=-1)
        above = (ranked > ranked[..., a, None] + tol).sum(axis=-1)
        points[..., a] = (s.shape[-1] - 1 + below - above) / 2
    return _result("borda", np.einsum("...n,...na->...a", w, points))


def approval(
    scores: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    threshold: float | np.ndarray | None = None,
    within: float | None = None,
) -> SocialChoice:
    """Approval voting: score(a) = sum_n w_n [agent n approves a]; n approves an available
    option a when score_n(a) >= t_n (within the agent's tie tolerance), where

    - ``threshold`` given (a number or one per agent, (..., N)): t_n = threshold_n;
    - ``within`` given: t_n = max_b score_n(b) - within (options within ``within`` of the
      agent's best; ``within=0`` approves its favourites only);
    - neither: t_n = the mean of the agent's available scores, the sincere strategy of
      Brams & Fishburn 1978, "Approval voting", APSR 72(3) (an agent always approves its best).

    Examples
    --------
    >>> s = np.array([[3.0, 2.0, 0.0], [0.0, 2.0, 3.0]])
    >>> approval(s).scores.tolist(), approval(s, within=0.5).scores.tolist()
    ([1.0, 2.0, 1.0], [1.0, 0.0, 1.0])
    """
    s, w = check_profile(scores, weights)
    if threshold is not None and within is not None:
        raise ProfileError("approval: give threshold or within, not both")
    available = ~np.isnan(s)
    if threshold is not None:
        t = np.asarray(threshold, dtype=float)
        try:
            t = np.broadcast_to(t, s.shape[:-1])
        except ValueError:
            raise ProfileError(
                f"threshold: expected a number or shape {s.shape[:-1]}, found {t.shape}"
            ) from None
        if not np.isfinite(t).all():
            raise ProfileError("threshold: expected finite numbers, found inf or NaN")
    elif within is not None:
        if not within >= 0:
            raise ProfileError(f"within: expected a number >= 0, found {within!r}")
        t = _ranked(s).max(axis=-1) - within
    else:
        count = available.sum(axis=-1)
        t = np.where(available, s, 0.0).sum(axis=-1) / np.maximum(count, 1)
    approves = available & (s >= (t - _agent_tolerance(s))[..., None])
    return _result("approval", np.einsum("...n,...na->...a", w, approves.astype(float)))


# -- majority rules ----------------------------------------------------------------------------


def pairwise_preferences(scores: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """P[..., a, b] = sum_n w_n [a >_n b], the weight of agents strictly preferring a to b.

    Examples
    --------
    >>> pairwise_preferences(np.array([[2.0, 1.0], [np.nan, 0.0]])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    s, w = check_profile(scores, weights)
    ranked, tol = _ranked(s), _agent_tolerance(s)[..., None]
    matrix = np.empty(s.shape[:-2] + (s.shape[-1], s.shape[-1]))
    for a in range(s.shape[-1]):
        prefers = ranked[..., a, None] > ranked + tol
        matrix[..., a, :] = np.einsum("...n,...nb->...b", w, prefers.astype(float))
    return matrix


def _beats(pairwise: np.ndarray) -> np.ndarray:
    """beats[..., a, b]: a majority (by weight) strictly prefers a to b, beyond tolerance."""
    margin = pairwise - np.swapaxes(pairwise, -1, -2)
    total = np.abs(pairwise).sum(axis=(-1, -2))
    tol = TIE_TOLERANCE * np.maximum(1.0, total)[..., None, None]
    return margin > tol


def copeland(scores: np.ndarray, weights: np.ndarray | None = None) -> SocialChoice:
    """Copeland: score(a) = #{b : a beats b} - #{b : b beats a} in pairwise majority
    (Copeland 1951; Pacuit 2019, "Voting Methods", SEP, 2.3). ``pairwise`` holds P[a, b].

    Examples
    --------
    >>> s = np.array([[3.0, 2.0, 1.0], [3.0, 1.0, 2.0], [1.0, 3.0, 2.0]])
    >>> copeland(s).scores.tolist()
    [2.0, 0.0, -2.0]
    """
    pairwise = pairwise_preferences(scores, weights)
    beats = _beats(pairwise)
    points = beats.sum(axis=-1) - beats.sum(axis=-2)
    return _result("copeland", points.astype(float), pairwise=pairwise)


def smith_set(beats: np.ndarray) -> np.ndarray:
    """(..., A) mask of the Smith set: the options that reach every option through the
    relation "is not beaten by" (its transitive closure, by Warshall's algorithm). It is the
    smallest non-empty set whose members all beat every non-member (Smith 1973,
    "Aggregation of preferences with variable electorate", Econometrica 41(6)).

    Examples
    --------
    >>> beats = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=bool)
    >>> smith_set(beats).tolist()
    [True, True, True]
    """
    reach = ~np.swapaxes(beats, -1, -2)
    for k in range(reach.shape[-1]):
        reach = reach | (reach[..., :, k, None] & reach[..., None, k, :])
    return reach.all(axis=-1)


def _cycle(beats: np.ndarray, members: np.ndarray) -> list[int]:
    """A shortest cycle of ``beats`` (A, A) among ``members`` through the lowest-index member
    on one (breadth-first search); empty when the strict relation has none there."""
    nodes = np.flatnonzero(members)
    for start in nodes:
        parent = {int(start): -1}
        queue = deque([int(start)])
        while queue:
            a = queue.popleft()
            for b in nodes:
                if not beats[a, b]:
                    continue
                if b == start:
                    path = [a]
                    while parent[path[-1]] != -1:
                        path.append(parent[path[-1]])
                    return path[::-1]
                if int(b) not in parent:
                    parent[int(b)] = a
                    queue.append(int(b))
    return []


def condorcet(scores: np.ndarray, weights: np.ndarray | None = None) -> SocialChoice:
    """Condorcet winner (an option beating every other in pairwise majority), else none
    (``winner`` -1) with the Smith set (top cycle) and one explicit majority cycle reported
    (Condorcet 1785; Smith 1973; Pacuit 2019, "Voting Methods", SEP, 2.3). ``scores`` is 1 on
    the Smith set and 0 elsewhere, so ``tied`` is the Smith set.

    Examples
    --------
    The Condorcet paradox: a > b > c, b > c > a, c > a > b.

    >>> s = np.array([[3.0, 2.0, 1.0], [1.0, 3.0, 2.0], [2.0, 1.0, 3.0]])
    >>> r = condorcet(s)
    >>> int(r.winner), r.smith.tolist(), r.cycle_at()
    (-1, [True, True, True], (0, 1, 2))
    """
    pairwise = pairwise_preferences(scores, weights)
    beats = _beats(pairwise)
    smith = smith_set(beats)
    n_options = smith.shape[-1]
    cycle = np.full(smith.shape, -1)
    flat_beats = beats.reshape(-1, n_options, n_options)
    flat_cycle = cycle.reshape(-1, n_options)
    for g, members in enumerate(smith.reshape(-1, n_options)):
        if members.sum() > 2:
            found = _cycle(flat_beats[g], members)
            flat_cycle[g, : len(found)] = found
    unique = smith.sum(axis=-1) == 1
    winner = np.where(unique, np.argmax(smith, axis=-1), -1)
    note = "" if unique.all() else "no Condorcet winner in some groups; see smith and cycle"
    return SocialChoice(
        "condorcet", smith.astype(float), winner, smith, pairwise, smith, cycle, note
    )


# -- cardinal rules ----------------------------------------------------------------------------


def stake_weighted_mec(
    scores: np.ndarray, weights: np.ndarray | None = None, *, normalisation: str = "range"
) -> SocialChoice:
    """Expected choiceworthiness across agents: score(a) = sum_n w_n s'_n(a), where
    s'_n = (s_n - centre_n) / scale_n is agent n's scores normalised over its available
    options as :func:`engine.rules.base.normalise` does for theories (``none`` | ``range`` |
    ``variance``; MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4; Cotton-Barratt,
    MacAskill & Ord 2020, J. Philosophy 117(2)), the agents standing in for theories and their
    stakes for credences (Harsanyi 1955, weighted utilitarian aggregation). An unavailable
    option counts as the agent's worst available one; an indifferent agent contributes 0.

    Examples
    --------
    >>> s = np.array([[0.0, 10.0, 5.0], [1.0, 0.0, 0.9]])
    >>> stake_weighted_mec(s, np.array([1.0, 2.0])).scores.round(6).tolist()
    [2.0, 1.0, 2.3]
    """
    s, w = check_profile(scores, weights)
    available = ~np.isnan(s)
    normalised = normalise(s[..., None], normalisation, available)[..., 0]
    worst = np.where(available, normalised, np.inf).min(axis=-1, keepdims=True)
    normalised = np.where(available, normalised, worst)
    normalised = np.where(available.any(axis=-1, keepdims=True), normalised, 0.0)
    return _result("mec", np.einsum("...n,...na->...a", w, normalised))


def nash_bargaining(
    scores: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    disagreement: np.ndarray | None = None,
) -> SocialChoice:
    """Asymmetric Nash bargaining over options: score(a) = sum_n w_n log(s_n(a) - d_n) on
    the options every agent with w_n > 0 strictly prefers to its disagreement point d_n, -inf
    elsewhere (Nash 1950, "The bargaining problem", Econometrica 18(2); Kalai 1977 for the
    weighted form). d_n defaults to the agent's worst available option; agents indifferent
    among their options then do not bargain. An unavailable option gains an agent nothing.
    ``winner`` is -1 (disagreement) in a group where no option beats d for every agent,
    and ``note`` says so. We bargain over options, not lotteries.

    Examples
    --------
    >>> s = np.array([[4.0, 3.0, 0.0], [0.0, 3.0, 4.0]])
    >>> r = nash_bargaining(s)
    >>> r.scores.round(4).tolist(), int(r.winner)
    ([-inf, 2.1972, -inf], 1)
    """
    s, w = check_profile(scores, weights)
    available = ~np.isnan(s)
    tol = _agent_tolerance(s)
    active = w > 0
    if disagreement is None:
        d = np.where(available, s, np.inf).min(axis=-1)
        high = np.where(available, s, -np.inf).max(axis=-1)
        active &= high - d > tol
    else:
        d = np.asarray(disagreement, dtype=float)
        try:
            d = np.broadcast_to(d, s.shape[:-1])
        except ValueError:
            raise ProfileError(
                f"disagreement: expected shape {s.shape[:-1]} (one per agent), found {d.shape}"
            ) from None
        if not np.isfinite(d).all():
            raise ProfileError("disagreement: expected finite numbers")
    gain = np.where(available, s - d[..., None], 0.0)
    strict = (gain > tol[..., None]) | ~active[..., None]
    logs = np.log(np.where(gain > tol[..., None], gain, 1.0))
    total = np.einsum("...n,...na->...a", np.where(active, w, 0.0), logs)
    agreed = strict.all(axis=-2)
    scores_out = np.where(agreed, total, -np.inf)
    note = ""
    if not agreed.any(axis=-1).all():
        note = "no option beats the disagreement point for every agent in some groups (winner -1)"
    return _result("nash", scores_out, note)


SOCIAL_CHOICE_RULES: dict[str, SocialChoiceRule] = {
    "plurality": plurality,
    "borda": borda,
    "approval": approval,
    "copeland": copeland,
    "condorcet": condorcet,
    "mec": stake_weighted_mec,
    "nash": nash_bargaining,
}


def social_choice(
    rule: str, scores: np.ndarray, weights: np.ndarray | None = None, **options: object
) -> SocialChoice:
    """Apply the rule registered as ``rule`` in :data:`SOCIAL_CHOICE_RULES`.

    Examples
    --------
    >>> int(social_choice("borda", np.array([[1.0, 2.0], [0.0, 3.0]])).winner)
    1
    """
    try:
        chosen = SOCIAL_CHOICE_RULES[rule]
    except KeyError:
        known = ", ".join(sorted(SOCIAL_CHOICE_RULES))
        raise PolicyError(f"unknown social-choice rule {rule!r}; expected one of {known}") from None
    return chosen(scores, weights, **options)
