"""Checking and parsing evidence assignments against a problem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.errors import EvidenceError
from engine.ir import DecisionProblem


def check_evidence(
    problem: DecisionProblem, evidence: Mapping[str, str], *, allow_decision: bool = False
) -> dict[str, str]:
    """Return ``evidence`` as a plain dict, or raise naming the unknown variable or state."""
    checked: dict[str, str] = {}
    for variable, state in evidence.items():
        if variable == problem.decision.name and not allow_decision:
            raise EvidenceError(
                f"evidence names the decision {variable!r}; choose options with do(), "
                "not by observing them"
            )
        try:
            states = problem.states(variable)
        except KeyError:
            known = ", ".join(v.name for v in problem.variables)
            raise EvidenceError(
                f"evidence names unknown variable {variable!r}; expected one of: {known}"
            ) from None
        if state not in states:
            raise EvidenceError(
                f"evidence {variable}={state}: unknown state {state!r}; "
                f"expected one of: {', '.join(states)}"
            )
        checked[variable] = state
    return checked


def parse_evidence(assignments: Iterable[str]) -> dict[str, str]:
    """Parse ``["VAR=STATE", ...]`` (as given on the command line)."""
    parsed: dict[str, str] = {}
    for item in assignments:
        variable, sep, state = item.partition("=")
        if not sep or not variable.strip() or not state.strip():
            raise EvidenceError(f"evidence {item!r}: expected VAR=STATE")
        if variable.strip() in parsed:
            raise EvidenceError(f"evidence {item!r}: {variable.strip()!r} is given twice")
        parsed[variable.strip()] = state.strip()
    return parsed
