"""Reading tables of observations (CSV) for learning, with errors that name the row and column.

One job: turn a delimited text file into validated columns of strings. What the columns mean
(variables and states, or pairwise choices) is checked by the learner that reads them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DataError, listing
from models.formats.network_checks import shown


@dataclass(frozen=True, slots=True)
class Table:
    """A rectangular table of strings read from ``source``.

    ``lines[i]`` is the 1-based line of the file on which data row ``i`` starts, so errors can
    point at it.
    """

    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]

    def column(self, name: str) -> tuple[str, ...]:
        j = self.columns.index(name)
        return tuple(row[j] for row in self.rows)


def read_table(
    path: str | Path,
    *,
    delimiter: str = ",",
    header: bool = True,
    columns: tuple[str, ...] | None = None,
) -> Table:
    """Read a delimited file; every row must have as many cells as the header.

    With ``header=False`` the column names come from ``columns``. Cells are stripped of
    surrounding white space; an empty cell is an error (missing values are not supported yet).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("rain,wet\\nyes,yes\\nno,no\\n")
    >>> read_table(f.name).rows
    (('yes', 'yes'), ('no', 'no'))
    >>> os.unlink(f.name)
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(source, "", f"cannot read the file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            source, f"line {line}", f"not UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(reader.line_num, row) for row in reader if row]
    except csv.Error as exc:
        raise DataError(source, f"line {reader.line_num}", f"malformed CSV ({exc})") from None
    if header:
        if not records:
            raise DataError(source, "header", "the file is empty; expected a header row")
        names = tuple(cell.strip() for cell in records[0][1])
        records = records[1:]
    else:
        assert columns is not None, "columns are required when the file has no header"
        names = columns
    duplicated = sorted(n for n, k in Counter(names).items() if k > 1)  # linear: 10^5 columns
    if duplicated:
        raise DataError(source, "header", f"column {shown(duplicated[0])} appears more than once")
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    for line, record in records:
        # csv.reader reports the line on which a record *ends*; multi-line cells are rare here.
        if len(record) != len(names):
            raise DataError(
                source,
                f"line {line}",
                f"expected {len(names)} cells ({listing(shown(n) for n in names)}), "
                f"found {len(record)}",
            )
        cells = tuple(cell.strip() for cell in record)
        for name, cell in zip(names, cells, strict=True):
            if not cell:
                raise DataError(
                    source,
                    f"line {line}, column {shown(name)}",
                    "empty cell; every cell needs a value",
                )
        rows.append(cells)
        lines.append(line)
    return Table(source, names, tuple(rows), tuple(lines))
