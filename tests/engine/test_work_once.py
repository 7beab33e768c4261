"""Each thing computed once per decision (issue 9): one backend call per target set, the chance
network built once, and one aggregation when every option is permissible and the policy's
rule is the decision's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

import engine.decision.aggregation as aggregation
import engine.decision.applied_policy as applied_policy
import engine.decision.choice as choice
import engine.decision.pipeline as pipeline
from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES


class CountingBackend:
    """Wraps a backend and counts posterior calls per target set."""

    def __init__(self) -> None:
        self.inner = get_backend("numpy")
        self.name = "counting"
        self.calls: Counter[tuple[str, ...]] = Counter()

    def posterior(self, network: Any, batch: Sequence[Any], targets: Sequence[str]) -> Any:
        self.calls[tuple(targets)] += 1
        return self.inner.posterior(network, batch, targets)

    def probability_of_evidence(self, network: Any, batch: Sequence[Any]) -> Any:
        return self.inner.probability_of_evidence(network, batch)


@pytest.mark.parametrize("example", ["heinz.yaml", "av_emergency.yaml", "icu_triage.yaml"])
def test_one_backend_call_per_target_set(example: str) -> None:
    backend = CountingBackend()
    decide(load_scenario(EXAMPLES / example), backend=backend)
    assert backend.calls and set(backend.calls.values()) == {1}


def test_the_network_is_built_once_per_problem() -> None:
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    first = problem.network()
    decide(problem, {"detection": "negative"})
    assert problem.network() is first


def test_one_aggregation_when_every_option_is_permissible(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = aggregation.aggregate_options

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    for module in (choice, pipeline, applied_policy):
        monkeypatch.setattr(module, "aggregate_options", counted, raising=False)
    heinz = load_scenario(EXAMPLES / "heinz.yaml")
    result = decide(heinz, policy="consequentialist")  # no constraint theory: all permissible
    assert all(r.permissible for r in result.options)
    assert len(calls) == 1
