"""The exhaustive engine: the kernel's table over the whole space against a per-row loop of
the pipeline, the smallest counterexample, shards combined in order, progress, Ray."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.theorems import brute_force
from theorems.methods.exhaustive import ChunkCheck, nothing, scan, scan_many, shard_ranges
from theorems.task import make_task


def _task(name: str, **kwargs):
    return make_task(load_scenario(EXAMPLES / name), backend="numpy", **kwargs)


NEVER = ChunkCheck(nothing, lambda context, chunk, batch: np.zeros(len(batch), dtype=bool))


def _chose(option: str) -> ChunkCheck:
    return ChunkCheck(nothing, lambda context, chunk, batch: batch.option_names == option)


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("av_emergency.yaml", {}),
        ("icu_triage.yaml", {"policy": "crisis_standards"}),
        ("heinz_policies.yaml", {"policy": "virtue_conditional"}),
        (
            "broken_penalty.yaml",
            {"observables": ("pedestrian_on_pavement", "road_wet", "collision")},
        ),
    ],
)
def test_the_table_digest_is_the_pipelines_table(name, settings):
    task = _task(name, **settings)
    result = scan(task, NEVER)
    decided = brute_force.rows(task)
    assert result.assignments == len(decided) == task.space_size
    assert result.table_sha256 == brute_force.table_sha256(task, decided)


def test_the_smallest_counterexample_has_fewest_observed_variables_then_lowest_number():
    # av_emergency (observables pedestrian_present, detection, oncoming_vehicle; digit 2 =
    # unobserved): brake_straight is chosen at assignments 0, 2, 3, 5, 6, 8, 18, 20, 24, 26;
    # 26 observes nothing, so it is the smallest although 0 comes first.
    task = _task("av_emergency.yaml")
    result = scan(task, _chose("brake_straight"))
    assert result.violations == 10
    assert result.smallest.number == 26 and result.smallest.observed == 0
    # swerve_left: every assignment with oncoming_vehicle=no (9); fewest observed: 25
    left = scan(task, _chose("swerve_left"))
    assert (left.violations, left.smallest.number, left.smallest.observed) == (9, 25, 1)


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_shards_combine_to_the_same_scan(shards):
    task = _task("icu_triage.yaml", observables=None)
    whole = scan_many(task, [NEVER, _chose("reallocate_to_A")], size=10)
    parts = scan_many(task, [NEVER, _chose("reallocate_to_A")], size=10, shards=shards)
    assert parts == whole
    assert whole[0].smallest is None and whole[1].violations > 0


def test_chunk_size_does_not_change_the_scan():
    task = _task("av_emergency.yaml")
    assert scan(task, _chose("swerve_right"), size=4) == scan(task, _chose("swerve_right"))


def test_shard_ranges_cover_the_space_in_order():
    ranges = shard_ranges(1000, 3, size=64)
    assert ranges[0][0] == 0 and ranges[-1][1] == 1000
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert all((stop - start) % 64 == 0 for start, stop in ranges[:-1])
    assert shard_ranges(0, 4) == [(0, 0)]


def test_progress_is_reported_up_to_the_space_size():
    seen = []
    task = _task("av_emergency.yaml", progress=lambda done, total: seen.append((done, total)))
    scan(task, NEVER, size=10)
    assert seen == [(10, 27), (20, 27), (27, 27)]


def test_an_empty_space_is_one_assignment():
    task = _task("heinz.yaml")  # every chance variable depends on the decision
    assert task.observables == () and scan(task, NEVER).assignments == 1


def test_ray_missing_is_a_clear_error(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    task = dataclasses.replace(_task("av_emergency.yaml"), executor="ray")
    from engine.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="Ray is not installed"):
        scan(task, NEVER)


@pytest.mark.distributed
def test_ray_gives_the_same_scan():
    ray = pytest.importorskip("ray")
    task = _task("icu_triage.yaml")
    local = scan_many(task, [NEVER, _chose("reallocate_to_A")], size=8)
    try:
        remote = scan_many(
            dataclasses.replace(task, executor="ray"),
            [NEVER, ChunkCheck(nothing, _reallocated)],
            size=8,
            shards=4,
        )
    finally:
        ray.shutdown()
    assert remote == local


def _reallocated(context, chunk, batch):  # module level: Ray pickles it by reference
    return batch.option_names == "reallocate_to_A"
