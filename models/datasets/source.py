"""The input boundary shared by the dataset adapters: a CSV file read with a size limit into
numbered rows, and the records an import returns (problems with provenance, skipped rows with
their reasons).

Every adapter turns one file into an :class:`ImportResult`. A malformed row raises
:class:`~engine.errors.DataError` naming the file, the row (its line in the file) and the
column; with ``skip_bad=True`` the row is recorded in :attr:`ImportResult.skipped` instead, so
nothing is dropped silently: ``len(problems) + len(skipped)`` is the number of data rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import DataError, InvalidProblem, listing
from engine.ir import DecisionProblem
from engine.ir.nodes import Provenance

#: the largest dataset file read (bytes); the shipped files are below 1 MB
MAX_DATASET_BYTES = 256 * 1024**2


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line in the file (1 = the header) and its cells by column."""

    line: int
    cells: Mapping[str, str]
    error: str = ""  # why the row cannot be read (e.g. a wrong number of cells)


@dataclass(frozen=True, slots=True)
class Imported:
    """A decision problem built from one row, with its scenario document (what
    ``phronesis data import`` writes) and its provenance: ``dataset``, ``row_id`` (the
    dataset's own identifier) and ``line`` (where the row starts in ``source``).
    ``labels`` holds the row's annotations a study compares against (never used to build
    the problem's choice)."""

    problem: DecisionProblem
    document: Mapping[str, Any]
    dataset: str
    row_id: str
    source: str
    line: int
    labels: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row that was not imported (only with ``skip_bad``), and why."""

    row_id: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one file gave: the problems, the skipped rows, and the number of data rows read
    (``rows == len(problems) + len(skipped)``, checked at construction)."""

    dataset: str
    source: str
    problems: tuple[Imported, ...]
    skipped: tuple[Skipped, ...]
    rows: int

    def __post_init__(self) -> None:
        assert self.rows == len(self.problems) + len(self.skipped), "a row was dropped"


def read_text(path: str | Path) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark removed), or a one-line DataError."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_DATASET_BYTES:
            raise DataError(source, "", f"file is {size:,} bytes, over {MAX_DATASET_BYTES:,}")
        return Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(source, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DataError(source, "", f"not UTF-8 (byte {exc.start}); save it as UTF-8") from None


def read_rows(path: str | Path, required: tuple[str, ...]) -> Iterator[Row]:
    """The data rows of the CSV file ``path``, whose header must hold ``required``.

    Quoted cells may span lines; :attr:`Row.line` is the line a row starts on. A row with more
    or fewer cells than the header carries :attr:`Row.error` (:func:`import_rows` raises it or
    skips the row).
    """
    source = str(path)
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise DataError(source, "header", f"malformed CSV ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(
            source,
            "header",
            f"missing column(s) {listing(missing)}; expected a header with {listing(required)}",
        )
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(source, f"row at line {start}", f"malformed CSV ({exc})") from None
        if cells:  # a blank line is no row
            if len(cells) != len(header):
                error = f"expected {len(header)} cells (one per header column), found {len(cells)}"
                padded = (cells + [""] * len(header))[: len(header)]
                yield Row(start, dict(zip(header, padded, strict=True)), error)
            else:
                yield Row(start, dict(zip(header, cells, strict=True)))
        start = reader.line_num + 1


def import_rows(
    dataset: str,
    path: str | Path,
    rows: Iterator[Row] | list[Row],
    build: Callable[[Row], Imported],
    row_id: Callable[[Row], str],
    *,
    skip_bad: bool,
) -> ImportResult:
    """Apply ``build`` to every row; a DataError stops the import unless ``skip_bad``, which
    records the row as :class:`Skipped` with the error's message. Duplicate row ids are errors
    too (a second problem with the same id would overwrite the first on export)."""
    problems: list[Imported] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    count = 0
    for row in rows:
        count += 1
        try:
            rid = row_id(row)
            if row.error:
                raise DataError(str(path), f"row at line {row.line}", row.error)
            if rid in seen:
                raise DataError(str(path), f"row at line {row.line}", f"duplicate id {rid!r}")
            problems.append(build(row))
            seen.add(rid)
        except DataError as exc:
            if not skip_bad:
                raise
            skipped.append(Skipped(row_id(row), row.line, str(exc)))
    return ImportResult(dataset, str(path), tuple(problems), tuple(skipped), count)


def cell(path: str | Path, row: Row, column: str, allowed: tuple[str, ...] = ()) -> str:
    """The stripped cell ``column`` of ``row``: non-empty, and one of ``allowed`` when given."""
    value = row.cells[column].strip()
    where = f"row at line {row.line}, column {column!r}"
    if not value:
        raise DataError(str(path), where, "empty cell; expected a value")
    if allowed and value not in allowed:
        raise DataError(
            str(path), where, f"found {value!r}; expected one of {listing(map(repr, allowed))}"
        )
    return value


def problem_from_document(
    document: Mapping[str, Any], dataset: str, source: str, row: Row
) -> DecisionProblem:
    """Validate a scenario document built from ``row`` into the IR, with the provenance
    ``dataset:source#line``. The adapters build documents from checked cells, so a failure
    here names the row and the scenario field."""
    from pydantic import ValidationError

    from engine.scenario.lower import to_problem
    from engine.scenario.models import ScenarioModel

    provenance = Provenance(source=f"{source}#line={row.line}", format=dataset)
    try:
        return to_problem(ScenarioModel.model_validate(document), provenance)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise DataError(source, f"row at line {row.line}, field {where}", error["msg"]) from None
    except InvalidProblem as exc:
        raise DataError(source, f"row at line {row.line}, field {exc.field}", exc.detail) from None
