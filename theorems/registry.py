"""Properties as data: a registry of named properties, like the decision rules' registry.

A :class:`Property` has a name, a one-paragraph statement (what "proved" means), and two
functions: ``check(task) -> Certificate`` picks the cheapest sound method it has and reports
which; ``recheck(task, certificate) -> Recheck`` re-validates a certificate independently of
how it was produced (re-deciding the counterexample, re-running the SMT query, re-hashing the
table). A user adds a property with :func:`register_property`::

    register_property(Property("never_stop", "The option 'stop' is never chosen.", check, recheck))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import PhronesisError, listing
from theorems.certificate import Certificate
from theorems.task import Task


class PropertyError(PhronesisError, ValueError):
    """An unknown property name, or a property that cannot be checked on this problem."""


@dataclass(frozen=True, slots=True)
class Recheck:
    """Whether a certificate stands: ``ok`` and, when not, why (one line)."""

    ok: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Property:
    """A named property of a problem's decision function (see the module docstring).
    ``needs`` names task parameters without which the property does not apply (e.g.
    ``"labels"`` for alignment); :func:`applicable` skips it then."""

    name: str
    statement: str
    check: Callable[[Task], Certificate]
    recheck: Callable[[Task, Certificate], Recheck]
    needs: tuple[str, ...] = ()


PROPERTIES: dict[str, Property] = {}


def register_property(prop: Property, *, replace: bool = False) -> Property:
    """Add ``prop`` to the registry (``replace=True`` to overwrite a name)."""
    if prop.name in PROPERTIES and not replace:
        raise PropertyError(f"a property named {prop.name!r} is already registered")
    PROPERTIES[prop.name] = prop
    return prop


def get_property(name: str) -> Property:
    try:
        return PROPERTIES[name]
    except KeyError:
        raise PropertyError(
            f"unknown property {name!r}; expected one of {listing(sorted(PROPERTIES))}"
        ) from None


def applicable(task: Task) -> list[Property]:
    """The registered properties whose needs the task's parameters meet, in name order."""
    return [p for _, p in sorted(PROPERTIES.items()) if all(n in task.parameters for n in p.needs)]
