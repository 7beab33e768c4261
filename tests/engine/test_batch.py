"""Batched decisions equal per-row decisions on the pgmpy reference path."""

from __future__ import annotations

import numpy as np
import pytest

from engine.decision.batch import decide_batch
from engine.decision.pipeline import decide
from engine.decision.result import Decision
from engine.errors import EvidenceError
from engine.ir import (
    CPT,
    Clause,
    DecisionNode,
    DecisionProblem,
    Norm,
    Theory,
    ValueDimension,
    Variable,
)
from engine.scenario import load_scenario

pytest.importorskip("torch")

TOLERANCE = 1e-12


def assert_same(got: Decision, ref: Decision) -> None:
    assert got.option == ref.option
    assert got.abstain == ref.abstain
    for mine, theirs in zip(got.options, ref.options, strict=True):
        assert (mine.option, mine.permissible, mine.excluded_by) == (
            theirs.option,
            theirs.permissible,
            theirs.excluded_by,
        )
        for field in ("expected_values", "choiceworthiness", "norm_violation"):
            a, b = getattr(mine, field), getattr(theirs, field)
            assert a.keys() == b.keys()
            assert all(abs(a[k] - b[k]) <= TOLERANCE for k in a), (field, a, b)
        assert (mine.score is None) == (theirs.score is None)
        if mine.score is not None:
            assert abs(mine.score - theirs.score) <= TOLERANCE


def random_problem(seed: int) -> DecisionProblem:
    """A random decision problem: a small DAG under the decision, values, norms, theories."""
    rng = np.random.default_rng(seed)
    options = ("a", "b", "c")
    names = [f"x{i}" for i in range(5)]
    sizes = {n: int(rng.integers(2, 4)) for n in names}
    variables = tuple(Variable(n, tuple(f"s{k}" for k in range(sizes[n]))) for n in names)
    cpts = []
    for i, n in enumerate(names):
        earlier = names[:i]
        parents = (
            list(
                rng.choice(earlier, size=min(len(earlier), int(rng.integers(0, 3))), replace=False)
            )
            if earlier
            else []
        )
        if rng.random() < 0.6:
            parents.insert(0, "act")
        shape = [len(options) if p == "act" else sizes[p] for p in parents]
        table = rng.dirichlet(np.ones(sizes[n]), size=int(np.prod(shape, dtype=int)))
        cpts.append(CPT(n, tuple(str(p) for p in parents), tuple(table.ravel().tolist())))
    values = []
    for j in range(3):
        parents = tuple(str(p) for p in rng.choice(names, size=2, replace=False))
        if j == 0:
            parents = ("act", *parents)
        shape = [len(options) if p == "act" else sizes[p] for p in parents]
        table = rng.normal(size=int(np.prod(shape))).round(3)
        values.append(ValueDimension(f"v{j}", parents, tuple(table.tolist())))
    norms = (
        Norm(
            "n_pro",
            "prohibition",
            "a",
            (Clause("x1", ("s0",)),),
            weight=2.0,
            threshold=0.5,
            defeasible=True,
        ),
        Norm("n_obl", "obligation", "b", (Clause("x3", ("s1",)),), weight=1.0),
        Norm("n_perm", "permission", "a", (Clause("x2", ("s0",)),), priority=1),
    )
    theories = (
        Theory("t0", "cardinal", 0.5, (("v0", 1.0), ("v1", 0.5)), "penalty"),
        Theory("t1", "deontic", 0.2, (("v2", 1.0),), "constraint", ("n_pro",)),
        Theory("t2", "cardinal", 0.3, (("v1", 1.0), ("v2", -1.0))),
    )
    return DecisionProblem(
        f"random{seed}",
        variables,
        DecisionNode("act", options),
        tuple(cpts),
        tuple(values),
        norms,
        theories,
    )


def random_rows(problem: DecisionProblem, count: int, seed: int) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        chosen = rng.choice(len(problem.variables), size=int(rng.integers(0, 3)), replace=False)
        rows.append(
            {
                problem.variables[k].name: str(rng.choice(problem.variables[k].states))
                for k in chosen
            }
        )
    return rows


@pytest.mark.parametrize("policy", [None, "deontological", "consequentialist", "virtue"])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_heinz_batch_equals_reference(policy: str | None, backend: str) -> None:
    problem = load_scenario("examples/heinz.yaml")
    rows = [{}, {"wife_survives": "no"}, {"drug_obtained": "yes"}, {"heinz_jailed": "no"}, {}]
    got = decide_batch(problem, rows, policy=policy, backend=backend)
    assert len(got) == len(rows)
    for row, decision in zip(rows, got, strict=True):
        ref = decide(problem, row, policy=policy, backend="pgmpy")
        assert_same(decision, ref)
        assert decision.provenance["backend"] == backend
        assert decision.provenance["evidence"] == row


@pytest.mark.parametrize("seed", range(4))
def test_random_problems_batch_equals_reference(seed: int) -> None:
    problem = random_problem(seed)
    rows = random_rows(problem, 12, seed)
    try:
        got = decide_batch(problem, rows, rule="mec", normalisation="range")
    except EvidenceError:  # a sampled row may be impossible; the reference must agree
        with pytest.raises(EvidenceError):
            for row in rows:
                decide(problem, row, rule="mec", normalisation="range", backend="pgmpy")
        return
    for row, decision in zip(rows, got, strict=True):
        assert_same(
            decision, decide(problem, row, rule="mec", normalisation="range", backend="pgmpy")
        )


def test_empty_batch_and_unknown_evidence() -> None:
    problem = load_scenario("examples/heinz.yaml")
    assert decide_batch(problem, []) == []
    with pytest.raises(EvidenceError, match="unknown variable"):
        decide_batch(problem, [{}, {"weather": "rain"}])
