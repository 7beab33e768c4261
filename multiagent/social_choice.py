"""Collective choice: social-choice rules over a profile of agents' scores (issue 12, item 2).

A profile is ``scores`` of shape (..., N, A): agent n's aggregated choiceworthiness of option a,
with NaN for an option not available to that agent (it ranks below every available option).
Leading axes are independent groups (junctions, wards) decided at once. ``weights`` (..., N),
or (N,), are the agents' stakes (>= 0; 1 each by default). Every rule returns a
:class:`SocialChoice`; :data:`SOCIAL_CHOICE_RULES` maps a short name to each rule, and a user
may add their own (any callable ``rule(scores, weights=None, **options) -> SocialChoice``).

The profile's checks and the result type are in :mod:`multiagent.profiles`; the majority rules
(Copeland, Condorcet) in :mod:`multiagent.majority`.

Ties: agent n is indifferent between a and b when their scores differ by at most
``TIE_TOLERANCE * max(1, max_a |score_n(a)|)``; a rule's scores tie within the same relative
tolerance. The winner is the lowest-index option among the tied best; ``tied`` reports them all.
"""

from __future__ import annotations

import numpy as np

from engine.errors import PolicyError
from engine.rules.base import normalise
from multiagent.majority import condorcet, copeland
from multiagent.profiles import (
    ProfileError,
    SocialChoice,
    SocialChoiceRule,
    agent_tolerance,
    check_profile,
    choice_result,
    ranked_scores,
)

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
    ranked = ranked_scores(s)
    top = (ranked >= ranked.max(axis=-1, keepdims=True) - agent_tolerance(s)[..., None]) & (
        ~np.isnan(s)
    )
    share = top / np.maximum(top.sum(axis=-1, keepdims=True), 1)
    return choice_result("plurality", np.einsum("...n,...na->...a", w, share))


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
    ranked, tol = ranked_scores(s), agent_tolerance(s)[..., None]
    points = np.empty(s.shape)
    for a in range(s.shape[-1]):
        below = (ranked[..., a, None] > ranked + tol).sum(axis=-1)
        above = (ranked > ranked[..., a, None] + tol).sum(axis=-1)
        points[..., a] = (s.shape[-1] - 1 + below - above) / 2
    return choice_result("borda", np.einsum("...n,...na->...a", w, points))


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
        t = ranked_scores(s).max(axis=-1) - within
    else:
        count = available.sum(axis=-1)
        t = np.where(available, s, 0.0).sum(axis=-1) / np.maximum(count, 1)
    approves = available & (s >= (t - agent_tolerance(s))[..., None])
    return choice_result("approval", np.einsum("...n,...na->...a", w, approves.astype(float)))


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
    return choice_result("mec", np.einsum("...n,...na->...a", w, normalised))


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
    tol = agent_tolerance(s)
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
    return choice_result("nash", scores_out, note)


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
