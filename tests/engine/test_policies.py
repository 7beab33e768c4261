"""In-context policies: every formalism x level of abstraction on the Heinz dilemma
(examples/heinz_policies.yaml, whose header works each resolution by hand)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from engine.decision.pipeline import decide
from engine.errors import InvalidProblem, ScenarioError
from engine.ir import Clause, DecisionProblem, Policy, PolicyCase
from engine.scenario import json_schema, load_scenario
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

SILENT = None
YES, NO = {"legal_means_exhausted": "yes"}, {"legal_means_exhausted": "no"}

#: policy -> expected option with no evidence, exhausted = yes, exhausted = no (None: silent)
TABLE = {
    "deontological": ("do_not_steal", "do_not_steal", "do_not_steal"),
    "consequentialist": ("steal", "steal", "steal"),
    "virtue": ("steal_and_confess", "steal_and_confess", "steal_and_confess"),
    "deontological_ordering": ("do_not_steal", "do_not_steal", "do_not_steal"),
    "consequentialist_ordering": ("steal", "steal", "steal"),
    "virtue_ordering": (SILENT, SILENT, SILENT),
    "deontological_conditional": (SILENT, "steal_and_confess", "do_not_steal"),
    "consequentialist_conditional": (SILENT, "steal", "do_not_steal"),
    "virtue_conditional": (SILENT, "steal_and_confess", "steal_and_confess"),
}


@pytest.fixture(scope="module")
def heinz():
    return load_scenario(EXAMPLES / "heinz_policies.yaml")


def test_every_formalism_and_abstraction_is_present(heinz):
    pairs = {(p.formalism, p.abstraction) for p in heinz.policies}
    assert pairs == {
        (f, a)
        for f in ("deontological", "consequentialist", "virtue")
        for a in ("rule", "ordering", "conditional")
    }


@pytest.mark.parametrize("policy", sorted(TABLE))
@pytest.mark.parametrize("column", [0, 1, 2])
def test_policy_consistent_resolution_or_explicit_silence(heinz, policy, column):
    evidence = ({}, YES, NO)[column]
    expected = TABLE[policy][column]
    result = decide(heinz, evidence, policy=policy)
    if expected is SILENT:
        # "if the policy leaves the case open, says so instead of guessing": abstain with the
        # reason, and name what the rule would pick without the policy's guidance
        assert result.policy_consistent is None
        assert result.policy_silent.startswith("policy is silent: ")
        assert result.option is None and result.abstain == result.policy_silent
        assert "policy is silent" in result.explanation.narrative
        assert any("Without guidance from the policy" in note for note in result.notes)
        fallback = decide(heinz, evidence, policy=policy, on_silence="fallback")
        assert fallback.option is not None and fallback.policy_silent == result.policy_silent
        assert "Policy is silent" in fallback.explanation.narrative
    else:
        assert result.policy_silent is None
        assert result.policy_consistent is True
        assert result.option == expected


def test_silence_reasons_name_what_is_left_open(heinz):
    ordering = decide(heinz, policy="virtue_ordering")
    # compassion 10 = 10 and life 57 = 57 for both thefts (header of the example)
    assert "does not separate 'steal', 'steal_and_confess'" in ordering.policy_silent
    conditional = decide(heinz, policy="virtue_conditional")
    assert "no condition of policy 'virtue_conditional' holds" in conditional.policy_silent
    assert "P = 0.5 < 0.95" in conditional.policy_silent


def test_decisive_principles_of_lexical_policies(heinz):
    # consequentialist ordering: life ties steal and confess (57), liberty -9 > -27 decides
    assert (
        decide(heinz, policy="consequentialist_ordering").explanation.decisive_principle
        == "liberty"
    )
    # deontological conditional when lawful means are exhausted: honesty 10 > -10
    assert decide(
        heinz, YES, policy="deontological_conditional"
    ).explanation.decisive_principle == ("honesty")


def test_an_explicit_rule_can_be_inconsistent_with_the_policy(heinz):
    # consequentialist_conditional with exhausted = no orders property first -> do_not_steal;
    # MEC on the policy's credences (utilitarian 1) picks steal (28 > 20 > 8.25): inconsistent.
    result = decide(heinz, NO, policy="consequentialist_conditional", rule="mec")
    assert result.option == "steal"
    assert result.policy_consistent is False
    assert result.policy_silent is None


def test_no_policy_means_no_verdict(heinz):
    result = decide(heinz)
    assert result.policy_consistent is None and result.policy_silent is None


def test_original_heinz_policies_are_fully_specified_rules():
    heinz = load_scenario(EXAMPLES / "heinz.yaml")
    for policy in heinz.policies:
        assert policy.abstraction == "rule"
        assert decide(heinz, policy=policy.name).policy_consistent is True


def test_policy_round_trips_through_json(heinz):
    assert DecisionProblem.from_json(heinz.to_json()) == heinz


def test_new_policy_fields_do_not_change_old_hashes():
    heinz = load_scenario(EXAMPLES / "heinz.yaml")
    assert "abstraction" not in heinz.to_dict()["policies"][0]
    assert "uncertainty" not in heinz.to_dict()


def test_condition_on_an_outcome_is_rejected(heinz):
    bad = Policy(
        "bad",
        "virtue",
        (),
        abstraction="conditional",
        cases=(PolicyCase((Clause("wife_survives", ("yes",)),), ("life",)),),
    )
    with pytest.raises(InvalidProblem, match=r"policies\.bad\.cases\[0\]\.when\.wife_survives"):
        dataclasses.replace(heinz, policies=(bad,))


def test_ordering_policy_needs_principles(heinz):
    with pytest.raises(InvalidProblem, match="needs at least one principle"):
        dataclasses.replace(heinz, policies=(Policy("o", "virtue", (), abstraction="ordering"),))


def test_scenario_errors_name_the_file_and_field(tmp_path):
    text = (
        (EXAMPLES / "heinz_policies.yaml")
        .read_text()
        .replace("principles: [life, liberty]", "principles: [life, freedom]")
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(
        ScenarioError, match=r"consequentialist_conditional\.cases\[0\]\.principles"
    ):
        load_scenario(path)


def test_schema_documents_abstraction_and_uncertainty():
    schema = json.dumps(json_schema())
    for word in ("abstraction", "cases", "cpt_concentration", "UtilityUncertaintyModel"):
        assert word in schema


def test_cli_reports_policy_consistency_and_silence():
    runner = CliRunner()
    path = str(EXAMPLES / "heinz_policies.yaml")
    data = json.loads(
        runner.invoke(app, ["decide", path, "--policy", "virtue_ordering", "--json"]).output
    )
    assert data["policy_consistent"] is None and data["policy_silent"].startswith("policy is")
    out = runner.invoke(
        app,
        [
            "decide",
            path,
            "--policy",
            "deontological_conditional",
            "-e",
            "legal_means_exhausted=yes",
        ],
    )
    assert out.exit_code == 0 and "Consistent with policy: yes" in out.output


def test_cli_abstains_where_the_policy_is_silent_unless_asked_to_fall_back():
    from typer.testing import CliRunner

    from phronesis.cli.app import app

    path = str(EXAMPLES / "heinz_policies.yaml")
    runner = CliRunner()
    silent = runner.invoke(app, ["decide", path, "--policy", "virtue_ordering", "--json"])
    assert silent.exit_code == 0, silent.output
    data = json.loads(silent.output)
    assert data["option"] is None and data["abstain"].startswith("policy is silent")
    fallback = runner.invoke(
        app, ["decide", path, "--policy", "virtue_ordering", "--on-silence", "fallback", "--json"]
    )
    assert json.loads(fallback.output)["option"] == "steal_and_confess"
    bad = runner.invoke(app, ["decide", path, "--on-silence", "guess"])
    assert bad.exit_code == 2 and "expected one of abstain, fallback" in bad.output
