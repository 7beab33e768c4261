"""Identity by content: the SHA-256 of a canonical JSON encoding, shared by every IR container."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Self

from engine.ir.decode import constructor_args, decoded
from engine.ir.encode import encode, provenance_dict
from engine.ir.nodes import Provenance


class ContentHashed:
    """Identity by content: equal iff the SHA-256 content hashes and the provenance are equal.

    For frozen dataclasses declared with ``eq=False`` (so these methods are not replaced) that
    set ``content_hash`` with :func:`content_digest` at construction.
    """

    __slots__ = ()
    content_hash: str
    provenance: Provenance

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.content_hash == other.content_hash and self.provenance == other.provenance

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def content(self) -> dict[str, Any]:
        """Everything that defines this object's meaning, as JSON data (no provenance)."""
        return encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Rebuild from :meth:`to_dict` data; a stored content hash must match the content."""
        return decoded(cls, constructor_args, data, cls.__name__)

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict[str, Any]:
        """The content plus provenance (with the content hash, checked when read back)."""
        provenance = {**provenance_dict(self.provenance), "content_hash": self.content_hash}
        return {**self.content(), "provenance": provenance}

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, allow_nan=False)


def content_digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` (sorted keys, no spaces, no NaN)."""
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
