"""Batched decisions: N evidence rows decided with one posterior call per target set.

:func:`decide_batch` returns exactly what :func:`engine.decision.pipeline.decide` returns for each
row. It
asks the backend once per target set for all rows x options, P(X | do(a), e_n) for every
(n, a), and then runs the unchanged per-row pipeline (:mod:`engine.semantics.assess`,
permissibility,
aggregation, explanation) over those precomputed posteriors. The target sets are found by
running :func:`engine.semantics.assess.assess` once against a recording backend, so the two can
never
disagree about which posteriors a decision needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.backends.protocol import Evidence, InferenceBackend
from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.decision.result import Decision
from engine.ir import BayesianNetwork, DecisionProblem
from engine.ir.evidence import check_evidence
from engine.semantics.assess import assess


@dataclass(slots=True)
class _Recorder:
    """A stand-in backend that records which target sets a decision asks for."""

    name: str = "recorder"
    targets: list[tuple[str, ...]] = field(default_factory=list)

    def posterior(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence], targets: Sequence[str]
    ) -> np.ndarray:
        targets = tuple(targets)
        if targets not in self.targets:
            self.targets.append(targets)
        shape = tuple(len(network.states(t)) for t in targets)
        return np.zeros((len(evidence_batch), *shape))

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        return np.ones(len(evidence_batch))


@dataclass(frozen=True, slots=True)
class _Precomputed:
    """A backend answering one row's queries from posteriors computed for the whole batch."""

    name: str
    posteriors: Mapping[tuple[str, ...], np.ndarray]
    rows: tuple[dict[str, str], ...]
    start: int

    def posterior(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence], targets: Sequence[str]
    ) -> np.ndarray:
        stop = self.start + len(evidence_batch)
        assert [dict(e) for e in evidence_batch] == list(self.rows[self.start : stop])
        return self.posteriors[tuple(targets)][self.start : stop]

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        raise NotImplementedError("decisions do not ask for P(evidence)")


def decide_batch(
    problem: DecisionProblem,
    evidence_rows: Sequence[Mapping[str, str] | None],
    *,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str | InferenceBackend = "torch",
) -> list[Decision]:
    """Decide ``problem`` for every evidence row; ``[decide(problem, e, ...) for e in rows]``.

    Problems with continuous variables are decided row by row (by sampling, backend ``pyro``).

    For rows e_1..e_N and options a_1..a_A the backend answers, once per target set X,
    P(X | do(a_j), e_n) for all N x A pairs (row n * A + j), choosing being the intervention
    do(a) (shared/DESIGN.md, "Decision semantics", step 1).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> problem = load_scenario("examples/heinz.yaml")
    >>> [d.option for d in decide_batch(problem, [{}, {"drug_obtained": "no"}],
    ...                                 policy="consequentialist", backend="pgmpy")]
    ['steal', 'do_not_steal']
    """
    rows = [check_evidence(problem, row or {}) for row in evidence_rows]
    if not rows:
        return []
    if problem.is_hybrid:  # sampled per row: each decision draws its own particles
        settings = {"rule": rule, "normalisation": normalisation, "policy": policy}
        return [decide(problem, row, backend=backend, **settings) for row in rows]
    engine = get_backend(backend)
    recorder = _Recorder()
    assess(problem, {}, recorder)
    decision = problem.decision.name
    batch = tuple({**row, decision: option} for row in rows for option in problem.decision.options)
    network = problem.network()
    posteriors = {t: engine.posterior(network, batch, t) for t in recorder.targets}
    width = len(problem.decision.options)
    return [
        decide(
            problem,
            row,
            rule=rule,
            normalisation=normalisation,
            policy=policy,
            backend=_Precomputed(engine.name, posteriors, batch, n * width),
        )
        for n, row in enumerate(rows)
    ]
