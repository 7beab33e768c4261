"""The alignment property: agreement with labelled judgments and its exact Clopper-Pearson
interval, on the shipped labels and on hand-worked cases; malformed files; rechecks."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from engine.errors import DataError
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.properties.alignment import check, clopper_pearson, recheck
from theorems.registry import get_property
from theorems.task import Task, make_task

LABELS = EXAMPLES / "data" / "av_emergency_judgments.csv"
HEADER = "pedestrian_present,detection,oncoming_vehicle,expected\n"


@pytest.fixture(scope="module")
def problem() -> Any:
    return load_scenario(EXAMPLES / "av_emergency.yaml")


def task_for(problem: Any, labels: Path, **parameters: Any) -> Task:
    return make_task(problem, parameters={"labels": str(labels), **parameters})


def binomial_tail(k: int, n: int, p: float, upper: bool) -> float:
    """P(X >= k) (upper) or P(X <= k) for X ~ Binomial(n, p), summed term by term."""
    terms = range(k, n + 1) if upper else range(0, k + 1)
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in terms)


def bisect(f: Any, low: float = 0.0, high: float = 1.0) -> float:
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if f(mid) < 0 else (low, mid)
    return (low + high) / 2


def test_nine_of_ten_by_hand() -> None:
    # Clopper & Pearson (1934): the upper bound solves P(X <= 9 | p) = 1 - p^10 = 0.025, so
    # p = 0.975^(1/10) = 0.99747; the lower solves P(X >= 9 | p) = 10 p^9 - 9 p^10 = 0.025,
    # p = 0.55498
    low, high = clopper_pearson(9, 10, 0.95)
    assert high == pytest.approx(0.975**0.1, abs=1e-9)
    assert low == pytest.approx(bisect(lambda p: 10 * p**9 - 9 * p**10 - 0.025), abs=1e-9)
    assert (round(low, 4), round(high, 4)) == (0.555, 0.9975)


@pytest.mark.parametrize(
    "k, n, confidence, bounds",
    [
        (3, 20, 0.95, (0.0321, 0.3789)),
        (12, 30, 0.90, (0.2495, 0.5661)),
        (42, 100, 0.95, (0.3220, 0.5229)),
    ],
)
def test_published_table_values(
    k: int, n: int, confidence: float, bounds: tuple[float, float]
) -> None:
    # the example table of https://codingace.net/statistics/clopper_pearson_interval.html
    low, high = clopper_pearson(k, n, confidence)
    assert (round(low, 4), round(high, 4)) == bounds


def test_shipped_labels_give_the_hand_counted_agreement(problem: Any) -> None:
    # 27 situations; the judges brake after a negative detection with the pedestrian and the
    # oncoming lane unknown or the lane occupied (lines 33 and 35), where the engine, under the
    # norm's threshold 0.05 > P(pedestrian | negative) = 0.026, swerves right: 25 of 27 agree
    cert = check(task_for(problem, LABELS))
    assert (cert.witness["agreements"], cert.witness["situations"]) == (25, 27)
    wrong = cert.witness["disagreements"]
    assert [(d["line"], d["expected"], d["chosen"]) for d in wrong] == [
        (33, "brake_straight", "swerve_right"),
        (35, "brake_straight", "swerve_right"),
    ]
    assert wrong[0]["evidence"] == {"detection": "negative", "oncoming_vehicle": "yes"}
    # the interval from its definition, solved by bisection on binomial tails (not scipy)
    low = bisect(lambda p: binomial_tail(25, 27, p, upper=True) - 0.025)
    high = bisect(lambda p: 0.025 - binomial_tail(25, 27, p, upper=False))
    assert cert.witness["interval"] == pytest.approx([low, high], abs=1e-9)
    assert 0.75 < low < 0.76 and 0.99 < high < 0.992
    # the default threshold 0.9 lies inside the interval
    assert cert.verdict == "unknown" and "label more situations" in cert.reason
    assert cert.parameters["threshold"] == 0.9 and cert.parameters["confidence"] == 0.95
    assert len(cert.parameters["labels_sha256"]) == 64
    assert recheck(task_for(problem, LABELS), cert).ok


@pytest.mark.parametrize("threshold, verdict", [(0.75, "proved"), (0.995, "refuted")])
def test_threshold_decides_the_verdict(problem: Any, threshold: float, verdict: str) -> None:
    task = task_for(problem, LABELS, threshold=threshold)
    cert = check(task)
    assert cert.verdict == verdict
    assert recheck(task, cert).ok


def nine_of_ten(tmp_path: Path) -> Path:
    rows = [
        "yes,positive,yes,brake_straight",
        "yes,positive,no,swerve_left",
        "yes,,yes,brake_straight",
        "no,negative,no,swerve_left",
        "no,,yes,swerve_right",
        ",positive,yes,brake_straight",
        ",positive,no,swerve_left",
        ",,yes,brake_straight",
        ",,no,swerve_left",
        ",,,swerve_left",  # the engine brakes here (P(oncoming) = 0.3): the one disagreement
    ]
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "threshold, verdict", [(0.55, "proved"), (0.56, "unknown"), (0.998, "refuted")]
)
def test_nine_of_ten_through_the_property(
    problem: Any, tmp_path: Path, threshold: float, verdict: str
) -> None:
    # interval [0.55498, 0.99747]: 0.55 below it, 0.56 inside, 0.998 above
    cert = check(task_for(problem, nine_of_ten(tmp_path), threshold=threshold))
    assert (cert.witness["agreements"], cert.witness["situations"]) == (9, 10)
    assert cert.verdict == verdict
    if verdict == "refuted":
        assert cert.witness["disagreements"][0]["line"] == 11
        assert cert.witness["disagreements"][0]["chosen"] == "brake_straight"


def test_recheck_catches_a_changed_file_and_a_tampered_verdict(
    problem: Any, tmp_path: Path
) -> None:
    path = nine_of_ten(tmp_path)
    task = task_for(problem, path, threshold=0.56)
    cert = check(task)
    assert recheck(task, cert).ok
    assert not recheck(task, dataclasses.replace(cert, verdict="proved")).ok
    assert not recheck(
        task, dataclasses.replace(cert, witness={**cert.witness, "agreements": 10})
    ).ok
    path.write_text(path.read_text().replace(",,,swerve_left", ",,,brake_straight"))
    assert "SHA-256" in recheck(task, cert).reason


@pytest.mark.parametrize(
    "text, where",
    [
        (HEADER + "yes,positive,yes,fly\n", "line 2, column 'expected'"),
        (HEADER + "maybe,positive,yes,brake_straight\n", "line 2, column 'pedestrian_present'"),
        (HEADER + "yes,positive,brake_straight\n", "line 2: expected 4 cells"),
        ("pedestrian_present,weather,expected\n", "unknown column 'weather'"),
        ("occupant_harm,expected\nnone,brake_straight\n", "outcome column 'occupant_harm'"),
        ("pedestrian_present,detection\nyes,positive\n", "one 'expected' column"),
        (HEADER, "no labelled situations"),
        ("", "empty file"),
    ],
)
def test_malformed_labels_are_one_line_errors(
    problem: Any, tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        check(task_for(problem, path))
    message = str(info.value)
    assert str(path) in message and where in message and "\n" not in message


def test_registered_with_its_needs() -> None:
    prop = get_property("alignment")
    assert prop.needs == ("labels",) and "Clopper-Pearson" in prop.statement
