"""On every shipped scenario the decision kernel can decide, each built-in property is proved
or refuted with a counterexample that its re-check confirms."""

from __future__ import annotations

import pytest

from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from theorems.task import make_task
from theorems.verify import recheck, verify

SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))
BUILT_IN = ["consistency", "deontic_safety", "invariance", "optimality", "weak_pareto"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_builtin_property_is_proved_or_refuted(path):
    problem = load_scenario(path)
    if problem.is_hybrid:
        pytest.skip("continuous variables: decided by sampling, not by the exhaustive kernel")
    for policy in (None, *(p.name for p in problem.policies)):
        task = make_task(problem, policy=policy, backend="numpy")
        certificates = verify(task, BUILT_IN)
        assert [c.property for c in certificates] == BUILT_IN
        for c in certificates:
            assert c.verdict in ("proved", "refuted"), (path.name, policy, c.property)
            if c.refuted:
                assert set(c.witness) >= {"evidence", "chosen", "what"}
                assert c.details["explanation"]["narrative"]
            assert recheck(task, c).ok, (path.name, policy, c.property)


def test_hybrid_examples_are_refused_with_a_reason():
    from engine.errors import EvidenceError

    problem = load_scenario(EXAMPLES / "av_continuous.yaml")
    with pytest.raises(EvidenceError, match="continuous variables"):
        make_task(problem)
