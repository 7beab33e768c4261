"""The backend registry: filled from the ``phronesis.backends`` entry points (pyproject.toml),
so the packages that implement backends register them and engine names none.

Each entry point names a :class:`~engine.backends.protocol.BackendSpec` (a light object: the
backend's module is imported only when the backend is used). ``auto`` chooses by capability:
the cheapest exact backend for a discrete network, the cheapest sampling backend for one with
continuous variables (:func:`choose`).
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any

from engine.backends.protocol import BackendSpec, InferenceBackend
from engine.errors import BackendUnavailable, InferenceError

if TYPE_CHECKING:
    from engine.ir import BayesianNetwork

ENTRY_POINT_GROUP = "phronesis.backends"

#: backends registered at run time (:func:`register_backend`), on top of the entry points
_registered: dict[str, BackendSpec] = {}


@functools.cache
def _entry_point_specs() -> tuple[BackendSpec, ...]:
    from importlib import metadata  # read once, when a backend is first asked for

    specs = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        spec = entry.load()
        if not isinstance(spec, BackendSpec) or spec.name != entry.name:
            raise BackendUnavailable(
                f"entry point {entry.name!r} of {ENTRY_POINT_GROUP!r} must name a BackendSpec "
                f"called {entry.name!r} (found {entry.value!r})"
            )
        specs.append(spec)
    return tuple(specs)


def specs() -> dict[str, BackendSpec]:
    """Every registered backend by name (entry points, then run-time registrations)."""
    return {s.name: s for s in _entry_point_specs()} | _registered


def register_backend(spec: BackendSpec) -> None:
    """Register a backend for this process (tests, plug-ins not installed as packages)."""
    _registered[spec.name] = spec


def choose(*, continuous: bool) -> BackendSpec:
    """The backend ``auto`` uses: among those exact over discrete networks (``continuous``
    False) or sampling with continuous support (``continuous`` True), the lowest start cost
    (ties by name)."""

    def fits(spec: BackendSpec) -> bool:
        c = spec.capabilities
        return c.sampling and c.continuous if continuous else c.exact

    candidates = sorted(
        (s for s in specs().values() if fits(s)), key=lambda s: (s.start_cost, s.name)
    )
    if not candidates:
        need = "sampling with continuous variables" if continuous else "exact inference"
        raise BackendUnavailable(
            f"no registered backend offers {need}; registered: {sorted(specs())}"
        )
    return candidates[0]


def get_backend(name: str | InferenceBackend = "auto", **options: Any) -> InferenceBackend:
    """Instantiate a registered backend by name (``"auto"``: the exact one :func:`choose`
    picks for discrete networks), or pass an instance through."""
    if not isinstance(name, str):
        return name
    spec = choose(continuous=False) if name == "auto" else spec_of(name)
    return _instantiate(spec, options)


def backend_for(name: str | InferenceBackend, *, hybrid: bool, **sampling: Any) -> InferenceBackend:
    """The backend a decision uses. ``"auto"`` chooses by capability (:func:`choose`); the
    ``sampling`` options (seed, num_samples) and the spec's own sampling options reach a
    sampling backend deciding a problem with continuous variables, and nothing else.
    Instances pass through."""
    if not isinstance(name, str):
        return name
    spec = choose(continuous=hybrid) if name == "auto" else spec_of(name)
    options: dict[str, Any] = {}
    if hybrid and spec.capabilities.sampling:
        options = {**spec.sampling_options, **sampling}
    return _instantiate(spec, options)


def spec_of(name: str) -> BackendSpec:
    """The registered spec called ``name``, or :class:`BackendUnavailable` listing the names."""
    known = specs()
    if name not in known:
        raise BackendUnavailable(
            f"unknown backend {name!r}; expected one of {', '.join(['auto', *sorted(known)])}"
        )
    return known[name]


def require_discrete(network: BayesianNetwork, backend: str) -> None:
    """Raise :class:`~engine.errors.InferenceError` when an exact discrete backend is handed a
    network with continuous variables (it cannot evaluate them; a sampling backend can)."""
    if network.continuous:
        names = ", ".join(v.name for v in network.continuous)
        samplers = [s.name for s in specs().values() if s.capabilities.continuous]
        use = (
            " or ".join(f"backend {n!r} (--backend {n})" for n in samplers) or "a sampling backend"
        )
        raise InferenceError(
            f"network {network.name!r} has continuous variables ({names}); backend {backend!r} "
            f"is exact over discrete variables only: use {use}"
        )


def _instantiate(spec: BackendSpec, options: dict[str, Any]) -> InferenceBackend:
    """A backend instance; an exact backend built with default options is shared within the
    process (it caches its compiled queries, so naming a backend again compiles nothing anew).
    Sampling backends carry a seed and are built afresh."""
    if options or spec.capabilities.sampling:
        return _build(spec, tuple(sorted(options.items())))
    return _shared(spec.name, spec.target)


@functools.cache
def _shared(name: str, target: str) -> InferenceBackend:
    return _build(specs()[name], ())


def _build(spec: BackendSpec, options: tuple[tuple[str, Any], ...]) -> InferenceBackend:
    module_name, attribute = spec.target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend {spec.name!r} needs a package that is not installed ({exc.name}); "
            "install phronesis with its dependencies (pip install -e .)"
        ) from exc
    return getattr(module, attribute)(**dict(options))
