"""Checking and parsing evidence assignments against a problem."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine.errors import EvidenceError, listing, quote
from engine.ir.fields import MAX_MAGNITUDE
from engine.ir.problem import DecisionProblem


def check_evidence(
    problem: DecisionProblem, evidence: Mapping[str, Any], *, allow_decision: bool = False
) -> dict[str, Any]:
    """Return ``evidence`` as a plain dict, or raise naming the unknown variable or state.

    A continuous variable's observation is a number (or a string that parses as one, as on
    the command line) inside the support of its distribution; it is returned as a float.
    """
    checked: dict[str, Any] = {}
    continuous = {v.name: v.distribution for v in problem.continuous}
    for variable, state in evidence.items():
        if variable in continuous:
            checked[variable] = continuous_value(variable, continuous[variable], state)
            continue
        if variable == problem.decision.name and not allow_decision:
            raise EvidenceError(
                f"evidence names the decision {quote(variable)}; choose options with do(), "
                "not by observing them"
            )
        try:
            states = problem.states(variable)
        except KeyError:
            known = listing([v.name for v in problem.variables] + list(continuous))
            raise EvidenceError(
                f"evidence names unknown variable {quote(variable)}; expected one of: {known}"
            ) from None
        if state not in states:
            raise EvidenceError(
                f"evidence {variable}: unknown state {quote(state)}; "
                f"expected one of: {listing(states)}"
            )
        checked[variable] = state
    return checked


#: a number as written in evidence: optional sign, digits with an optional point, an exponent
#: (nan and inf parse, to be refused as outside the support; digit separators do not)
DECIMAL = re.compile(r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|infinity)", re.I)

#: open support interval of each continuous family
SUPPORT: dict[str, tuple[float, float]] = {
    "normal": (-math.inf, math.inf),
    "lognormal": (0.0, math.inf),
    "beta": (0.0, 1.0),
}


def continuous_value(variable: str, family: str, value: object) -> float:
    """A continuous observation as a float inside the family's open support, or EvidenceError."""
    x = _number(value)
    if x is None:
        raise EvidenceError(
            f"evidence {variable}={quote(value)}: {variable!r} is continuous; expected a number"
        )
    if math.isfinite(x) and abs(x) > MAX_MAGNITUDE:
        raise EvidenceError(
            f"evidence {variable}={quote(value)}: expected a magnitude <= {MAX_MAGNITUDE:g} "
            "(so densities and sums stay finite)"
        )
    low, high = SUPPORT[family]
    if not (low < x < high and math.isfinite(x)):
        raise EvidenceError(
            f"evidence {variable}={quote(value)}: outside the support ({low}, {high}) of its "
            f"{family} distribution"
        )
    return x


def _number(value: object) -> float | None:
    """``value`` as a float: a real number (not a bool), or a string written as a decimal
    number (``float`` alone would also read digit separators: ``"1_4"`` is 14)."""
    if isinstance(value, str):
        return float(value) if DECIMAL.fullmatch(value.strip()) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond float range
        return None


def parse_evidence(assignments: Iterable[str]) -> dict[str, str]:
    """Parse ``["VAR=STATE", ...]`` (as given on the command line)."""
    parsed: dict[str, str] = {}
    for item in assignments:
        variable, sep, state = item.partition("=")
        if not sep or not variable.strip() or not state.strip():
            raise EvidenceError(f"evidence {quote(item)}: expected VAR=STATE")
        if variable.strip() in parsed:
            raise EvidenceError(f"evidence {quote(item)}: {quote(variable.strip())} is given twice")
        parsed[variable.strip()] = state.strip()
    return parsed
