"""Per-row parameters in the kernel: rows with their own credences, value weights and norm
weights decide as the problem with that row's parameters put in (``with_parameters``) decides
through ``engine.decision.pipeline.decide`` — whether the weights differ between rows (CW per
row) or are all equal (CW once per distinct situation, then gathered)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.decision.pipeline import decide
from engine.kernel.batch import with_parameters
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario

EXAMPLES = ["examples/av_emergency.yaml", "examples/heinz.yaml", "examples/icu_triage.yaml"]


def _parameters(problem, n: int, rng: np.random.Generator, shared: bool) -> dict:
    t, v, k = len(problem.theories), len(problem.values), len(problem.norms)
    credences = rng.dirichlet(np.ones(t), size=n)
    weights = rng.uniform(-1.0, 2.0, size=(1 if shared else n, t, v))
    norm_weights = rng.uniform(0.0, 5.0, size=(1 if shared else n, k))
    return {
        "credences": credences,
        "value_weights": np.repeat(weights, n, axis=0) if shared else weights,
        "norm_weights": np.repeat(norm_weights, n, axis=0) if shared else norm_weights,
    }


@pytest.mark.parametrize("shared", [False, True], ids=["own-weights", "shared-weights"])
@pytest.mark.parametrize("path", EXAMPLES)
def test_rows_with_parameters_decide_as_the_problem_with_them(path: str, shared: bool) -> None:
    problem = load_scenario(path)
    compiled = compile_problem(problem, rule="mec", normalisation="none", backend="numpy")
    rng = np.random.default_rng(7)
    columns = compiled.columns[:2]
    states = [problem.states(c) for c in columns]
    rows = [
        {c: s[int(rng.integers(len(s)))] for c, s in zip(columns, states, strict=True)}
        for _ in range(12)
    ]
    rows = rows[:6] + rows[:6]  # repeated situations: the distinct-row path is taken
    given = _parameters(problem, len(rows), rng, shared)
    batch = decide_rows(compiled, rows, **given)
    for i, row in enumerate(rows):
        own = with_parameters(problem, {name: array[i] for name, array in given.items()})
        expected = decide(own, row, rule="mec", normalisation="none", backend="numpy")
        chosen = batch.options[batch.chosen[i]] if batch.chosen[i] >= 0 else None
        assert chosen == expected.option, (i, row)
        theories = [t.name for t in problem.theories]
        for a, report in enumerate(expected.options):
            cw = [report.choiceworthiness[t] for t in theories]
            np.testing.assert_allclose(batch.choiceworthiness[i, a], cw, rtol=1e-9, atol=1e-9)


def test_equal_weight_rows_decide_as_one_shared_array() -> None:
    problem = load_scenario("examples/icu_triage.yaml")
    compiled = compile_problem(problem, rule="mec", normalisation="none", backend="numpy")
    rng = np.random.default_rng(3)
    n = 40
    index = np.full((n, len(compiled.columns)), -1, dtype=np.intp)
    index[:, 0] = rng.integers(0, compiled.cardinalities[0], size=n)
    given = _parameters(problem, n, rng, shared=True)
    per_row = decide_rows(compiled, index, **given)
    once = decide_rows(
        compiled,
        index,
        credences=given["credences"],
        value_weights=given["value_weights"][0],
        norm_weights=given["norm_weights"][0],
    )
    np.testing.assert_array_equal(per_row.chosen, once.chosen)
    np.testing.assert_allclose(per_row.choiceworthiness, once.choiceworthiness, rtol=0, atol=0)
    assert per_row.parameters["value_weights"].shape == (n, *given["value_weights"].shape[1:])
