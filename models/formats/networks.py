"""Standard Bayesian-network files -> :class:`~engine.ir.BayesianNetwork` (convert, don't reparse).

Formats, chosen by extension:

========================================  ===================================================
``.bif``, ``.bif.gz``                     Interchange format BIF 0.15 (pgmpy ``BIFReader``)
``.xml``, ``.xmlbif``, ``.bifxml``        XMLBIF 0.3 / BIFXML (pgmpy ``XMLBIFReader``)
``.net``                                  Hugin .net (pgmpy ``NETReader``)
``.uai``                                  UAI 2008 ``BAYES`` (pgmpy ``UAIReader`` tokens)
========================================  ===================================================

pgmpy does the parsing; :mod:`models.formats.network_checks` checks what a reader would
otherwise let
through or turn into a traceback (unknown parents, tables of the wrong size) and this module the
rows that do not sum to 1, saying which file, variable and row is wrong. :func:`write_network`
writes the same formats back. UAI tables are laid out here by the UAI 2008 model-format
specification (scope order, last variable fastest); pgmpy 1.1 and pyAgrum 3.3 both read them in a
different order, so only the tokens are taken from pgmpy. UAI files carry no names: variables
are called ``var_0``, ``var_1``, ... and states ``s0``, ``s1``, ...
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import InvalidProblem, ScenarioError
from engine.ir import CPT, BayesianNetwork, Provenance, Variable
from engine.ir.checks import ROW_TOLERANCE
from models.formats.network_checks import (
    check_structure,
    diagnose_blocks,
    diagnose_uai,
    xmlbif_for_pgmpy,
)
from models.pgmpy.backend import import_pgmpy

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
    fmt = network_format(path)
    text = read_text(path)
    source = str(path)
    name = _network_name(text, fmt, path)
    notes: list[str] = []
    try:
        if fmt == "uai":
            network = _uai(text, source, name, normalise, notes)
        else:
            network = _from_reader(_reader(fmt, text, source), fmt, source, name, normalise, notes)
        if notes:
            network = dataclasses.replace(network, description="; ".join(notes))
    except InvalidProblem as exc:
        raise ScenarioError(source, exc.field, exc.detail) from None
    return network


def read_text(path: Path) -> str:
    """The file's text (gunzipped for ``.gz``), or :class:`ScenarioError` saying why not."""
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "no such file") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
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


# -- pgmpy readers ----------------------------------------------------------------------------
def _reader(fmt: str, text: str, source: str) -> Any:
    import warnings

    readwrite = _readwrite()
    if fmt == "xmlbif":
        text = xmlbif_for_pgmpy(text, source)
    cls = {"bif": _bif_reader(), "xmlbif": readwrite.XMLBIFReader, "net": readwrite.NETReader}[fmt]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cls(string=text)
    except Exception as exc:  # pyparsing and pgmpy raise many kinds; all mean "cannot parse"
        field, message = diagnose_blocks(fmt, text)
        reason = message or f"cannot parse the {fmt} file ({_first_line(exc)})"
        raise ScenarioError(source, field, reason) from None


@functools.cache
def _bif_reader() -> type:
    """pgmpy's BIFReader with its pyparsing grammar built once, not once per file.

    The grammar does not depend on the file; building it costs about 2 s (pyparsing expands
    unicode character classes), which dominated reading small files.
    """
    base = _readwrite().BIFReader
    grammars: dict[str, Any] = {}

    class CachedGrammarBIFReader(base):  # type: ignore[misc, valid-type]
        def get_variable_grammar(self) -> Any:
            if "variable" not in grammars:
                grammars["variable"] = base.get_variable_grammar(self)
            return grammars["variable"]

        def get_probability_grammar(self) -> Any:
            if "probability" not in grammars:
                grammars["probability"] = base.get_probability_grammar(self)
            return grammars["probability"]

    return CachedGrammarBIFReader


def _readwrite() -> Any:
    import warnings

    import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgmpy.readwrite

    return pgmpy.readwrite


def _from_reader(
    reader: Any, fmt: str, source: str, name: str, normalise: bool, notes: list[str]
) -> BayesianNetwork:
    """Check the parsed structure, repair rows, then convert with :func:`from_pgmpy`."""
    import warnings

    from models.pgmpy.convert import from_pgmpy

    if fmt == "xmlbif":
        names = list(reader.variables)
        tables = {v: np.asarray(t) for v, t in reader.variable_CPD.items()}
    else:
        names = list(reader.variable_names)
        tables = {v: np.asarray(t) for v, t in reader.variable_cpds.items()}
    states = {v: tuple(str(s) for s in reader.variable_states[v]) for v in names}
    parents = {v: tuple(reader.variable_parents.get(v, ())) for v in names}
    sizes = {v: int(t.size) for v, t in tables.items()}
    check_structure(source, states, parents, sizes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = reader.get_model()
    except Exception as exc:  # structure was checked; this is pgmpy's own complaint
        raise ScenarioError(source, "", f"cannot build the network ({_first_line(exc)})") from None
    for cpd in model.get_cpds():
        child, *given = cpd.variables
        table = np.moveaxis(np.asarray(cpd.values, dtype=np.float64), 0, -1)
        fixed = repair_rows(
            table,
            source,
            f"variables.{child}.cpt",
            given,
            [[str(s) for s in cpd.state_names[p]] for p in given],
            normalise=normalise,
            notes=notes,
        )
        cpd.values = np.moveaxis(fixed, -1, 0)
    return from_pgmpy(model, name, source, fmt)


# -- UAI ---------------------------------------------------------------------------------------
def _uai(text: str, source: str, name: str, normalise: bool, notes: list[str]) -> BayesianNetwork:
    """Variables and CPTs of a UAI ``BAYES`` file: function i's scope ends with its child."""
    import warnings

    readwrite = _readwrite()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = readwrite.UAIReader(string=text)
            parsed = reader.grammar.parse_string(reader.network)
    except Exception as exc:
        field, message = diagnose_uai(text)
        reason = message or f"cannot parse the UAI file ({_first_line(exc)})"
        raise ScenarioError(source, field, reason) from None
    if reader.network_type != "BAYES":
        raise ScenarioError(
            source, "", f"a {reader.network_type} network; only BAYES (directed) files are read"
        )
    cards = [int(reader.domain[v]) for v in reader.variables]
    variables = [
        Variable(f"var_{i}", tuple(f"s{k}" for k in range(n))) for i, n in enumerate(cards)
    ]
    cpts: dict[int, CPT] = {}
    for f in range(reader.no_functions):
        scope = parsed[f"fun_{f}"]
        scope = [int(scope)] if isinstance(scope, int | str) else [int(x) for x in scope]
        values = [float(x) for x in parsed[f"fun_values_{f}"]]
        *parent_ids, child = scope
        where = f"variables.var_{child}.cpt"
        if child in cpts:
            raise ScenarioError(source, where, "more than one table for this variable")
        for p in parent_ids:
            if not 0 <= p < len(cards):
                raise ScenarioError(source, f"{where}.parents", f"unknown variable index {p}")
        shape = [cards[i] for i in scope]
        if len(values) != math.prod(shape):
            dims = " x ".join(map(str, shape))
            raise ScenarioError(
                source, where, f"expected {math.prod(shape)} entries ({dims}), found {len(values)}"
            )
        parent_names = tuple(f"var_{p}" for p in parent_ids)
        fixed = repair_rows(
            np.asarray(values).reshape(shape),
            source,
            where,
            parent_names,
            [variables[p].states for p in parent_ids],
            normalise=normalise,
            notes=notes,
        )
        cpts[child] = CPT(f"var_{child}", parent_names, tuple(float(x) for x in fixed.ravel()))
    missing = [i for i in range(len(cards)) if i not in cpts]
    if missing:
        raise ScenarioError(source, f"variables.var_{missing[0]}.cpt", "no table given")
    return BayesianNetwork(
        name,
        tuple(variables),
        tuple(cpts[i] for i in range(len(cards))),
        provenance=Provenance(source, "uai"),
    )


def _network_name(text: str, fmt: str, path: Path) -> str:
    stem = path.name.split(".")[0] or "network"
    if fmt == "bif":
        import re

        match = re.search(r"network\s+\"?([\w-]+)", text)
        return match.group(1) if match and match.group(1) != "unknown" else stem
    return stem


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


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
        readwrite = _readwrite()
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
