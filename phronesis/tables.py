"""Many decisions in and out as tables: evidence rows (and per-row credences) from CSV, a
:class:`~engine.kernel.batch.DecisionBatch` to Arrow, Parquet, CSV or pandas.

An evidence file has a header of variable names (an empty cell: not observed) and, for agents
with their own beliefs, one ``credence:THEORY`` column per theory (each row summing to 1).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import DataError, EvidenceError, listing
from engine.ir import DecisionProblem

if TYPE_CHECKING:
    import pyarrow

    from engine.kernel.batch import DecisionBatch

CREDENCE = "credence:"
#: the largest evidence file read (bytes); PHRONESIS_MAX_SCENARIO_BYTES does not apply here
MAX_EVIDENCE_BYTES = 2 * 1024**3


def read_evidence_table(
    problem: DecisionProblem, path: str | Path
) -> tuple[list[dict[str, str]], np.ndarray | None]:
    """Evidence rows and, when the file has ``credence:THEORY`` columns, credences
    (rows x theories, in the problem's theory order)."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_EVIDENCE_BYTES:
            raise DataError(source, "", f"file is {size:,} bytes, over {MAX_EVIDENCE_BYTES:,}")
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise DataError(source, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DataError(source, "", f"not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        records = [(reader.line_num, row) for row in reader if row]  # a blank line is no row
    except csv.Error as exc:
        raise DataError(source, f"line {reader.line_num}", f"malformed CSV ({exc})") from None
    if not header:
        raise DataError(source, "header", "expected a header of variable names")
    variables = {v.name for v in problem.variables}
    theories = [t.name for t in problem.theories]
    credence_columns = {}
    for k, column in enumerate(header):
        if column.startswith(CREDENCE) and column[len(CREDENCE) :] in theories:
            credence_columns[column[len(CREDENCE) :]] = k
        elif column not in variables:
            raise DataError(
                source,
                "header",
                f"unknown column {column!r}; expected variable names ({listing(sorted(variables))})"
                f" or credence:THEORY ({listing(theories)})",
            )
    if credence_columns and len(credence_columns) != len(theories):
        missing = [t for t in theories if t not in credence_columns]
        raise DataError(source, "header", f"no credence column for {listing(missing)}")
    rows: list[dict[str, str]] = []
    credences = np.zeros((len(records), len(theories))) if credence_columns else None
    for n, (line, record) in enumerate(records):
        if len(record) != len(header):
            raise DataError(
                source, f"line {line}", f"expected {len(header)} cells, found {len(record)}"
            )
        row = {}
        for column, cell in zip(header, record, strict=True):
            if cell.strip() and not column.startswith(CREDENCE):
                row[column] = cell.strip()
        rows.append(row)
        if credences is not None:
            for t, theory in enumerate(theories):
                credences[n, t] = _number(source, line, record[credence_columns[theory]])
    if not rows:
        raise DataError(source, "", "no evidence rows after the header")
    return rows, credences


def _number(source: str, line: int, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise DataError(
            source, f"line {line}", f"expected a credence, found {cell[:40]!r}"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise DataError(source, f"line {line}", f"expected a credence in [0, 1], found {value}")
    return value


def to_arrow(batch: DecisionBatch) -> pyarrow.Table:
    """The batch as an Arrow table: one row per decision (:meth:`DecisionBatch.columns`)."""
    import pyarrow

    return pyarrow.table(batch.columns())


def to_pandas(batch: DecisionBatch) -> Any:
    """The batch as a pandas DataFrame."""
    return to_arrow(batch).to_pandas()


def write_decisions(batch: DecisionBatch, path: str | Path) -> None:
    """Write the batch as Parquet (``.parquet``) or CSV (``.csv``)."""
    write_table(to_arrow(batch), path)


def write_table(table: pyarrow.Table, path: str | Path) -> None:
    """Write an Arrow table as Parquet (``.parquet``) or CSV (``.csv``)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet

        pyarrow.parquet.write_table(table, str(path))
    elif suffix == ".csv":
        import pyarrow.csv

        pyarrow.csv.write_csv(table, str(path))
    else:
        raise EvidenceError(f"--out {path}: expected a .parquet or .csv file name")
