"""Decisions on the shipped examples against values worked out by hand (arithmetic in comments)."""

from __future__ import annotations

import pytest

from engine.decision.pipeline import decide
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def heinz():
    return load_scenario(EXAMPLES / "heinz.yaml")


@pytest.fixture(scope="module")
def av():
    return load_scenario(EXAMPLES / "av_emergency.yaml")


@pytest.fixture(scope="module")
def triage():
    return load_scenario(EXAMPLES / "icu_triage.yaml")


def test_heinz_expected_values(heinz):
    result = decide(heinz, policy="consequentialist")
    steal = result.report("steal").expected_values
    # P(survive | steal) = 0.8 * 0.7 + 0.2 * 0.05 = 0.57 -> life = 57
    # liberty = 0.3 * -30 = -9; property = -20
    assert steal["life"] == pytest.approx(57.0, abs=1e-12)
    assert steal["liberty"] == pytest.approx(-9.0, abs=1e-12)
    assert steal["property"] == pytest.approx(-20.0, abs=1e-12)
    # P(survive | do_not_steal) = 0.05 * 0.7 + 0.95 * 0.05 = 0.0825 -> life = 8.25
    assert result.report("do_not_steal").expected_values["life"] == pytest.approx(8.25, abs=1e-12)
    # utilitarian CW: steal 57 - 9 - 20 = 28; confess 57 - 27 - 10 = 20; refrain 8.25
    scores = {r.option: r.score for r in result.options}
    assert scores == pytest.approx({"steal": 28.0, "steal_and_confess": 20.0, "do_not_steal": 8.25})


def test_heinz_three_policies_three_resolutions(heinz):
    deont = decide(heinz, policy="deontological")
    conseq = decide(heinz, policy="consequentialist")
    virtue = decide(heinz, policy="virtue")
    assert (deont.option, conseq.option, virtue.option) == (
        "do_not_steal",
        "steal",
        "steal_and_confess",
    )
    # deontological: both thefts violate respect_property with probability 1 > 0.
    assert {e.option for e in deont.explanation.exclusions} == {"steal", "steal_and_confess"}
    assert deont.explanation.decisive_principle == "respect_property"
    # the kantian theory's own CW (life + liberty) would pick steal: 57 - 9 = 48 > 30 > 8.25
    assert deont.explanation.unconstrained_best == "steal"
    # consequentialist: steal beats confessing by liberty (-9 vs -27: +18) less property (-10)
    assert conseq.explanation.runner_up == "steal_and_confess"
    assert conseq.explanation.margin == pytest.approx(8.0)
    assert conseq.explanation.by_value == pytest.approx({"liberty": 18.0, "property": -10.0})
    assert conseq.explanation.decisive_principle == "liberty"
    # virtue: compassion 10 + honesty 10 = 20 vs steal 10 - 10 = 0 vs refrain -10 + 0 = -10
    assert virtue.explanation.margin == pytest.approx(20.0)
    assert virtue.explanation.decisive_principle == "honesty"
    for result in (deont, conseq, virtue):
        assert result.explanation.decisive_principle in result.explanation.narrative


def test_heinz_default_credences_respect_the_side_constraint(heinz):
    # kantian has credence 0.1 > 0 and treats respect_property as a side-constraint.
    result = decide(heinz)
    assert result.option == "do_not_steal"
    # MEC over the lone permissible option: 0.6 * 8.25 + 0.1 * 8.25 + 0.3 * -10 = 2.775
    assert result.report("do_not_steal").score == pytest.approx(2.775)


def test_av_hand_worked(av):
    # occupant_safety(brake) = 0.6 * -10 + 0.1 * -60 = -12
    # swerve_left: occupant 0.3 * (0.35 * -10 + 0.6 * -60)
    #                       + 0.7 * (0.14 * -10 + 0.01 * -60) = -13.25
    #              third party 0.3 * (0.4 * -10 + 0.5 * -60) = -10.2
    base = decide(av)
    assert base.report("brake_straight").expected_values["occupant_safety"] == pytest.approx(-12)
    left = base.report("swerve_left").expected_values
    assert left["occupant_safety"] == pytest.approx(-13.25)
    assert left["third_party_safety"] == pytest.approx(-10.2)
    # P(pedestrian) = 0.2 > 0.05: swerving right is impermissible without evidence
    assert base.report("swerve_right").norm_violation[
        "no_sacrifice_of_uninvolved"
    ] == pytest.approx(0.2)
    assert base.option == "brake_straight"
    # P(ped | negative) = 0.1 * 0.2 / (0.02 + 0.95 * 0.8) = 0.02 / 0.78
    negative = decide(av, {"detection": "negative"})
    p_ped = 0.02 / 0.78
    right = negative.report("swerve_right")
    assert right.norm_violation["no_sacrifice_of_uninvolved"] == pytest.approx(p_ped, abs=1e-12)
    assert right.permissible
    # pedestrian_safety = p_ped * (0.82 * -30 + 0.08 * -100) = p_ped * -32.6
    assert right.expected_values["pedestrian_safety"] == pytest.approx(p_ped * -32.6, abs=1e-12)
    # utilitarian CW(right) = -4 + p_ped * -32.6 - 1 = -5.836; traffic_ethics -4 - 0.836;
    # occupant_priority -8 - 0.836; MEC = 0.5 * -5.836 + 0.3 * -4.836 + 0.2 * -8.836 = -6.136
    assert right.score == pytest.approx(
        0.5 * (-4 + p_ped * -32.6 - 1) + 0.3 * (-4 + p_ped * -32.6) + 0.2 * (-8 + p_ped * -32.6),
        abs=1e-12,
    )
    assert negative.option == "swerve_right"
    positive = decide(av, {"detection": "positive"})
    assert positive.report("swerve_right").norm_violation[
        "no_sacrifice_of_uninvolved"
    ] == pytest.approx(0.18 / 0.22)
    assert positive.option == "brake_straight"


def test_triage_hand_worked(triage):
    # Without evidence P(B good) = 0.4 > 0.2: reallocating is impermissible.
    base = decide(triage)
    assert base.option == "keep_B"
    assert base.report("reallocate_to_A").norm_violation["no_withdrawal"] == pytest.approx(0.4)
    # keep_B: P(A survives) = 0.6 * 0.4 + 0.4 * 0.05 = 0.26;
    #         P(B survives) = 0.4 * 0.85 + 0.6 * 0.3 = 0.52
    # lives = 0.78; life years = 45 * 0.26 + 10 * 0.52 = 16.9
    keep = base.report("keep_B").expected_values
    assert keep["lives_saved"] == pytest.approx(0.78)
    assert keep["life_years"] == pytest.approx(16.9)
    # sofa_B = high: P(B good) = 0.4 * 0.2 / (0.08 + 0.6 * 0.75) = 0.08 / 0.53 <= 0.2
    high = decide(triage, {"sofa_B": "high"})
    assert high.report("reallocate_to_A").norm_violation["no_withdrawal"] == pytest.approx(
        0.08 / 0.53
    )
    assert high.report("reallocate_to_A").permissible
    assert high.option == "reallocate_to_A"
    # sofa_B = low: P(B good) = 0.32 / 0.47 > 0.2
    assert decide(triage, {"sofa_B": "low"}).option == "keep_B"


def test_abstains_when_nothing_is_permissible(heinz):
    import dataclasses

    from engine.ir import Norm

    forbid = Norm("never_refrain", "prohibition", "do_not_steal")
    kantian = dataclasses.replace(
        heinz.theory("kantian"), norms=("respect_property", "never_refrain")
    )
    problem = dataclasses.replace(
        heinz,
        norms=(*heinz.norms, forbid),
        theories=tuple(kantian if t.name == "kantian" else t for t in heinz.theories),
    )
    result = decide(problem, policy="deontological")
    assert result.option is None
    assert "no option is permissible" in result.abstain
    assert "never_refrain" in result.abstain and "respect_property" in result.abstain


def test_normalisations_change_scale_not_ranking_for_one_theory(heinz):
    results = [
        decide(heinz, policy="consequentialist", normalisation=n)
        for n in ("none", "range", "variance")
    ]
    assert {r.option for r in results} == {"steal"}
    # range: (28 - 8.25) / (28 - 8.25) = 1 for the best option
    assert results[1].report("steal").score == pytest.approx(1.0)
