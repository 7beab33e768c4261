"""Batched exact inference on numpy, torch and JAX behind one planner (shared/DESIGN.md, models/).

``NumpyBackend``, ``TorchBackend`` and ``JaxBackend`` are loaded on first use, so importing this
package (or asking the registry for one backend) never imports another framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.tensor.jax_impl import JaxBackend as JaxBackend
    from models.tensor.numpy_impl import NumpyBackend as NumpyBackend
    from models.tensor.torch_impl import TorchBackend as TorchBackend

__all__ = ["JaxBackend", "NumpyBackend", "TorchBackend"]

_LAZY = {
    "NumpyBackend": "models.tensor.numpy_impl",
    "TorchBackend": "models.tensor.torch_impl",
    "JaxBackend": "models.tensor.jax_impl",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
