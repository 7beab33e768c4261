"""The row-batched aggregation of the decision kernel (issue 11) equals the per-row path.

Every row of :func:`engine.kernel.aggregate.aggregate_batch` is checked against
:func:`engine.decision.choice.choose` called, as the pipeline calls it, on that row's
choiceworthiness, credences and permissible options: same chosen option, abstention, ties,
incomparable options and chances, scores (and theory weights, tie-break scores) to 1e-12
relative to the row's largest finite magnitude.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.decision.choice import Choice, choose
from engine.decision.settings import Settings
from engine.errors import PolicyError
from engine.kernel.aggregate import Abstention, BatchChoice, aggregate_batch
from engine.rules.base import NORMALISATIONS, RuleOptions
from engine.rules.registry import LINEAR_RULES, RULES
from engine.semantics.assessment import Assessment

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BIG = 1e15
#: values that tie, cancel, dwarf one another or are not numbers
SPECIAL = [0.0, 1.0, -1.0, 2.0, 0.5, -3.0, BIG, -BIG, BIG - 1.0, np.nan, np.inf, -np.inf]
CW_VALUES = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(-BIG, BIG, allow_nan=False, allow_subnormal=False),
)
CREDENCES = st.one_of(
    st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5, 1.0 / 3.0, 1.0]),
    st.floats(0.0, 1.0, allow_subnormal=False),
)
#: option names out of index order, so that name order and index order differ
NAMES = ("delta", "alpha", "echo", "charlie", "bravo", "foxtrot")

#: MFO scores 0.35 and 1e-9 + 0.1 + 0.25 + 0: a gap of exactly the tie tolerance, so whether
#: they tie turns on the last bit, i.e. on the order in which the credences are added (a BLAS
#: ``@`` and the kernel's theory-by-theory sum used to disagree). Range normalisation gives the
#: theories constant over the permissible options weight 0, so the MEC tie-break is 0 vs 1e-9,
#: within tolerance too, and the option name decides.
ROUNDING_CREDENCES = np.array([[1.0e-09, 1.0e-01, 2.5e-01, 0.0]])
ROUNDING_CASES = [
    (
        np.array([[[0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]),
        ROUNDING_CREDENCES,
        np.array([[True, False, True]]),
        None,
        ("delta", "alpha", "echo"),
    ),
    (
        np.array([[[0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]),
        ROUNDING_CREDENCES,
        np.array([[True, True]]),
        None,
        ("delta", "alpha"),
    ),
]


@st.composite
def batches(draw):
    """(cw, credences, permissible, criteria or None, names) for random N, A, T."""
    n, a, t = draw(st.integers(1, 20)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    cw = draw(arrays(np.float64, (n, a, t), elements=CW_VALUES))
    if a > 1 and draw(st.booleans()):  # an option equal to another in every row
        cw[:, draw(st.integers(1, a - 1))] = cw[:, 0]
    if n > 1 and draw(st.booleans()):  # equal rows
        cw[1:] = cw[0]
    if draw(st.booleans()):
        credences = np.tile(draw(arrays(np.float64, (t,), elements=CREDENCES)), (n, 1))
    else:
        credences = draw(arrays(np.float64, (n, t), elements=CREDENCES))
    credences[credences.sum(axis=1) == 0, 0] = 1.0  # every row needs a positive credence
    permissible = draw(arrays(np.bool_, (n, a)))
    kind = draw(st.sampled_from(["default", "default", "shared", "per-row"]))
    criteria = None
    if kind != "default":
        k = draw(st.integers(1, 3))
        shape = (a, k) if kind == "shared" else (n, a, k)
        criteria = draw(arrays(np.float64, shape, elements=CW_VALUES))
    return cw, credences, permissible, criteria, NAMES[:a]


def expected(rule, normalisation, options, tie_break, cw, credences, permissible, criteria, names):
    """The per-row path for one row: ``choose`` over the permissible options, as the pipeline
    calls it (criteria over all options, subset by ``aggregate_options``)."""
    a, t = cw.shape
    assessment = Assessment(
        options=names,
        value_names=(),
        norm_names=(),
        theory_names=tuple(f"T{k}" for k in range(t)),
        expected_values=np.zeros((a, 0)),
        violation=np.zeros((a, 0)),
        choiceworthiness=cw,
        value_weights=np.zeros((t, 0)),
        norm_penalties=np.zeros((t, 0)),
    )
    chosen_settings = Settings(rule, normalisation, credences, None, options, tie_break=tie_break)
    rows = [int(i) for i in np.flatnonzero(permissible)]
    with np.errstate(all="ignore"):
        return choose(assessment, rows, [], chosen_settings, criteria, linear=True)


def _close(actual, wanted, scale, what):
    """Equal to 1e-12 relative to ``scale``, NaN where NaN, infinities equal."""
    np.testing.assert_allclose(
        actual, wanted, rtol=1e-12, atol=1e-12 * scale, equal_nan=True, err_msg=what
    )


def check_row(batch: BatchChoice, n, choice: Choice, rule, names, cw, permissible):
    a = len(names)
    index = {name: i for i, name in enumerate(names)}
    finite = np.abs(cw[np.isfinite(cw)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    if choice.abstain is None:
        assert batch.abstention[n] == Abstention.NONE
        assert batch.chosen[n] == index[choice.option]
    else:
        code = (
            Abstention.NOTHING_PERMISSIBLE
            if choice.abstain.startswith("no option is permissible")
            else Abstention.INCOMPARABLE
        )
        assert batch.abstention[n] == code, choice.abstain
        assert batch.chosen[n] == -1
    wanted = np.array([np.nan if choice.scores[x] is None else choice.scores[x] for x in names])
    _close(batch.scores[n], wanted, scale, f"scores of row {n}")
    assert {names[i] for i in np.flatnonzero(batch.ties[n])} == set(choice.ties)
    assert {names[i] for i in np.flatnonzero(batch.incomparable[n])} == set(choice.incomparable)
    if rule == "parliament":
        assert batch.chances is not None
        if choice.chances is None:
            assert not batch.chances[n].any()
        else:
            _close(batch.chances[n], [choice.chances[x] for x in names], 1.0, "chances")
    else:
        assert batch.chances is None
    if rule not in LINEAR_RULES:
        assert batch.theory_weights is None
    elif not permissible.any():
        assert np.isnan(batch.theory_weights[n]).all()
    else:
        weights = choice.aggregate.theory_weights
        _close(batch.theory_weights[n], weights, 1.0, "theory weights")
    aggregate = choice.aggregate
    if aggregate is not None and aggregate.tiebreak is not None:
        tiebreak = np.full(a, np.nan)
        tiebreak[permissible] = aggregate.tiebreak
        _close(batch.tiebreak[n], tiebreak, scale, "tie-break scores")


@pytest.mark.parametrize("normalisation", NORMALISATIONS)
@pytest.mark.parametrize("rule", sorted(RULES))
@SETTINGS
@given(
    data=batches(),
    tie_break=st.sampled_from([None, "name"]),
    seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)),
    trim=st.sampled_from([0.0, 0.1, 0.25, 0.49]),
    disagreement=st.sampled_from(["random-dictator", "worst"]),
    tolerance=st.sampled_from([1e-9, 1e-6, 0.1]),
)
@example(ROUNDING_CASES[0], None, None, 0.0, "random-dictator", 1e-9)
@example(ROUNDING_CASES[1], None, None, 0.0, "random-dictator", 1e-9)
def test_every_row_equals_the_per_row_path(
    rule, normalisation, data, tie_break, seed, trim, disagreement, tolerance
):
    cw, credences, permissible, criteria, names = data
    options = RuleOptions(seed=seed, trim=trim, disagreement=disagreement, tolerance=tolerance)
    batch_options = dataclasses.replace(options, criteria=criteria)
    batch = aggregate_batch(
        rule, cw, credences, permissible, normalisation, batch_options, names, tie_break
    )
    assert batch.scores.shape == permissible.shape and batch.chosen.shape == permissible[:, 0].shape
    for n in range(cw.shape[0]):
        row_criteria = None
        if criteria is not None:
            row_criteria = criteria if criteria.ndim == 2 else criteria[n]
        choice = expected(
            rule,
            normalisation,
            options,
            tie_break,
            cw[n],
            credences[n],
            permissible[n],
            row_criteria,
            names,
        )
        check_row(batch, n, choice, rule, names, cw[n], permissible[n])


# -- worked examples ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "chosen", "tied"), [(0, "delta", {"echo"}), (1, "alpha", {"delta"})]
)
def test_mfo_scores_a_tolerance_apart_tie_on_both_paths(case, chosen, tied):
    # the per-row rule adds the credences theory by theory, as the kernel does, so the
    # boundary case ties on both paths (a BLAS product made the per-row score 1 ulp larger)
    cw, credences, permissible, _, names = ROUNDING_CASES[case]
    options = RuleOptions(seed=None, trim=0.0, tolerance=1e-9)
    batch = aggregate_batch("mfo", cw, credences, permissible, "range", options, names)
    choice = expected(
        "mfo", "range", options, None, cw[0], credences[0], permissible[0], None, names
    )
    assert choice.option == chosen and set(choice.ties) == tied
    assert batch.chosen[0] == names.index(chosen)
    check_row(batch, 0, choice, "mfo", names, cw[0], permissible[0])


def test_rows_differ_in_credences_and_permissible_options():
    # row 0: MEC none, a = 0.2 * 10 = 2 > b = 0.8; row 1: only b; row 2: nothing permissible
    cw = np.tile(np.array([[10.0, 0.0], [0.0, 1.0]]), (3, 1, 1))
    credences = np.array([[0.2, 0.8], [0.2, 0.8], [0.5, 0.5]])
    permissible = np.array([[True, True], [False, True], [False, False]])
    out = aggregate_batch("mec", cw, credences, permissible, "none", names=("a", "b"))
    assert out.chosen.tolist() == [0, 1, -1]
    assert out.abstention.tolist() == [0, 0, Abstention.NOTHING_PERMISSIBLE]
    assert out.scores[1].tolist()[1] == pytest.approx(0.8)
    assert np.isnan(out.scores[1, 0]) and np.isnan(out.scores[2]).all()
    assert np.isnan(out.theory_weights[2]).all()


def test_name_breaks_exact_ties_and_ties_are_reported():
    cw = np.array([[[1.0], [1.0], [0.0]]])
    out = aggregate_batch(
        "mec", cw, np.array([[1.0]]), np.ones((1, 3), bool), "none", names=("b", "a", "c")
    )
    assert out.chosen.tolist() == [1]  # "a" before "b"
    assert out.ties.tolist() == [[True, False, False]]


def test_pareto_abstains_on_incomparable_options_unless_a_tie_break_is_asked():
    # a = (1, 0) and b = (0, 1) are undominated; c = (0, 0) is dominated by both
    cw = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]])
    args = ("pareto", cw, np.array([[0.5, 0.5]]), np.ones((1, 3), bool), "none")
    out = aggregate_batch(*args, names=("a", "b", "c"))
    assert out.abstention.tolist() == [Abstention.INCOMPARABLE] and out.chosen.tolist() == [-1]
    assert out.incomparable.tolist() == [[True, True, False]]
    named = aggregate_batch(*args, names=("a", "b", "c"), tie_break="name")
    assert named.chosen.tolist() == [0] and not named.ties.any()


def test_parliament_draws_with_the_seed_as_generator_choice_does():
    cw = np.array([[[1.0, 0.0], [0.0, 1.0]]] * 4)
    credences = np.array([[0.7, 0.3], [0.3, 0.7], [0.5, 0.5], [1.0, 0.0]])
    ok = np.ones((4, 2), bool)
    out = aggregate_batch("parliament", cw, credences, ok, "none", RuleOptions(seed=7))
    for n in range(4):
        p = out.chances[n] / out.chances[n].sum()
        assert out.chosen[n] == np.random.default_rng(7).choice(2, p=p)
    assert out.chances.tolist()[0] == pytest.approx([0.7, 0.3])


def test_per_row_criteria_order_the_lexicographic_rule():
    cw = np.zeros((2, 3, 1))
    criteria = np.array([[[1.0], [2.0], [0.0]], [[5.0], [0.0], [1.0]]])
    out = aggregate_batch(
        "lexicographic",
        cw,
        np.ones((2, 1)),
        np.ones((2, 3), bool),
        "none",
        RuleOptions(criteria=criteria),
    )
    assert out.chosen.tolist() == [1, 0]
    assert out.scores.tolist() == [[-1.0, 0.0, -2.0], [0.0, -2.0, -1.0]]


def test_unknown_rule_normalisation_and_trim_are_refused():
    args = (np.zeros((1, 1, 1)), np.ones((1, 1)), np.ones((1, 1), bool))
    with pytest.raises(PolicyError, match="unknown decision rule"):
        aggregate_batch("best", *args, "none")
    with pytest.raises(PolicyError, match="unknown normalisation"):
        aggregate_batch("mec", *args, "zscore")
    with pytest.raises(PolicyError, match="trim must be"):
        aggregate_batch("trimmed-mean", *args, "none", RuleOptions(trim=0.5))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_no_rows_and_shared_credences(rule):
    empty = aggregate_batch(
        rule, np.zeros((0, 3, 2)), np.zeros((0, 2)), np.zeros((0, 3), bool), "variance"
    )
    assert empty.scores.shape == (0, 3) and empty.chosen.shape == (0,)
    cw = np.random.default_rng(0).normal(size=(4, 3, 2))
    ok = np.ones((4, 3), bool)
    shared = aggregate_batch(rule, cw, np.array([0.3, 0.7]), ok, "range")
    per_row = aggregate_batch(rule, cw, np.tile([0.3, 0.7], (4, 1)), ok, "range")
    assert shared.chosen.tolist() == per_row.chosen.tolist()
    np.testing.assert_array_equal(shared.scores, per_row.scores)
