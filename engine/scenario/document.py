"""Reading a scenario document: bytes to a mapping (YAML with safe loading, or JSON), and the
locations that error messages name."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from engine.errors import ScenarioError


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so states named yes / no / on / off stay strings."""


_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file into plain data, with a clear error if it is neither."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    try:
        if Path(path).suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_YamlLoader)  # a SafeLoader subclass
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if Path(path).suffix.lower() == ".json" else "YAML"
        raise ScenarioError(source, "", f"not valid {kind}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ScenarioError(
            source, "", f"expected a mapping at the top level, found {type(data).__name__}"
        )
    return data


def error_location(loc: Sequence[Any], data: Any) -> str:
    """Pydantic's location as ``variables[2](rain).cpt``, naming list items by their name.

    Keys that do not index into the document (pydantic's union and validator tags) are dropped;
    the last key is kept even when missing from the data (a required field).
    """
    parts: list[str] = []
    node = data
    for position, key in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            item = node[key]
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{key}]" + (f"({name})" if name else "")
            node = item
        elif isinstance(node, dict) and (key in node or last):
            parts.append(str(key))
            node = node.get(key)
        elif last and not parts:
            parts.append(str(key))
    return ".".join(parts) or "<document>"


def pydantic_message(error: dict[str, Any]) -> str:
    found = error.get("input")
    if error["type"] == "extra_forbidden":
        return "unknown field; check its spelling against `phronesis schema`"
    if error["type"] == "missing":
        return "required field is missing"
    return f"{error['msg'].lower()} (found {found!r})"
