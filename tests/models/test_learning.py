"""Learning from data: CPTs (cross-checked against pgmpy's BayesianEstimator), Thurstonian
utilities from pairwise preferences (Mazeika et al. 2025, "Utility Engineering"), and theory
credences from observed choices."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine.ir import BayesianNetwork, DecisionProblem
from engine.scenario import load_scenario
from models.formats.tabular import DataError, Table, read_table
from models.learn.cpts import learn_cpts
from models.pgmpy.backend import import_pgmpy, to_pgmpy
from models.pgmpy.convert import from_pgmpy
from phronesis.api import decide
from tests.conftest import EXAMPLES


# -- helpers ---------------------------------------------------------------------------------
def forward_sample(network: BayesianNetwork, n: int, seed: int) -> Table:
    """Ancestral samples from ``network`` as a Table of state names."""
    rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    pending = [c for c in network.cpts]
    while pending:
        for cpt in list(pending):
            if all(p in values for p in cpt.parents):
                table = network.cpt_array(cpt.child)
                probs = (
                    table[tuple(values[p] for p in cpt.parents)]
                    if cpt.parents
                    else (np.broadcast_to(table, (n, table.shape[-1])))
                )
                u = rng.random((n, 1))
                values[cpt.child] = np.minimum(
                    (u > np.cumsum(probs, axis=-1)).sum(axis=-1), table.shape[-1] - 1
                )
                pending.remove(cpt)
    names = tuple(v.name for v in network.variables)
    rows = tuple(tuple(network.states(v)[values[v][i]] for v in names) for i in range(n))
    return Table("<sampled>", names, rows, tuple(range(2, n + 2)))


def _asia() -> BayesianNetwork:
    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.utils import get_example_model

        return from_pgmpy(get_example_model("asia"), "asia")


def _pgmpy_estimate(network: BayesianNetwork, table: Table, node: str, **prior) -> np.ndarray:
    """pgmpy's BayesianEstimator CPD of ``node``, shaped like our CPT (parents..., child)."""
    import pandas as pd

    pgmpy = import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.estimators import BayesianEstimator

        frame = pd.DataFrame(list(table.rows), columns=list(table.columns))
        states = {v.name: list(v.states) for v in network.variables}
        estimator = BayesianEstimator(to_pgmpy(network), frame, state_names=states)
        cpd = estimator.estimate_cpd(node, **prior)
    assert pgmpy is not None
    theirs = list(cpd.variables[1:])
    values = np.asarray(cpd.get_values()).reshape(
        [len(states[node]), *(len(states[p]) for p in theirs)]
    )
    values = np.moveaxis(values, 0, -1)  # parents (pgmpy order)..., child
    ours = list(network.cpt(node).parents)
    return np.transpose(values, [theirs.index(p) for p in ours] + [len(theirs)])


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


# -- CPTs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prior", "strength", "reference"),
    [
        ("bdeu", 5.0, {"prior_type": "BDeu", "equivalent_sample_size": 5.0}),
        ("bdeu", 0.5, {"prior_type": "BDeu", "equivalent_sample_size": 0.5}),
        ("uniform", 1.0, {"prior_type": "K2"}),
    ],
)
def test_cpts_match_pgmpy_bayesian_estimator(prior, strength, reference):
    network = _asia()
    data = forward_sample(network, 300, seed=0)
    fit = learn_cpts(network, data, prior=prior, strength=strength)
    assert set(fit.learned) == {v.name for v in network.variables}
    for variable in network.variables:
        expected = _pgmpy_estimate(network, data, variable.name, **reference)
        np.testing.assert_allclose(fit.model.cpt_array(variable.name), expected, rtol=0, atol=1e-12)


def test_scenario_prior_is_pgmpy_dirichlet_with_the_stated_cpts_as_pseudo_counts():
    network = _asia()
    data = forward_sample(network, 200, seed=1)
    fit = learn_cpts(network, data, prior="scenario", strength=10.0)
    for variable in network.variables:
        pseudo = 10.0 * network.cpt_array(variable.name)
        parents = network.cpt(variable.name).parents
        order = sorted(parents)  # pgmpy's parent order
        moved = np.transpose(pseudo, [parents.index(p) for p in order] + [len(parents)])
        counts = np.moveaxis(moved, -1, 0).reshape(pseudo.shape[-1], -1)
        expected = _pgmpy_estimate(
            network, data, variable.name, prior_type="dirichlet", pseudo_counts=counts
        )
        np.testing.assert_allclose(fit.model.cpt_array(variable.name), expected, atol=1e-12)


def test_learned_cpts_converge_to_the_generating_network():
    network = _asia()
    fit = learn_cpts(network, forward_sample(network, 20_000, seed=2), prior="bdeu", strength=1.0)
    for cpt in network.cpts:
        counts = fit.counts[cpt.child].sum(axis=-1)
        seen = counts > 2_000  # rows observed often enough to pin the estimate
        error = np.abs(fit.model.cpt_array(cpt.child) - network.cpt_array(cpt.child))[seen]
        assert np.all(error < 0.03), cpt.child


def test_decision_problem_learns_from_a_csv_and_still_decides(tmp_path):
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    rows = [["action", "drug_obtained"]]
    rows += [["steal", "yes"]] * 6 + [["steal", "no"]] * 4 + [["do_not_steal", "no"]] * 5
    fit = learn_cpts(problem, _write(tmp_path / "obs.csv", rows), prior="scenario", strength=10)
    assert isinstance(fit.model, DecisionProblem)
    assert fit.learned == ("drug_obtained",)
    assert set(fit.kept) == {"wife_survives", "heinz_jailed"}
    table = fit.model.cpt_array("drug_obtained")
    # steal: (6 + 10 * 0.8) / (10 + 10); steal_and_confess unobserved: the prior mean
    np.testing.assert_allclose(table[0], [14 / 20, 6 / 20])
    np.testing.assert_allclose(table[1], [0.8, 0.2])
    np.testing.assert_allclose(table[2], [0.5 / 15, 14.5 / 15])
    assert (
        fit.model.cpt_array("wife_survives").tolist() == problem.cpt_array("wife_survives").tolist()
    )
    assert fit.model.content_hash != problem.content_hash
    assert decide(fit.model).option in problem.decision.options


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["action", "weather"], ["steal", "sunny"]], r"column 'weather': not a variable"),
        (
            [["action", "drug_obtained"], ["steal", "yes"], ["steal", "maybe"]],
            r"line 3, column 'drug_obtained': unknown state 'maybe'; expected one of: yes, no",
        ),
        ([["action", "drug_obtained"], ["steal"]], r"line 2: expected 2 cells"),
        ([["action", "drug_obtained"], ["steal", " "]], r"line 2, column 'drug_obtained': empty"),
        ([["wife_survives"], ["yes"]], r"no CPT can be learned"),
        ([["action", "action"], ["steal", "steal"]], r"column 'action' appears more than once"),
    ],
)
def test_bad_data_is_named(tmp_path, rows, message):
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    path = _write(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError, match=message) as info:
        learn_cpts(problem, path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_bad_prior_and_missing_file(tmp_path):
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    with pytest.raises(DataError, match="prior strength"):
        learn_cpts(problem, tmp_path / "x.csv", strength=0.0)
    with pytest.raises(DataError, match="cannot read the file"):
        read_table(tmp_path / "missing.csv")


# -- Thurstonian utilities -------------------------------------------------------------------
def synthetic_choices(n: int, repeats: int, seed: int):
    """Choices sampled from known U(o) ~ N(mu_o, sigma_o^2), every ordered pair ``repeats``x."""
    from models.learn.thurstone import PairwiseChoices

    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    sigma = rng.uniform(0.2, 0.6, size=n)
    pairs = [
        (f"o{i}", f"o{j}", bool(rng.normal(mu[i], sigma[i]) > rng.normal(mu[j], sigma[j])))
        for i in range(n)
        for j in range(n)
        if i != j
        for _ in range(repeats)
    ]
    return PairwiseChoices.from_labels(pairs), mu, sigma


def test_thurstonian_fit_recovers_known_utilities():
    from scipy.stats import spearmanr

    from models.learn.thurstone import fit_thurstonian

    choices, mu, _ = synthetic_choices(30, 2, seed=0)
    fit = fit_thurstonian(choices, seed=0, steps=800)
    truth = mu[[int(o[1:]) for o in fit.options]]
    assert spearmanr(fit.mu, truth).statistic > 0.95
    assert abs(fit.mu.mean()) < 1e-9 and fit.mu.std(ddof=1) == pytest.approx(1.0, abs=1e-4)
    assert fit.holdout_accuracy > 0.7
    assert 0.0 <= fit.cycle_probability_model <= fit.cycle_probability_observed + 0.05
    # seeded: same input, same output
    first, again = (fit_thurstonian(choices, seed=3, steps=20) for _ in range(2))
    assert np.array_equal(first.mu, again.mu) and np.array_equal(first.sigma, again.sigma)


def test_cycle_probability_of_a_known_triad():
    from models.learn.thurstone import cycle_probability

    matrix = np.array([[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]])
    expected = 0.9 * 0.7 * 0.8 + 0.1 * 0.3 * 0.2  # a>b>c>a or a<b<c<a
    assert cycle_probability(matrix) == (pytest.approx(expected), 1)


def test_read_pairs_names_bad_rows(tmp_path):
    from models.learn.thurstone import read_pairs

    good = _write(
        tmp_path / "p.csv", [["option_a", "option_b", "choice"], ["x", "y", "A"], ["y", "z", "z"]]
    )
    choices = read_pairs(good)
    assert choices.options == ("x", "y", "z") and choices.chose_first.tolist() == [True, False]
    bad = _write(tmp_path / "b.csv", [["option_a", "option_b", "choice"], ["x", "y", "C"]])
    with pytest.raises(DataError, match=r"line 2, column 'choice': expected A, B, 'x' or 'y'"):
        read_pairs(bad)
    header = _write(tmp_path / "h.csv", [["a", "b", "choice"], ["x", "y", "A"]])
    with pytest.raises(DataError, match="missing column 'option_a'"):
        read_pairs(header)


def test_utility_engineering_country_choices(shared_data, capsys):
    """Mazeika et al. 2025 ("Utility Engineering", MIT licence): GPT-4o-mini's choices between
    saving N people in one country and M in another (PredictablyWeird fork of emergent-values)."""
    from models.learn.exchange_rates import exchange_rates, read_country_choices
    from models.learn.thurstone import fit_thurstonian

    folder = shared_data / "utility_engineering" / "fork_PredictablyWeird"
    files = sorted(folder.glob("*country_vs_country*.csv"))
    if not files:
        pytest.skip(f"no country_vs_country CSV in {folder}")
    choices = read_country_choices(files[0])
    assert len(choices.first) == 1646 and len(choices.options) == 84
    held = fit_thurstonian(choices, holdout=0.2, seed=0)
    full = fit_thurstonian(choices, holdout=0.0, seed=0)
    rates = exchange_rates(full)
    with capsys.disabled():
        print(
            f"\nUtility Engineering countries: hold-out accuracy {held.holdout_accuracy:.3f} "
            f"(rows), {held.holdout_pair_accuracy:.3f} (pairs); P(cycle) observed "
            f"{held.cycle_probability_observed:.4f} over {held.observed_triads} triads, model "
            f"{full.cycle_probability_model:.4f}"
        )
        for (x, y), rate in sorted(rates.rates.items()):
            print(f"  {rate:8.3f} lives in {x} = 1 life in {y}")
    assert held.holdout_accuracy > 0.65
    assert 0.0 < held.cycle_probability_observed < 0.25
    assert set(rates.slopes) == {"Germany", "Japan", "Nigeria"}
    assert all(a > 0 for a in rates.slopes.values())
    for (x, y), rate in rates.rates.items():
        assert rate == pytest.approx(1.0 / rates.rates[(y, x)], rel=1e-9)  # two-way symmetric


# -- theory credences from choices -----------------------------------------------------------
def _three_theory_problem() -> DecisionProblem:
    from engine.ir import CPT, DecisionNode, Theory, ValueDimension, Variable

    rng = np.random.default_rng(7)
    values = tuple(
        ValueDimension(f"v{k}", ("act", "context"), tuple(float(x) for x in rng.normal(size=9)))
        for k in range(3)
    )
    theories = tuple(
        Theory(f"t{k}", "cardinal", 1 / 3 if k < 2 else 1 - 2 / 3, ((f"v{k}", 1.0),))
        for k in range(3)
    )
    return DecisionProblem(
        name="three_theories",
        variables=(Variable("context", ("a", "b", "c")),),
        decision=DecisionNode("act", ("x", "y", "z")),
        cpts=(CPT("context", (), (1 / 3, 1 / 3, 1 / 3)),),
        values=values,
        theories=theories,
    )


def test_inverse_reasoning_recovers_the_credences_that_generated_the_choices():
    from models.learn.credences import (
        ObservedChoice,
        choiceworthiness_tensor,
        infer_credences,
        normalise,
        with_credences,
    )

    problem = _three_theory_problem()
    truth = np.array([0.6, 0.3, 0.1])
    temperature = 0.5
    rng = np.random.default_rng(0)
    contexts = rng.choice(["a", "b", "c"], size=300)
    probe = [ObservedChoice({"context": c}, "x") for c in contexts]
    cw, _ = choiceworthiness_tensor(problem, probe)
    logits = normalise(cw, "variance") @ truth / temperature
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    picks = [rng.choice(3, p=p) for p in probs]
    seen = [
        ObservedChoice({"context": c}, problem.decision.options[k])
        for c, k in zip(contexts, picks, strict=True)
    ]
    posterior = infer_credences(
        problem, seen, temperature=temperature, num_samples=300, warmup_steps=200, seed=1
    )
    assert posterior.samples.shape == (300, 3)
    np.testing.assert_allclose(posterior.samples.sum(axis=1), 1.0)
    assert np.all(np.abs(posterior.mean - truth) < 0.12), posterior.mean
    assert int(np.argmax(posterior.mean)) == 0
    assert np.all(posterior.ess > 20)
    updated = with_credences(problem, posterior.credences())
    assert sum(t.credence for t in updated.theories) == pytest.approx(1.0, abs=1e-12)


def test_inverse_reasoning_rejects_unknown_options_and_evidence():
    from engine.errors import EvidenceError
    from models.learn.credences import ObservedChoice, infer_credences

    problem = _three_theory_problem()
    with pytest.raises(EvidenceError, match="unknown option 'w'"):
        infer_credences(problem, [ObservedChoice({}, "w")])
    with pytest.raises(EvidenceError, match="unknown state 'd'"):
        infer_credences(problem, [ObservedChoice({"context": "d"}, "x")])
    with pytest.raises(EvidenceError, match="temperature must be positive"):
        infer_credences(problem, [ObservedChoice({}, "x")], temperature=0.0)


# -- CLI -------------------------------------------------------------------------------------
def _invoke(*args):
    from typer.testing import CliRunner

    import phronesis.cli.app

    return CliRunner().invoke(phronesis.cli.app.app, [str(a) for a in args])


def test_cli_learn_cpts_writes_a_scenario_that_reloads_to_the_learned_problem(tmp_path):
    rows = [["action", "drug_obtained"], ["steal", "yes"], ["steal", "no"], ["do_not_steal", "no"]]
    data = _write(tmp_path / "obs.csv", rows)
    scenario = EXAMPLES / "heinz.yaml"
    for out in (tmp_path / "learned.yaml", tmp_path / "learned.json"):
        result = _invoke(
            "learn",
            "cpts",
            data,
            "--scenario",
            scenario,
            "--prior",
            "scenario",
            "--prior-strength",
            "4",
            "--out",
            out,
        )
        assert result.exit_code == 0, result.output
        assert "drug_obtained" in result.output and "wife_survives" in result.output
        expected = learn_cpts(load_scenario(scenario), data, prior="scenario", strength=4).model
        reloaded = load_scenario(out)
        assert reloaded.content_hash == expected.content_hash


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", EXAMPLES / "missing.yaml"], "missing.yaml"),
        (["--scenario", EXAMPLES / "heinz.yaml", "--prior-strength", "-1"], "prior strength"),
    ],
)
def test_cli_learn_cpts_user_errors_exit_2_with_one_line(tmp_path, args, message):
    data = _write(tmp_path / "obs.csv", [["action", "drug_obtained"], ["steal", "yes"]])
    result = _invoke("learn", "cpts", data, *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_cli_learn_utilities(tmp_path):
    rows = [["option_a", "option_b", "choice"]]
    rows += [
        ["tea", "coffee", "A"],
        ["coffee", "tea", "B"],
        ["coffee", "milk", "A"],
        ["milk", "coffee", "B"],
        ["tea", "milk", "tea"],
        ["milk", "tea", "tea"],
    ] * 3
    pairs = _write(tmp_path / "pairs.csv", rows)
    result = _invoke("learn", "utilities", pairs, "--steps", "200", "--holdout", "0", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    ranked = sorted(report["options"], key=lambda o: -o["mu"])
    assert [o["option"] for o in ranked] == ["tea", "coffee", "milk"]
    assert report["holdout_accuracy"] is None and report["train_accuracy"] == 1.0
    table = _invoke("learn", "utilities", pairs, "--steps", "100")
    assert table.exit_code == 0 and "P(cycle)" in table.output
    bad = _write(tmp_path / "bad.csv", [["option_a", "option_b", "choice"], ["x", "x", "A"]])
    failed = _invoke("learn", "utilities", bad)
    assert failed.exit_code == 2 and "compared with itself" in failed.output
