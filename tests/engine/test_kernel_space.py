"""Every evidence assignment at once (``engine.kernel.space``): the joint-sum evaluation
decides each assignment as ``decide_rows`` decides its evidence row — on the examples (every
settings combination they ship), on random problems, and over any range of assignments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.kernel.space import decide_assignments, space_tables
from engine.scenario import load_scenario
from tests.strategies import decision_problems

EXAMPLES = [
    ("examples/av_emergency.yaml", {}),
    ("examples/icu_triage.yaml", {"normalisation": "variance"}),
    ("examples/heinz_policies.yaml", {"policy": "virtue_ordering"}),
    ("examples/heinz_policies.yaml", {"rule": "borda"}),
]


def _assert_same(compiled, observables) -> None:
    tables = space_tables(compiled, observables)
    assert tables is not None
    batch = decide_assignments(tables, 0, tables.size)
    rows = decide_rows(compiled, batch.index)
    np.testing.assert_array_equal(batch.chosen, rows.chosen)
    np.testing.assert_array_equal(batch.abstention, rows.abstention)
    np.testing.assert_array_equal(batch.possible, rows.possible)
    np.testing.assert_array_equal(batch.policy_consistent, rows.policy_consistent)
    where = rows.possible[:, :, None]
    for name in ("expected_values", "violation"):
        got, want = getattr(batch, name), getattr(rows, name)
        np.testing.assert_allclose(np.where(where, got, 0), np.where(where, want, 0), atol=1e-9)


def _observables(problem) -> tuple[str, ...]:
    after = problem.descendants(problem.decision.name)
    return tuple(v.name for v in problem.variables if v.name not in after)


@pytest.mark.parametrize("backend", ["numpy", "pgmpy"])
@pytest.mark.parametrize(("path", "options"), EXAMPLES)
def test_every_assignment_decides_as_its_row(path: str, options: dict, backend: str) -> None:
    problem = load_scenario(path)
    _assert_same(compile_problem(problem, backend=backend, **options), _observables(problem))


def test_assignment_numbers_follow_product_order() -> None:
    problem = load_scenario("examples/icu_triage.yaml")
    observables = _observables(problem)
    compiled = compile_problem(problem, backend="numpy")
    tables = space_tables(compiled, observables)
    keys = list(
        itertools.product(*(range(-1 + 1, len(problem.states(v)) + 1) for v in observables))
    )
    batch = decide_assignments(tables, 0, tables.size)
    for number, key in enumerate(keys):
        cards = [len(problem.states(v)) for v in observables]
        expected = [d if d < c else -1 for d, c in zip(key, cards, strict=True)]
        row = [batch.index[number, compiled.columns.index(v)] for v in observables]
        assert row == expected


@pytest.mark.parametrize(("start", "stop"), [(0, 1), (5, 40), (79, 81), (3, 3)])
def test_ranges_are_slices_of_the_whole(start: int, stop: int) -> None:
    problem = load_scenario("examples/icu_triage.yaml")
    compiled = compile_problem(problem, backend="numpy")
    tables = space_tables(compiled, _observables(problem))
    whole = decide_assignments(tables, 0, tables.size)
    part = decide_assignments(tables, start, stop)
    np.testing.assert_array_equal(part.chosen, whole.chosen[start:stop])
    np.testing.assert_array_equal(part.index, whole.index[start:stop])


@given(decision_problems(max_variables=4))
@settings(max_examples=40, deadline=None, derandomize=True)
def test_random_problems_decide_as_their_rows(problem) -> None:
    compiled = compile_problem(problem, backend="numpy")
    _assert_same(compiled, tuple(v.name for v in problem.variables))
