"""examples/broken_penalty.yaml: a penalty too small to outweigh a prohibition.

Worked by hand (see the file's header): safety utility -100 for a collision;
P(collision | brake) = 0.7 wet, 0.3 dry, 0.5 unknown; P(collision | swerve) = 0.1, so
EV(brake) = -70 / -30 / -50 and EV(swerve) = -10. The prohibition of swerving onto an occupied
pavement has threshold 0.5 and the only theory (credence 1) holds it as a penalty of weight 10:
CW(swerve) = -10 - 10 P(pedestrian | e). P(pedestrian) = 0.2 unobserved, so the prohibition
applies only where a pedestrian is seen, and there CW(swerve) = -20 beats every CW(brake): the
controller swerves onto the occupied pavement although braking violates no norm. Assignments
(observables pedestrian_on_pavement, road_wet; digit 2 = unobserved): pedestrian=yes is 0..2,
and of those, 2 (road unobserved) observes one variable only: the smallest counterexample.
A penalty above EV(swerve) - EV(brake) on a wet road = 60 (here 100) makes it safe; then the
choice to brake where swerving is better in the only value refutes weak Pareto instead.
"""

from __future__ import annotations

import dataclasses

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.task import make_task
from theorems.verify import recheck, verify

BROKEN = EXAMPLES / "broken_penalty.yaml"


def test_deontic_safety_is_refuted_with_the_expected_witness():
    task = make_task(load_scenario(BROKEN))
    assert task.observables == ("pedestrian_on_pavement", "road_wet")
    (c,) = verify(task, ["deontic_safety"])
    assert c.refuted and c.details["violations"] == 3  # pedestrian=yes x road wet/dry/unknown
    w = c.witness
    assert w["assignment"] == 2 and w["evidence"] == {"pedestrian_on_pavement": "yes"}
    assert w["chosen"] == "swerve" and w["alternatives"] == ["brake"]
    assert w["norms"] == [
        {"norm": "keep_off_occupied_pavement", "probability": 1.0, "threshold": 0.5}
    ]
    explanation = c.details["explanation"]  # the engine's own: margin 30 = 40 safety - 10 norm
    assert explanation["runner_up"] == "brake" and explanation["margin"] == 30.0
    assert explanation["by_value"] == {"safety": 40.0}
    assert explanation["by_norm"] == {"keep_off_occupied_pavement": -10.0}
    assert recheck(task, c).ok


def test_a_penalty_that_outweighs_the_gain_is_safe():
    problem = load_scenario(BROKEN)
    norm = dataclasses.replace(problem.norms[0], weight=100.0)
    task = make_task(dataclasses.replace(problem, norms=(norm,)))
    safety, pareto = verify(task, ["deontic_safety", "weak_pareto"])
    assert safety.proved and safety.witness["assignments"] == 9
    assert pareto.refuted and pareto.witness["evidence"] == {"pedestrian_on_pavement": "yes"}
    assert pareto.witness["chosen"] == "brake" and pareto.witness["dominated_by"] == "swerve"
