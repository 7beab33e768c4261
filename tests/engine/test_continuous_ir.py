"""Continuous variables in the IR and scenario files: validation, serialisation, backends that
refuse them, the CLI, and the decision pipeline's laws (examples/av_continuous.yaml)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from engine.analyses.voi import observable_variables
from engine.decision.batch import decide_batch
from engine.errors import EvidenceError, InferenceError, ScenarioError
from engine.ir import DecisionProblem
from engine.scenario import load_scenario, read_document
from phronesis.api import decide
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

PATH = EXAMPLES / "av_continuous.yaml"
BASE = read_document(PATH)
runner = CliRunner()


def entry(doc, section, name):
    return next(v for v in doc[section] if v["name"] == name)


CASES = {
    "unknown_distribution": (
        lambda d: entry(d, "continuous", "lidar_range").update(distribution="gamma"),
        "continuous[0](lidar_range).distribution",
        "'normal', 'lognormal' or 'beta'",
    ),
    "missing_parameter": (
        lambda d: entry(d, "continuous", "lidar_range")["parameters"]["yes"].pop("scale"),
        "continuous.lidar_range.parameters[yes]",
        "missing scale; a normal distribution needs loc and scale",
    ),
    "negative_scale": (
        lambda d: entry(d, "continuous", "lidar_range")["parameters"]["no"].update(scale=-1),
        "continuous.lidar_range.parameters",
        "scale must be > 0",
    ),
    "beta_shape_zero": (
        lambda d: entry(d, "continuous", "road_friction")["parameters"]["yes"].update(alpha=0),
        "continuous.road_friction.parameters",
        "alpha must be > 0",
    ),
    "unknown_parameter_row": (
        lambda d: entry(d, "continuous", "road_friction")["parameters"].update(
            {"icy": {"alpha": 1, "beta": 1}}
        ),
        "continuous.road_friction.parameters",
        "row key 'icy'",
    ),
    "continuous_parent_of_cpt": (
        lambda d: entry(d, "variables", "pedestrian_hit").update(
            parents=["road_friction"], cpt=[0.5, 0.5]
        ),
        "variables.pedestrian_hit.parents",
        "'road_friction' is continuous and cannot index a table",
    ),
    "continuous_in_norm_condition": (
        lambda d: d["norms"][0].update(condition={"lidar_range": "yes"}),
        "norms.yield_to_pedestrians.condition",
        "'lidar_range' is continuous",
    ),
    "unknown_coefficient": (
        lambda d: entry(d, "continuous", "impact_speed")["coefficients"].update(speed=1.0),
        "continuous.impact_speed.coefficients",
        "'speed' is not a continuous variable",
    ),
    "coefficient_on_beta": (
        lambda d: entry(d, "continuous", "road_friction").update(coefficients={"lidar_range": 0.1}),
        "continuous.road_friction.coefficients",
        "a beta variable cannot depend on continuous parents",
    ),
    "logistic_unknown_input": (
        lambda d: entry(d, "variables", "skid")["logistic"].update(inputs=["grip"]),
        "variables.skid.logistic.inputs",
        "'grip' is not a continuous variable",
    ),
    "logistic_weight_for_unknown_state": (
        lambda d: entry(d, "variables", "skid")["logistic"]["weights"].update(
            maybe={"road_friction": 1.0}
        ),
        "variables.skid.logistic.weights",
        "unknown state 'maybe'",
    ),
    "cpt_and_logistic": (
        lambda d: entry(d, "variables", "skid").update(cpt={"brake": [0.5, 0.5]}),
        "variables.skid",
        "either cpt or logistic, not both",
    ),
    "no_cpt": (
        lambda d: entry(d, "variables", "skid").pop("logistic"),
        "variables.skid.cpt",
        "missing",
    ),
    "cycle_through_continuous": (
        lambda d: entry(d, "continuous", "road_friction").update(
            parents=["skid"],
            parameters={"yes": {"alpha": 4, "beta": 4}, "no": {"alpha": 8, "beta": 2}},
        ),
        "variables",
        "cycle",
    ),
    "linear_in_unknown_variable": (
        lambda d: entry(d, "values", "passenger_safety")["linear"].update(speed=-1.0),
        "values.passenger_safety.linear",
        "'speed' is not a continuous variable",
    ),
    "linear_table_wrong_keys": (
        lambda d: entry(d, "values", "passenger_safety").update(
            parents=["skid"], utility={"yes": 0, "no": 0}, linear={"impact_speed": {"maybe": 1}}
        ),
        "values.passenger_safety.linear.impact_speed",
        "row key 'maybe'",
    ),
    "duplicate_name": (
        lambda d: entry(d, "continuous", "road_friction").update(name="road_wet"),
        "continuous.road_wet",
        "duplicate name 'road_wet'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_continuous_input_names_file_and_field(case, tmp_path):
    mutate, field, text = CASES[case]
    doc = copy.deepcopy(BASE)
    mutate(doc)
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}"), message
    assert text in message, message


def test_round_trip_keeps_content_and_hash():
    problem = load_scenario(PATH)
    again = DecisionProblem.from_json(problem.to_json())
    assert again == problem and again.content_hash == problem.content_hash
    assert again.continuous == problem.continuous and again.logistic == problem.logistic
    assert again.value("passenger_safety").linear == problem.value("passenger_safety").linear
    network = problem.network()
    assert type(network).from_json(network.to_json()) == network
    assert network.is_hybrid and problem.is_hybrid


def test_discrete_content_has_no_hybrid_keys():
    """Problems written before continuous variables keep their content (and hash)."""
    content = load_scenario(EXAMPLES / "heinz.yaml").content()
    assert "continuous" not in content and "logistic" not in content
    assert all("linear" not in v for v in content["values"])


def test_edges_through_logistic_cpds_make_outcomes_downstream():
    problem = load_scenario(PATH)
    downstream = problem.descendants("action")
    assert {"skid", "impact_speed", "pedestrian_hit"} <= downstream
    assert "road_friction" not in downstream
    assert observable_variables(problem, {}) == ["pedestrian_present", "road_wet"]


@pytest.mark.parametrize("backend", ["pgmpy", "torch", "jax"])
def test_exact_discrete_backends_refuse_with_the_fix(backend):
    problem = load_scenario(PATH)
    with pytest.raises(InferenceError, match="use backend 'pyro'|backend 'pyro'"):
        decide(problem, backend=backend)


@pytest.mark.parametrize(
    ("evidence", "text"),
    [
        ({"lidar_range": "near"}, "is continuous; expected a number"),
        ({"road_friction": 1.2}, "outside the support (0.0, 1.0)"),
        ({"road_friction": 0.0}, "outside the support (0.0, 1.0)"),
        ({"impact_speed": -3}, "outside the support (0.0, inf)"),
        ({"lidar_range": "nan"}, "outside the support"),
    ],
)
def test_bad_continuous_evidence(evidence, text):
    with pytest.raises(EvidenceError, match=text.replace("(", r"\(").replace(")", r"\)")):
        decide(load_scenario(PATH), evidence)


def test_auto_backend_samples_and_reports_ess():
    problem = load_scenario(PATH)
    result = decide(problem, {"lidar_range": "14"}, particles=2000)
    assert result.provenance["backend"] == "pyro"
    sampling = result.sampling
    assert sampling["method"] == "likelihood weighting" and sampling["num_samples"] == 2000
    assert all(0 < ess <= 2000 for ess in sampling["ess"].values())
    # Observing a continuous leaf makes the weights unequal: ESS falls below the particle count.
    assert min(sampling["ess"].values()) < 2000
    assert all(se > 0 for se in sampling["value_se"]["brake"].values())
    assert json.loads(result.to_json())["sampling"]["ess"] == sampling["ess"]


def test_cvar_at_alpha_one_is_the_expectation_and_lower_tails_are_worse():
    problem = load_scenario(PATH)
    expected = decide(problem, particles=3000)
    whole = decide(problem, particles=3000, risk="cvar:1")
    tail = decide(problem, particles=3000, risk="cvar:0.1")
    for option in problem.decision.options:
        for theory in ("utilitarian", "rule_following"):
            ev = expected.report(option).choiceworthiness[theory]
            assert whole.report(option).choiceworthiness[theory] == pytest.approx(ev, abs=1e-9)
            assert tail.report(option).choiceworthiness[theory] < ev


def test_batch_equals_row_by_row():
    problem = load_scenario(PATH)
    rows = [{}, {"lidar_range": 9.0}, {"road_wet": "yes", "lidar_range": 35.0}]
    batch = decide_batch(problem, rows, backend="pyro")
    for row, result in zip(rows, batch, strict=True):
        assert result.to_json() == decide(problem, row, backend="pyro").to_json()


def test_p_best_needs_every_continuous_variable_observed():
    """With latent continuous variables P(best) is refused with the fix; with all of them
    observed the problem is discrete and P(best) is the same as for the reduced problem."""
    from engine.ir.observe import observe_continuous
    from engine.scenario import parse_scenario

    doc = copy.deepcopy(BASE)
    entry(doc, "variables", "road_wet")["cpt_concentration"] = 10
    uncertain = parse_scenario(doc)
    with pytest.raises(InferenceError, match="--samples 0"):
        decide(uncertain, particles=500)
    assert decide(uncertain, particles=500, samples=0).option in ("brake", "swerve")
    evidence = ALL_OBSERVED[1]
    result = decide(uncertain, evidence, samples=400, seed=3)
    reduced, discrete = observe_continuous(uncertain, evidence)
    assert result.p_best == decide(reduced, discrete, samples=400, seed=3).p_best
    assert sum(result.p_best.values()) == pytest.approx(1.0)


def test_cli_decide_shows_ess_and_refuses_exact_backends():
    ok = runner.invoke(
        app, ["decide", str(PATH), "-e", "lidar_range=14", "--particles", "2000", "--seed", "3"]
    )
    assert ok.exit_code == 0, ok.output
    assert "ESS" in ok.output and "likelihood weighting over 2000 particles" in ok.output
    as_json = runner.invoke(app, ["decide", str(PATH), "--particles", "2000", "--json"])
    assert json.loads(as_json.output)["sampling"]["num_samples"] == 2000
    refused = runner.invoke(app, ["decide", str(PATH), "--backend", "torch"])
    assert refused.exit_code == 2
    assert "continuous variables" in refused.output and "--backend pyro" in refused.output
    assert "Traceback" not in refused.output


def test_exact_pyro_posterior_matches_bayes_rule_on_an_observed_leaf():
    """P(pedestrian | lidar = 14) = 0.2 N(14; 12, 4) / (0.2 N(14; 12, 4) + 0.8 N(14; 30, 10))
    = 0.665 (the example's header works it out)."""
    from phronesis.api import posterior

    problem = load_scenario(PATH)
    p = posterior(problem, ["pedestrian_present"], {"lidar_range": 14.0}, option="brake")

    def normal(x, mu, sigma):
        return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))

    yes, no = 0.2 * normal(14, 12, 4), 0.8 * normal(14, 30, 10)
    assert p[0] == pytest.approx(yes / (yes + no), abs=1e-12)
    assert p[0] == pytest.approx(0.665, abs=5e-4)


def test_margin_standard_error_matches_the_spread_over_seeds():
    """The reported delta-method SE of the winning margin (MEC, linear in CW) agrees with the
    standard deviation of the margin brake - swerve over 40 independent seeds (within 35%: the
    sample SD of 40 draws has a relative error of about 1/sqrt(80) = 11%)."""
    problem = load_scenario(PATH)
    margins, reported = [], []
    for seed in range(40):
        result = decide(problem, {"road_wet": "yes"}, particles=1000, seed=seed)
        scores = {r.option: r.score for r in result.options}
        margins.append(scores["brake"] - scores["swerve"])
        reported.append(result.sampling["margin"]["standard_error"])
    spread = float(np.std(margins, ddof=1))
    assert np.mean(reported) == pytest.approx(spread, rel=0.35)


def test_a_margin_within_monte_carlo_error_is_flagged():
    # lidar 14: exact MEC margin 0.68 (swerve over brake); with 500 particles its SE is ~3.8
    result = decide(load_scenario(PATH), {"lidar_range": 14.0}, particles=500)
    margin = result.sampling["margin"]
    assert margin["z"] < 2
    assert any("within 2 Monte-Carlo standard errors" in note for note in result.notes)


def with_slippery_norm(doc):
    """A prohibition of swerving on a slippery road: road_friction < 0.4 (an interval)."""
    doc["norms"].append(
        {
            "name": "no_swerve_when_slippery",
            "modality": "prohibition",
            "option": "swerve",
            "condition": {"road_friction": {"below": 0.4}},
            "weight": 10,
        }
    )
    return doc


def test_interval_condition_on_a_continuous_variable_against_the_beta_cdf():
    """P(violation | swerve) = P(friction < 0.4) = 0.3 I_0.4(4, 4) + 0.7 I_0.4(8, 2)
    (regularised incomplete beta; scipy.stats.beta.cdf), within 5 binomial standard errors
    (no evidence: every particle has weight 1/n, ESS = n)."""
    from scipy import stats

    from engine.scenario import parse_scenario

    problem = parse_scenario(with_slippery_norm(copy.deepcopy(BASE)))
    exact = 0.3 * stats.beta.cdf(0.4, 4, 4) + 0.7 * stats.beta.cdf(0.4, 8, 2)
    n = 20_000
    result = decide(problem, particles=n, seed=2)
    estimate = result.report("swerve").norm_violation["no_swerve_when_slippery"]
    assert result.report("brake").norm_violation["no_swerve_when_slippery"] == 0.0
    assert abs(estimate - exact) < 5 * np.sqrt(exact * (1 - exact) / n)
    again = DecisionProblem.from_json(problem.to_json())
    assert again == problem and again.norm("no_swerve_when_slippery").condition[0].below == 0.4


def test_conditional_policy_on_a_continuous_situation_variable():
    """A case holding when 12 < lidar_range < 40 has P = 1 once lidar_range = 20 is observed."""
    from engine.scenario import parse_scenario

    doc = copy.deepcopy(BASE)
    doc["policies"] = [
        {
            "name": "cautious",
            "formalism": "deontological",
            "abstraction": "conditional",
            "cases": [
                {
                    "when": {"lidar_range": {"above": 12, "below": 40}},
                    "principles": ["yield_to_pedestrians", "pedestrian_safety"],
                }
            ],
        }
    ]
    problem = parse_scenario(doc)
    inside = decide(problem, {"lidar_range": 20.0}, policy="cautious", particles=1000)
    assert inside.policy_silent is None and inside.option == "brake"
    outside = decide(problem, {"lidar_range": 50.0}, policy="cautious", particles=1000)
    assert outside.option is None and "12 < lidar_range < 40" in outside.abstain


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ({"road_friction": "low"}, "'road_friction' is continuous: give an interval"),
        ({"road_wet": {"above": 0.5}}, "'road_wet' is discrete: name its states"),
        ({"road_friction": {"above": 0.6, "below": 0.4}}, "empty interval"),
        ({"road_friction": {}}, "'road_friction' is continuous: give an interval"),
    ],
)
def test_bad_interval_conditions(condition, text, tmp_path):
    doc = with_slippery_norm(copy.deepcopy(BASE))
    doc["norms"][-1]["condition"] = condition
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError, match=text):
        load_scenario(path)


def test_policy_conditions_on_continuous_outcomes_are_refused(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["policies"] = [
        {
            "name": "p",
            "formalism": "mixed",
            "abstraction": "conditional",
            "cases": [
                {"when": {"impact_speed": {"above": 30}}, "principles": ["passenger_safety"]}
            ],
        }
    ]
    path = tmp_path / "outcome.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError, match="must describe the situation, not an outcome"):
        load_scenario(path)


def test_a_collapsed_effective_sample_size_is_flagged():
    """x ~ N(0, 1), y ~ N(x, 0.1^2), y = 3 observed: prior proposals rarely land near x = 3, so
    the ESS is a small fraction of the particles (about n * 0.1 * sqrt(2) * exp(-9/2.01) / ...)."""
    from engine.ir import DecisionNode, Theory, ValueDimension
    from engine.ir.continuous import ContinuousVariable, LinearTerm

    problem = DecisionProblem(
        name="sharp",
        variables=(),
        decision=DecisionNode("act", ("a", "b")),
        cpts=(),
        values=(
            ValueDimension("gain", ("act",), (0.0, 1.0), linear=(LinearTerm("x", (1.0, 0.0)),)),
        ),
        theories=(Theory("t", "cardinal", 1.0, (("gain", 1.0),)),),
        continuous=(
            ContinuousVariable("x", "normal", (), (0.0, 1.0)),
            ContinuousVariable("y", "normal", (), (0.0, 0.1), (("x", 1.0),)),
        ),
    )
    result = decide(problem, {"y": 3.0}, particles=5000)
    assert max(result.sampling["ess"].values()) < 500
    assert any("effective sample size below 10%" in note for note in result.notes)
    # E[x | y = 3] = 3 / (1 + 0.01) = 2.970 (conjugate normal), within 5 reported SE
    ev = result.report("a").expected_values["gain"]
    assert abs(ev - 3 / 1.01) < 5 * result.sampling["value_se"]["a"]["gain"]


ALL_OBSERVED = [
    {"lidar_range": 14.0, "road_friction": 0.55, "impact_speed": 12.0},
    {"lidar_range": 31.0, "road_friction": 0.2, "impact_speed": 40.0, "road_wet": "yes"},
    {"lidar_range": 6.5, "road_friction": 0.9, "impact_speed": 3.0, "pedestrian_present": "no"},
]


@pytest.mark.parametrize("evidence", ALL_OBSERVED)
def test_all_observed_reduction_equals_pyro_enumeration_of_the_hybrid_network(evidence):
    """The reduced discrete problem (virtual evidence, softmax CPT at the observed friction)
    gives, by pgmpy, the posteriors Pyro's own enumeration computes on the original hybrid
    network with the continuous sites observed (their densities as log-factors): two routes
    sharing no code but the IR, equal to 1e-9."""
    from engine.ir.observe import observe_continuous
    from models.pgmpy.backend import PgmpyBackend
    from models.pyro.backend import PyroBackend

    problem = load_scenario(PATH)
    reduced, discrete = observe_continuous(problem, evidence)
    assert not reduced.is_hybrid
    for option in problem.decision.options:
        for targets in (["pedestrian_hit"], ["skid", "pedestrian_present"], ["road_wet"]):
            targets = [t for t in targets if t not in evidence]
            hybrid = PyroBackend().posterior(
                problem.network(), [{**evidence, "action": option}], targets
            )
            exact = PgmpyBackend().posterior(
                reduced.network(), [{**discrete, "action": option}], targets
            )
            np.testing.assert_allclose(hybrid, exact, rtol=0, atol=1e-9)


@pytest.mark.parametrize("evidence", ALL_OBSERVED)
def test_all_observed_decisions_are_exact_on_every_backend_and_match_sampling(evidence):
    """Exact (no sampling report) and identical on pgmpy, torch and pyro; the likelihood-
    weighting estimates of the same quantities (engine.semantics.sampled, 40,000 particles) lie
    within 5 of their standard errors."""
    from engine.semantics.sampled import sampled_quantities
    from models.pyro.backend import PyroBackend

    problem = load_scenario(PATH)
    results = {b: decide(problem, evidence, backend=b) for b in ("pgmpy", "torch", "pyro")}
    assert all(r.sampling is None for r in results.values())
    reference = results["pgmpy"]
    for r in results.values():
        assert r.option == reference.option
        for option in problem.decision.options:
            for value, ev in reference.report(option).expected_values.items():
                assert r.report(option).expected_values[value] == pytest.approx(ev, abs=1e-9)
    # passenger_safety = -0.5 * observed impact speed, whatever the option
    for option in problem.decision.options:
        speed = evidence["impact_speed"]
        assert reference.report(option).expected_values["passenger_safety"] == pytest.approx(
            -0.5 * speed, abs=1e-12
        )
    backend = PyroBackend(method="importance", num_samples=40_000, seed=4)
    expected, violation, _, report = sampled_quantities(problem, evidence, backend)
    for i, option in enumerate(problem.decision.options):
        exact = reference.report(option)
        for j, value in enumerate(exact.expected_values):
            se = max(report.value_se[i, j], 1e-12)
            assert abs(expected[i, j] - exact.expected_values[value]) < 5 * se
        for j, norm in enumerate(exact.norm_violation):
            se = max(report.violation_se[i, j], 1e-12)
            assert abs(violation[i, j] - exact.norm_violation[norm]) < 5 * se


def test_reordering_options_leaves_a_hybrid_decision_unchanged():
    from engine.ir.transform import reorder_options

    problem = load_scenario(PATH)
    evidence = ALL_OBSERVED[0]
    swapped = reorder_options(problem, ["swerve", "brake"])
    a, b = decide(problem, evidence), decide(swapped, evidence)
    assert a.option == b.option
    for option in problem.decision.options:
        assert a.report(option).score == pytest.approx(b.report(option).score, abs=1e-9)
    sampled = decide(swapped, {"lidar_range": 14.0}, particles=2000)
    assert sampled.report("brake").expected_values.keys() == {
        "pedestrian_safety",
        "passenger_safety",
    }


def test_cvar_on_an_all_observed_problem_is_exact_and_the_same_on_every_backend():
    """With every continuous variable observed the risk pipeline runs on the reduced discrete
    problem: no sampling, identical CVaR on pgmpy and pyro, and the provenance keeps the
    evidence as stated."""
    problem = load_scenario(PATH)
    evidence = ALL_OBSERVED[1]
    results = [decide(problem, evidence, backend=b, risk="cvar:0.2") for b in ("pgmpy", "pyro")]
    assert all(r.sampling is None for r in results)
    for option in problem.decision.options:
        a, b = (r.report(option).choiceworthiness for r in results)
        for theory, cw in a.items():
            assert b[theory] == pytest.approx(cw, abs=1e-9)
    assert results[0].provenance["evidence"] == evidence
    assert results[0].provenance["problem_hash"] == problem.content_hash
