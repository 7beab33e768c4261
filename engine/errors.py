"""The phronesis exception hierarchy.

Every error a user can cause is a :class:`PhronesisError`; each subclass also inherits the
matching builtin so callers may catch either (``except ValueError`` still works).
Messages name the file and field, what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Iterable


class PhronesisError(Exception):
    """Base class of every error phronesis raises on purpose."""


class InvalidProblem(PhronesisError, ValueError):
    """A decision problem violates an invariant of the IR.

    ``field`` is the dotted path of the offending part (``variables.rain.cpt``);
    ``expected`` says what would have been valid.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.detail = message
        super().__init__(f"{field}: {message}")


class ScenarioError(PhronesisError, ValueError):
    """A scenario file cannot be read or does not describe a valid problem."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.detail = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


class DataError(ScenarioError):
    """A data file for learning cannot be read or does not match the model.

    ``source`` is the file, ``field`` the place in it (``row 7, column 'smoker'``).
    """


class EvidenceError(PhronesisError, ValueError):
    """Evidence names an unknown variable or state, or has probability zero."""


class PolicyError(PhronesisError, KeyError):
    """A policy or decision rule is unknown."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class BackendUnavailable(PhronesisError, ImportError):
    """A backend or optional dependency cannot be imported."""


class InferenceError(PhronesisError, RuntimeError):
    """Exact inference cannot answer a query (e.g. it would exceed the memory budget)."""


def listing(names: Iterable[object], limit: int = 8) -> str:
    """Names for a message, shortened: at most ``limit`` shown, then "… and N more", so an
    error line stays short however many states or variables there are.

    Examples
    --------
    >>> listing(["a", "b"])
    'a, b'
    >>> listing(range(1000), limit=3)
    '0, 1, 2, … and 997 more'
    """
    items = [str(n) for n in names]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])}, … and {len(items) - limit} more"


def quote(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for messages that quote user input.

    >>> quote("x" * 100, limit=10)
    "'xxxxxxxx… (102 characters)"
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"
