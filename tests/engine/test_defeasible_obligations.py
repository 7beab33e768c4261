"""Defeasible obligations and ``unless`` exceptions (issue 15, item 1), with hand-worked
violation probabilities on a problem of two independent root variables:

    P(s = x) = 0.4, P(t = p) = 0.5;  options a, b, c;  the duty is an obligation to a.

- undefeated:                               P(viol | b) = P(viol | c) = 1
- defeated where s = x (permission of b):   1 - 0.4 = 0.6
- defeated where t = p (prohibition of a):  1 - 0.5 = 0.5
- both defeaters:                           P(s = y, t = q) = 0.6 * 0.5 = 0.3

and the kernel equals the per-row pipeline on each of them.
"""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from engine.decision.pipeline import decide
from engine.errors import PhronesisError
from engine.ir import Clause, DecisionProblem
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from engine.semantics.events import violation_clauses
from tests.engine.test_kernel_conformance import _agree

HEAD = """\
name: defeasible
decision: {name: act, options: [a, b, c]}
variables:
  - {name: s, states: [x, y], cpt: [0.4, 0.6]}
  - {name: t, states: [p, q], cpt: [0.5, 0.5]}
values:
  - {name: welfare, parents: [act], utility: {a: 0, b: 1, c: 2}}
theories:
  - {name: penalty, kind: cardinal, credence: 1.0, value_weights: {welfare: 1},
     norm_handling: penalty}
norms:
"""

DUTY = "  - {name: duty, modality: obligation, option: a, weight: 10, defeasible: true}\n"
LEAVE = "  - {name: leave, modality: permission, option: b, priority: 1, condition: {s: x}}\n"
FORBID = "  - {name: forbid, modality: prohibition, option: a, priority: 1, condition: {t: p}}\n"


def _problem(tmp_path: Path, norms: str, name: str = "p.yaml") -> DecisionProblem:
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(norms))
    return load_scenario(path)


def _violation(problem: DecisionProblem, norm: str, evidence: dict[str, str] | None = None):
    decision = decide(problem, evidence or {}, backend="numpy")
    return {r.option: r.norm_violation[norm] for r in decision.options}


@pytest.mark.parametrize(
    ("norms", "expected"),
    [
        (DUTY, 1.0),
        (DUTY + LEAVE, 0.6),
        (DUTY + FORBID, 0.5),
        (DUTY + LEAVE + FORBID, 0.3),
        # not defeaters: equal priority, a permission of the obliged option, not defeasible
        (DUTY + LEAVE.replace("priority: 1", "priority: 0"), 1.0),
        (DUTY + LEAVE.replace("option: b", "option: a"), 1.0),
        (DUTY.replace("defeasible: true", "defeasible: false") + LEAVE + FORBID, 1.0),
    ],
)
def test_a_defeasible_obligation_yields_to_higher_priority_defeaters(
    tmp_path: Path, norms: str, expected: float
) -> None:
    problem = _problem(tmp_path, norms)
    violation = _violation(problem, "duty")
    assert violation == pytest.approx({"a": 0.0, "b": expected, "c": expected}, abs=1e-12)


def test_where_the_defeater_is_observed_the_obligation_is_lifted(tmp_path: Path) -> None:
    problem = _problem(tmp_path, DUTY + LEAVE)
    # CW(a) = 0, CW(b) = 1 - 10 P(viol), CW(c) = 2 - 10 P(viol)
    assert decide(problem, {"s": "y"}, backend="numpy").option == "a"  # 1 - 10, 2 - 10 < 0
    assert decide(problem, {"s": "x"}, backend="numpy").option == "c"  # defeated: 0, 1, 2


def test_an_unless_exception_on_a_prohibition(tmp_path: Path) -> None:
    problem = _problem(
        tmp_path,
        "  - {name: ban, modality: prohibition, option: c, weight: 5, unless: {t: p}}\n",
    )
    assert problem.norm("ban").unless == ((Clause("t", ("p",)),),)
    assert _violation(problem, "ban") == pytest.approx({"a": 0.0, "b": 0.0, "c": 0.5})
    assert _violation(problem, "ban", {"t": "p"})["c"] == 0.0
    # c: 2 - 5 * 1 = -3 where t = q, so b (1) is best; where t = p, c (2) is.
    assert decide(problem, {"t": "q"}, backend="numpy").option == "b"
    assert decide(problem, {"t": "p"}, backend="numpy").option == "c"


def test_unless_on_an_obligation_takes_any_of_a_list(tmp_path: Path) -> None:
    problem = _problem(
        tmp_path,
        "  - {name: duty, modality: obligation, option: a, weight: 10,\n"
        "     unless: [{s: x}, {t: p}]}\n",
    )
    assert len(violation_clauses(problem, problem.norm("duty"))) == 3
    assert _violation(problem, "duty") == pytest.approx({"a": 0.0, "b": 0.3, "c": 0.3})
    assert _violation(problem, "duty", {"s": "x"})["b"] == 0.0


@pytest.mark.parametrize(
    ("norm", "field"),
    [
        (
            "{name: duty, modality: obligation, option: a, unless: {nowhere: x}}",
            "norms.duty.unless",
        ),
        ("{name: duty, modality: obligation, option: a, unless: {s: z}}", "norms.duty.unless.s"),
        (
            "{name: duty, modality: obligation, option: a, unless: [{s: x}, {t: z}]}",
            "norms.duty.unless[1].t",
        ),
        ("{name: ok, modality: permission, option: a, unless: {s: x}}", "norms.ok.unless"),
        ("{name: duty, modality: obligation, option: a, unless: [{}]}", "norms.duty.unless"),
    ],
)
def test_bad_exceptions_name_the_norm_and_field(tmp_path: Path, norm: str, field: str) -> None:
    with pytest.raises(PhronesisError, match=field.replace("[", r"\[").replace("]", r"\]")) as info:
        _problem(tmp_path, f"  - {norm}\n")
    assert "\n" not in str(info.value)


def test_problems_without_exceptions_keep_their_hash(tmp_path: Path) -> None:
    plain = _problem(tmp_path, DUTY, "plain.yaml")
    assert "unless" not in plain.to_json()
    excepted = _problem(tmp_path, DUTY.replace("}", ", unless: {s: x}}"), "excepted.yaml")
    assert excepted.content_hash != plain.content_hash
    assert DecisionProblem.from_json(excepted.to_json()) == excepted


@pytest.mark.parametrize(
    "norms",
    [
        DUTY + LEAVE + FORBID,
        "  - {name: ban, modality: prohibition, option: c, weight: 5, unless: [{t: p}, {s: x}]}\n"
        + DUTY.replace("}", ", unless: {s: y, t: q}}")
        + LEAVE,
    ],
)
def test_the_kernel_equals_the_pipeline(tmp_path: Path, norms: str) -> None:
    problem = _problem(tmp_path, norms)
    rows = [
        {k: v for k, v in (("s", s), ("t", t)) if v is not None}
        for s, t in itertools.product([None, "x", "y"], [None, "p", "q"])
    ]
    compiled = compile_problem(problem, backend="numpy")
    batch = decide_rows(compiled, compiled.encode(rows))
    for i, row in enumerate(rows):
        _agree(batch, i, decide(problem, row, backend="numpy"))
