"""Reading a scenario document: bytes to a mapping (YAML with safe loading, or JSON), and the
locations that error messages name.

The file is untrusted input, so reading it is bounded: at most :data:`MAX_SCENARIO_BYTES` bytes
(the environment variable ``PHRONESIS_MAX_SCENARIO_BYTES`` raises it), strict UTF-8, nesting at
most :data:`MAX_DEPTH` deep, aliases expanding to at most :data:`MAX_ALIAS_NODES` nodes, no
duplicate keys, no YAML tags, no NaN/Infinity literals and no integers beyond float range. Each
refusal is a :class:`~engine.errors.ScenarioError` naming the file, the place and the fix.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import ScenarioError

MAX_SCENARIO_BYTES = 16 * 1024 * 1024
"""Largest scenario file read, in bytes; ``PHRONESIS_MAX_SCENARIO_BYTES`` overrides it."""
MAX_YAML_BYTES = 256 * 1024
"""Largest YAML scenario read by default: YAML is scanned and composed in pure Python (about
1 s per 100 KB here), JSON in C; ``PHRONESIS_MAX_SCENARIO_BYTES`` overrides both."""
MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted (aliases included)."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may add to a YAML document once expanded (refuses alias bombs)."""
_MAX_INT_DIGITS = 400  # longer integer literals are refused before conversion


class _Refused(Exception):
    """A hostile or malformed construct found while loading: ``where`` and what to do."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 4
_REPR.maxdict = 3
_REPR.maxlevel = 3


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to at most ``limit`` characters, so messages never quote huge input.

    Examples
    --------
    >>> short("x" * 100) == "'" + "x" * 27 + "..." + "x" * 28 + "'"
    True
    >>> short(10**400)
    '<an integer of about 401 digits>'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
    try:
        text = _REPR.repr(value)
    except ValueError:  # an integer too long to print, nested in a list
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(text: str, limit: int = 240) -> str:
    """``text`` cut in the middle to at most about ``limit`` characters (keeps start and end)."""
    if len(text) <= limit:
        return text
    head = (limit * 2) // 3
    tail = limit - head - 3
    return f"{text[:head]} … {text[-tail:]}"


def _line(mark: Any) -> str:
    return f"line {mark.line + 1}" if mark is not None else "<document>"


def _int_out_of_range(digits: str, where: str) -> NoReturn:
    raise _Refused(
        where,
        f"an integer of {len(digits)} characters is beyond the float range (about 1.8e308); "
        "write a smaller number",
    )


class _YamlLoader(yaml.SafeLoader):
    """A SafeLoader (no tags, so no code runs) that reads YAML 1.2 booleans — only true/false,
    so states named yes / no / on / off stay strings — and refuses hostile documents: nesting
    deeper than :data:`MAX_DEPTH`, aliases expanding past :data:`MAX_ALIAS_NODES` nodes or into
    a cycle, duplicate mapping keys, and integers beyond float range."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes once aliases are expanded
        self._heights: dict[int, int] = {}  # id(node) -> nesting height once expanded
        self._alias_nodes = 0
        self._checked: set[int] = set()  # mappings already checked for duplicate keys

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # Refused while scanning: thousands of open brackets would cost quadratic time.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(
                _line(self.get_mark()),
                f"nested more than {MAX_DEPTH} levels deep; flatten the structure",
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _Refused(
                    _line(mark),
                    "an alias refers to a collection that contains it (a cycle); "
                    "write the data out instead",
                )
            self._alias_nodes += self._sizes[id(node)]
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise _Refused(
                    _line(mark),
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (an alias bomb?); "
                    "write the data out or use fewer nested aliases",
                )
            if self._depth + self._heights[id(node)] > MAX_DEPTH:
                raise _Refused(
                    _line(mark),
                    f"an alias nests the document more than {MAX_DEPTH} levels deep; "
                    "flatten the structure",
                )
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                _line(self.peek_event().start_mark),
                f"nested more than {MAX_DEPTH} levels deep; flatten the structure",
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 1) for c in children)
        self._heights[id(node)] = 1 + max(
            (self._heights.get(id(c), 1) for c in children), default=0
        )
        return node

    def flatten_mapping(self, node: MappingNode) -> None:
        # Checked before merge keys (<<) are flattened in: merged keys may be overridden.
        if id(node) not in self._checked:
            self._checked.add(id(node))
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = self.construct_object(key_node)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # unhashable: the base constructor reports it
                    continue
                if first is not key_node:
                    raise _Refused(
                        _line(key_node.start_mark),
                        f"duplicate key {short(key)} (first at {_line(first.start_mark)}); "
                        "each key may appear once in a mapping",
                    )
        super().flatten_mapping(node)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(node.value)
        if len(text.replace("_", "")) > _MAX_INT_DIGITS:
            _int_out_of_range(text, _line(node.start_mark))
        value = super().construct_yaml_int(node)
        if abs(value) > sys.float_info.max:
            _int_out_of_range(text, _line(node.start_mark))
        return value


_YamlLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_YamlLoader.add_constructor("tag:yaml.org,2002:int", _YamlLoader.construct_yaml_int)


def _load_yaml(text: str) -> Any:
    loader = _YamlLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# A JSON string: brackets inside it do not nest (and it holds no raw newline).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _check_json_depth(text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before parsing (no recursion needed): the
    strings are blanked out (at C speed), then the depth is a running sum over the brackets."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    skeleton = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8"), dtype=np.uint8)
    opens = (skeleton == ord("[")) | (skeleton == ord("{"))
    closes = (skeleton == ord("]")) | (skeleton == ord("}"))
    depth = np.cumsum(opens.astype(np.int32) - closes.astype(np.int32))
    too_deep = np.flatnonzero(depth > MAX_DEPTH)
    if too_deep.size:
        line = int(np.count_nonzero(skeleton[: too_deep[0]] == ord("\n"))) + 1
        raise _Refused(
            f"line {line}", f"nested more than {MAX_DEPTH} levels deep; flatten the structure"
        )


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _Refused(
                "",
                f"duplicate key {short(key)} in a JSON object; each key may appear once",
            )
        data[key] = value
    return data


def _json_constant(name: str) -> NoReturn:
    raise _Refused("", f"{name} is not a valid JSON number; write a finite number instead")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        _int_out_of_range(text, "")
    value = int(text)
    if abs(value) > sys.float_info.max:
        _int_out_of_range(text, "")
    return value


def _load_json(text: str) -> Any:
    _check_json_depth(text)
    return json.loads(
        text, object_pairs_hook=_json_object, parse_constant=_json_constant, parse_int=_json_int
    )


def _byte_limit(source: str) -> int:
    raw = os.environ.get("PHRONESIS_MAX_SCENARIO_BYTES")
    if raw is None or not raw.strip():
        return MAX_SCENARIO_BYTES if source.lower().endswith(".json") else MAX_YAML_BYTES
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise ScenarioError(
            source,
            "",
            f"PHRONESIS_MAX_SCENARIO_BYTES must be a positive number of bytes, found {short(raw)}",
        )
    return limit


def _read_text(path: str | Path, source: str) -> str:
    """The file's text: at most the byte limit, strict UTF-8 (a leading BOM is dropped)."""
    limit = _byte_limit(source)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read file ({exc.strerror})") from None
    if len(raw) > limit:
        try:
            size = f"{os.stat(path).st_size:,} bytes"
        except OSError:
            size = f"more than {limit:,} bytes"
        raise ScenarioError(
            source,
            "",
            f"file is {size}, over the limit of {limit:,} bytes; if it is trusted, write it as "
            "JSON (read up to 16 MiB) or raise the limit with PHRONESIS_MAX_SCENARIO_BYTES",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            source,
            f"byte {exc.start}",
            f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}) "
            "cannot be decoded; save the file as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, str]:
    """Where and what of a YAML syntax error, without the snippet of input PyYAML quotes."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return (_line(mark) if mark else "", what or "syntax error")
    lines = str(exc).splitlines()
    return "", lines[0] if lines else "syntax error"


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON file into plain data, with a clear error if it is neither or if it
    is hostile (too big, not UTF-8, too deep, an alias bomb, duplicate keys, NaN literals,
    integers beyond float range)."""
    source = str(path)
    text = _read_text(path, source)
    is_json = Path(path).suffix.lower() == ".json"
    kind = "JSON" if is_json else "YAML"
    try:
        data = _load_json(text) if is_json else _load_yaml(text)
    except _Refused as exc:
        raise ScenarioError(source, exc.where, clip(exc.message)) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            source,
            f"line {exc.lineno}",
            clip(f"not valid JSON: {exc.msg} (column {exc.colno})"),
        ) from None
    except yaml.YAMLError as exc:
        where, what = _yaml_problem(exc)
        raise ScenarioError(source, where, clip(f"not valid YAML: {what}")) from None
    except (ValueError, RecursionError) as exc:  # backstops: the checks above should catch these
        raise ScenarioError(source, "", clip(f"not valid {kind}: {exc}")) from None
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
            label = name if isinstance(name, str | int) and len(str(name)) <= 60 else None
            parts[-1] += f"[{key}]" + (f"({label})" if label else "")
            node = item
        elif isinstance(node, dict) and (key in node or last):
            parts.append(str(key) if len(str(key)) <= 60 else short(key))
            node = node.get(key)
        elif last and not parts:
            parts.append(str(key) if len(str(key)) <= 60 else short(key))
    return ".".join(parts) or "<document>"


def pydantic_message(error: dict[str, Any]) -> str:
    found = error.get("input")
    if error["type"] == "extra_forbidden":
        return "unknown field; check its spelling against `phronesis schema`"
    if error["type"] == "missing":
        return "required field is missing"
    return clip(f"{error['msg'].lower()} (found {short(found)})")
