"""Every class of bad scenario input gives one clear error naming the file and the field."""

from __future__ import annotations

import copy

import pytest
import yaml
from typer.testing import CliRunner

from engine.errors import ScenarioError
from engine.scenario import load_scenario, read_document
from phronesis.cli.app import app
from tests.conftest import EXAMPLES

BASE = read_document(EXAMPLES / "heinz.yaml")


def variable(doc, name):
    return next(v for v in doc["variables"] if v["name"] == name)


def edit(mutate):
    doc = copy.deepcopy(BASE)
    mutate(doc)
    return doc


CASES = {
    "unknown_variable": (
        lambda d: variable(d, "wife_survives").update(parents=["drug"]),
        "variables.wife_survives.parents",
        "unknown parent 'drug'",
    ),
    "unknown_state_in_row": (
        lambda d: variable(d, "wife_survives")["cpt"].update({"maybe": [0.5, 0.5]}),
        "variables.wife_survives.cpt",
        "row key 'maybe'",
    ),
    "unknown_state_in_condition": (
        lambda d: d["norms"][0].update(condition={"wife_survives": "perhaps"}),
        "norms.respect_property.condition.wife_survives",
        "unknown state 'perhaps'",
    ),
    "row_not_summing_to_one": (
        lambda d: variable(d, "drug_obtained")["cpt"].update(steal=[0.8, 0.3]),
        "variables.drug_obtained.cpt",
        "row (action=steal) sums to 1.1, expected 1",
    ),
    "wrong_table_shape": (
        lambda d: variable(d, "heinz_jailed").update(cpt=[0.5, 0.5, 0.5, 0.5]),
        "variables.heinz_jailed.cpt.table",
        "expected 6 entries (3 x 2), found 4",
    ),
    "wrong_row_width": (
        lambda d: variable(d, "heinz_jailed")["cpt"].update(steal=[0.3, 0.3, 0.4]),
        "variables.heinz_jailed.cpt[steal]",
        "expected 2 probabilities",
    ),
    "cycle": (
        lambda d: variable(d, "drug_obtained").update(
            parents=["wife_survives"], cpt={"yes": [0.5, 0.5], "no": [0.5, 0.5]}
        ),
        "variables",
        "cycle drug_obtained -> wife_survives -> drug_obtained",
    ),
    "norm_about_unknown_option": (
        lambda d: d["norms"][0].update(option="borrow"),
        "norms.respect_property.option",
        "unknown option 'borrow'",
    ),
    "credences_not_summing_to_one": (
        lambda d: d["theories"][0].update(credence=0.7),
        "theories",
        "credences sum to 1.1",
    ),
    "policy_credences_not_summing_to_one": (
        lambda d: d["policies"][0].update(credences={"kantian": 0.5}),
        "policies.deontological.credences",
        "credences sum to 0.5",
    ),
    "duplicate_names": (
        lambda d: d["variables"].append(copy.deepcopy(d["variables"][0])),
        "variables.drug_obtained",
        "duplicate name 'drug_obtained'",
    ),
    "empty_option_set": (
        lambda d: d["decision"].update(options=[]),
        "decision.options",
        "at least 1 item",
    ),
    "nan": (
        lambda d: d["values"][0].update(utility={"yes": float("nan"), "no": 0}),
        "values.life.utility[yes]",
        "finite number",
    ),
    "inf": (
        lambda d: d["theories"][0]["value_weights"].update(life=float("inf")),
        "theories[0](utilitarian).value_weights.life",
        "finite number",
    ),
    "unknown_field": (
        lambda d: d["decision"].update(choices=["a"]),
        "decision.choices",
        "unknown field",
    ),
    "unknown_value_in_theory": (
        lambda d: d["theories"][0]["value_weights"].update(joy=1),
        "theories.utilitarian.value_weights",
        "unknown value 'joy'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_file_and_field(case, tmp_path):
    mutate, field, text = CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(edit(mutate)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert text in message, message


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("broken.yaml", "name: [unclosed", "not valid YAML"),
        ("broken.json", '{"name": ', "not valid JSON"),
        ("list.yaml", "- a\n- b\n", "expected a mapping at the top level, found list"),
    ],
)
def test_unreadable_files(tmp_path, name, content, text):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScenarioError, match=text):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "absent.yaml")


def test_json_scenarios_load_like_yaml(tmp_path):
    import json

    path = tmp_path / "heinz.json"
    path.write_text(json.dumps(BASE))
    assert load_scenario(path).content_hash == load_scenario(EXAMPLES / "heinz.yaml").content_hash


def test_yes_no_states_stay_strings():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    assert problem.states("wife_survives") == ("yes", "no")


@pytest.mark.parametrize("case", ["row_not_summing_to_one", "cycle", "nan"])
def test_cli_validate_reports_one_line_exit_2(case, tmp_path):
    mutate, field, text = CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(edit(mutate)))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # rich may wrap long lines
    assert "Traceback" not in output
    assert field in output and text in output


def test_cli_validate_accepts_examples():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        result = CliRunner().invoke(app, ["validate", str(path)])
        assert result.exit_code == 0, result.output
        assert "valid" in result.output
