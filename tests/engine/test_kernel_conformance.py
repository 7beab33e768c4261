"""The decision kernel agrees with the per-row pipeline (issue 11): every row of a batch equals
``decide`` for that row — option, abstention, policy verdict, scores, expected values,
violation probabilities and choiceworthiness to 1e-12 — on every discrete example x rule x
policy, on random evidence rows."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.kernel.batch import Abstain
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.rules.registry import RULES
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.strategies import decision_problems

DISCRETE = [
    "av_emergency",
    "chisholm",
    "footbridge",
    "heinz",
    "heinz_policies",
    "heinz_uncertain",
    "icu_triage",
    "ross_conflict",
    "trolley",
]
TOL = 1e-12


def _rows(problem, count: int, seed: int) -> list[dict[str, str]]:
    """Random evidence: each variable observed with probability 1/3, in a random state."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, str]] = [{}]
    for _ in range(count):
        row = {}
        for variable in problem.variables:
            if rng.random() < 1 / 3:
                row[variable.name] = str(rng.choice(variable.states))
        rows.append(row)
    return rows


def _agree(batch, i: int, decision) -> None:
    options = batch.options
    if decision.option is None:
        assert batch.chosen[i] == -1, (decision.abstain, batch.option_names[i])
        assert batch.abstention[i] != Abstain.NONE
    else:
        assert batch.option_names[i] == decision.option, (decision.option, batch.scores[i])
    silent = decision.policy_silent is not None
    assert bool(batch.policy_silent[i]) == silent, decision.policy_silent
    expected = -1 if decision.policy_consistent is None else int(decision.policy_consistent)
    assert batch.policy_consistent[i] == expected
    for a, report in enumerate(decision.options):
        assert report.option == options[a]
        assert bool(batch.permissible[i, a]) == report.permissible
        if report.score is None:
            assert np.isnan(batch.scores[i, a])
        else:
            assert batch.scores[i, a] == pytest.approx(report.score, rel=TOL, abs=TOL)
        evs = list(report.expected_values.values())
        np.testing.assert_allclose(batch.expected_values[i, a], evs, rtol=TOL, atol=TOL)
        cws = list(report.choiceworthiness.values())
        np.testing.assert_allclose(batch.choiceworthiness[i, a], cws, rtol=TOL, atol=TOL)
        viol = list(report.norm_violation.values())
        np.testing.assert_allclose(batch.violation[i, a], viol, rtol=TOL, atol=TOL)


CASES = [
    (name, policy)
    for name in DISCRETE
    for policy in [None, *(p.name for p in load_scenario(EXAMPLES / f"{name}.yaml").policies)]
]


@pytest.mark.parametrize(("name", "policy"), CASES)
def test_kernel_equals_decide_under_each_policy(name: str, policy: str | None) -> None:
    problem = load_scenario(EXAMPLES / f"{name}.yaml")
    rows = _rows(problem, 12, seed=len(name))
    compiled = compile_problem(problem, backend="numpy", policy=policy)
    batch = decide_rows(compiled, compiled.encode(rows))
    for i, row in enumerate(rows):
        try:
            decision = decide(problem, row, backend="numpy", policy=policy)
        except EvidenceError:
            assert not batch.possible[i].all()
            continue
        _agree(batch, i, decision)


@pytest.mark.parametrize(
    ("name", "rule", "normalisation"),
    list(itertools.product(DISCRETE, sorted(RULES), ["none", "range", "variance"])),
)
def test_kernel_equals_decide_under_each_rule(name: str, rule: str, normalisation: str) -> None:
    problem = load_scenario(EXAMPLES / f"{name}.yaml")
    rows = _rows(problem, 6, seed=7)
    settings = {"rule": rule, "normalisation": normalisation, "tie_break": "name"}
    compiled = compile_problem(problem, backend="numpy", **settings)
    batch = decide_rows(compiled, compiled.encode(rows))
    for i, row in enumerate(rows):
        try:
            decision = decide(problem, row, backend="numpy", **settings)
        except EvidenceError:
            continue
        _agree(batch, i, decision)


def test_the_full_decision_of_a_row_is_what_decide_returns() -> None:
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    compiled = compile_problem(problem, backend="numpy")
    rows = [{}, {"drug_obtained": "no"}]
    batch = decide_rows(compiled, compiled.encode(rows))
    for i, row in enumerate(rows):
        assert batch.decision(i).to_json() == decide(problem, row, backend="numpy").to_json()


def test_compiling_again_returns_the_cached_problem() -> None:
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    first = compile_problem(problem, backend="numpy", rule="borda")
    assert compile_problem(problem, backend="numpy", rule="borda") is first
    assert compile_problem(problem, backend="numpy", rule="mec") is not first


def test_per_row_credences_decide_like_problems_with_those_credences() -> None:
    import dataclasses

    problem = load_scenario(EXAMPLES / "heinz.yaml")
    compiled = compile_problem(problem, backend="numpy")
    rng = np.random.default_rng(0)
    credences = rng.dirichlet(np.ones(len(problem.theories)), size=20)
    rows = [{}] * 20
    batch = decide_rows(compiled, compiled.encode(rows), credences=credences)
    for i in range(20):
        theories = tuple(
            dataclasses.replace(t, credence=float(c))
            for t, c in zip(problem.theories, credences[i], strict=True)
        )
        own = dataclasses.replace(problem, theories=theories)
        _agree(batch, i, decide(own, {}, backend="numpy"))


@pytest.mark.parametrize("name", DISCRETE)
def test_per_row_value_and_norm_weights_decide_like_problems_with_those_weights(
    name: str,
) -> None:
    from engine.kernel.batch import with_parameters

    problem = load_scenario(EXAMPLES / f"{name}.yaml")
    compiled = compile_problem(problem, backend="numpy")
    rng = np.random.default_rng(1)
    n, t, v, k = 8, len(problem.theories), len(problem.values), len(problem.norms)
    parameters = {
        "credences": rng.dirichlet(np.ones(t), size=n),
        "value_weights": rng.normal(size=(n, t, v)).round(3),
        "norm_weights": rng.uniform(0, 100, size=(n, k)).round(2),
    }
    rows = _rows(problem, n - 1, seed=5)
    batch = decide_rows(compiled, compiled.encode(rows), **parameters)
    for i, row in enumerate(rows):
        own = with_parameters(problem, {key: value[i] for key, value in parameters.items()})
        try:
            decision = decide(own, row, backend="numpy")
        except EvidenceError:
            continue
        _agree(batch, i, decision)
        assert batch.decision(i).option == decision.option


@settings(max_examples=60)
@given(
    problem=decision_problems(kinds=("cardinal", "ordinal")),
    rule=st.sampled_from(sorted(RULES)),
    normalisation=st.sampled_from(["none", "range", "variance"]),
    seed=st.integers(0, 2**16),
)
def test_kernel_equals_decide_on_generated_problems(
    problem, rule: str, normalisation: str, seed: int
) -> None:
    rows = _rows(problem, 5, seed=seed)
    options = {"rule": rule, "normalisation": normalisation, "tie_break": "name"}
    compiled = compile_problem(problem, backend="numpy", **options)
    batch = decide_rows(compiled, compiled.encode(rows))
    for i, row in enumerate(rows):
        try:
            decision = decide(problem, row, backend="numpy", **options)
        except EvidenceError:
            assert not batch.possible[i].all()
            continue
        _agree(batch, i, decision)


@pytest.mark.parametrize("backend", ["torch", "jax", "pgmpy"])
@pytest.mark.parametrize(
    "name", ["av_emergency", "heinz_policies", "chisholm", "ross_conflict", "trolley", "footbridge"]
)
def test_every_backend_gives_the_same_batch(backend: str, name: str) -> None:
    problem = load_scenario(EXAMPLES / f"{name}.yaml")
    rows = _rows(problem, 10, seed=11)
    reference = decide_rows(compile_problem(problem, backend="numpy"), rows)
    batch = decide_rows(compile_problem(problem, backend=backend), rows)
    np.testing.assert_array_equal(batch.chosen, reference.chosen)
    np.testing.assert_array_equal(batch.abstention, reference.abstention)
    np.testing.assert_allclose(batch.scores, reference.scores, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(batch.expected_values, reference.expected_values, atol=TOL)


def test_a_row_decided_before_is_looked_up_and_read_only() -> None:
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    compiled = compile_problem(problem, backend="numpy", rule="median")
    row = np.full((1, len(compiled.columns)), -1)
    first = decide_rows(compiled, row)
    again = decide_rows(compiled, row.copy())
    assert again is compiled.decided[row.tobytes()]
    assert again.option_names.tolist() == first.option_names.tolist()
    assert row.flags.writeable  # the caller's array is left alone
    with pytest.raises(ValueError):
        again.scores[0, 0] = 1.0


@pytest.mark.parametrize(
    ("index", "says"),
    [
        ([[7, -1, -1, -1, -1, -1]], "7 is not a state of 'pedestrian_present'"),
        ([[-2, -1, -1, -1, -1, -1]], "-2 is not a state"),
        ([[0, 0]], "expected shape (rows, 6)"),
        ([[0.5, -1, -1, -1, -1, -1]], "expected integers"),
    ],
)
def test_a_bad_index_matrix_is_refused(index: list, says: str) -> None:
    compiled = compile_problem(load_scenario(EXAMPLES / "av_emergency.yaml"), backend="numpy")
    with pytest.raises(EvidenceError, match=re.escape(says)):
        decide_rows(compiled, np.array(index))


def test_a_row_with_impossible_options_is_decided_among_the_rest() -> None:
    """Evidence that rules out some options (P(e | do(a)) = 0) excludes them: the kernel
    decides among the others; the full explanation of such a row is refused with a reason."""
    problem = load_scenario(EXAMPLES / "heinz_policies.yaml")
    compiled = compile_problem(problem, backend="numpy", normalisation="variance")
    row = {
        "legal_means_exhausted": "no",
        "drug_obtained": "yes",
        "wife_survives": "yes",
        "heinz_jailed": "yes",
    }
    batch = decide_rows(compiled, [row])
    assert not batch.possible[0].all() and batch.possible[0].any()
    assert not batch.permissible[0][~batch.possible[0]].any()
    with pytest.raises(EvidenceError, match="impossible under"):
        batch.decision(0)
