"""Import the built-in properties so that they register themselves (see
:mod:`theorems.registry`)."""

from __future__ import annotations

import theorems.properties.alignment
import theorems.properties.consistency
import theorems.properties.convergence
import theorems.properties.deontic
import theorems.properties.invariance
import theorems.properties.monotonicity
import theorems.properties.optimality
import theorems.properties.pareto
import theorems.properties.robust_cpts
import theorems.properties.robustness  # noqa: F401
