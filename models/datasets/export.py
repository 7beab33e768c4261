"""Writing an import to a folder: one scenario JSON per problem and a manifest.

Layout of ``out``::

    manifest.json          dataset, source file (name, bytes, sha256), counts, skipped rows with
                           reasons, and per problem: file, row id, line, labels
    problems/<row id>.json the problem as a scenario document (``phronesis decide`` reads it)

Row ids become file names with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``;
two ids that collide after replacement get ``-2``, ``-3``, ... in row order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.errors import DataError
from models.datasets.source import ImportResult

MANIFEST = "manifest.json"


def _file_name(row_id: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]", "_", row_id).strip(".") or "row"
    name, k = base, 1
    while name.lower() in used:
        k += 1
        name = f"{base}-{k}"
    used.add(name.lower())
    return f"{name}.json"


def manifest(results: Sequence[ImportResult], files: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The manifest of ``results`` (one per source file), the problems written to ``files``."""
    sources = []
    for result, names in zip(results, files, strict=True):
        data = Path(result.source).read_bytes()
        sources.append(
            {
                "file": Path(result.source).name,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": result.rows,
                "imported": len(result.problems),
                "skipped": [
                    {"row_id": s.row_id, "line": s.line, "reason": s.reason} for s in result.skipped
                ],
                "problems": [
                    {
                        "file": f"problems/{name}",
                        "row_id": item.row_id,
                        "line": item.line,
                        "labels": item.labels,
                    }
                    for item, name in zip(result.problems, names, strict=True)
                ],
            }
        )
    return {
        "dataset": results[0].dataset if results else "",
        "imported": sum(len(r.problems) for r in results),
        "skipped": sum(len(r.skipped) for r in results),
        "sources": sources,
    }


def write_import(results: Sequence[ImportResult], out: Path) -> Path:
    """Write the problems of ``results`` and their manifest into ``out``; return the
    manifest's path."""
    folder = out / "problems"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        files = []
        for result in results:
            names = []
            for item in result.problems:
                name = _file_name(item.row_id, used)
                text = json.dumps(item.document, indent=1, allow_nan=False, ensure_ascii=False)
                (folder / name).write_text(text + "\n", encoding="utf-8")
                names.append(name)
            files.append(names)
        path = out / MANIFEST
        document = manifest(results, files)
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise DataError(str(out), "", f"cannot write the import ({exc.strerror})") from None
    return path
