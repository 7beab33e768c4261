"""Hostile evidence (issue 10): digit separators are not numbers, and messages stay short
however many states a variable has."""

from __future__ import annotations

import pytest

from engine.errors import EvidenceError
from engine.ir import CPT, DecisionNode, DecisionProblem, Theory, ValueDimension, Variable
from engine.ir.evidence import check_evidence
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("written", ["1_4", "0x10", "14 m", ""])
def test_continuous_evidence_is_a_plain_decimal_number(written: str) -> None:
    problem = load_scenario(EXAMPLES / "av_continuous.yaml")
    with pytest.raises(EvidenceError, match="expected a number"):
        check_evidence(problem, {"lidar_range": written})


def test_an_unknown_state_of_a_large_variable_gives_a_short_message() -> None:
    states = tuple(f"s{i}" for i in range(2000))
    problem = DecisionProblem(
        name="wide",
        variables=(Variable("x", states),),
        decision=DecisionNode("act", ("a", "b")),
        cpts=(CPT("x", (), (1 / len(states),) * len(states)),),
        values=(ValueDimension("v", ("act",), (0.0, 1.0)),),
        theories=(Theory("t", "cardinal", 1.0, (("v", 1.0),)),),
    )
    with pytest.raises(EvidenceError, match="and 1992 more") as caught:
        check_evidence(problem, {"x": "nowhere"})
    assert len(str(caught.value)) < 300
