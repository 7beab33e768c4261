"""Fuzzing scenario files (YAML and JSON): every mutated file is loaded, or refused with one
short PhronesisError line; an accepted problem is decided with a valid result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phronesis
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, check_decision, mutated

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YAML_SEEDS = tuple(
    (EXAMPLES / name).read_bytes()
    for name in ("heinz.yaml", "icu_triage.yaml", "av_emergency.yaml", "heinz_policies.yaml")
)
JSON_SEEDS = tuple(json.dumps(yaml.safe_load(seed), indent=1).encode() for seed in YAML_SEEDS[:2])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-scenarios")


def _load_and_decide(path: Path) -> None:
    problem = accepted_or_refused(lambda: phronesis.load(path))
    if isinstance(problem, phronesis.DecisionProblem):
        decision = accepted_or_refused(lambda: phronesis.decide(problem, samples=0))
        if decision is not None:
            check_decision(problem, decision)


@SETTINGS
@given(data=mutated(YAML_SEEDS))
def test_mutated_yaml_scenarios(data: bytes, folder: Path) -> None:
    path = folder / "scenario.yaml"
    path.write_bytes(data)
    _load_and_decide(path)


@SETTINGS
@given(data=mutated(JSON_SEEDS))
def test_mutated_json_scenarios(data: bytes, folder: Path) -> None:
    path = folder / "scenario.json"
    path.write_bytes(data)
    _load_and_decide(path)


LEAVES = st.one_of(
    st.sampled_from([1e308, -1e308, float("nan"), float("inf"), 10**400, -(10**20), 0, -1]),
    st.sampled_from([None, True, "", "x" * 2000, [], {}, [1, [2, [3]]]]),
)


@st.composite
def replaced_node(draw: st.DrawFn, document: object) -> object:
    """``document`` with one node (drawn by walking down) replaced by a hostile leaf."""
    if isinstance(document, dict) and document and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(document)))
        return {**document, key: draw(replaced_node(document[key]))}
    if isinstance(document, list) and document and draw(st.booleans()):
        i = draw(st.integers(0, len(document) - 1))
        return [*document[:i], draw(replaced_node(document[i])), *document[i + 1 :]]
    return draw(LEAVES)


@SETTINGS
@given(data=st.data(), as_json=st.booleans())
def test_type_confused_scenarios(data: st.DataObject, as_json: bool, folder: Path) -> None:
    document = yaml.safe_load(YAML_SEEDS[0])
    changed = data.draw(replaced_node(document))
    path = folder / ("typed.json" if as_json else "typed.yaml")
    if as_json:
        path.write_text(json.dumps(changed, allow_nan=True))
    else:
        path.write_text(yaml.safe_dump(changed))
    _load_and_decide(path)
