"""Verified decision tables: the kernel's decision for every assignment, its digest, the
certificates attached to exactly that table, and the JSON / .npz files."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from engine.analyses.decision_table import DecisionTable, compile_decision_table
from engine.errors import PhronesisError
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from engine.scenario.read import parse_scenario
from tests.conftest import EXAMPLES
from theorems.certificate import Certificate
from theorems.registry import PROPERTIES, Property, Recheck, register_property
from theorems.space import TableDigest, chunks, evidence_of
from theorems.tables.verified import (
    TableError,
    VerifiedTable,
    attach,
    decide_table,
    recheck_table,
    verified_table,
)
from theorems.task import Task, make_task

CASES = [
    ("av_emergency.yaml", ["detection", "oncoming_vehicle"], None),
    ("av_emergency.yaml", None, None),
    ("icu_triage.yaml", ["sofa_A", "sofa_B"], None),
    ("heinz.yaml", ["drug_obtained"], "virtue"),
    ("heinz.yaml", [], None),
]

PROBE = "test_probe_never_abstains"


def weird_scenario(n_options: int = 4) -> dict:
    """A problem whose names need escaping in C, with impossible evidence (abstentions) and
    as many options as asked (over 128 needs a ``short`` table in C)."""
    base = ["go-left", "go_left", "stop */ now", 'é??="q\\']
    options = (base + [f"opt {i}" for i in range(len(base), n_options)])[:n_options]
    a_states = ["on", "off", "?? /*"]
    utility = {
        f"{o}, {s}": -abs(i - j * (n_options - 1) / 2)
        for i, o in enumerate(options)
        for j, s in enumerate(a_states)
    }
    return {
        "name": 'weird */ ??= "x"',
        "decision": {"name": "act", "options": options},
        "variables": [
            {"name": "sensor a", "states": a_states, "cpt": [0.5, 0.3, 0.2]},
            {
                "name": "sensor_a",
                "states": ["x-y", "x_y"],
                "parents": ["sensor a"],
                "cpt": {"on": [1, 0], "off": [0, 1], "?? /*": [0.5, 0.5]},
            },
        ],
        "values": [{"name": "good", "parents": ["act", "sensor a"], "utility": utility}],
        "theories": [
            {"name": "u", "kind": "cardinal", "credence": 1, "value_weights": {"good": 1}}
        ],
    }


def weird_task(n_options: int = 4) -> Task:
    return make_task(parse_scenario(weird_scenario(n_options)), ["sensor a", "sensor_a"])


def _probe_check(task: Task) -> Certificate:
    """Exhaustive, like the built-in properties: no assignment abstains; proved with the
    table digest as witness, refuted with the first counterexample."""
    digest = TableDigest(task)
    for part in chunks(task):
        chosen = decide_rows(task.compiled, part.index).chosen
        digest.update(chosen)
        bad = np.flatnonzero(chosen < 0)
        if len(bad):
            evidence = evidence_of(task, part.digits[bad[0]])
            return Certificate(
                PROBE, task.problem.content_hash, "refuted", "exhaustive",
                settings=dict(task.settings), witness={"evidence": evidence},
            )  # fmt: skip
    witness = {"table_sha256": digest.hexdigest(), "assignments": digest.count}
    return Certificate(
        PROBE, task.problem.content_hash, "proved", "exhaustive",
        settings=dict(task.settings), witness=witness,
    )  # fmt: skip


@pytest.fixture
def probe():
    """A test property registered for the test only."""
    register_property(
        Property(PROBE, "No assignment abstains.", _probe_check, lambda t, c: Recheck(True)),
        replace=True,
    )
    yield PROBE
    PROPERTIES.pop(PROBE, None)


def task_of(name: str, observables: list[str] | None, policy: str | None = None) -> Task:
    return make_task(load_scenario(EXAMPLES / name), observables, policy=policy)


@pytest.mark.parametrize(("name", "observables", "policy"), CASES)
def test_table_agrees_with_the_decision_table_and_digest(name, observables, policy):
    task = task_of(name, observables, policy)
    table = decide_table(task, chunk=4)  # several chunks
    assert table.size == task.space_size == len(table.chosen)
    assert table.chosen.dtype == np.int16 and not table.chosen.flags.writeable
    legacy = compile_decision_table(task.problem, list(task.observables), policy=policy)
    assert len(legacy.entries) == table.size
    for key, (option, _) in legacy.entries.items():
        evidence = dict(zip(task.observables, key, strict=True))
        assert table.lookup(evidence) == option, key
    digest = TableDigest(task)
    digest.update(decide_rows(task.compiled, next(chunks(task)).index).chosen)
    assert table.digest == digest.hexdigest()


def test_numbering_is_the_space_order():
    task = task_of("icu_triage.yaml", None)
    table = decide_table(task)
    for part in chunks(task, size=7):
        for row, digits in enumerate(part.digits):
            k = part.start + row
            evidence = table.evidence(k)
            assert table.number(evidence) == k
            assert {v: s for v, s in evidence.items() if s != "*"} == evidence_of(task, digits)


def test_abstentions_carry_their_reason():
    table = decide_table(weird_task())
    abstain = np.flatnonzero(table.chosen < 0)
    assert len(abstain)  # sensor_a=x_y with sensor a=on is impossible
    assert {table.reason(int(k)) for k in abstain} == {"evidence impossible"}
    assert table.lookup({"sensor a": "on", "sensor_a": "x_y"}) is None


def test_probe_certificate_names_exactly_this_table(probe):
    task = task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"], "harm_minimisation")
    table = verified_table(task, [probe])
    (certificate,) = table.certificates
    assert certificate.proved
    assert certificate.witness["table_sha256"] == table.digest
    assert certificate.witness["assignments"] == table.size


def test_builtin_exhaustive_proof_names_the_same_digest():
    import theorems.builtin  # noqa: F401

    task = task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"])
    table = verified_table(task, ["deontic_safety"])
    (certificate,) = table.certificates
    if certificate.proved:
        assert certificate.witness["table_sha256"] == table.digest


def test_attaching_a_certificate_of_another_problem_or_table_is_refused(probe):
    av = task_of("av_emergency.yaml", ["detection"])
    table = decide_table(av)
    other_table = _probe_check(task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"]))
    other_problem = _probe_check(task_of("heinz.yaml", []))
    other_settings = _probe_check(make_task(av.problem, ["detection"], rule="mft"))
    for certificate, words in [
        (other_table, "not on this table"),
        (other_problem, "re-verify on this problem"),
        (other_settings, "rule='mft'"),
    ]:
        with pytest.raises(TableError, match=words) as caught:
            attach(table, [certificate])
        assert isinstance(caught.value, PhronesisError) and isinstance(caught.value, ValueError)
        assert "\n" not in str(caught.value)
    tampered = dataclasses.replace(
        _probe_check(av), witness={"table_sha256": "0" * 64, "assignments": 3}
    )
    with pytest.raises(TableError, match="not on this table"):
        attach(table, [tampered])
    assert attach(table, [_probe_check(av)]).certificates[0].property == probe


def test_recheck_catches_a_changed_table_and_a_changed_problem():
    task = task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"])
    table = decide_table(task)
    assert recheck_table(table, task, redecide=True).ok
    chosen = table.chosen.copy()
    chosen[0] = (chosen[0] + 1) % len(table.options)
    changed = dataclasses.replace(table, chosen=chosen)
    assert "digest does not match" in recheck_table(changed, task).reason
    # the digest recomputed too: only re-deciding finds it
    digest = TableDigest(task)
    digest.update(chosen)
    forged = dataclasses.replace(changed, digest=digest.hexdigest())
    assert recheck_table(forged, task).ok
    found = recheck_table(forged, task, redecide=True)
    assert not found.ok and "the problem decides" in found.reason
    other = task_of("av_emergency.yaml", ["detection", "pedestrian_present"])
    assert "observables" in recheck_table(table, other).reason


def test_invariants_are_checked_at_construction():
    table = decide_table(task_of("av_emergency.yaml", ["detection"]))
    with pytest.raises(TableError, match="expected 3 assignments"):
        dataclasses.replace(table, chosen=table.chosen[:2])
    with pytest.raises(TableError, match="outside -1 .. 2"):
        dataclasses.replace(table, chosen=np.array([0, 3, 1]))
    with pytest.raises(TableError, match="both chooses an option and abstains"):
        dataclasses.replace(table, chosen=np.array([0, -1, 1]))


@pytest.mark.parametrize("writer", ["json", "npz"])
def test_files_round_trip(tmp_path, probe, writer):
    from theorems.tables import files as table_files

    task = task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"], "harm_minimisation")
    for table in (verified_table(task, [probe]), decide_table(weird_task())):
        path = tmp_path / f"table.{writer}"
        getattr(table_files, f"write_{writer}")(table, path)
        back: VerifiedTable = getattr(table_files, f"read_{writer}")(path)
        for name in ("problem_hash", "problem_name", "observables", "states", "options"):
            assert getattr(back, name) == getattr(table, name), name
        assert back.settings == table.settings and back.digest == table.digest
        assert np.array_equal(back.chosen, table.chosen)
        assert np.array_equal(back.abstention, table.abstention)
        assert [c.to_dict() for c in back.certificates] == [c.to_dict() for c in table.certificates]
    # the digest of what was written is the TableDigest recomputed, and the proof's
    digest = TableDigest(weird_task())
    digest.update(back.chosen)
    assert back.digest == digest.hexdigest()


def test_written_digest_equals_the_certificate_and_a_recomputation(tmp_path, probe):
    from theorems.tables.files import read_certificates, read_npz, write_table_folder

    task = task_of("icu_triage.yaml", None)
    written = write_table_folder(verified_table(task, [probe]), tmp_path / "out")
    assert [p.name for p in written] == ["table.json", "table.npz", "table.h", "certificates.json"]
    back = read_npz(tmp_path / "out" / "table.npz")
    digest = TableDigest(task)
    digest.update(back.chosen)
    (certificate,) = read_certificates(tmp_path / "out" / "certificates.json")
    assert back.digest == digest.hexdigest() == certificate.witness["table_sha256"]
    text = (tmp_path / "out" / "table.json").read_text()
    assert json.loads(text)["table_sha256"] == back.digest
    assert back.digest in (tmp_path / "out" / "table.h").read_text()


def test_json_stays_readable_as_a_decision_table(tmp_path):
    from theorems.tables.files import write_json

    task = task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"])
    table = decide_table(task)
    write_json(table, tmp_path / "t.json")
    legacy = DecisionTable.from_json((tmp_path / "t.json").read_text())
    assert legacy.problem_hash == table.problem_hash
    assert len(legacy.entries) == table.size
    for k in range(table.size):
        evidence = {v: s for v, s in table.evidence(k).items() if s != "*"}
        assert legacy.lookup(evidence) == table.option(k)


def test_malformed_files_are_one_line_errors(tmp_path):
    from theorems.tables.files import read_json, read_npz, write_json

    table = decide_table(task_of("av_emergency.yaml", ["detection", "oncoming_vehicle"]))
    path = write_json(table, tmp_path / "t.json")
    data = json.loads(path.read_text())
    data["entries"][0], data["entries"][1] = data["entries"][1], data["entries"][0]
    path.write_text(json.dumps(data))
    with pytest.raises(TableError, match=r"t\.json: entries\[0\]"):
        read_json(path)
    data = json.loads(write_json(table, path).read_text())
    data["entries"].pop()
    path.write_text(json.dumps(data))
    with pytest.raises(TableError, match=r"t\.json: expected 9 assignments"):
        read_json(path)
    path.write_text("{}")
    with pytest.raises(TableError, match="not a verified table"):
        read_json(path)
    path.write_text("not a zip")
    with pytest.raises(TableError, match="cannot read the table"):
        read_npz(path)


def test_space_size_is_the_product_of_radices():
    table = decide_table(weird_task(6))
    assert table.size == math.prod(len(s) + 1 for s in table.states) == 12
    assert table.radices == (4, 3)
