"""The protocol every inference backend implements, and the registry that loads them lazily.

A backend answers joint posteriors P(targets | evidence) over a :class:`~engine.ir.BayesianNetwork`
for a batch of evidence rows. Backends know nothing of decisions: a decision problem is compiled
(:meth:`~engine.ir.DecisionProblem.network`) with the decision as a root node, so conditioning
on ``decision = a`` is the intervention do(a) (shared/DESIGN.md, "Decision semantics", step 1).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine.errors import BackendUnavailable

if TYPE_CHECKING:
    import numpy as np

    from engine.ir import BayesianNetwork

Evidence = Mapping[str, str]

#: backend name -> "module:attribute"; the module is imported only when the backend is asked for.
BACKENDS: dict[str, str] = {
    "pgmpy": "models.pgmpy_backend:PgmpyBackend",
    "torch": "models.tensor:TorchBackend",
    "jax": "models.tensor:JaxBackend",
    "pyro": "models.pyro_backend:PyroBackend",
}


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


def require_discrete(network: BayesianNetwork, backend: str) -> None:
    """Raise :class:`~engine.errors.InferenceError` when an exact discrete backend is handed a
    network with continuous variables (it cannot evaluate them; the Pyro backend can)."""
    if network.continuous:
        from engine.errors import InferenceError

        names = ", ".join(v.name for v in network.continuous)
        raise InferenceError(
            f"network {network.name!r} has continuous variables ({names}); backend {backend!r} "
            "is exact over discrete variables only: use backend 'pyro' (importance sampling)"
        )


def backend_for(name: str | InferenceBackend, *, hybrid: bool, **options: Any) -> InferenceBackend:
    """The backend a decision uses: ``"auto"`` is pgmpy (exact) for a discrete problem and
    Pyro for one with continuous variables; a Pyro backend named for a hybrid problem samples
    where exact enumeration cannot (``method="auto"``) with ``options`` (seed, num_samples),
    which other backends and discrete problems ignore. Instances pass through."""
    if not isinstance(name, str):
        return name
    if name == "auto":
        name = "pyro" if hybrid else "pgmpy"
    if name == "pyro" and hybrid:
        options.setdefault("method", "auto")
    else:  # sampling options concern only Pyro deciding a problem with continuous variables
        options = {}
    return get_backend(name, **options)


def register_backend(name: str, target: str) -> None:
    """Register ``"module:attribute"`` as backend ``name`` (a class taking keyword options)."""
    BACKENDS[name] = target


def get_backend(name: str | InferenceBackend = "pgmpy", **options: Any) -> InferenceBackend:
    """Instantiate a registered backend by name (or pass an instance through)."""
    if not isinstance(name, str):
        return name
    try:
        target = BACKENDS[name]
    except KeyError:
        raise BackendUnavailable(
            f"unknown backend {name!r}; expected one of {sorted(BACKENDS)}"
        ) from None
    module_name, attribute = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend {name!r} needs a package that is not installed ({exc.name}); "
            "install phronesis with its dependencies (pip install -e .)"
        ) from exc
    return getattr(module, attribute)(**options)
