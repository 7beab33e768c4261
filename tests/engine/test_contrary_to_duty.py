"""Contrary-to-duty norms (issue 15, item 3): ``condition: {violated: norm}``.

Hand-worked on Chisholm's puzzle (examples/chisholm.yaml; Chisholm 1963, "Contrary-to-duty
imperatives and deontic logic", Analysis 24): P(neighbours need help) = 0.8,

    P(violates help)              go_tell 0, go_silent 0.8, stay_tell 0.8, stay_silent 0.8
    P(violates no_false_promise)  go_tell 0, go_silent 0,   stay_tell 0.8, stay_silent 0

and on a chain of three norms over independent roots s (P(x) = 0.4) and t (P(p) = 0.5):
A obliges a where s = x; B prohibits b where t = p and A is violated; C obliges a where B is
violated. Only b violates B (so C), with P = P(s = x, t = p) = 0.2.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.decision.pipeline import decide
from engine.errors import PhronesisError
from engine.ir import DecisionProblem
from engine.ir.conflicts import norm_conflicts
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.engine.deontic_brute import violation_probability
from tests.engine.test_kernel_conformance import _agree
from tests.strategies import decision_problems

CHISHOLM = EXAMPLES / "chisholm.yaml"
OPTIONS = ("go_tell", "go_silent", "stay_tell", "stay_silent")


def _violations(problem: DecisionProblem, evidence: dict[str, str]) -> dict[str, dict[str, float]]:
    decision = decide(problem, evidence, backend="numpy")
    return {r.option: dict(r.norm_violation) for r in decision.options}


def test_chisholm_hand_worked() -> None:
    problem = load_scenario(CHISHOLM)
    found = _violations(problem, {})
    assert {o: found[o]["help"] for o in OPTIONS} == pytest.approx(
        {"go_tell": 0.0, "go_silent": 0.8, "stay_tell": 0.8, "stay_silent": 0.8}
    )
    assert {o: found[o]["no_false_promise"] for o in OPTIONS} == pytest.approx(
        {"go_tell": 0.0, "go_silent": 0.0, "stay_tell": 0.8, "stay_silent": 0.0}
    )
    decision = decide(problem, {}, backend="numpy")
    assert decision.option == "go_tell"
    scores = {r.option: r.score for r in decision.options}
    assert scores == pytest.approx(
        {"go_tell": 0.0, "go_silent": -8.0, "stay_tell": -12.0, "stay_silent": -8.0}
    )


def test_chisholm_no_contradiction() -> None:
    """The primary and the contrary-to-duty norm never conflict: going and telling satisfies
    both; and given that Jones stays (premise 4), staying silent beats telling."""
    problem = load_scenario(CHISHOLM)
    assert norm_conflicts(problem.norms, problem.decision.options) == ()
    scores = {r.option: r.score for r in decide(problem, {}, backend="numpy").options}
    assert scores["stay_silent"] > scores["stay_tell"]


@pytest.mark.parametrize(
    "evidence", [{}, {"neighbours_need_help": "yes"}, {"neighbours_need_help": "no"}]
)
def test_the_secondary_obligation_binds_exactly_when_the_primary_is_violated(
    evidence: dict[str, str],
) -> None:
    problem = load_scenario(CHISHOLM)
    found = _violations(problem, evidence)
    primary = evidence != {"neighbours_need_help": "no"}
    for option in OPTIONS:
        help_p, ctd_p = found[option]["help"], found[option]["no_false_promise"]
        assert (help_p > 0) == (option != "go_tell" and primary)
        # bound to stay_tell, and exactly as likely as the primary violation under it
        assert ctd_p == pytest.approx(help_p if option == "stay_tell" else 0.0, abs=1e-15)


CHAIN = """\
name: chain
decision: {name: act, options: [a, b, c]}
variables:
  - {name: s, states: [x, y], cpt: [0.4, 0.6]}
  - {name: t, states: [p, q], cpt: [0.5, 0.5]}
norms:
  - {name: A, modality: obligation, option: a, condition: {s: x}, weight: 1}
  - {name: B, modality: prohibition, option: b, condition: {t: p, violated: A}, weight: 2}
  - {name: C, modality: obligation, option: a, condition: {violated: [B]}, weight: 4}
theories:
  - {name: t1, kind: deontic, credence: 1.0, norm_handling: penalty}
"""


def _load(tmp_path: Path, text: str) -> DecisionProblem:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text))
    return load_scenario(path)


def test_a_chain_of_contrary_to_duty_norms(tmp_path: Path) -> None:
    problem = _load(tmp_path, CHAIN)
    found = _violations(problem, {})
    assert {o: found[o]["A"] for o in "abc"} == pytest.approx({"a": 0, "b": 0.4, "c": 0.4})
    assert {o: found[o]["B"] for o in "abc"} == pytest.approx({"a": 0, "b": 0.2, "c": 0})
    assert {o: found[o]["C"] for o in "abc"} == pytest.approx({"a": 0, "b": 0.2, "c": 0})
    rows = [{}, {"s": "x"}, {"t": "q"}, {"s": "x", "t": "p"}]
    batch = decide_rows(compile_problem(problem, backend="numpy"), rows)
    for i, row in enumerate(rows):
        _agree(batch, i, decide(problem, row, backend="numpy"))


@pytest.mark.parametrize(
    ("norms", "field", "says"),
    [
        (
            """
            - {name: A, modality: obligation, option: a, condition: {violated: B}}
            - {name: B, modality: prohibition, option: b, condition: {violated: A}}
            """,
            "norms.A.condition.violated",
            "cycle: A -> B -> A",
        ),
        (
            "- {name: A, modality: obligation, option: a, condition: {violated: A}}",
            "norms.A.condition.violated",
            "its own violation",
        ),
        (
            "- {name: A, modality: obligation, option: a, condition: {violated: nobody}}",
            "norms.A.condition.violated",
            "unknown norm 'nobody'",
        ),
        (
            """
            - {name: P, modality: permission, option: a}
            - {name: A, modality: obligation, option: a, condition: {violated: P}}
            """,
            "norms.A.condition.violated",
            "is a permission",
        ),
        (
            """
            - {name: A, modality: obligation, option: a}
            - {name: P, modality: permission, option: b, condition: {violated: A}}
            """,
            "norms.P.condition.violated",
            "a permission cannot be contrary-to-duty",
        ),
        (
            """
            - {name: A, modality: obligation, option: a}
            - {name: B, modality: prohibition, option: b, unless: {violated: A}}
            """,
            "norms.B.unless.violated",
            "only a norm's condition",
        ),
        (
            """
            - {name: A, modality: obligation, option: b}
            - {name: D, modality: obligation, option: a, defeasible: true}
            - {name: F, modality: prohibition, option: a, priority: 1, condition: {violated: A}}
            """,
            "norms.F.condition.violated",
            "would defeat 'D'",
        ),
        (
            "- {name: A, modality: obligation, option: a, condition: {violated: {above: 1}}}",
            "norms.A.condition.violated",
            "norm name",
        ),
    ],
)
def test_bad_references_are_refused(tmp_path: Path, norms: str, field: str, says: str) -> None:
    body = textwrap.indent(textwrap.dedent(norms).strip() + "\n", "  ")
    text = CHAIN.split("norms:")[0] + "norms:\n" + body
    text += "theories:\n  - {name: t1, kind: deontic, credence: 1.0, norm_handling: penalty}\n"
    with pytest.raises(PhronesisError) as caught:
        _load(tmp_path, text)
    assert field in str(caught.value) and says in str(caught.value), str(caught.value)


def test_a_variable_called_violated_is_refused_where_a_condition_uses_the_key(
    tmp_path: Path,
) -> None:
    text = CHAIN.replace(
        "  - {name: t, states",
        "  - {name: violated, states: [u, v], cpt: [0.5, 0.5]}\n  - {name: t, states",
    )
    with pytest.raises(PhronesisError, match="clashes with the contrary-to-duty key"):
        _load(tmp_path, text)


def test_long_reference_chains_and_diamonds_stay_linear(tmp_path: Path) -> None:
    """2,000 norms, each naming the two before it: no recursion limit, no blow-up."""
    lines = [
        "  - {name: n0, modality: obligation, option: a}",
        "  - {name: n1, modality: obligation, option: a, condition: {violated: n0}}",
    ]
    for k in range(2, 2000):
        lines.append(
            f"  - {{name: n{k}, modality: obligation, option: a, "
            f"condition: {{violated: [n{k - 1}, n{k - 2}]}}}}"
        )
    text = CHAIN.split("norms:")[0] + "norms:\n" + "\n".join(lines) + "\n"
    text += "theories:\n  - {name: t1, kind: deontic, credence: 1.0, norm_handling: penalty}\n"
    problem = _load(tmp_path, text)
    found = _violations(problem, {})
    assert found["b"]["n1999"] == pytest.approx(1.0) and found["a"]["n1999"] == 0.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decision_problems(deontic=True))
def test_violation_probabilities_equal_brute_force(problem: DecisionProblem) -> None:
    """Random contrary-to-duty chains: the engine's P(violation | do(a), e) equals the
    recursive definition by enumeration, and the kernel equals the pipeline."""
    rows = [{}, {problem.variables[0].name: problem.variables[0].states[0]}]
    batch = decide_rows(compile_problem(problem, backend="numpy"), rows)
    for i, row in enumerate(rows):
        try:
            decision = decide(problem, row, backend="numpy")
        except PhronesisError:  # evidence impossible under some option
            continue
        for report in decision.options:
            for norm in problem.norms:
                expected = violation_probability(problem, norm, report.option, row)
                assert report.norm_violation[norm.name] == pytest.approx(expected, abs=1e-12)
        _agree(batch, i, decision)


def test_a_referenced_norm_applies_to_every_row_of_the_kernel() -> None:
    """Role-specific norms (``norm_active``): a norm a contrary-to-duty norm refers to is part
    of the compiled violation event, so it must apply to every row; the secondary norm may
    apply to some rows only."""
    compiled = compile_problem(load_scenario(CHISHOLM), backend="numpy")
    with pytest.raises(PhronesisError, match="contrary-to-duty norm 'no_false_promise'"):
        decide_rows(compiled, [{}, {}], norm_active=[[False, True], [True, True]])
    batch = decide_rows(compiled, [{}, {}], norm_active=[[True, False], [True, True]])
    assert batch.violation[0, 2].tolist() == pytest.approx([0.8, 0.0])
    assert batch.violation[1, 2].tolist() == pytest.approx([0.8, 0.8])
