"""Value of information: a hand-worked example, its laws, and the explain command."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from engine.analyses.voi import observable_variables
from engine.ir import CPT, DecisionNode, DecisionProblem, Theory, ValueDimension, Variable
from engine.scenario import load_scenario
from phronesis.api import decide
from phronesis.cli.app import app
from tests.conftest import EXAMPLES
from tests.strategies import decision_problems

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def umbrella(extra=()):
    """rain 0.3; take: 1 if rain, 0.5 if not; leave: -2 if rain, 1 if not; ``forecast`` is a
    noisy sensor of rain; ``extra`` adds isolated variables."""
    return DecisionProblem(
        name="umbrella",
        variables=(
            Variable("rain", ("yes", "no")),
            Variable("forecast", ("wet", "dry")),
            *(Variable(name, ("h", "t")) for name in extra),
        ),
        decision=DecisionNode("act", ("take", "leave")),
        cpts=(
            CPT("rain", (), (0.3, 0.7)),
            CPT("forecast", ("rain",), (0.8, 0.2, 0.1, 0.9)),
            *(CPT(name, (), (0.5, 0.5)) for name in extra),
        ),
        values=(ValueDimension("comfort", ("act", "rain"), (1.0, 0.5, -2.0, 1.0)),),
        theories=(Theory("prudence", "cardinal", 1.0, (("comfort", 1.0),)),),
    )


def test_voi_hand_worked():
    # EV: take 0.3 + 0.35 = 0.65 > leave -0.6 + 0.7 = 0.1 -> take.
    # Observe rain: yes -> take 1; no -> leave 1: VOI = 0.3 * 1 + 0.7 * 1 - 0.65 = 0.35.
    # Observe forecast: P(wet) = 0.24 + 0.07 = 0.31; P(rain | wet) = 0.24 / 0.31, take:
    #   (0.24 + 0.035) / 0.31 = 0.887 vs leave (-0.48 + 0.07) / 0.31 = -1.32 -> take;
    # P(rain | dry) = 0.06 / 0.69: take (0.06 + 0.315) / 0.69 = 0.543, leave (-0.12 + 0.63)
    #   / 0.69 = 0.739 -> leave. VOI = 0.275 + 0.51 - 0.65 = 0.135.
    result = decide(umbrella(("coin",)), value_of_information=True)
    assert result.option == "take"
    by_name = {o.variable: o for o in result.value_of_information}
    assert by_name["rain"].value == pytest.approx(0.35)
    assert by_name["rain"].p_change == pytest.approx(0.7)
    assert by_name["rain"].decisions == {"yes": "take", "no": "leave"}
    assert by_name["forecast"].value == pytest.approx(0.135)
    assert by_name["forecast"].p_change == pytest.approx(0.69)
    # an isolated coin is worth nothing and never changes the decision
    assert by_name["coin"].value == 0.0 and by_name["coin"].p_change == 0.0
    assert [o.variable for o in result.value_of_information] == ["rain", "forecast", "coin"]


def test_observed_and_downstream_variables_are_not_candidates():
    av = load_scenario(EXAMPLES / "av_emergency.yaml")
    names = observable_variables(av, {"detection": "negative"})
    assert names == ["pedestrian_present", "oncoming_vehicle"]  # harms depend on the decision


def test_voi_is_undefined_for_rules_without_a_common_scale():
    result = decide(umbrella(), rule="borda", value_of_information=True)
    assert all(o.value is None for o in result.value_of_information)
    assert {o.variable: o.p_change for o in result.value_of_information}["rain"] == pytest.approx(
        0.7
    )


@given(decision_problems(handlings=("ignore", "penalty")))
@SETTINGS
def test_voi_is_non_negative_without_side_constraints(problem):
    result = decide(problem, value_of_information=True)
    for observation in result.value_of_information:
        assert observation.value is not None
        assert observation.value >= -1e-9


@given(decision_problems(handlings=("ignore", "penalty")))
@SETTINGS
def test_voi_of_an_independent_variable_is_zero(problem):
    isolated = dataclasses.replace(
        problem,
        variables=(*problem.variables, Variable("noise", ("h", "t"))),
        cpts=(*problem.cpts, CPT("noise", (), (0.25, 0.75))),
    )
    result = decide(isolated, value_of_information=True)
    noise = next(o for o in result.value_of_information if o.variable == "noise")
    assert noise.value == pytest.approx(0.0, abs=1e-9)
    assert noise.p_change == 0.0


def test_side_constraints_can_make_information_costly():
    # ICU: without evidence reallocation is impermissible (P(B good) = 0.4 > 0.2); learning
    # sofa_B = high makes it permissible, so observing sofa_B changes the decision with
    # probability P(high) = 0.53.
    triage = load_scenario(EXAMPLES / "icu_triage.yaml")
    result = decide(triage, value_of_information=True)
    sofa = next(o for o in result.value_of_information if o.variable == "sofa_B")
    assert sofa.decisions == {"low": "keep_B", "high": "reallocate_to_A"}
    assert sofa.p_change == pytest.approx(0.53)


def test_explain_lists_the_observations_most_worth_making():
    out = CliRunner().invoke(app, ["explain", str(EXAMPLES / "av_emergency.yaml")])
    assert out.exit_code == 0, out.output
    assert "Observations most worth making" in out.output
    text = out.output
    assert text.index("oncoming_vehicle") < text.index("pedestrian_present")
