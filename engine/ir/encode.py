"""IR -> JSON data (the content that is hashed and written); :mod:`engine.ir.decode` inverts it.

The JSON form is derived from the dataclass fields: each field is written under its name, its
value by its type hint (tuples as lists, nested dataclasses as objects, ``float`` fields as
floats, so ``1`` and ``1.0`` hash alike). The few exceptions are the tables below, declared once
for the encoder, the decoder and the schema test. ``init=False`` fields (``content_hash``,
caches) are derived, never written.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from engine.ir.nodes import Provenance

#: class -> fields written only when they differ from their default. Each was added after the
#: foundation; leaving it out at its default keeps the content (and hash) of a problem that does
#: not use it unchanged. Keyed by class name: the containers import this module.
OMIT_AT_DEFAULT: dict[str, frozenset[str]] = {
    "DecisionProblem": frozenset(
        {"uncertainty", "continuous", "logistic", "conflicts", "conflict_threshold"}
    ),
    "BayesianNetwork": frozenset({"continuous", "logistic"}),
    "ValueDimension": frozenset({"linear"}),
    "Policy": frozenset({"abstraction", "cases", "tolerance", "confidence"}),
    "Clause": frozenset({"above", "below"}),
    "Norm": frozenset({"unless", "violated"}),
    "Theory": frozenset({"double_effect"}),
}

#: The key that tells the members of a union apart (and names the kind of a file).
KIND = "kind"

#: (class, field) -> the key the field is written under, where it is not the field's name.
RENAMED: dict[tuple[str, str], str] = {("UtilityUncertainty", "distribution"): KIND}

#: class -> a constant written under :data:`KIND` (for classes with no field written there).
KINDS: dict[str, str] = {"CPTUncertainty": "dirichlet", "InfluenceDiagram": "influence_diagram"}

#: Fields that are not content: written beside it by ``to_dict``, never hashed.
NOT_CONTENT = frozenset({"provenance"})


class Slot(NamedTuple):
    """One constructor field of an IR class, as the JSON form sees it."""

    name: str
    key: str
    hint: Any
    default: Any  # dataclasses.MISSING when the field is required
    omit_default: bool
    content: bool


@functools.cache
def schema(cls: type) -> tuple[Slot, ...]:
    """The constructor fields of a frozen IR dataclass with their JSON keys and rules."""
    hints = typing.get_type_hints(cls)
    omitted = OMIT_AT_DEFAULT.get(cls.__name__, frozenset())
    return tuple(
        Slot(
            f.name,
            RENAMED.get((cls.__name__, f.name), f.name),
            hints[f.name],
            f.default if f.default_factory is dataclasses.MISSING else f.default_factory(),
            f.name in omitted,
            f.name not in NOT_CONTENT,
        )
        for f in dataclasses.fields(cls)
        if f.init
    )


def encode(node: Any) -> dict[str, Any]:
    """The content of an IR dataclass as plain JSON data (its provenance excluded).

    Examples
    --------
    >>> from engine.ir import Clause
    >>> encode(Clause("speed", above=30))
    {'variable': 'speed', 'states': [], 'above': 30.0}
    """
    return _writer(type(node))(node)


@functools.cache
def _writer(cls: type) -> Callable[[Any], dict[str, Any]]:
    """:func:`encode` for one class, its fields' encoders looked up once (content is encoded at
    every construction)."""
    tag = {KIND: KINDS[cls.__name__]} if cls.__name__ in KINDS else {}
    parts = [
        (s.name, s.key, _encoder(s.hint), s.omit_default, s.default)
        for s in schema(cls)
        if s.content
    ]

    def write(node: Any) -> dict[str, Any]:
        data = dict(tag)
        for name, key, encoder, omit_default, default in parts:
            value = getattr(node, name)
            if not (omit_default and value == default):
                data[key] = encoder(value)
        return data

    return write


@functools.cache
def _encoder(hint: Any) -> Callable[[Any], Any]:
    """value -> JSON data, for a value of type ``hint``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (float, int, bool):
        return hint  # coerced: a float field written from an int hashes like 1.0
    if hint is str or origin is Literal:
        return _same
    if dataclasses.is_dataclass(hint):
        return encode
    if origin is tuple and args[-1] is Ellipsis:
        item = _encoder(args[0])
        return list if item is _same else lambda value: [item(x) for x in value]
    if origin is tuple:
        items = tuple(_encoder(a) for a in args)
        return lambda value: [f(x) for f, x in zip(items, value, strict=True)]
    if origin in (typing.Union, types.UnionType):
        members = tuple(a for a in args if a is not type(None))
        if len(members) < len(args):
            inner = _encoder(functools.reduce(operator.or_, members))
            return lambda value: None if value is None else inner(value)
        if all(dataclasses.is_dataclass(m) for m in members):
            return encode  # each value is one member; KINDS / RENAMED tell them apart on read
    raise TypeError(f"no JSON form for fields of type {hint!r}")


def _same(value: Any) -> Any:
    return value


# -- the names the containers and engine.ir export ------------------------------------------


def provenance_dict(provenance: Provenance) -> dict[str, Any]:
    return encode(provenance)
