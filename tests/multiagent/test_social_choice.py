"""Social-choice rules: textbook profiles worked by hand, batching, and hypothesis laws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.errors import PolicyError
from multiagent.majority import condorcet, copeland, pairwise_preferences
from multiagent.profiles import ProfileError, SocialChoice
from multiagent.social_choice import (
    SOCIAL_CHOICE_RULES,
    approval,
    borda,
    nash_bargaining,
    plurality,
    social_choice,
    stake_weighted_mec,
)


def profile(blocks: list[tuple[int, str]], options: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores (one row per block, A - position as score) and block sizes as weights, from
    rankings written best first, e.g. (3, "abcd")."""
    scores = np.array(
        [[len(options) - ranking.index(o) for o in options] for _, ranking in blocks], float
    )
    return scores, np.array([count for count, _ in blocks], float)


# -- textbook profiles -------------------------------------------------------------------------

# The Condorcet paradox (Condorcet 1785): a > b > c, b > c > a, c > a > b.
PARADOX, _ = profile([(1, "abc"), (1, "bca"), (1, "cab")], "abc")


def test_condorcet_paradox_reports_the_cycle_and_no_winner() -> None:
    result = condorcet(PARADOX)
    assert int(result.winner) == -1
    assert result.smith.tolist() == [True, True, True]
    assert result.cycle_at() == (0, 1, 2)  # a beats b (2:1), b beats c (2:1), c beats a (2:1)
    assert result.pairwise.tolist() == [[0, 2, 1], [1, 0, 2], [2, 1, 0]]
    assert "no Condorcet winner" in result.note
    # Every positional and majority rule ties all three; the lowest index wins the tie.
    for rule in (borda, copeland, plurality):
        tied = rule(PARADOX)
        assert tied.tied.tolist() == [True, True, True] and int(tied.winner) == 0


# A 21-voter profile in which plurality, Borda and Condorcet each choose a different option,
# as recalled from Pacuit, "Voting Methods", Stanford Encyclopedia of Philosophy (2019),
# section 2; every number below is worked by hand, so the test rests on the arithmetic:
#   3: a b c d | 5: a c b d | 7: b d c a | 6: c b d a
SEP_SCORES, SEP_WEIGHTS = profile([(3, "abcd"), (5, "acbd"), (7, "bdca"), (6, "cbda")], "abcd")


def test_plurality_borda_and_condorcet_disagree_on_the_sep_profile() -> None:
    # Plurality: a 3 + 5 = 8, b 7, c 6, d 0.
    first = plurality(SEP_SCORES, SEP_WEIGHTS)
    assert first.scores.tolist() == [8, 7, 6, 0] and int(first.winner) == 0
    # Borda (3, 2, 1, 0 points): a 3*3 + 5*3 = 24; b 3*2 + 5*1 + 7*3 + 6*2 = 44;
    # c 3*1 + 5*2 + 7*1 + 6*3 = 38; d 7*2 + 6*1 = 20.
    count = borda(SEP_SCORES, SEP_WEIGHTS)
    assert count.scores.tolist() == [24, 44, 38, 20] and int(count.winner) == 1
    # c beats a (13:8), b (11:10) and d (14:7): the Condorcet winner.
    majority = condorcet(SEP_SCORES, SEP_WEIGHTS)
    assert int(majority.winner) == 2 and majority.smith.tolist() == [False, False, True, False]
    assert majority.cycle_at() == ()
    assert majority.pairwise[2].tolist() == [13, 11, 0, 14]
    # Copeland: a loses to b, c, d (-3); b beats a, d, loses to c (1); c 3; d beats a (-1).
    assert copeland(SEP_SCORES, SEP_WEIGHTS).scores.tolist() == [-3, 1, 3, -1]


# Wikipedia, "Borda count", the Tennessee capital example (per 100 voters):
#   42: Memphis Nashville Chattanooga Knoxville | 26: Nashville Chattanooga Knoxville Memphis
#   15: Chattanooga Knoxville Nashville Memphis | 17: Knoxville Chattanooga Nashville Memphis
TENNESSEE_SCORES, TENNESSEE_WEIGHTS = profile(
    [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")], "MNCK"
)


def test_tennessee_example_from_wikipedia() -> None:
    assert int(plurality(TENNESSEE_SCORES, TENNESSEE_WEIGHTS).winner) == 0  # Memphis, 42
    count = borda(TENNESSEE_SCORES, TENNESSEE_WEIGHTS)
    assert count.scores.tolist() == [126, 194, 173, 107]  # as in the article
    assert int(count.winner) == 1  # Nashville
    assert int(condorcet(TENNESSEE_SCORES, TENNESSEE_WEIGHTS).winner) == 1
    assert copeland(TENNESSEE_SCORES, TENNESSEE_WEIGHTS).scores.tolist() == [-3, 3, 1, -1]


def test_borda_averages_ties_and_ranks_unavailable_options_last() -> None:
    # Agent 0: a ~ b > c  -> a, b share positions 2 and 1: 1.5 each, c 0.
    # Agent 1: c > a, b unavailable -> c 2, a 1, b 0.
    scores = np.array([[2.0, 2.0, 1.0], [1.0, np.nan, 5.0]])
    assert borda(scores).scores.tolist() == [2.5, 1.5, 2.0]


def test_plurality_splits_tied_favourites_and_skips_agents_without_options() -> None:
    scores = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 3.0], [np.nan, np.nan, np.nan]])
    result = plurality(scores, np.array([2.0, 1.0, 5.0]))
    assert result.scores.tolist() == [1.0, 1.0, 1.0]
    assert result.tied.all() and int(result.winner) == 0


def test_approval_thresholds() -> None:
    scores = np.array([[3.0, 2.0, 0.0], [0.0, 2.0, 3.0], [1.0, np.nan, 0.0]])
    # Means 5/3, 5/3, 1/2: agent 0 approves a, b; agent 1 b, c; agent 2 a.
    assert approval(scores).scores.tolist() == [2.0, 2.0, 1.0]
    # Within 1 of the best: {a, b}, {b, c}, {a, c}; within 0.5: {a}, {c}, {a}.
    assert approval(scores, within=1.0).scores.tolist() == [2.0, 2.0, 2.0]
    assert approval(scores, within=0.5).scores.tolist() == [2.0, 0.0, 1.0]
    # Per-agent thresholds 3, 2, 5: {a}, {b, c}, {} (agent 2 approves nothing).
    per_agent = approval(scores, np.array([1.0, 2.0, 1.0]), threshold=np.array([3.0, 2.0, 5.0]))
    assert per_agent.scores.tolist() == [1.0, 2.0, 2.0]
    assert per_agent.tied.tolist() == [False, True, True] and int(per_agent.winner) == 1
    with pytest.raises(ProfileError, match="not both"):
        approval(scores, threshold=1.0, within=1.0)
    with pytest.raises(ProfileError, match="threshold: expected finite"):
        approval(scores, threshold=np.nan)


def test_stake_weighted_mec_by_hand() -> None:
    scores = np.array([[0.0, 10.0, 5.0], [1.0, 0.0, 0.9]])
    stakes = np.array([1.0, 2.0])
    # none: 1*(0, 10, 5) + 2*(1, 0, 0.9) = (2, 10, 6.8).
    none = stake_weighted_mec(scores, stakes, normalisation="none")
    assert np.allclose(none.scores, [2.0, 10.0, 6.8]) and int(none.winner) == 1
    # range: agent 0 -> (0, 1, 0.5), agent 1 -> (1, 0, 0.9): (2, 1, 2.3).
    ranged = stake_weighted_mec(scores, stakes, normalisation="range")
    assert np.allclose(ranged.scores, [2.0, 1.0, 2.3]) and int(ranged.winner) == 2
    # variance: (s - mean) / population sd per agent.
    z = (scores - scores.mean(axis=1, keepdims=True)) / scores.std(axis=1, keepdims=True)
    variance = stake_weighted_mec(scores, stakes, normalisation="variance")
    assert np.allclose(variance.scores, stakes @ z)
    assert np.allclose(variance.scores, [0.40600, -1.59198, 1.18599], atol=1e-5)
    # Unavailable counts as the agent's worst; an indifferent agent adds nothing.
    odd = np.array([[0.0, 10.0, np.nan], [4.0, 4.0, 4.0]])
    assert stake_weighted_mec(odd).scores.tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(PolicyError, match="normalisation"):
        stake_weighted_mec(scores, normalisation="zscore")


def test_nash_bargaining_by_hand() -> None:
    scores = np.array([[4.0, 3.0, 0.0], [0.0, 3.0, 4.0], [2.0, 2.5, 1.0]])
    # d = worst = (0, 0, 1); gains (4, 3, 0), (0, 3, 4), (1, 1.5, 0): only b beats d for all.
    result = nash_bargaining(scores, np.array([1.0, 1.0, 2.0]))
    assert math.isclose(result.scores[1], 2 * math.log(3) + 2 * math.log(1.5))
    assert np.isneginf(result.scores[[0, 2]]).all() and int(result.winner) == 1
    # d = (1, 1, 1): gains (3, 1), (1, 3), (2, 2); stakes (2, 1, 1):
    # a: 2 log 3 + log 1 + log 2 = log 18; b: 2 log 1 + log 3 + log 2 = log 6.
    two = np.array([[4.0, 2.0], [2.0, 4.0], [3.0, 3.0]])
    weighted = nash_bargaining(two, np.array([2.0, 1.0, 1.0]), disagreement=np.ones(3))
    assert np.allclose(weighted.scores, [math.log(18), math.log(6)])
    equal = nash_bargaining(two, disagreement=np.ones(3))  # log 6 each: a tie
    assert equal.tied.tolist() == [True, True] and int(equal.winner) == 0


def test_nash_bargaining_reports_when_nothing_beats_the_disagreement_point() -> None:
    result = nash_bargaining(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert int(result.winner) == -1 and not result.tied.any()
    assert "disagreement point" in result.note


# -- batching, registry, boundary --------------------------------------------------------------


def test_rules_batched_over_groups_match_one_group_at_a_time() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(6, 5, 4)).astype(float)
    scores[rng.random(scores.shape) < 0.1] = np.nan
    weights = rng.random((6, 5)) + 0.1
    scores[1, :3, :3], scores[1, :3, 3], scores[1, 3:] = PARADOX, -1.0, np.nan
    weights[1] = 1.0  # group 1: the Condorcet paradox, option d last, two agents abstain
    for name, rule in SOCIAL_CHOICE_RULES.items():
        batched = rule(scores, weights)
        assert batched.scores.shape == (6, 4) and batched.winner.shape == (6,), name
        for g in range(6):
            alone = rule(scores[g], weights[g])
            assert np.allclose(alone.scores, batched.scores[g]), name
            assert int(alone.winner) == batched.winner[g], name
            assert (alone.tied == batched.tied[g]).all(), name
            if alone.cycle is not None:
                assert alone.cycle_at() == batched.cycle_at(g)
    assert condorcet(scores, weights).cycle_at(1) == (0, 1, 2)


def test_weights_of_one_per_agent_broadcast_over_groups() -> None:
    scores = np.stack([PARADOX, PARADOX[::-1]])
    result = borda(scores, np.array([3.0, 1.0, 1.0]))
    assert result.scores.shape == (2, 3)
    assert np.allclose(result.scores[0], [7.0, 5.0, 3.0])  # a>b>c counted 3 times


def test_registry_dispatches_and_accepts_new_rules() -> None:
    assert int(social_choice("copeland", SEP_SCORES, SEP_WEIGHTS).winner) == 2
    assert int(social_choice("approval", SEP_SCORES, SEP_WEIGHTS, within=0.0).winner) == 0

    def dictator(scores: np.ndarray, weights: np.ndarray | None = None) -> SocialChoice:
        return plurality(np.asarray(scores)[..., :1, :])

    SOCIAL_CHOICE_RULES["dictator"] = dictator
    try:
        assert int(social_choice("dictator", PARADOX).winner) == 0
    finally:
        del SOCIAL_CHOICE_RULES["dictator"]
    with pytest.raises(PolicyError, match="unknown social-choice rule 'dictator'"):
        social_choice("dictator", PARADOX)


@pytest.mark.parametrize(
    ("scores", "weights", "message"),
    [
        (np.zeros(3), None, "scores: expected an array"),
        (np.zeros((2, 0)), None, "scores: expected an array"),
        (np.array([[1.0, np.inf]]), None, "found inf"),
        (np.zeros((2, 3)), np.ones(3), "weights: expected shape"),
        (np.zeros((2, 3)), np.array([1.0, -1.0]), "stakes >= 0"),
        (np.zeros((2, 3)), np.array([1.0, np.nan]), "stakes >= 0"),
    ],
)
def test_bad_profiles_are_refused(scores, weights, message) -> None:
    with pytest.raises(ProfileError, match=message):
        borda(scores, weights)
    assert issubclass(ProfileError, ValueError)


def test_pairwise_counts_unavailable_as_last() -> None:
    scores = np.array([[np.nan, 1.0, np.nan], [2.0, 1.0, 0.0]])
    # Agent 0: b > a ~ c; agent 1: a > b > c.
    assert pairwise_preferences(scores).tolist() == [[0, 1, 1], [1, 0, 2], [0, 0, 0]]


# -- laws (hypothesis) -------------------------------------------------------------------------

small_ints = st.integers(0, 3).map(float)
profiles = st.integers(1, 5).flatmap(
    lambda n: st.integers(2, 4).flatmap(
        lambda a: st.tuples(
            arrays(float, (n, a), elements=small_ints),
            arrays(float, (n,), elements=st.sampled_from([0.5, 1.0, 2.0])),
        )
    )
)
ALL_RULES = sorted(SOCIAL_CHOICE_RULES)


@settings(max_examples=60)
@given(profiles, st.randoms(use_true_random=False), st.sampled_from(ALL_RULES))
def test_anonymity_permuting_agents_changes_nothing(drawn, random, name) -> None:
    scores, weights = drawn
    order = list(range(len(weights)))
    random.shuffle(order)
    rule = SOCIAL_CHOICE_RULES[name]
    before, after = rule(scores, weights), rule(scores[order], weights[order])
    assert np.allclose(before.scores, after.scores)
    assert int(before.winner) == int(after.winner)


@settings(max_examples=60)
@given(profiles, st.randoms(use_true_random=False), st.sampled_from(ALL_RULES))
def test_neutrality_permuting_options_permutes_the_result(drawn, random, name) -> None:
    scores, weights = drawn
    order = list(range(scores.shape[1]))
    random.shuffle(order)
    rule = SOCIAL_CHOICE_RULES[name]
    before, after = rule(scores, weights), rule(scores[:, order], weights)
    assert np.allclose(before.scores[order], after.scores)
    assert (before.tied[order] == after.tied).all()


@settings(max_examples=60)
@given(profiles, st.data())
def test_pareto_a_dominated_option_never_wins(drawn, data) -> None:
    scores, weights = drawn
    a, b = data.draw(st.permutations(range(scores.shape[1])))[:2]
    scores[:, b] = scores[:, a] - 1.0  # every agent strictly prefers a to b
    for name in ("plurality", "borda", "copeland", "condorcet", "mec", "nash"):
        result = SOCIAL_CHOICE_RULES[name](scores, weights)
        assert int(result.winner) != b and not result.tied[b], name


@settings(max_examples=60)
@given(profiles)
def test_condorcet_consistency_and_the_smith_set(drawn) -> None:
    scores, weights = drawn
    majority = condorcet(scores, weights)
    margin = majority.pairwise - majority.pairwise.T
    inside, outside = np.flatnonzero(majority.smith), np.flatnonzero(~majority.smith)
    assert (margin[np.ix_(inside, outside)] > 0).all()  # members beat every non-member
    cycle = majority.cycle_at()
    for x, y in zip(cycle, cycle[1:] + cycle[:1], strict=False):
        assert margin[x, y] > 0
    if int(majority.winner) >= 0:
        best = copeland(scores, weights)
        assert int(best.winner) == int(majority.winner)
        assert best.scores[majority.winner] == scores.shape[1] - 1
    else:
        ties_inside = int((margin[np.ix_(inside, inside)] == 0).sum()) - len(inside)
        if ties_inside == 0:  # a Smith set of 2+ options without pairwise ties holds a cycle
            assert len(cycle) >= 3
