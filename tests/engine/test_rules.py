"""Decision rules: worked examples (hand arithmetic in comments) and hypothesis laws.

The worked examples are built to exhibit each source's defining case with numbers small
enough to check by hand; they follow the sources' definitions, cited in each rule's docstring.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.ir import CPT, DecisionNode, DecisionProblem, Theory, ValueDimension, Variable
from engine.rules.bargaining import nash_bargaining
from engine.rules.base import normalise
from engine.rules.expected import (
    maximise_expected_choiceworthiness,
    my_favourite_option,
    my_favourite_theory,
)
from engine.rules.lexical import lexicographic, pareto
from engine.rules.ordinal import borda
from engine.rules.parliament import parliament
from engine.rules.registry import RULES, RuleOptions, get_rule, ranking
from engine.rules.robust import median, trimmed_mean
from phronesis.cli.app import app
from tests.conftest import EXAMPLES
from tests.strategies import decision_problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ("a", "b", "c", "d")


def best(aggregate, n):
    return NAMES[ranking(aggregate, NAMES[:n])[0]]


def direct_problem(options, theory_scores, credences):
    """One value per theory over the decision alone: CW_T(a) is exactly theory_scores[T][a]."""
    return DecisionProblem(
        name="direct",
        variables=(Variable("x", ("s",)),),
        decision=DecisionNode("d", tuple(options)),
        cpts=(CPT("x", (), (1.0,)),),
        values=tuple(
            ValueDimension(f"v{t}", ("d",), tuple(float(x) for x in scores))
            for t, scores in enumerate(theory_scores)
        ),
        theories=tuple(
            Theory(f"T{t}", "cardinal", c, ((f"v{t}", 1.0),)) for t, c in enumerate(credences)
        ),
    )


# -- worked examples ---------------------------------------------------------------------------


def test_mec_intertheoretic_comparison_decides():
    # MacAskill, Bykvist & Ord 2020, ch. 2 and 4: MEC needs a common scale. T1 (credence 0.2)
    # cares ten times as much as T2 (0.8) about its pick.
    cw = np.array([[10.0, 0.0], [0.0, 1.0]])
    c = np.array([0.2, 0.8])
    # none: a = 0.2 * 10 = 2 > b = 0.8 * 1 = 0.8
    assert maximise_expected_choiceworthiness(cw, c, "none").scores == pytest.approx([2.0, 0.8])
    # range: each theory rescaled to [0, 1]: a = 0.2, b = 0.8 -> the choice flips
    assert maximise_expected_choiceworthiness(cw, c, "range").scores == pytest.approx([0.2, 0.8])
    # variance: sd of T1 = 5, of T2 = 0.5; centred: a = 0.2 * 5/5 + 0.8 * -0.5/0.5 = -0.6
    assert maximise_expected_choiceworthiness(cw, c, "variance").scores == pytest.approx(
        [-0.6, 0.6]
    )


def test_mec_without_normalisation_keeps_theories_of_any_magnitude():
    # normalisation none has no spread to be degenerate: a theory whose choiceworthiness
    # reaches 1e9 keeps its weight (it was zeroed as "indifferent" before issue 9)
    cw = np.array([[2e9, 0.0], [0.0, 1.0]])
    c = np.array([0.5, 0.5])
    assert maximise_expected_choiceworthiness(cw, c, "none").scores == pytest.approx([1e9, 0.5])


def test_normalisation_of_a_batch_equals_each_row_normalised_alone():
    rng = np.random.default_rng(0)
    cw = rng.normal(size=(5, 4, 3))
    mask = rng.random((5, 4)) < 0.7
    mask[:, 0] = True
    for normalisation in ("none", "range", "variance"):
        batched = normalise(cw, normalisation, mask)
        for s in range(5):
            rows = np.flatnonzero(mask[s])
            alone = normalise(cw[s, rows], normalisation)
            assert batched[s, rows] == pytest.approx(alone, abs=1e-12)


def test_mft_and_mfo_differ_when_the_favourite_theory_is_split_off():
    # Gustafsson & Torpman 2014 / Lockhart 2000: T1 (0.4) favours a; T2, T3 (0.3 each)
    # favour b. MFT follows T1 -> a; MFO: P(a right) = 0.4 < P(b right) = 0.6 -> b.
    cw = np.array([[5.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    c = np.array([0.4, 0.3, 0.3])
    assert best(my_favourite_theory(cw, c, "none"), 2) == "a"
    mfo = my_favourite_option(cw, c, "none")
    assert mfo.scores == pytest.approx([0.4, 0.6])
    assert best(mfo, 2) == "b"


def test_borda_credence_weighted_scores():
    # MacAskill 2016 / MacAskill, Bykvist & Ord 2020, ch. 3. T1 (0.6): a > b > c; T2 (0.4):
    # b > c > a. B_T1 = (2, 0, -2), B_T2 = (-2, 2, 0);
    # scores a = 1.2 - 0.8 = 0.4, b = 0 + 0.8 = 0.8, c = -1.2 + 0 = -1.2 -> b
    cw = np.array([[3.0, 1.0], [2.0, 3.0], [1.0, 2.0]])
    agg = borda(cw, np.array([0.6, 0.4]), "none")
    assert agg.scores == pytest.approx([0.4, 0.8, -1.2])
    assert best(agg, 3) == "b"
    # ties: T ranking a = b > c gives B = (1, 1, -2)
    tied = borda(np.array([[1.0], [1.0], [0.0]]), np.array([1.0]), "none")
    assert tied.scores == pytest.approx([1.0, 1.0, -2.0])


def test_parliament_proportional_chances_and_seeded_draws():
    # Newberry & Ord 2021: delegates in proportion to credence vote for their favourite.
    # T1 (0.5) -> a; T2 (0.3) -> b; T3 (0.2) ties b and c -> 0.1 each.
    cw = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    c = np.array([0.5, 0.3, 0.2])
    agg = parliament(cw, c, "none")
    assert agg.chances == pytest.approx([0.5, 0.4, 0.1])
    assert best(agg, 3) == "a" and agg.drawn is None
    draws = [parliament(cw, c, "none", options=RuleOptions(seed=s)).drawn for s in range(2000)]
    assert draws == [
        parliament(cw, c, "none", options=RuleOptions(seed=s)).drawn for s in range(2000)
    ]
    frequencies = np.bincount(draws, minlength=3) / 2000
    # binomial standard error sqrt(0.25 / 2000) = 0.011; allow 4 of them
    assert frequencies == pytest.approx([0.5, 0.4, 0.1], abs=0.045)


def test_nash_bargaining_finds_the_compromise_mec_does_not():
    # Greaves & Cotton-Barratt: bargaining favours compromise. T1 (0.5): a 10, b 6, c 0;
    # T2 (0.5): a 0, b 4, c 5. Random dictator: d = 0.5 * (10, 0) + 0.5 * (0, 5) = (5, 2.5).
    # Gains: a (5, -2.5) and c (-5, 2.5) are not individually rational; b (1, 1.5) scores
    # 1 ** 0.5 * 1.5 ** 0.5 = 1.2247. MEC (none) ties a and b at 5 (c 2.5) -> a by name.
    cw = np.array([[10.0, 0.0], [6.0, 4.0], [0.0, 5.0]])
    c = np.array([0.5, 0.5])
    agg = nash_bargaining(cw, c, "none")
    assert agg.scores == pytest.approx([-1.0, 1.5**0.5, -1.0])
    assert best(agg, 3) == "b"
    assert best(maximise_expected_choiceworthiness(cw, c, "none"), 3) == "a"
    # with d at the worst options (0, 0): a (10, 0) scores 0, b sqrt(24) = 4.899, c 0
    worst = nash_bargaining(cw, c, "none", options=RuleOptions(disagreement="worst"))
    assert worst.scores == pytest.approx([0.0, 24**0.5, 0.0])


def test_trimmed_mean_and_median_resist_fanaticism():
    # A theory with credence 0.05 finds a catastrophic (-1000); the rest prefer a by 1.
    # MEC (none): a = 0.95 * 1 - 0.05 * 1000 = -49.05 < b = 0 -> b (fanaticism).
    # Trimmed mean, k = 0.1: the lowest 0.1 of credence (all of T3's 0.05 and 0.05 of the
    # mass at 1) is cut; what remains is all at 1 -> a = 1 > 0. Median: 1 -> a.
    cw = np.array([[1.0, 1.0, -1000.0], [0.0, 0.0, 0.0]])
    c = np.array([0.5, 0.45, 0.05])
    assert best(maximise_expected_choiceworthiness(cw, c, "none"), 2) == "b"
    assert trimmed_mean(cw, c, "none").scores == pytest.approx([1.0, 0.0])
    assert best(trimmed_mean(cw, c, "none"), 2) == "a"
    assert best(median(cw, c, "none"), 2) == "a"


def test_lexicographic_breaks_ties_with_lower_criteria_within_tolerance():
    # criteria: first a = b = 1 (to within 1e-12) > c; second b 5 > a 0 -> b, a, c
    crit = np.array([[1.0, 0.0], [1.0 + 1e-12, 5.0], [0.0, 9.0]])
    agg = lexicographic(crit, np.array([1.0, 0.0]), "none", options=RuleOptions(criteria=crit))
    assert [NAMES[i] for i in ranking(agg, NAMES[:3])] == ["b", "a", "c"]
    # a tolerance of 0.5 still ties a and b on the first; 1e-15 separates them -> b then a
    strict = RuleOptions(criteria=crit, tolerance=1e-15)
    assert best(lexicographic(crit, np.array([1.0, 0.0]), "none", options=strict), 3) == "b"


def test_pareto_incomparable_options_abstain_unless_a_tie_break_is_asked():
    # T1 prefers p, T2 prefers q, z is dominated by q: {p, q} are incomparable.
    problem = direct_problem(("p", "q", "z"), ((2.0, 0.0, -1.0), (0.0, 2.0, 1.0)), (0.5, 0.5))
    result = decide(problem, rule="pareto")
    assert result.option is None
    assert result.incomparable == ("p", "q")
    assert "incomparable" in result.abstain and "'p'" not in result.abstain
    assert "p, q" in result.abstain
    chosen = decide(problem, rule="pareto", tie_break="name")
    assert chosen.option == "p" and chosen.incomparable == ("p", "q")
    assert pareto(np.array([[1.0], [1.0]]), np.array([1.0]), "none").incomparable == ()


def test_risk_cvar_changes_the_choice_hand_worked():
    # Umbrella: rain 0.3. take: comfort 0 either way; leave: -2 if rain, 1 if not.
    # EV: take 0 < leave -0.6 + 0.7 = 0.1 -> leave.
    # CVaR_0.5(leave): the worst half of the mass: 0.3 at -2 and 0.2 at 1 -> (-0.6 + 0.2) / 0.5
    # = -0.8 < 0 -> take. CVaR_1 is the expectation.
    problem = DecisionProblem(
        name="umbrella",
        variables=(Variable("rain", ("yes", "no")),),
        decision=DecisionNode("act", ("take", "leave")),
        cpts=(CPT("rain", (), (0.3, 0.7)),),
        values=(ValueDimension("comfort", ("act", "rain"), (0.0, 0.0, -2.0, 1.0)),),
        theories=(Theory("prudence", "cardinal", 1.0, (("comfort", 1.0),)),),
    )
    assert decide(problem).option == "leave"
    risky = decide(problem, risk="cvar:0.5")
    assert risky.option == "take"
    assert risky.report("leave").choiceworthiness["prudence"] == pytest.approx(-0.8)
    assert risky.provenance["risk"] == "cvar:0.5"
    full = decide(problem, risk="cvar:1")
    assert full.report("leave").choiceworthiness["prudence"] == pytest.approx(0.1)


def test_cvar_of_penalised_norms_uses_the_violation_event():
    # AV example, negative detection: the utilitarian CW is a pure expectation (no penalties);
    # CVaR_1 reproduces the expected choiceworthiness of every option and theory.
    av = __import__("engine.scenario.read", fromlist=["load_scenario"]).load_scenario(
        EXAMPLES / "av_emergency.yaml"
    )
    ev = decide(av, {"detection": "negative"})
    full = decide(av, {"detection": "negative"}, risk="cvar:1")
    for report in ev.options:
        assert full.report(report.option).choiceworthiness == pytest.approx(report.choiceworthiness)


# -- laws (hypothesis) -------------------------------------------------------------------------

cw_arrays = st.integers(2, 4).flatmap(
    lambda n: st.integers(1, 3).flatmap(
        lambda t: st.tuples(
            arrays(np.float64, (n, t), elements=st.integers(-20, 20).map(float)),
            st.lists(st.integers(1, 10), min_size=t, max_size=t).map(
                lambda w: np.array(w, dtype=float) / sum(w)
            ),
        )
    )
)


@given(cw_arrays, st.sampled_from(["range", "variance"]), st.floats(0.1, 10), st.floats(-50, 50))
@SETTINGS
def test_mec_is_invariant_to_rescaling_one_theory_under_range_and_variance(data, norm, a, b):
    cw, c = data
    changed = cw.copy()
    changed[:, 0] = a * cw[:, 0] + b
    before = maximise_expected_choiceworthiness(cw, c, norm).scores
    after = maximise_expected_choiceworthiness(changed, c, norm).scores
    np.testing.assert_allclose(before, after, atol=1e-9)


@given(cw_arrays, st.sampled_from(["none", "range", "variance"]), st.floats(-50, 50))
@SETTINGS
def test_adding_a_constant_to_one_theory_never_changes_the_mec_ranking(data, norm, b):
    # Adding b to every option's CW_T shifts every MEC score by C(T) b under 'none' (and by
    # nothing under range/variance), so the ranking is unchanged under every normalisation.
    cw, c = data
    changed = cw.copy()
    changed[:, 0] += b
    before = maximise_expected_choiceworthiness(cw, c, norm).scores
    after = maximise_expected_choiceworthiness(changed, c, norm).scores
    np.testing.assert_allclose(after - before, (after - before)[0], atol=1e-9)


def test_mec_without_normalisation_is_not_invariant_to_rescaling_one_theory():
    # What the 'none' normalisation lacks: scaling T1 by 10 flips the choice when the other
    # theory disagrees. T1 (0.5): a 1, b 0; T2 (0.5): a 0, b 2 -> none: a 0.5 < b 1.
    cw = np.array([[1.0, 0.0], [0.0, 2.0]])
    c = np.array([0.5, 0.5])
    scaled = cw * np.array([10.0, 1.0])  # T1: a 10 -> a 5 > b 1
    assert best(maximise_expected_choiceworthiness(cw, c, "none"), 2) == "b"
    assert best(maximise_expected_choiceworthiness(scaled, c, "none"), 2) == "a"
    for norm in ("range", "variance"):
        assert best(maximise_expected_choiceworthiness(cw, c, norm), 2) == best(
            maximise_expected_choiceworthiness(scaled, c, norm), 2
        )


@given(cw_arrays)
@SETTINGS
def test_borda_depends_only_on_orderings(data):
    cw, c = data
    monotone = np.cbrt(cw) * 7.0 + cw**3 - 4.0  # strictly increasing
    np.testing.assert_allclose(
        borda(cw, c, "none").scores, borda(monotone, c, "none").scores, atol=1e-12
    )


@given(cw_arrays, st.sampled_from(["none", "range", "variance"]))
@SETTINGS
def test_weak_pareto_for_mec(data, norm):
    # If a is strictly better than b for every theory with positive credence, MEC ranks a
    # above b (the normalisations scale each theory by a positive factor or drop it when it
    # is indifferent, which it cannot be here).
    cw, c = data
    dominated = np.vstack([cw, cw[0] - 1.0])
    scores = maximise_expected_choiceworthiness(dominated, c, norm).scores
    assert scores[0] > scores[-1]


@given(decision_problems(handlings=("ignore", "penalty", "constraint")), st.data())
@SETTINGS
def test_weak_pareto_within_a_context_for_mec(problem, data):
    variable = data.draw(st.sampled_from(problem.variables))
    state = data.draw(st.sampled_from(variable.states))
    try:
        result = decide(problem, {variable.name: state})
    except EvidenceError:  # the drawn state has probability zero
        assume(False)
    credible = [
        t.name
        for t, c in zip(problem.theories, result.provenance["credences"].values(), strict=True)
        if c > 0
    ]
    for a in result.options:
        for b in result.options:
            if a.score is None or b.score is None:
                continue
            if all(a.choiceworthiness[t] > b.choiceworthiness[t] + 1e-9 for t in credible):
                assert a.score > b.score


@given(cw_arrays, st.sampled_from(["none", "range", "variance"]))
@SETTINGS
def test_parliament_and_mfo_with_one_theory_are_mft(data, norm):
    cw, _ = data
    c = np.zeros(cw.shape[1])
    c[-1] = 1.0
    n = cw.shape[0]
    mft = best(my_favourite_theory(cw, c, norm), n)
    assert best(parliament(cw, c, norm), n) == mft
    assert best(my_favourite_option(cw, c, norm), n) == mft


@given(decision_problems(), st.sampled_from(["none", "range", "variance"]))
@SETTINGS
def test_parliament_with_one_theory_is_mft_on_problems(problem, norm):
    theories = tuple(
        dataclasses.replace(t, credence=1.0 if k == 0 else 0.0)
        for k, t in enumerate(problem.theories)
    )
    problem = dataclasses.replace(problem, theories=theories)
    assert (
        decide(problem, rule="parliament", normalisation=norm).option
        == decide(problem, rule="mft", normalisation=norm).option
    )


@given(cw_arrays, st.sampled_from(["none", "range", "variance"]))
@SETTINGS
def test_zero_trimmed_mean_is_mec(data, norm):
    cw, c = data
    mec = maximise_expected_choiceworthiness(cw, c, norm)
    tm = trimmed_mean(cw, c, norm, options=RuleOptions(trim=0.0))
    # MEC subtracts the centre before weighting; with credences summing to 1 the two differ
    # by sum_T C(T) centre_T s_T^-1, the same for every option.
    diff = tm.scores - mec.scores
    np.testing.assert_allclose(diff, diff[0], atol=1e-9)


@given(cw_arrays, st.floats(0.1, 10), st.floats(-50, 50))
@SETTINGS
def test_nash_is_invariant_to_rescaling_one_theory(data, a, b):
    cw, c = data
    changed = cw.copy()
    changed[:, 0] = a * cw[:, 0] + b
    n = cw.shape[0]
    assert best(nash_bargaining(cw, c, "variance"), n) == best(
        nash_bargaining(changed, c, "variance"), n
    )


@given(cw_arrays, st.sampled_from(sorted(RULES)))
@SETTINGS
def test_every_rule_is_invariant_to_the_order_of_options(data, rule):
    cw, c = data
    n = cw.shape[0]
    perm = np.arange(n)[::-1]
    first = get_rule(rule)(cw, c, "variance")
    second = get_rule(rule)(cw[perm], c, "variance")
    np.testing.assert_allclose(first.scores[perm], second.scores, atol=1e-9)


# -- decide / CLI ------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("example", ["heinz.yaml", "av_emergency.yaml", "icu_triage.yaml"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_on_every_example_from_the_cli(example, rule):
    result = runner.invoke(
        app, ["decide", str(EXAMPLES / example), "--rule", rule, "--tie-break", "name", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["provenance"]["rule"] == rule
    assert data["option"] is not None


def test_cli_risk_and_parliament_draw():
    cvar = runner.invoke(
        app, ["decide", str(EXAMPLES / "av_emergency.yaml"), "--risk", "cvar:0.1", "--json"]
    )
    assert json.loads(cvar.output)["provenance"]["risk"] == "cvar:0.1"
    bad = runner.invoke(app, ["decide", str(EXAMPLES / "heinz.yaml"), "--risk", "cvar:2"])
    assert bad.exit_code == 2 and "cvar:ALPHA" in bad.output
    drawn = runner.invoke(
        app,
        [
            "decide",
            str(EXAMPLES / "av_emergency.yaml"),
            "--rule",
            "parliament",
            "--draw-seed",
            "3",
            "--json",
        ],
    )
    data = json.loads(drawn.output)
    assert sum(data["chances"].values()) == pytest.approx(1.0)


def test_cvar_one_equals_expected_choiceworthiness_with_penalised_norms():
    # heinz_policies' rossian theory penalises respect_property (weight 50): its utility is
    # life + honesty - 50 [violation]; CVaR_1 is its expectation, CW of engine.semantics.assess.
    heinz = __import__("engine.scenario.read", fromlist=["x"]).load_scenario(
        EXAMPLES / "heinz_policies.yaml"
    )
    ev = decide(heinz, policy="deontological_conditional")
    full = decide(heinz, policy="deontological_conditional", risk="cvar:1")
    for report in ev.options:
        assert full.report(report.option).choiceworthiness["rossian"] == pytest.approx(
            report.choiceworthiness["rossian"]
        )
    # steal: rossian CW = 57 - 10 - 50 = -3; its worst 10%: the wife dies (P 0.43), the
    # violation is certain: -10 - 50 = -60
    tail = decide(heinz, policy="deontological_conditional", risk="cvar:0.1")
    assert ev.report("steal").choiceworthiness["rossian"] == pytest.approx(-3.0)
    assert tail.report("steal").choiceworthiness["rossian"] == pytest.approx(-60.0)
