"""Majority rules: pairwise majorities, Copeland, and the Condorcet winner with the Smith set and
an explicit majority cycle where there is none."""

from __future__ import annotations

from collections import deque

import numpy as np

from engine.rules.base import TIE_TOLERANCE
from multiagent.profiles import (
    SocialChoice,
    agent_tolerance,
    check_profile,
    choice_result,
    ranked_scores,
)


def pairwise_preferences(scores: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """P[..., a, b] = sum_n w_n [a >_n b], the weight of agents strictly preferring a to b.

    Examples
    --------
    >>> pairwise_preferences(np.array([[2.0, 1.0], [np.nan, 0.0]])).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    s, w = check_profile(scores, weights)
    ranked, tol = ranked_scores(s), agent_tolerance(s)[..., None]
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
    return choice_result("copeland", points.astype(float), pairwise=pairwise)


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
