"""P(best) under second-order uncertainty: one vectorised pass agrees with a brute-force loop
of full decisions (pgmpy) on the same parameter draws."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.analyses.p_best import ABSTAIN, evaluate_draws, probability_best
from engine.analyses.parameter_draws import problem_at, sample_parameters
from engine.decision.applied_policy import apply_policy
from engine.decision.settings import resolve_settings
from engine.errors import InvalidProblem, ScenarioError
from engine.ir import CPTUncertainty, DecisionProblem
from engine.scenario import load_scenario, parse_scenario, read_document
from phronesis.api import decide
from phronesis.cli.app import app
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def heinz():
    return load_scenario(EXAMPLES / "heinz_uncertain.yaml")


def test_scenario_fields_become_ir_uncertainty(heinz):
    kinds = {
        (type(u).__name__, getattr(u, "child", getattr(u, "value", ""))) for u in heinz.uncertainty
    }
    assert ("CPTUncertainty", "wife_survives") in kinds
    assert ("UtilityUncertainty", "liberty") in kinds
    wife = next(u for u in heinz.uncertainty if getattr(u, "child", "") == "wife_survives")
    assert wife.concentration == (10.0, 40.0)
    assert DecisionProblem.from_json(heinz.to_json()) == heinz


def test_point_values_are_those_of_heinz(heinz):
    plain = load_scenario(EXAMPLES / "heinz.yaml")
    for policy in ("consequentialist", "virtue", "deontological"):
        a = decide(heinz, policy=policy, samples=0)
        b = decide(plain, policy=policy)
        assert a.option == b.option
        assert a.report("steal").expected_values == pytest.approx(b.report("steal").expected_values)
        assert a.p_best is None


def test_dirichlet_draws_have_the_stated_moments(heinz):
    draws = sample_parameters(heinz, 20000, seed=3)
    p = draws.cpts["wife_survives"][:, 0, 0]  # Beta(7, 3): mean 0.7, var 0.21 / 11
    assert p.mean() == pytest.approx(0.7, abs=0.005)
    assert p.var() == pytest.approx(0.7 * 0.3 / 11, rel=0.05)
    jailed = draws.cpts["heinz_jailed"][:, 2]  # the degenerate row [0, 1] stays degenerate
    assert np.all(jailed[:, 0] == 0.0) and np.all(jailed[:, 1] == 1.0)
    liberty = draws.utilities["liberty"][:, 0]
    assert liberty.std() == pytest.approx(10.0, rel=0.05)
    prop = draws.utilities["property"]
    assert prop.min() >= -25.0 and prop.max() <= 5.0


def test_vectorised_posteriors_match_assess_per_draw(heinz):
    draws = sample_parameters(heinz, 5, seed=11)
    expected, violation, cw = evaluate_draws(heinz, {"wife_survives": "yes"}, draws)
    for s in range(5):
        one = decide(problem_at(heinz, draws, s), {"wife_survives": "yes"})
        for i, option in enumerate(heinz.decision.options):
            report = one.report(option)
            assert expected[s, i] == pytest.approx(list(report.expected_values.values()), abs=1e-9)
            assert cw[s, i] == pytest.approx(list(report.choiceworthiness.values()), abs=1e-9)


@pytest.mark.parametrize(
    ("policy", "rule", "normalisation"),
    [
        ("consequentialist", None, None),
        (None, "mec", "variance"),
        (None, "borda", None),
        ("consequentialist_ordering", None, None),
    ],
)
def test_p_best_matches_a_brute_force_loop(heinz, policy, rule, normalisation):
    problem = heinz
    if policy == "consequentialist_ordering":
        import dataclasses

        from engine.ir import Policy

        problem = dataclasses.replace(
            heinz,
            policies=(
                *heinz.policies,
                Policy(
                    "consequentialist_ordering",
                    "consequentialist",
                    (("utilitarian", 1.0),),
                    ("life", "liberty", "property"),
                    abstraction="ordering",
                ),
            ),
        )
    samples = 60
    settings = resolve_settings(problem, rule, normalisation, policy)
    base = decide(problem, rule=rule, normalisation=normalisation, policy=policy, samples=0)
    from engine.backends.registry import get_backend
    from engine.semantics.assess import assess

    settings, _ = apply_policy(problem, assess(problem, {}, get_backend("pgmpy")), settings)
    estimate = probability_best(problem, {}, settings, samples=samples, seed=5)
    draws = sample_parameters(problem, samples, seed=5)
    options = problem.decision.options
    loop = []
    for s in range(samples):
        chosen = decide(
            problem_at(problem, draws, s), rule=rule, normalisation=normalisation, policy=policy
        ).option
        loop.append(options.index(chosen) if chosen else -1)
    assert estimate.best.tolist() == loop
    assert sum(estimate.p_best.values()) == pytest.approx(1.0)
    assert base.option in options


def test_p_best_is_seeded_and_reports_its_standard_error(heinz):
    a = decide(heinz, policy="consequentialist", samples=400, seed=7)
    b = decide(heinz, policy="consequentialist", samples=400, seed=7)
    c = decide(heinz, policy="consequentialist", samples=400, seed=8)
    assert a.p_best == b.p_best and a.p_best != c.p_best
    assert a.p_best_samples == 400
    for option, p in a.p_best.items():
        assert a.p_best_se[option] == pytest.approx(np.sqrt(p * (1 - p) / 400))
    assert sum(a.p_best.values()) == pytest.approx(1.0)
    # steal wins at the point values by 8; it is the most probable best option
    assert max(a.p_best, key=a.p_best.get) == "steal"


def test_abstain_probability_when_a_constraint_binds_in_some_draws():
    # AV: P(pedestrian | negative detection) = 0.0256 against threshold 0.05; with an
    # uncertain prior on pedestrian_present some draws push it over and swerve_right is
    # excluded; brake and swerve_left remain, so the decision never abstains.
    av = load_scenario(EXAMPLES / "av_emergency.yaml")
    import dataclasses

    uncertain = dataclasses.replace(
        av, uncertainty=(CPTUncertainty("pedestrian_present", (20.0,)),)
    )
    result = decide(uncertain, {"detection": "negative"}, samples=500, seed=2)
    assert ABSTAIN not in result.p_best
    assert 0.0 < result.p_best["swerve_right"] < 1.0
    assert sum(result.p_best.values()) == pytest.approx(1.0)


def test_bad_uncertainty_is_reported_by_field(tmp_path):
    data = read_document(EXAMPLES / "heinz_uncertain.yaml")
    data["variables"][0]["cpt_concentration"] = -1
    with pytest.raises(ScenarioError, match=r"variables\.drug_obtained\.cpt_concentration\[0\]"):
        parse_scenario(data)
    data = read_document(EXAMPLES / "heinz_uncertain.yaml")
    data["values"][1]["uncertainty"] = {"distribution": "normal", "scale": [1, 2, 3]}
    with pytest.raises(ScenarioError, match=r"values\.liberty\.uncertainty\.scale"):
        parse_scenario(data)
    with pytest.raises(InvalidProblem, match="concentrations"):
        import dataclasses

        heinz = load_scenario(EXAMPLES / "heinz.yaml")
        dataclasses.replace(heinz, uncertainty=(CPTUncertainty("drug_obtained", (1.0,)),))


def test_cli_prints_p_best():
    runner = CliRunner()
    path = str(EXAMPLES / "heinz_uncertain.yaml")
    out = runner.invoke(
        app, ["decide", path, "--policy", "consequentialist", "--samples", "300", "--seed", "1"]
    )
    assert out.exit_code == 0, out.output
    assert "P(best)" in out.output and "300 parameter draws" in out.output
    data = json.loads(
        runner.invoke(
            app, ["decide", path, "--policy", "consequentialist", "--samples", "300", "--json"]
        ).output
    )
    assert sum(data["p_best"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("alpha", [0.05, 0.2, 1.0])
def test_cvar_under_every_draw_equals_the_exact_risk_pipeline_per_draw(alpha):
    """P(best) under ``cvar:ALPHA`` ranks each draw by the same CVaR engine.semantics.risk computes
    exactly for that draw's problem (pgmpy), to round-off."""
    from engine.analyses.p_best import cvar_draws
    from engine.analyses.parameter_draws import problem_at, sample_parameters
    from engine.backends.registry import get_backend
    from engine.semantics.assess import assess
    from engine.semantics.risk import risk_choiceworthiness

    problem = load_scenario(EXAMPLES / "heinz_uncertain.yaml")
    draws = sample_parameters(problem, 12, seed=5)
    batched = cvar_draws(problem, {}, draws, alpha)
    engine = get_backend("pgmpy")
    for s in range(12):
        drawn = problem_at(problem, draws, s)
        exact = risk_choiceworthiness(drawn, {}, engine, assess(drawn, {}, engine), alpha)
        np.testing.assert_allclose(batched[s], exact, rtol=0, atol=1e-9)
    if alpha == 1.0:  # CVaR_1 is the expectation
        _, _, expected_cw = evaluate_draws(problem, {}, draws)
        np.testing.assert_allclose(batched, expected_cw, rtol=0, atol=1e-9)
