"""Importing the engine must not import torch or JAX (backends load lazily)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_import_does_not_load_torch_or_jax() -> None:
    code = (
        "import json, sys\n"
        "import engine, engine.decide, engine.scenario, engine.batch\n"
        "print(json.dumps(sorted(m for m in ('torch', 'jax', 'jaxlib') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_tensor_package_loads_only_the_framework_asked_for() -> None:
    code = (
        "import json, sys\n"
        "from models.tensor import TorchBackend\n"
        "print(json.dumps(['jax' in sys.modules, 'torch' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, True]
