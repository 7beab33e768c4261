"""Verified decision tables as files: JSON (for people), ``.npz`` (arrays for programs), the
certificates as a JSON list, and a folder with all of them and the C header.

The JSON extends the shape of :class:`engine.analyses.decision_table.DecisionTable`
(``problem_hash``, ``observables``, ``settings``, ``entries`` of ``{"evidence", "option",
"reason"}``, ``"*"`` = not observed), so ``DecisionTable.from_json`` reads it too, and adds
``format``, ``problem``, ``states``, ``options``, ``assignments``, ``table_sha256`` and the
full ``certificates``. The ``.npz`` holds ``chosen`` (int16, -1 = abstain), ``abstention``
(int8), ``options``, ``observables``, ``states`` (flat) with ``state_counts``, and
``metadata`` (a JSON string: format, problem hash and name, settings, digest, certificates).
Reading either checks the file's shape and the table's invariants; whether it is the table of
a given problem is :func:`theorems.tables.verified.recheck_table`.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EvidenceError
from theorems.certificate import Certificate, CertificateError
from theorems.tables.c_header import write_header
from theorems.tables.verified import (
    UNOBSERVED,
    TableError,
    VerifiedTable,
    abstention_code,
    abstention_reason,
)

FORMAT = "phronesis-verified-table/1"
#: the files :func:`write_table_folder` writes
FOLDER_FILES = ("table.json", "table.npz", "table.h", "certificates.json")


def table_dict(table: VerifiedTable) -> dict[str, Any]:
    """The JSON object of ``table`` (see the module docstring)."""
    options = [*table.options, None]
    reasons = {int(c): abstention_reason(int(c)) for c in np.unique(table.abstention)}
    labels = [[*states, UNOBSERVED] for states in table.states]
    numbers = np.arange(table.size, dtype=np.int64)
    digits = np.unravel_index(numbers, table.radices) if labels else ()
    columns = [
        [names[d] for d in column.tolist()] for names, column in zip(labels, digits, strict=True)
    ]
    keys = zip(*columns, strict=True) if columns else [()] * table.size
    entries = [
        {
            "evidence": dict(zip(table.observables, key, strict=True)),
            "option": options[a],
            "reason": reasons[code],
        }
        for key, a, code in zip(keys, table.chosen.tolist(), table.abstention.tolist(), strict=True)
    ]
    return {
        "format": FORMAT,
        "problem": table.problem_name,
        "problem_hash": table.problem_hash,
        "observables": list(table.observables),
        "states": {v: list(s) for v, s in zip(table.observables, table.states, strict=True)},
        "options": list(table.options),
        "settings": dict(table.settings),
        "assignments": table.size,
        "table_sha256": table.digest,
        "certificates": [c.to_dict() for c in table.certificates],
        "entries": entries,
    }


def write_json(table: VerifiedTable, path: str | Path) -> Path:
    """Write ``table`` as JSON: the header indented, then one entry per line in assignment
    order."""
    path = Path(path)
    data = table_dict(table)
    entries = data.pop("entries")
    head = json.dumps(data, indent=2, allow_nan=False)
    assert head.endswith("\n}")
    # one entry per line: readable, and json's C encoder (indenting is ~10x slower)
    lines = ",\n    ".join(json.dumps(e, allow_nan=False) for e in entries)
    path.write_text(f'{head[:-2]},\n  "entries": [\n    {lines}\n  ]\n}}\n', "utf-8")
    return path


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...], source: str) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise TableError(f"{source}: field {name!r} is missing or malformed")
    return value


def _names(value: Any, name: str, source: str) -> tuple[str, ...]:
    """A JSON list of distinct strings, or :class:`TableError` naming the field."""
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) for v in value)
        or len(set(value)) != len(value)
    ):
        raise TableError(f"{source}: field {name!r} must be a list of distinct names")
    return tuple(value)


def _certificates(items: Any, source: str) -> tuple[Certificate, ...]:
    if not isinstance(items, list):
        raise TableError(f"{source}: field 'certificates' must be a list")
    try:
        return tuple(
            Certificate.from_dict(c, f"{source}: certificates[{i}]") for i, c in enumerate(items)
        )
    except CertificateError as exc:
        raise TableError(str(exc)) from None


def read_json(path: str | Path) -> VerifiedTable:
    """A table written by :func:`write_json`; entries must be in assignment order."""
    path = Path(path)
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{source}: cannot read the table ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TableError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TableError(f"{source}: field 'format' is not {FORMAT!r} — not a verified table")
    observables = _names(data.get("observables"), "observables", source)
    states_by_name = _field(data, "states", dict, source)
    if set(states_by_name) != set(observables):
        raise TableError(f"{source}: field 'states' must name exactly the observables")
    states = tuple(_names(states_by_name[v], f"states.{v}", source) for v in observables)
    options = _names(data.get("options"), "options", source)
    entries = _field(data, "entries", list, source)
    position = {o: a for a, o in enumerate(options)}
    chosen = np.empty(len(entries), dtype=np.int16)
    abstention = np.empty(len(entries), dtype=np.int8)
    evidence: list[dict[str, str]] = []
    for k, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("evidence"), dict):
            raise TableError(f"{source}: entries[{k}] must be an object with 'evidence'")
        option = entry.get("option")
        if option is not None and (not isinstance(option, str) or option not in position):
            raise TableError(f"{source}: entries[{k}].option {option!r} is not an option")
        chosen[k] = -1 if option is None else position[option]
        try:
            abstention[k] = abstention_code(entry.get("reason"))
        except TableError as exc:
            raise TableError(f"{source}: entries[{k}].reason: {exc}") from None
        evidence.append(entry["evidence"])
    table = _table(
        source,
        problem_hash=_field(data, "problem_hash", str, source),
        problem_name=_field(data, "problem", str, source),
        observables=observables,
        states=states,
        options=options,
        settings=_field(data, "settings", dict, source),
        chosen=chosen,
        abstention=abstention,
        digest=_field(data, "table_sha256", str, source),
        certificates=_certificates(data.get("certificates"), source),
    )
    for k, row in enumerate(evidence):
        try:
            in_order = set(row) == set(observables) and table.number(row) == k
        except EvidenceError:
            in_order = False
        if not in_order:
            raise TableError(f"{source}: entries[{k}].evidence is not assignment {k}")
    return table


def _table(source: str, **fields: Any) -> VerifiedTable:
    """A :class:`VerifiedTable` whose invariant errors name ``source``."""
    try:
        return VerifiedTable(**fields)
    except TableError as exc:
        raise TableError(f"{source}: {exc}".replace(": table:", ":")) from None


def _metadata(table: VerifiedTable) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "problem": table.problem_name,
        "problem_hash": table.problem_hash,
        "settings": dict(table.settings),
        "table_sha256": table.digest,
        "certificates": [c.to_dict() for c in table.certificates],
    }


def write_npz(table: VerifiedTable, path: str | Path) -> Path:
    """Write ``table`` as a compressed ``.npz`` (see the module docstring); no pickles."""
    path = Path(path)
    flat = [s for states in table.states for s in states]
    with path.open("wb") as stream:
        np.savez_compressed(
            stream,
            chosen=table.chosen,
            abstention=table.abstention,
            options=np.array(table.options, dtype=np.str_),
            observables=np.array(table.observables, dtype=np.str_),
            states=np.array(flat, dtype=np.str_),
            state_counts=np.array([len(s) for s in table.states], dtype=np.int64),
            metadata=np.array(json.dumps(_metadata(table), sort_keys=True, allow_nan=False)),
        )
    return path


NPZ_ARRAYS = ("chosen", "abstention", "options", "observables", "states", "state_counts")


def read_npz(path: str | Path) -> VerifiedTable:
    """A table written by :func:`write_npz` (read without unpickling anything)."""
    path = Path(path)
    source = str(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in (*NPZ_ARRAYS, "metadata") if k not in npz.files]
            if missing:
                raise TableError(
                    f"{source}: array {missing[0]!r} is missing (not a verified table)"
                )
            arrays = {k: npz[k] for k in (*NPZ_ARRAYS, "metadata")}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(f"{source}: cannot read the table ({exc})") from None
    try:
        meta = json.loads(str(arrays["metadata"]))
    except json.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise TableError(f"{source}: 'metadata' is not a {FORMAT!r} header")
    counts = [int(c) for c in arrays["state_counts"]]
    flat = [str(s) for s in arrays["states"]]
    observables = tuple(str(v) for v in arrays["observables"])
    if sum(counts) != len(flat) or len(counts) != len(observables) or min(counts, default=1) < 1:
        raise TableError(f"{source}: 'states' and 'state_counts' do not match the observables")
    ends = np.cumsum([0, *counts])
    return _table(
        source,
        problem_hash=_field(meta, "problem_hash", str, source),
        problem_name=_field(meta, "problem", str, source),
        observables=observables,
        states=tuple(tuple(flat[a:b]) for a, b in zip(ends[:-1], ends[1:], strict=True)),
        options=tuple(str(o) for o in arrays["options"]),
        settings=_field(meta, "settings", dict, source),
        chosen=arrays["chosen"],
        abstention=arrays["abstention"],
        digest=_field(meta, "table_sha256", str, source),
        certificates=_certificates(meta.get("certificates"), source),
    )


def write_certificates(certificates: Iterable[Certificate], path: str | Path) -> Path:
    """Write certificates as a JSON list (each as :meth:`Certificate.to_dict`)."""
    path = Path(path)
    items = [c.to_dict() for c in certificates]
    path.write_text(json.dumps(items, indent=2, sort_keys=True, allow_nan=False) + "\n", "utf-8")
    return path


def read_certificates(path: str | Path) -> tuple[Certificate, ...]:
    """The certificates of a file written by :func:`write_certificates`."""
    path = Path(path)
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{path}: cannot read the certificates ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TableError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return _certificates(items, str(path))


def write_table_folder(
    table: VerifiedTable, folder: str | Path, prefix: str = "phronesis"
) -> list[Path]:
    """Write :data:`FOLDER_FILES` into ``folder`` (created if needed): the table as JSON,
    ``.npz`` and C header (symbols starting with ``prefix``) and its certificates."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TableError(f"{folder}: cannot create the output folder ({exc})") from None
    json_file, npz_file, header_file, certificates_file = (folder / f for f in FOLDER_FILES)
    return [
        write_json(table, json_file),
        write_npz(table, npz_file),
        write_header(table, header_file, prefix),
        write_certificates(table.certificates, certificates_file),
    ]
