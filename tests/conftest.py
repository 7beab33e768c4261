"""Shared fixtures: the project root, shipped examples and the third-party data folder."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run: CI must not pass or fail by chance.
settings.register_profile("phronesis", derandomize=True, deadline=None)
settings.load_profile("phronesis")

# pyAgrum's SWIG extension emits a DeprecationWarning while it initialises; under pytest's
# filterwarnings=error that warning becomes an exception inside C++ init and the process
# segfaults. Import it once here, quietly, before any test does.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore")
    import pyagrum  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests needing it skip with the reason when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"third-party data folder {SHARED_DATA} is not present")
    return SHARED_DATA
