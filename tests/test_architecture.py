"""The architecture as tests: what each entry point imports, and the import contracts.

Importing the engine loads numpy only; a decision on a discrete problem through the CLI loads
neither torch, JAX, Pyro nor pgmpy; the import-linter contracts in pyproject.toml hold, and
break when an upward import or a cycle is added (checked on a copy of the tree).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "jax", "jaxlib", "pyro", "pgmpy", "owlready2", "rdflib", "typer", "rich")
PACKAGES = ("engine", "ontology", "models", "multiagent", "theorems", "phronesis")


def loaded_after(statements: str) -> list[str]:
    """The modules of HEAVY (and pydantic, yaml) loaded by running ``statements`` afresh."""
    code = (
        "import json, sys\n"
        f"{statements}\n"
        f"names = {[*HEAVY, 'pydantic', 'yaml']!r}\n"
        "print(json.dumps(sorted(m for m in names if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_engine_import_loads_numpy_only() -> None:
    assert loaded_after("import engine, engine.decision.batch, engine.analyses.p_best") == []


def test_scenario_files_add_only_pydantic_and_yaml() -> None:
    assert loaded_after("import engine.scenario") == ["pydantic", "yaml"]


def test_cli_decision_on_a_discrete_problem_loads_no_framework() -> None:
    statements = (
        "from typer.testing import CliRunner\n"
        "from phronesis.cli.app import app\n"
        "result = CliRunner().invoke(app, ['decide', 'examples/heinz.yaml', '--json'])\n"
        "assert result.exit_code == 0, result.output\n"
    )
    loaded = loaded_after(statements)
    assert not {"torch", "jax", "pyro", "pgmpy", "owlready2", "rdflib"} & set(loaded)


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


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(executable), "--no-cache"], cwd=root, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages and pyproject.toml copied to a fresh folder, to add violations to."""
    if not (Path(sys.executable).parent / "lint-imports").exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    root = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("module", "probe"),
    [
        ("engine/ir/graph.py", "from models.tensor import NumpyBackend"),  # upward
        ("engine/ir/graph.py", "import torch"),  # a framework in the engine
        ("engine/ir/graph.py", "from engine.decision.pipeline import decide"),  # a cycle
        ("engine/ir/nodes.py", "from engine.ir.problem import DecisionProblem"),  # a cycle in ir
        ("models/backends.py", "import phronesis"),  # below the composition root
        ("engine/rules/base.py", "import owlready2"),  # owlready2 outside ontology/
    ],
)
def test_contracts_break_on_a_violation(tree_copy: Path, module: str, probe: str) -> None:
    assert lint_imports(tree_copy).returncode == 0
    path = tree_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n\ndef _probe() -> object:\n    {probe}\n    return None\n")
    try:
        result = lint_imports(tree_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
