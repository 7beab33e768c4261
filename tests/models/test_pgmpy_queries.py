"""The pgmpy backend answers each distinct evidence row with one query, and still refuses
zero-probability evidence: impossible evidence connected to the targets, d-separated from them,
or confined to a CPT whose variables are all observed."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.ir import BayesianNetwork
from engine.scenario import load_scenario
from models.pgmpy.backend import PgmpyBackend, import_pgmpy, to_pgmpy
from tests.conftest import EXAMPLES

TOLERANCE = 1e-9


@contextmanager
def counting_queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Record the keyword arguments of every pgmpy ``VariableElimination.query`` call."""
    elimination = import_pgmpy().inference.VariableElimination
    query = elimination.query
    calls: list[dict[str, Any]] = []

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return query(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(elimination, "query", counted)
        yield calls


class RecordingBackend:
    """The pgmpy backend, recording the (evidence row, targets) pairs it is asked for."""

    name = "pgmpy"

    def __init__(self) -> None:
        self.inner = PgmpyBackend()
        self.pairs: list[tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]] = []

    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Mapping[str, Any]],
        targets: Sequence[str],
    ) -> np.ndarray:
        self.pairs += [(tuple(sorted(e.items())), tuple(targets)) for e in evidence_batch]
        return self.inner.posterior(network, evidence_batch, targets)

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Mapping[str, Any]]
    ) -> np.ndarray:
        return self.inner.probability_of_evidence(network, evidence_batch)


def _av_network() -> BayesianNetwork:
    return load_scenario(EXAMPLES / "av_emergency.yaml").network()


IMPOSSIBLE = {
    # pedestrian_harm is fatal only after swerving right: P(fatal | brake_straight) = 0
    "connected to the target": (
        ["pedestrian_present"],
        {"manoeuvre": "brake_straight", "pedestrian_harm": "fatal"},
    ),
    "d-separated from the target": (
        ["occupant_harm"],
        {"manoeuvre": "brake_straight", "pedestrian_harm": "fatal"},
    ),
    "in a wholly observed CPT": (
        ["occupant_harm"],
        {"manoeuvre": "brake_straight", "pedestrian_present": "yes", "pedestrian_harm": "fatal"},
    ),
    "with every target observed": (
        ["manoeuvre", "pedestrian_harm"],
        {"manoeuvre": "brake_straight", "pedestrian_harm": "fatal"},
    ),
    "with no targets": ([], {"manoeuvre": "brake_straight", "pedestrian_harm": "injury"}),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_zero_probability_evidence_raises(case: str) -> None:
    targets, evidence = IMPOSSIBLE[case]
    shown = ", ".join(f"{k}={v}" for k, v in evidence.items())
    message = re.escape(f"evidence ({shown}) has probability 0 under the model")
    with pytest.raises(EvidenceError, match=message):
        PgmpyBackend().posterior(_av_network(), [evidence], targets)


def test_an_impossible_row_fails_the_batch_it_is_in() -> None:
    possible = {"manoeuvre": "swerve_right", "pedestrian_harm": "fatal"}
    impossible = {"manoeuvre": "brake_straight", "pedestrian_harm": "fatal"}
    network = _av_network()
    assert PgmpyBackend().posterior(network, [possible], ["occupant_harm"]).shape == (1, 3)
    with pytest.raises(EvidenceError, match="probability 0"):
        PgmpyBackend().posterior(network, [possible, impossible], ["occupant_harm"])


@pytest.mark.parametrize("name", ["av_emergency.yaml", "heinz.yaml"])
def test_rows_agree_with_stock_pgmpy(name: str) -> None:
    """Exhaustively over evidence on up to two variables plus a random sample of three, with
    one free target and with the targets all observed: an EvidenceError exactly where stock
    pgmpy gives P(e) = 0, and otherwise stock pgmpy's posterior."""
    network = load_scenario(EXAMPLES / name).network()
    stock = import_pgmpy().inference.VariableElimination(to_pgmpy(network))
    names = [v.name for v in network.variables]
    rows = [
        dict(zip(observed, states, strict=True))
        for size in (1, 2, 3)
        for observed in itertools.combinations(names, size)
        for states in itertools.product(*(network.states(v) for v in observed))
    ]
    rng = random.Random(0)
    rows = [r for r in rows if len(r) < 3] + rng.sample([r for r in rows if len(r) == 3], 40)
    impossible = 0
    for evidence in rows:
        joint = stock.query(list(evidence), joint=True, show_progress=False)
        index = tuple(joint.state_names[v].index(evidence[v]) for v in joint.variables)
        zero = float(joint.values[index]) <= 0.0
        impossible += zero
        free = [n for n in names if n not in evidence]
        for targets in ([rng.choice(free)], list(evidence)):
            if zero:
                with pytest.raises(EvidenceError, match="probability 0"):
                    PgmpyBackend().posterior(network, [evidence], targets)
                continue
            ours = PgmpyBackend().posterior(network, [evidence], targets)[0]
            if targets == list(evidence):
                assert ours[tuple(network.states(v).index(evidence[v]) for v in targets)] == 1.0
                continue
            (target,) = targets
            reference = stock.query(targets, evidence=evidence, show_progress=False)
            order = [reference.state_names[target].index(s) for s in network.states(target)]
            np.testing.assert_allclose(ours, reference.values[order], rtol=0, atol=TOLERANCE)
    assert impossible > 0  # the examples' deterministic CPTs make some rows impossible


def test_identical_rows_in_a_batch_are_queried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    network = _av_network()
    row = {"manoeuvre": "swerve_left", "detection": "negative"}
    same = {"detection": "negative", "manoeuvre": "swerve_left"}
    other = {"manoeuvre": "brake_straight", "detection": "negative"}
    with counting_queries(monkeypatch) as calls:
        out = PgmpyBackend().posterior(network, [row, same, other, row], ["oncoming_vehicle"])
    assert len(calls) == 2
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[3])


def test_a_decision_queries_each_distinct_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    evidence = {"detection": "negative"}
    recording = RecordingBackend()
    with counting_queries(monkeypatch) as calls:
        chosen = decide(problem, evidence, backend=recording).option
    distinct = set(recording.pairs)
    assert 0 < len(calls) <= len(distinct)
    with counting_queries(monkeypatch) as calls:
        assert decide(problem, evidence, backend="pgmpy").option == chosen
    assert len(calls) <= len(distinct)
