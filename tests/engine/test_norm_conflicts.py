"""Conflicts of norms (issue 15, item 2) on Ross's promise vs rescue (examples/ross_conflict.yaml),
hand-worked from the numbers stated in the file:

    P(accident) = 0.3; promise: obligation to keep_promise, weight 60, priority 0, always;
    rescue: obligation to help_victim, weight 50, priority 1, where accident = yes.
    One penalty theory: CW(keep) = -50 P(rescue in force), CW(help) = -60 P(promise in force).

    conflicts   evidence        CW(keep)   CW(help)          decision
    weight      accident=yes    -50        -60               keep_promise
    priority    accident=yes    -50          0               help_victim
    abstain     accident=yes                                 abstain (P = 1 > 0.5)
    priority    (none)          -15        -60 * 0.7 = -42   keep_promise
    abstain     (none)          -15        -60               keep_promise (P = 0.3 <= 0.5)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.decision.pipeline import decide
from engine.errors import ScenarioError
from engine.ir import Clause, DecisionProblem, Norm
from engine.ir.conflicts import joint_condition, norm_conflicts
from engine.kernel.batch import Abstain
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from engine.semantics.events import violation_clauses
from phronesis.cli.app import app
from tests.conftest import EXAMPLES
from tests.engine.test_kernel_conformance import _agree

ROSS = EXAMPLES / "ross_conflict.yaml"
ROWS = [{}, {"accident": "yes"}, {"accident": "no"}, {"victim_survives": "no"}]


def _ross(conflicts: str) -> DecisionProblem:
    return dataclasses.replace(load_scenario(ROSS), conflicts=conflicts)


def test_the_conflict_is_detected_with_its_condition() -> None:
    (conflict,) = norm_conflicts(_ross("weight").norms, ("keep_promise", "help_victim"))
    assert (conflict.first, conflict.second) == ("promise", "rescue")
    assert conflict.condition == (Clause("accident", ("yes",)),)
    assert conflict.describe() == "promise vs rescue where accident in ['yes']"


@pytest.mark.parametrize(
    ("conflicts", "evidence", "scores", "option"),
    [
        ("weight", {"accident": "yes"}, {"keep_promise": -50, "help_victim": -60}, "keep_promise"),
        ("priority", {"accident": "yes"}, {"keep_promise": -50, "help_victim": 0}, "help_victim"),
        ("priority", {}, {"keep_promise": -15, "help_victim": -42}, "keep_promise"),
        ("abstain", {}, {"keep_promise": -15, "help_victim": -60}, "keep_promise"),
        ("weight", {"accident": "no"}, {"keep_promise": 0, "help_victim": -60}, "keep_promise"),
    ],
)
def test_each_resolution_decides_as_worked_by_hand(
    conflicts: str, evidence: dict[str, str], scores: dict[str, float], option: str
) -> None:
    decision = decide(_ross(conflicts), evidence, backend="numpy")
    assert decision.option == option
    assert {r.option: r.score for r in decision.options} == pytest.approx(scores, abs=1e-12)


def test_abstain_names_the_dilemma_above_the_threshold() -> None:
    decision = decide(_ross("abstain"), {"accident": "yes"}, backend="numpy")
    assert decision.option is None
    assert decision.abstain is not None
    assert "promise vs rescue" in decision.abstain and "probability 1 > 0.5" in decision.abstain


def test_the_decision_notes_the_dilemma_with_its_probability() -> None:
    for conflicts in ("weight", "priority", "abstain"):
        notes = decide(_ross(conflicts), {}, backend="numpy").notes
        (note,) = [n for n in notes if n.startswith("dilemma:")]
        assert "promise vs rescue" in note and "P = 0.3" in note and conflicts in note
    # where the conflict cannot hold, no note
    notes = decide(_ross("weight"), {"accident": "no"}, backend="numpy").notes
    assert not [n for n in notes if n.startswith("dilemma:")]


@pytest.mark.parametrize("conflicts", ["weight", "priority", "abstain"])
def test_the_kernel_equals_the_pipeline(conflicts: str) -> None:
    problem = _ross(conflicts)
    compiled = compile_problem(problem, backend="numpy")
    batch = decide_rows(compiled, compiled.encode(ROWS))
    for i, row in enumerate(ROWS):
        _agree(batch, i, decide(problem, row, backend="numpy"))
    assert batch.decision(1).to_json() == decide(problem, ROWS[1], backend="numpy").to_json()


def test_the_kernel_abstains_on_a_dilemma_above_the_threshold() -> None:
    """accident=yes: P(dilemma) = 1 > 0.5 -> abstain (code DILEMMA); no evidence: 0.3; the
    victim died: P(accident | died, do(keep)) = 0.3 x 0.6 / (0.3 x 0.6) = 1 -> abstain."""
    compiled = compile_problem(_ross("abstain"), backend="numpy")
    batch = decide_rows(compiled, compiled.encode(ROWS))
    assert batch.abstention.tolist() == [0, Abstain.DILEMMA, 0, Abstain.DILEMMA]
    assert batch.option_names.tolist() == ["keep_promise", "", "keep_promise", ""]


def _norm(name: str, modality: str, option: str, priority: int = 0, **condition) -> Norm:
    clauses = tuple(Clause(v, tuple(s)) for v, s in condition.items())
    return Norm(name, modality, option, clauses, priority=priority)  # type: ignore[arg-type]


def test_which_pairs_conflict() -> None:
    keep = _norm("keep", "obligation", "a", s=["x"])
    other = _norm("other", "obligation", "b", s=["x", "y"])
    disjoint = _norm("disjoint", "obligation", "b", s=["y"])
    same = _norm("same", "obligation", "a")
    ban = _norm("ban", "prohibition", "a", priority=1)
    allow = _norm("allow", "permission", "b", priority=2)
    found = norm_conflicts((keep, other, disjoint, same, ban, allow), ("a", "b", "c"))
    pairs = {(c.first, c.second) for c in found}
    # an obligation to b and one to a, where the conditions meet; an obligation and a prohibition
    # of the same option; never two obligations to one option (keep, same), disjoint
    # conditions (keep, disjoint), permissions
    assert pairs == {
        ("keep", "other"),
        ("keep", "ban"),
        ("other", "same"),
        ("disjoint", "same"),
        ("same", "ban"),
    }
    assert {c.condition for c in found if c.first == "keep" and c.second == "other"} == {
        (Clause("s", ("x",)),)
    }
    # a defeasible obligation defeated by the higher-priority prohibition does not conflict
    defeasible = dataclasses.replace(same, defeasible=True)
    pairs = {(c.first, c.second) for c in norm_conflicts((defeasible, ban), ("a", "b"))}
    assert ("same", "ban") not in pairs


def test_prohibitions_of_every_option_conflict() -> None:
    """No single option satisfies prohibitions of both options of a binary decision; with a
    third option there is one that does."""
    left, right = _norm("left", "prohibition", "a"), _norm("right", "prohibition", "b")
    assert [(c.first, c.second) for c in norm_conflicts((left, right), ("a", "b"))] == [
        ("left", "right")
    ]
    assert norm_conflicts((left, right), ("a", "b", "c")) == ()


def test_joint_conditions_intersect_states_and_intervals() -> None:
    assert joint_condition((Clause("s", ("x", "y")),), (Clause("s", ("y", "z")),)) == (
        Clause("s", ("y",)),
    )
    assert joint_condition((Clause("s", ("x",)),), (Clause("s", ("y",)),)) is None
    assert joint_condition((Clause("v", above=1.0),), (Clause("v", below=3.0),)) == (
        Clause("v", (), 1.0, 3.0),
    )
    assert joint_condition((Clause("v", above=3.0),), (Clause("v", below=3.0),)) is None


def test_validate_warns_and_exits_zero() -> None:
    result = CliRunner().invoke(app, ["validate", str(ROSS)])
    assert result.exit_code == 0, result.output
    warning = " ".join(result.output.split())
    assert "warning: dilemma promise vs rescue where accident in ['yes']" in warning
    assert "conflicts: priority" in warning


def test_a_bad_setting_names_the_field(tmp_path: Path) -> None:
    text = ROSS.read_text().replace("conflict_threshold: 0.5", "conflict_threshold: 1.5")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(ScenarioError, match="conflict_threshold: expected a probability"):
        load_scenario(tmp_path / "bad.yaml")


def test_the_default_is_weight_and_leaves_the_content_unchanged() -> None:
    problem = _ross("weight")
    assert load_scenario(EXAMPLES / "heinz.yaml").conflicts == "weight"
    assert "conflicts" not in json.loads(problem.to_json())
    assert DecisionProblem.from_json(_ross("priority").to_json()).conflicts == "priority"


#: examples written for issue 15, whose norms use its new semantics
DEONTIC = {ROSS, EXAMPLES / "chisholm.yaml"}


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES.glob("*.yaml") if p not in DEONTIC))
def test_shipped_examples_keep_their_norm_events(path: Path) -> None:
    """Every shipped example (none has exceptions, defeasible obligations or conflicts) keeps
    the violation events of the semantics before issue 15 (condition, then the conditions of
    the higher-priority permissions of the option of a defeasible prohibition), so it decides
    exactly as before."""
    problem = load_scenario(path)
    assert norm_conflicts(problem.norms, problem.decision.options) == ()
    for norm in problem.norms:
        before = (norm.condition,)
        if norm.modality == "prohibition" and norm.defeasible:
            before += tuple(
                p.condition
                for p in problem.norms
                if p.modality == "permission"
                and p.option == norm.option
                and p.priority > norm.priority
            )
        assert violation_clauses(problem, norm) == before


@pytest.mark.parametrize(
    ("conflicts", "says"),
    [
        ("weight", "ross_conflict: keep_promise"),
        ("priority", "ross_conflict: help_victim"),
        ("abstain", "ross_conflict: ABSTAIN"),
    ],
)
def test_the_cli_resolves_by_the_setting_given(conflicts: str, says: str) -> None:
    """``--conflicts`` replaces the file's setting (priority) for one decision."""
    result = CliRunner().invoke(
        app, ["decide", str(ROSS), "-e", "accident=yes", "--conflicts", conflicts]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(says), result.output
