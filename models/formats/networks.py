"""Standard Bayesian-network files -> :class:`~engine.ir.BayesianNetwork`, and back.

Formats, chosen by extension:

========================================  ===================================================
``.bif``, ``.bif.gz``                     Interchange format BIF 0.15
``.xml``, ``.xmlbif``, ``.bifxml``        XMLBIF 0.3 / aGrUM BIFXML
``.net``                                  Hugin .net (Bayesian networks)
``.uai``                                  UAI 2008 ``BAYES``
========================================  ===================================================

:mod:`models.formats.network_checks` reads each format's text into its declarations, saying
which file, line and variable is wrong; this module checks the rows (rounded rows rescaled,
all-zero rows made uniform, any other row that does not sum to 1 an error unless asked to
normalise) and builds the network. Reading imports neither pgmpy nor pyAgrum: numbers are
float64 as written. :func:`write_network` writes the same formats back (pgmpy's writers; UAI
by the specification). UAI files carry no names: variables are called ``var_0``, ``var_1``,
... and states ``s0``, ``s1``, ...
"""

from __future__ import annotations

import gzip
import heapq
import itertools
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import InvalidProblem, ScenarioError
from engine.ir import CPT, BayesianNetwork, Provenance, Variable
from engine.ir.checks import ROW_TOLERANCE
from models.formats.bif import parse_bif
from models.formats.hugin import parse_net
from models.formats.network_checks import Declarations, short_error
from models.formats.uai import parse_uai
from models.formats.xmlbif import parse_xmlbif

#: file suffix -> format name
FORMATS: dict[str, str] = {
    ".bif": "bif",
    ".bif.gz": "bif",
    ".xml": "xmlbif",
    ".xmlbif": "xmlbif",
    ".bifxml": "xmlbif",
    ".net": "net",
    ".uai": "uai",
}

#: format name -> reader of its text (``text, source -> Declarations``)
PARSERS: dict[str, Callable[[str, str], Declarations]] = {
    "bif": parse_bif,
    "xmlbif": parse_xmlbif,
    "net": parse_net,
    "uai": parse_uai,
}

#: the largest file read by default (bytes): the biggest bnlearn network (diabetes, 5.5 MB as
#: BIF) fits, and a file this size is read in a few seconds on a 2-core machine
MAX_FILE_BYTES = 8 * 1024 * 1024

#: rows within this distance of 1 are taken as rounded and rescaled to sum to 1
ROUNDING_TOLERANCE = 1e-4


def network_format(path: str | Path) -> str:
    """The format of ``path`` from its extension; :class:`ScenarioError` lists the known ones."""
    name = Path(path).name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise ScenarioError(
        str(path),
        "",
        f"unknown network file extension; expected one of {', '.join(FORMATS)}",
    )


def read_network(path: str | Path, *, normalise: bool = False) -> BayesianNetwork:
    """Read a BIF, XMLBIF/BIFXML, Hugin .net or UAI file as a :class:`BayesianNetwork`.

    Rows that sum to 1 within :data:`ROUNDING_TOLERANCE` (tables written with six decimals, such
    as ``0.333333`` three times) are rescaled; all-zero rows (parent configurations the author
    marked impossible) become uniform; both are noted in the network's description. Any other
    row that does not sum to 1 is an error unless ``normalise`` is true, which divides every
    row by its sum (tables of percentages or counts).

    Variables come in lexicographic topological order (as :func:`models.pgmpy.convert.from_pgmpy`
    gives them: of the variables whose parents are all placed, the least name first), except
    in UAI files, whose ``var_i`` keep the file's order; each CPT keeps the file's parent order.

    Raises
    ------
    ScenarioError
        The file is missing, has an unknown extension, cannot be parsed, or describes an invalid
        network; the message names the file, the variable and what is wrong.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> text = '''network coin { }
    ... variable c { type discrete [ 2 ] { h, t }; }
    ... probability ( c ) { table 0.5, 0.5; }
    ... '''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "coin.bif"
    >>> _ = path.write_text(text)
    >>> read_network(path).states("c")
    ('h', 't')
    """
    path = Path(path)
    try:
        return _read_network(path, network_format(path), normalise)
    except ScenarioError as exc:
        raise short_error(exc) from None


def _read_network(path: Path, fmt: str, normalise: bool) -> BayesianNetwork:
    text = read_text(path)
    source = str(path)
    declared = PARSERS[fmt](text, source)
    order = list(declared.states) if fmt == "uai" else _topological(declared.parents)
    notes: list[str] = []
    tables = {
        child: repair_rows(
            np.asarray(table, dtype=np.float64).reshape(
                [len(declared.states[v]) for v in (*declared.parents[child], child)]
            ),
            source,
            f"variables.{child}.cpt",
            declared.parents[child],
            [declared.states[p] for p in declared.parents[child]],
            normalise=normalise,
            notes=notes,
        )
        for child, table in declared.tables.items()
    }
    try:
        return BayesianNetwork(
            _network_name(text, fmt, path),
            tuple(Variable(v, declared.states[v]) for v in order),
            tuple(
                CPT(v, declared.parents[v], tuple(float(x) for x in tables[v].ravel()))
                for v in order
            ),
            description="; ".join(notes),
            provenance=Provenance(source, fmt),
        )
    except InvalidProblem as exc:
        raise ScenarioError(source, exc.field, exc.detail) from None


def max_bytes() -> int:
    """The largest network or influence-diagram file read, in bytes (after gunzipping):
    :data:`MAX_FILE_BYTES`, or the environment variable ``PHRONESIS_MAX_NETWORK_BYTES``."""
    try:
        return int(os.environ.get("PHRONESIS_MAX_NETWORK_BYTES", MAX_FILE_BYTES))
    except ValueError:
        return MAX_FILE_BYTES


def read_text(path: Path) -> str:
    """The file's text (gunzipped for ``.gz``), or :class:`ScenarioError` saying why not: read
    with a size limit (:func:`max_bytes`, also on the gunzipped size), strict UTF-8."""
    limit = max_bytes()
    try:
        with gzip.open(path) if path.name.lower().endswith(".gz") else path.open("rb") as f:
            raw = f.read(limit + 1)
        if len(raw) > limit:
            raise ScenarioError(
                str(path),
                "",
                f"larger than {limit} bytes; set PHRONESIS_MAX_NETWORK_BYTES to read it",
            )
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "no such file") from None
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise ScenarioError(str(path), "", f"cannot read the file ({exc})") from None


def repair_rows(
    table: np.ndarray,
    source: str,
    where: str,
    parents: Sequence[str],
    parent_states: Sequence[Sequence[str]],
    *,
    normalise: bool,
    notes: list[str],
) -> np.ndarray:
    """Check a CPT shaped (parents..., child); rescale rounded (or, if asked, any) rows."""
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        raise ScenarioError(source, where, "expected probabilities >= 0, found a negative value")
    sums = table.sum(axis=-1, keepdims=True)
    off = np.abs(sums - 1.0) > ROW_TOLERANCE
    if not off.any():
        return table
    zero = sums == 0.0
    rounded = off & (np.abs(sums - 1.0) <= ROUNDING_TOLERANCE)
    wrong = off & ~zero & ~rounded
    if wrong.any() and not normalise:
        row = int(np.flatnonzero(wrong)[0])
        config = next(itertools.islice(itertools.product(*parent_states), row, None))
        given = ", ".join(f"{p}={s}" for p, s in zip(parents, config, strict=True))
        raise ScenarioError(
            source,
            where,
            f"row ({given or 'no parents'}) sums to {float(sums.ravel()[row]):.6g}, expected 1 "
            "(to read tables of percentages or counts, normalise each row: --normalise)",
        )
    rescale = off & ~zero
    fixed = np.where(rescale, table / np.where(zero, 1.0, sums), table)
    fixed = np.where(zero, 1.0 / table.shape[-1], fixed)
    name = where.split(".")[1] if where.count(".") >= 1 else where
    if zero.any():
        notes.append(f"{name}: {int(zero.sum())} all-zero row(s) read as uniform")
    if rescale.any():
        notes.append(f"{name}: {int(rescale.sum())} row(s) rescaled to sum to 1")
    return fixed


def _topological(parents: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's order, least name first among the ready (networkx's lexicographical sort).

    A cycle leaves variables unplaced; they follow in name order and the network's own check
    names the cycle.
    """
    waiting = {v: len(set(ps)) for v, ps in parents.items()}
    children: dict[str, list[str]] = {v: [] for v in parents}
    for child, ps in parents.items():
        for parent in set(ps):
            children[parent].append(child)
    ready = [v for v, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for child in children[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    placed = set(order)
    return order + sorted(v for v in parents if v not in placed)


def _network_name(text: str, fmt: str, path: Path) -> str:
    stem = path.name.split(".")[0] or "network"
    if fmt == "bif":
        import re

        match = re.search(r"network\s+\"?([\w-]+)", text)
        return match.group(1) if match and match.group(1) != "unknown" else stem
    return stem


def write_network(network: BayesianNetwork, path: str | Path) -> Path:
    """Write ``network`` in the format its extension names (see :data:`FORMATS`).

    BIF, XMLBIF and Hugin .net go through pgmpy's writers; UAI is written by the UAI 2008
    model-format specification (scope = parents then child, last variable fastest), so
    :func:`read_network` reads back the same tables (names become ``var_i`` / ``s_k``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> net = BayesianNetwork("coin", (Variable("c", ("h", "t")),), (CPT("c", (), (0.25, 0.75)),))
    >>> path = write_network(net, pathlib.Path(tempfile.mkdtemp()) / "coin.xmlbif")
    >>> read_network(path).cpt("c").table
    (0.25, 0.75)
    """
    import warnings

    from models.pgmpy.backend import to_pgmpy

    path = Path(path)
    fmt = network_format(path)
    if fmt == "uai":
        text = _uai_text(network)
    else:
        readwrite = _pgmpy_readwrite()
        writer = {
            "bif": readwrite.BIFWriter,
            "xmlbif": readwrite.XMLBIFWriter,
            "net": readwrite.NETWriter,
        }[fmt]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = str(writer(to_pgmpy(network)))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.lower().endswith(".gz") else data)
    return path


def _uai_text(network: BayesianNetwork) -> str:
    index = {v.name: i for i, v in enumerate(network.variables)}
    lines = ["BAYES", str(len(network.variables))]
    lines.append(" ".join(str(len(v.states)) for v in network.variables))
    lines.append(str(len(network.variables)))
    cpts = [network.cpt(v.name) for v in network.variables]
    for cpt in cpts:
        scope = [index[p] for p in (*cpt.parents, cpt.child)]
        lines.append(" ".join(map(str, [len(scope), *scope])))
    for cpt in cpts:
        lines.extend(["", str(len(cpt.table)), " ".join(repr(float(x)) for x in cpt.table)])
    return "\n".join(lines) + "\n"


def _pgmpy_readwrite() -> Any:
    """``pgmpy.readwrite`` (writing only: importing it imports torch, pandas and scipy)."""
    import warnings

    from models.pgmpy.backend import import_pgmpy

    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgmpy.readwrite

    return pgmpy.readwrite
