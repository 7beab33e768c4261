"""The protocol every inference backend implements, and the capabilities it declares.

A backend answers joint posteriors P(targets | evidence) over a :class:`~engine.ir.BayesianNetwork`
for a batch of evidence rows. Backends know nothing of decisions: a decision problem is compiled
(:meth:`~engine.ir.DecisionProblem.network`) with the decision as a root node, so conditioning
on ``decision = a`` is the intervention do(a) (shared/DESIGN.md, "Decision semantics", step 1).
Evidence rows reaching a backend have been checked at the API boundary
(:func:`engine.ir.evidence.check_evidence`); backends trust them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from engine.ir import BayesianNetwork

Evidence = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do, declared with its registration (read without importing it).

    ``exact``: exact posteriors over discrete networks; ``sampling``: weighted particles
    (a ``particles`` method, see :class:`SamplingBackend`); ``continuous``: networks with
    continuous variables; ``parameter_draws``: batched posteriors under drawn CPTs;
    ``device``: runs on an accelerator when asked (``device="cuda"``).
    """

    exact: bool = False
    sampling: bool = False
    continuous: bool = False
    parameter_draws: bool = False
    device: bool = False


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """A registered backend: ``target`` is ``"module:attribute"`` of a class taking keyword
    options, imported only when the backend is used. ``start_cost`` orders the candidates
    ``auto`` may choose (lower first: roughly the seconds its imports take on a cold start);
    ``sampling_options`` are extra keyword options used when the backend samples a network
    with continuous variables."""

    name: str
    target: str
    capabilities: Capabilities
    start_cost: float = 1.0
    sampling_options: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class InferenceBackend(Protocol):
    """Exact (or sampling) inference over a :class:`BayesianNetwork`."""

    name: str

    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        targets: Sequence[str],
    ) -> np.ndarray:
        """P(targets | evidence_i) for each row i, shaped (N, |t_1|, ..., |t_k|).

        A target that is also observed gets a point mass. Rows whose evidence has probability
        zero raise :class:`~engine.errors.EvidenceError`.
        """
        ...

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        """P(evidence_i) for each row, shaped (N,)."""
        ...


@runtime_checkable
class SamplingBackend(InferenceBackend, Protocol):
    """A backend that also draws likelihood-weighted particles (capability ``sampling``).

    Its class takes the keyword options ``seed`` and ``num_samples`` (particles per evidence
    row): the sampling settings a decision passes on
    (:func:`engine.decision.settings.sampling_options`).
    """

    def particles(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        sites: Sequence[str],
        *,
        allow_zero: bool = False,
    ) -> Any:
        """Weighted particles of ``sites`` per evidence row: an object with ``values``
        (site -> (rows, S) array), normalised ``weights`` (rows, S), ``ess``, ``num_samples``,
        ``seed`` and ``method``, and ``mean`` / ``standard_error`` of per-particle arrays."""
        ...
