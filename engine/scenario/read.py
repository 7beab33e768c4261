"""Scenario files (YAML or JSON) -> :class:`~engine.ir.DecisionProblem`.

The file boundary is the only place pydantic is used: :class:`ScenarioModel` parses and
type-checks the raw document, then :func:`to_problem` turns tables written per parent
configuration into the IR's flat tables, whose constructor checks the remaining invariants.
Every failure is a :class:`~engine.errors.ScenarioError` naming the file, the field and what was
expected.

Tables (CPT rows, utilities) are written either as a flat list in row-major order over the
parents, or as a mapping from a parent configuration — ``"steal"``, or ``"steal, yes"`` for two
parents, in the order listed under ``parents`` — to a row (a list, or a mapping state -> number).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.errors import InvalidProblem, ScenarioError
from engine.ir import DecisionProblem, Provenance
from engine.ir.limits import STATES
from engine.scenario.document import clip, error_location, pydantic_message, read_document
from engine.scenario.lower import to_problem
from engine.scenario.models import ScenarioModel


def load_scenario(path: str | Path) -> DecisionProblem:
    """Parse and validate a scenario file into a :class:`DecisionProblem`."""
    return parse_scenario(read_document(path), source=str(path))


def _check_state_counts(data: Any, source: str) -> None:
    """The ``states`` limit checked before validation, which would otherwise check a million
    state names one by one before the limit is met."""
    variables = data.get("variables") if isinstance(data, dict) else None
    for i, variable in enumerate(variables if isinstance(variables, list) else ()):
        states = variable.get("states") if isinstance(variable, dict) else None
        if isinstance(states, list) and len(states) > STATES.value():
            name = clip(str(variable.get("name", i)), 40)
            message = STATES.message(len(states), STATES.value())
            raise ScenarioError(source, f"variables.{name}.states", message)


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> DecisionProblem:
    """Validate scenario data (already read from a file) into a :class:`DecisionProblem`."""
    _check_state_counts(data, source)
    try:
        model = ScenarioModel.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ScenarioError(
            source, clip(error_location(error["loc"], data), 120), clip(pydantic_message(error))
        ) from None
    fmt = "json" if source.endswith(".json") else "yaml"
    try:
        return to_problem(model, Provenance(source=source, format=fmt))
    except InvalidProblem as exc:
        # Clipped: names and entries quoted from a hostile file may be huge.
        raise ScenarioError(source, clip(exc.field, 120), clip(exc.detail)) from None
