"""JSON data -> IR: the inverse of :func:`engine.ir.encode.encode`, derived from the same fields.

A node is rebuilt from its class's type hints (:func:`engine.ir.encode.schema`): a missing key
takes the field's default, unknown keys are ignored (``provenance`` inside content, ``kind`` on
a file), members of a union are told apart by their ``kind``. Values are only converted here;
the containers' constructors check them.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar

from engine.errors import InvalidProblem
from engine.ir.encode import KIND, KINDS, schema

T = TypeVar("T", bound="HashedContainer")
N = TypeVar("N")


class HashedContainer(Protocol):
    content_hash: str


def decoded(
    cls: type[T],
    fields: Callable[[type[T], dict[str, Any]], dict[str, Any]],
    data: dict[str, Any],
    kind: str,
) -> T:
    """``cls(**fields(cls, data))``, with malformed data reported as :class:`InvalidProblem` and
    a stored ``content_hash`` checked against the rebuilt content. The container class is passed
    in, so this module depends on the node types only (no import cycle with the containers)."""
    try:
        built = cls(**fields(cls, data))
    except (KeyError, TypeError) as exc:
        raise InvalidProblem("<json>", f"not a serialised {kind} ({exc!r})") from None
    check_hash(data, built.content_hash)
    return built


def decode(cls: type[N], data: dict[str, Any]) -> N:
    """Rebuild an IR dataclass from its JSON data.

    Examples
    --------
    >>> from engine.ir import Clause
    >>> decode(Clause, {"variable": "speed", "above": 30})
    Clause(variable='speed', states=(), above=30.0, below=None)
    """
    return cls(**constructor_args(cls, data))


def constructor_args(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``cls`` from its JSON data (defaults left to the class)."""
    args: dict[str, Any] = {}
    for slot in schema(cls):
        if slot.key in data:
            args[slot.name] = _decoder(slot.hint)(data[slot.key])
        elif slot.default is dataclasses.MISSING:
            raise KeyError(slot.key)
    return args


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """JSON data -> a value of type ``hint``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (float, int, bool):
        return hint  # coerced: JSON may hold 1 for 1.0
    if hint is str or origin is Literal:
        return _same  # the containers check names and literals, naming the field
    if dataclasses.is_dataclass(hint):
        return functools.partial(decode, hint)
    if origin is tuple and args[-1] is Ellipsis:
        item = _decoder(args[0])
        return lambda data: tuple(item(x) for x in data)
    if origin is tuple:
        items = tuple(_decoder(a) for a in args)
        return lambda data: tuple(f(x) for f, x in zip(items, data, strict=True))
    if origin in (typing.Union, types.UnionType):
        members = tuple(a for a in args if a is not type(None))
        if len(members) < len(args):
            inner = _decoder(functools.reduce(operator.or_, members))
            return lambda data: None if data is None else inner(data)
        if all(dataclasses.is_dataclass(m) for m in members):
            return _by_kind(members)
    raise TypeError(f"no JSON form for fields of type {hint!r}")


def _by_kind(members: tuple[type, ...]) -> Callable[[dict[str, Any]], Any]:
    """Decode a union of dataclasses by the ``kind`` key: a member's constant kind
    (:data:`~engine.ir.encode.KINDS`) or the values of its ``Literal`` field written there."""
    by_kind: dict[str, type] = {}
    for member in members:
        kinds = [KINDS[member.__name__]] if member.__name__ in KINDS else []
        for slot in schema(member):
            if slot.key == KIND and typing.get_origin(slot.hint) is Literal:
                kinds.extend(typing.get_args(slot.hint))
        for kind in kinds:
            assert kind not in by_kind, f"kind {kind!r} names two members of {members}"
            by_kind[kind] = member

    def decode_member(data: dict[str, Any]) -> Any:
        kind = data.get(KIND)
        if kind not in by_kind:
            raise KeyError(f"{KIND} {kind!r} is not one of {sorted(by_kind)}")
        return decode(by_kind[kind], data)

    return decode_member


def _same(data: Any) -> Any:
    return data


def check_hash(data: dict[str, Any], actual: str) -> None:
    stored = data.get("provenance", {}).get("content_hash")
    if stored and stored != actual:
        raise InvalidProblem(
            "provenance.content_hash",
            f"stored hash {stored[:12]}… does not match the content ({actual[:12]}…);"
            " the file was edited after it was written — drop the hash or regenerate it",
        )


# -- the names the containers and influence diagrams import ---------------------------------

#: Constructor arguments of a DecisionProblem / BayesianNetwork (the class is passed in).
