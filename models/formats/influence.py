"""Influence-diagram files -> :class:`~engine.ir.influence.InfluenceDiagram`.

- BIFXML / XMLBIF 0.3 with ``TYPE="decision"`` and ``TYPE="utility"`` variables (``.xml``,
  ``.bifxml``, ``.xmlbif``) and aGrUM's JSON (``.jgum``): loaded with ``pyagrum.loadID`` and
  converted node by node (chance CPTs, decision information parents, utility tables).
- GeNIe / SMILE ``.xdsl``: pyAgrum 3.3 reads these only as Bayesian networks, so the few XDSL
  elements an influence diagram uses (``cpt``, ``deterministic``, ``decision``, ``utility``) are
  read here with :mod:`xml.etree`; their tables are row-major over the parents, as in the IR.
- ``.json`` written by :meth:`InfluenceDiagram.to_json`.

Tables are checked and repaired as in :func:`models.formats.networks.repair_rows` (rounded rows
rescaled,
all-zero rows of impossible parent configurations read as uniform, ``normalise`` for tables of
percentages). ``no_forgetting=None`` assumes no-forgetting exactly when the decisions lie on one
directed path (aGrUM's ``decisionOrderExists``), and reads the diagram as a LIMID otherwise.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import InvalidProblem, ScenarioError
from engine.ir import CPT, Provenance, Variable
from engine.ir.graph import ancestors
from engine.ir.influence import DecisionVariable, InfluenceDiagram, UtilityNode
from models.formats.network_checks import short_error, shown
from models.formats.networks import read_text, repair_rows
from models.formats.text_tokens import NUMBER
from models.formats.xml_text import parse_xml
from models.pyagrum.convert import import_pyagrum

#: suffix -> format
ID_FORMATS: dict[str, str] = {
    ".xml": "bifxml",
    ".bifxml": "bifxml",
    ".xmlbif": "bifxml",
    ".jgum": "jgum",
    ".xdsl": "xdsl",
    ".json": "json",
}


def read_influence_diagram(
    path: str | Path, *, no_forgetting: bool | None = None, normalise: bool = False
) -> InfluenceDiagram:
    """Read an influence diagram (BIFXML, XDSL, aGrUM JSON or phronesis JSON).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable or not a valid influence diagram (names the file and
        the node).
    BackendUnavailable
        A BIFXML or ``.jgum`` file and pyAgrum is not installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from engine.ir.influence import DecisionVariable, UtilityNode
    >>> d = InfluenceDiagram("one", (), (), (DecisionVariable("go", ("yes", "no")),),
    ...                      (UtilityNode("u", ("go",), (1.0, 0.0)),))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "one.json"
    >>> _ = path.write_text(d.to_json())
    >>> read_influence_diagram(path) == d
    True
    """
    path = Path(path)
    try:
        return _read(path, no_forgetting, normalise)
    except ScenarioError as exc:
        raise short_error(exc) from None


def _read(path: Path, no_forgetting: bool | None, normalise: bool) -> InfluenceDiagram:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in ID_FORMATS:
        raise ScenarioError(
            source,
            "",
            f"unknown influence diagram extension; expected one of {', '.join(ID_FORMATS)}",
        )
    fmt = ID_FORMATS[suffix]
    text = read_text(path)
    try:
        if fmt == "json":
            diagram = InfluenceDiagram.from_json(text)
            if no_forgetting is None or no_forgetting == diagram.no_forgetting:
                return diagram
            return dataclasses.replace(diagram, no_forgetting=no_forgetting)
        parts = _xdsl(text, source) if fmt == "xdsl" else _pyagrum(path, source)
        return _build(parts, path, fmt, no_forgetting, normalise)
    except InvalidProblem as exc:
        raise ScenarioError(source, exc.field, exc.detail) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(source, "", f"not valid JSON ({exc})") from None


class _Parts:
    """Nodes as read, before checking: name -> states, parents, table (parents..., child)."""

    def __init__(self) -> None:
        self.chance: dict[str, tuple[tuple[str, ...], tuple[str, ...], np.ndarray]] = {}
        self.decisions: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.utilities: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
        self.decision_order_exists: bool | None = None


def _build(
    parts: _Parts, path: Path, fmt: str, no_forgetting: bool | None, normalise: bool
) -> InfluenceDiagram:
    source = str(path)
    states = {n: s for n, (s, _, _) in parts.chance.items()}
    states |= {n: s for n, (s, _) in parts.decisions.items()}
    notes: list[str] = []
    variables, cpts = [], []
    for name, (child_states, parents, table) in parts.chance.items():
        where = f"variables.{name}.cpt"
        _check_parents(source, where, parents, states)
        fixed = repair_rows(
            _shaped(source, where, table, [len(states[p]) for p in (*parents, name)]),
            source,
            where,
            parents,
            [states[p] for p in parents],
            normalise=normalise,
            notes=notes,
        )
        variables.append(Variable(name, child_states))
        cpts.append(CPT(name, parents, tuple(float(x) for x in fixed.ravel())))
    decisions = []
    for name, (options, information) in parts.decisions.items():
        _check_parents(source, f"decisions.{name}.information", information, states)
        decisions.append(DecisionVariable(name, options, information))
    utilities = []
    for name, (parents, table) in parts.utilities.items():
        where = f"utilities.{name}"
        _check_parents(source, where, parents, states)
        shaped = _shaped(source, where, table, [len(states[p]) for p in parents])
        utilities.append(UtilityNode(name, parents, tuple(float(x) for x in shaped.ravel())))
    if no_forgetting is None:
        no_forgetting = _totally_ordered(parts, states)
    return InfluenceDiagram(
        name=path.name.split(".")[0] or "influence_diagram",
        variables=tuple(variables),
        cpts=tuple(cpts),
        decisions=tuple(decisions),
        utilities=tuple(utilities),
        no_forgetting=no_forgetting,
        description="; ".join(notes),
        provenance=Provenance(source, fmt),
    )


def _check_parents(source: str, where: str, parents: Sequence[str], states: dict) -> None:
    for parent in parents:
        if parent not in states:
            raise ScenarioError(
                source,
                f"{where}.parents",
                f"unknown parent {shown(parent)}; expected a chance or decision node",
            )


def _shaped(source: str, where: str, table: np.ndarray, shape: list[int]) -> np.ndarray:
    if table.size != int(np.prod(shape)):
        dims = " x ".join(map(str, shape)) or "1"
        raise ScenarioError(
            source, where, f"expected {int(np.prod(shape))} entries ({dims}), found {table.size}"
        )
    return table.reshape(shape)


def _totally_ordered(parts: _Parts, states: dict) -> bool:
    if parts.decision_order_exists is not None:
        return parts.decision_order_exists
    parents = {n: p for n, (_, p, _) in parts.chance.items()}
    parents |= {n: i for n, (_, i) in parts.decisions.items()}

    names = list(parts.decisions)
    lineage = {d: ancestors(parents, d) for d in names}
    ordered = sorted(names, key=lambda d: len(lineage[d]))
    return all(a in lineage[b] for a, b in zip(ordered, ordered[1:], strict=False))


def _pyagrum(path: Path, source: str) -> _Parts:
    gum = import_pyagrum()
    if path.suffix.lower() != ".jgum":
        _check_bifxml(read_text(path), source)
    try:
        diagram = gum.loadID(str(path))
    except Exception as exc:  # aGrUM raises its own IOError/FatalError/... classes
        message = str(exc).strip().splitlines()
        raise ScenarioError(
            source, "", f"cannot read the influence diagram ({message[0] if message else exc!r})"
        ) from None
    parts = _Parts()
    name = diagram.variable
    for node in diagram.topologicalOrder():
        variable = diagram.variable(node)
        label = variable.name()
        labels = tuple(str(s) for s in variable.labels())
        parents = tuple(name(p).name() for p in _ordered_parents(diagram, node))
        if diagram.isChanceNode(node):
            table = _table(diagram.cpt(node), (*parents, label))
            parts.chance[label] = (labels, parents, table)
        elif diagram.isDecisionNode(node):
            parts.decisions[label] = (labels, parents)
    for node in sorted(diagram.nodes()):
        if diagram.isUtilityNode(node):
            label = diagram.variable(node).name()
            parents = tuple(name(p).name() for p in _ordered_parents(diagram, node))
            parts.utilities[label] = (parents, _table(diagram.utility(node), (*parents, label)))
    parts.decision_order_exists = bool(diagram.decisionOrderExists())
    return parts


def _check_bifxml(text: str, source: str) -> None:
    """Name the node when a BIFXML diagram has an unknown parent or a table of the wrong size.

    pyAgrum rejects such files too, but without saying which node is wrong.
    """
    root = parse_xml(text, source)
    network = root.find("NETWORK")
    if network is None:
        raise ScenarioError(source, "NETWORK", "no <NETWORK> element; is this a BIFXML file?")
    kinds, states = {}, {}
    for variable in network.findall("VARIABLE"):
        name = variable.findtext("NAME", "")
        kinds[name] = variable.get("TYPE", "nature")
        states[name] = [o.text for o in variable.findall("OUTCOME")]
    for definition in network.findall("DEFINITION"):
        node = definition.findtext("FOR", "")
        kind = kinds.get(node)
        where = {"decision": "decisions", "utility": "utilities"}.get(kind or "", "variables")
        if kind is None:
            raise ScenarioError(source, f"variables.{node}", "a table for an undeclared node")
        parents = [g.text or "" for g in definition.findall("GIVEN")]
        for parent in parents:
            if kinds.get(parent) not in ("nature", "decision"):
                raise ScenarioError(
                    source,
                    f"{where}.{node}.parents",
                    f"unknown parent {shown(parent)}; expected a chance or decision node",
                )
        table = definition.findtext("TABLE")
        if kind == "decision" or table is None:
            continue
        where = f"{where}.{node}" + (".cpt" if kind == "nature" else "")
        _check_numbers(source, where, table.split())
        shape = [len(states[p]) for p in parents] + (
            [len(states[node])] if kind == "nature" else []
        )
        found = len(table.split())
        if found != int(np.prod(shape)):
            dims = " x ".join(map(str, shape)) or "1"
            raise ScenarioError(
                source, where, f"expected {int(np.prod(shape))} entries ({dims}), found {found}"
            )


def _check_numbers(source: str, where: str, entries: list[str]) -> None:
    """Every entry a finite decimal number. pyAgrum reads ``nan`` or ``1_000`` in a table by
    allocating until it runs out of memory, so they are refused before it sees them."""
    for entry in entries:
        if NUMBER.fullmatch(entry) is None or not np.isfinite(float(entry)):
            raise ScenarioError(source, where, f"expected a finite number, found {shown(entry)}")


def _ordered_parents(diagram: Any, node: int) -> list[int]:
    """Parents in the order of the node's table (the file's GIVEN order), else by id."""
    if diagram.isDecisionNode(node):
        rank = {n: i for i, n in enumerate(diagram.topologicalOrder())}
        return sorted(diagram.parents(node), key=rank.__getitem__)
    tensor = diagram.cpt(node) if diagram.isChanceNode(node) else diagram.utility(node)
    own = diagram.variable(node).name()
    names = [n for n in reversed(tensor.names) if n != own]
    return [diagram.idFromName(n) for n in names]


def _table(tensor: Any, order: tuple[str, ...]) -> np.ndarray:
    """A pyAgrum tensor with axes ``order`` (``toarray`` gives them as ``names`` reversed)."""
    axes = list(reversed(tensor.names))
    array = np.asarray(tensor.toarray(), dtype=np.float64)
    return np.transpose(array, [axes.index(n) for n in order])


# -- XDSL ---------------------------------------------------------------------------------------
def _xdsl(text: str, source: str) -> _Parts:
    root = parse_xml(text, source)
    nodes = root.find("nodes")
    if root.tag != "smile" or nodes is None:
        raise ScenarioError(source, "", "not an XDSL file (expected <smile><nodes>...)")
    parts = _Parts()
    for node in nodes:
        name = node.get("id", "")
        parents = tuple((node.findtext("parents") or "").split())
        states = tuple(s.get("id", "") for s in node.findall("state"))
        if node.tag == "cpt":
            parts.chance[name] = (states, parents, _numbers(source, name, node, "probabilities"))
        elif node.tag == "deterministic":
            chosen = (node.findtext("resultingstates") or "").split()
            unknown = [s for s in chosen if s not in states]
            if unknown:
                raise ScenarioError(
                    source,
                    f"variables.{name}",
                    f"resulting state {shown(unknown[0])} is not a state",
                )
            table = np.eye(len(states))[[states.index(s) for s in chosen]]
            parts.chance[name] = (states, parents, table)
        elif node.tag == "decision":
            parts.decisions[name] = (states, parents)
        elif node.tag == "utility":
            parts.utilities[name] = (parents, _numbers(source, name, node, "utilities"))
        else:
            raise ScenarioError(
                source,
                f"nodes.{name}",
                f"<{node.tag}> nodes are not supported; expected cpt, deterministic, "
                "decision or utility",
            )
    return parts


def _numbers(source: str, name: str, node: Any, tag: str) -> np.ndarray:
    entries = (node.findtext(tag) or "").split()
    _check_numbers(source, f"nodes.{name}.{tag}", entries)
    return np.array([float(x) for x in entries])
