"""The backends models/ offers, as light specs named by the ``phronesis.backends`` entry points
in pyproject.toml (:mod:`engine.backends.registry` reads them; the implementations are imported
only when a backend is used).

``start_cost`` is roughly the seconds a cold process spends importing the backend's framework on
a 2-core machine (benchmarks/startup.py): ``auto`` prefers the cheapest backend that can answer.
"""

from __future__ import annotations

from engine.backends.protocol import BackendSpec, Capabilities

NUMPY = BackendSpec(
    "numpy", "models.tensor.numpy_impl:NumpyBackend", Capabilities(exact=True), start_cost=0.05
)
TORCH = BackendSpec(
    "torch",
    "models.tensor.torch_impl:TorchBackend",
    Capabilities(exact=True, device=True),
    start_cost=1.5,
)
JAX = BackendSpec(
    "jax",
    "models.tensor.jax_impl:JaxBackend",
    Capabilities(exact=True, device=True),
    start_cost=1.0,
)
PGMPY = BackendSpec(
    "pgmpy", "models.pgmpy.backend:PgmpyBackend", Capabilities(exact=True), start_cost=2.5
)
PYRO = BackendSpec(
    "pyro",
    "models.pyro.backend:PyroBackend",
    Capabilities(exact=True, sampling=True, continuous=True),
    start_cost=3.0,
    sampling_options={"method": "auto"},
)
