"""A user adds an exhaustively checked property in a few lines (the example of
docs/guide/verification.md), and it is checked and re-checked like the built-in ones."""

from __future__ import annotations

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.methods.exhaustive import ChunkCheck, nothing
from theorems.methods.redecide import redecide
from theorems.properties.enumerated import ENUMERATED, Enumerated, enumerated_property
from theorems.registry import PROPERTIES, register_property
from theorems.task import make_task
from theorems.verify import recheck, verify


def swerves(context, chunk, batch):
    return batch.option_names == "swerve"


def describe(task, context, batch, found):
    return {"what": "chose 'swerve'"}


def confirm(task, witness):
    decided = redecide(task, witness["evidence"])
    return None if decided.option == "swerve" else f"the {decided.via} chooses {decided.option!r}"


def test_a_user_property_in_a_few_lines():
    spec = Enumerated(
        "never_swerve_test",
        "The option 'swerve' is never chosen.",
        ChunkCheck(nothing, swerves),
        describe,
        confirm,
    )
    register_property(enumerated_property(spec))
    try:
        task = make_task(load_scenario(EXAMPLES / "broken_penalty.yaml"))
        (c,) = verify(task, ["never_swerve_test"])
        # broken_penalty swerves everywhere: the smallest counterexample observes nothing,
        # assignment 8 = digits (2, 2) of (pedestrian_on_pavement, road_wet)
        assert c.refuted and c.details["violations"] == 9
        assert c.witness["assignment"] == 8 and c.witness["evidence"] == {}
        assert recheck(task, c).ok
    finally:
        PROPERTIES.pop("never_swerve_test", None)
        ENUMERATED.pop("never_swerve_test", None)
