"""Fuzzing the CSV readers of learning: observations for CPTs and pairwise choices for
Thurstonian utilities; each mutated file is learned from, or refused with one short line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import phronesis
from models.learn.cpts import learn_cpts
from models.learn.thurstone import fit_thurstonian, read_pairs
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, mutated

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OBSERVATIONS = ((EXAMPLES / "data" / "heinz_observations.csv").read_bytes(),)
CHOICES = ((EXAMPLES / "data" / "drink_choices.csv").read_bytes(),)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-csv")


@pytest.fixture(scope="module")
def heinz() -> phronesis.DecisionProblem:
    return phronesis.load(EXAMPLES / "heinz.yaml")


@SETTINGS
@given(data=mutated(OBSERVATIONS), strength=st.sampled_from([1.0, 0.0, -1.0, math.nan, 1e308]))
def test_mutated_observations(
    data: bytes, strength: float, folder: Path, heinz: phronesis.DecisionProblem
) -> None:
    path = folder / "observations.csv"
    path.write_bytes(data)
    accepted_or_refused(lambda: learn_cpts(heinz, path, strength=strength))


@SETTINGS
@given(data=mutated(CHOICES))
def test_mutated_pairs(data: bytes, folder: Path) -> None:
    path = folder / "pairs.csv"
    path.write_bytes(data)
    accepted_or_refused(lambda: read_pairs(path))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.sampled_from([1, 0, -1]),
    holdout=st.sampled_from([0.0, 0.99, 1.0, -0.1, math.nan]),
)
def test_fit_settings(steps: int, holdout: float) -> None:
    choices = read_pairs(EXAMPLES / "data" / "drink_choices.csv")
    accepted_or_refused(lambda: fit_thurstonian(choices, steps=steps, holdout=holdout))
