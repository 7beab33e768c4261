"""Fuzzing campaign: hostile and mutated inputs through every reader, in process.

Generates ``--cases`` inputs (default 10,000), deterministic given ``--seed``, from the shipped
examples and pgmpy's bundled bnlearn networks (read offline from the installed package) by
byte flips, truncation, deleted / duplicated / swapped lines, numbers replaced by extremes
(1e308, -1e308, nan, inf, 400-digit integers, 0, negatives), deep nesting, alias and entity
bombs, duplicate keys, non-UTF-8 bytes, type confusion and structural mutation of the parsed
document. Each case goes through the public entry point of one reader:

- ``scenario-yaml`` / ``scenario-json``: :func:`phronesis.load`, then :func:`phronesis.decide`
  under a drawn rule and normalisation when the file is accepted;
- ``network-bif`` / ``-xmlbif`` / ``-uai`` / ``-net``: :func:`phronesis.load` of a network file;
- ``influence-json`` / ``-bifxml`` / ``-xdsl``: :func:`phronesis.load` of an influence diagram,
  then :func:`models.influence.solver.solve` when accepted;
- ``csv-cpts``: :func:`models.learn.cpts.learn_cpts` of a mutated observation file;
- ``csv-pairs``: :func:`models.learn.thurstone.read_pairs` (or the country reader) and a short
  :func:`~models.learn.thurstone.fit_thurstonian` with drawn ``steps`` / ``holdout``;
- ``evidence``: ``-e VAR=STATE`` strings through :func:`engine.ir.evidence.parse_evidence` and
  :func:`phronesis.decide`;
- ``decide-extreme``: valid problems with utilities and weights near the IR bound (1e15), tiny
  probabilities, every rule of :data:`engine.rules.registry.RULES` and every normalisation;
- ``ontology``: Turtle, RDF/XML, JSON-LD, N-Triples and OWL/XML through
  :func:`ontology.analyse.analyse_file` (mostly without a reasoner, some with owlrl) and
  :func:`phronesis.load` (a smaller share: they are slower).

Each case runs under a 10 s ``signal.alarm`` (``--timeout``) and a 4 GiB address-space limit per
worker, and is classified:

- ``accepted``: no exception (and, for a decision, ``to_json()`` works, every number in the
  option reports is finite, and there is a chosen option or an abstention);
- ``rejected``: a :class:`engine.errors.PhronesisError` (ontology errors are subclasses) whose
  message is one line of at most 300 characters;
- ``DEFECT``: any other exception type, a message over 300 characters or over several lines,
  a decision result breaking the invariants above, a timeout (a hang), or an attempt to reach
  the network (workers run with connections and name lookups blocked).

Output: a table of reader x outcome counts (with the mean seconds per case), then the
defects by kind (exception type, or ``LongMessage[...]``, ``MultiLine[...]``, ``Timeout``,
``NetworkAttempt``, ``BadResult``, ``WorkerDied``) and reader, each with its count, the
folder of one reproducer under ``--out`` (default /tmp/phronesis-fuzz: the input file and
``case.txt`` with the reader, case number, parameters, message and traceback) and the start
of its message. Reproduce one case with ``--only N``. The exit code is 1 when any defect was
found; the campaign's aim (issue 10) is 0 defects. Timings are of a shared machine: a case
near the 10 s limit may time out only under load.

    python benchmarks/fuzz.py --cases 10000 --seed 0 [--workers 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.resources
import io
import json
import math
import os
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ROOT / "examples"
SHARED_ID = ROOT.parent / "shared" / "data" / "influence_diagrams"
MAX_MESSAGE = 300
MEMORY_LIMIT = 4 << 30
#: small bnlearn networks pgmpy ships as .bif.gz (read offline from the installed package)
BNLEARN = ("asia", "cancer", "earthquake", "sachs", "survey", "child", "alarm")

#: reader -> share of the cases (ontology smaller: a case takes 0.1-3 s)
READERS: dict[str, float] = {
    "scenario-yaml": 0.20,
    "scenario-json": 0.12,
    "network-bif": 0.08,
    "network-xmlbif": 0.06,
    "network-uai": 0.06,
    "network-net": 0.06,
    "influence-json": 0.04,
    "influence-bifxml": 0.03,
    "influence-xdsl": 0.03,
    "csv-cpts": 0.06,
    "csv-pairs": 0.04,
    "evidence": 0.09,
    "decide-extreme": 0.09,
    "ontology": 0.04,
}

EXTREMES = (
    "1e308",
    "-1e308",
    "1.7976931348623157e309",
    "nan",
    "NaN",
    ".nan",
    "inf",
    "-inf",
    ".inf",
    "-.Inf",
    "Infinity",
    "1" * 401,
    "-" + "9" * 5000,
    "1e-320",
    "5e-324",
    "0",
    "-0",
    "-1",
    "-0.5",
    "1e15",
    "-1e15",
    "1.0000001e15",
    "1e16",
    "99999999999999999999",
    "0x1F",
    "1_000",
    "0.0000001",
    "2",
    "1000000",
)
JUNK = (
    "[1, 2]",
    "{a: 1}",
    '{"a": 1}',
    "null",
    "~",
    "true",
    '""',
    '"x"',
    "[]",
    "{}",
    "- a",
    "!!python/object:os.system",
    "&a [*a]",
    "\x00",
    "\u202e\u0000",
    "x" * 5000,
)
BAD_BYTES = (b"\xff\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xed\xa0\x80", b"\x00", b"\xe9t\xe9")
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


class NetworkAttempt(BaseException):  # noqa: N818 - no library `except Exception` hides it
    """A reader tried to connect or resolve a name: the campaign runs offline."""


def _no_network(*args: Any, **kwargs: Any) -> None:
    raise NetworkAttempt(f"network access attempted: {args[1:2] or args[:1]}")


def block_network() -> None:
    """Make every connection or name lookup in this process raise :class:`NetworkAttempt`."""
    import socket

    socket.socket.connect = socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
    socket.getaddrinfo = _no_network  # type: ignore[assignment]


class CaseTimeout(BaseException):  # noqa: N818 - BaseException: no library `except Exception` eats it
    """The per-case alarm fired: the input hangs a reader."""


@dataclass(frozen=True, slots=True)
class Case:
    """One generated input: ``data`` written as ``name`` and read by ``reader`` with ``params``."""

    index: int
    reader: str
    name: str
    data: bytes
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one case did: ``accepted``, ``rejected`` or ``DEFECT`` with its ``kind``."""

    index: int
    reader: str
    outcome: str
    kind: str = ""
    message: str = ""
    trace: str = ""
    seconds: float = 0.0


# --------------------------------------------------------------------------- seed corpus


def seed_corpus() -> dict[str, list[tuple[str, bytes]]]:
    """Valid inputs per reader family, as (file name, bytes): the shipped examples, pgmpy's
    small bnlearn networks and their conversions to XMLBIF, Hugin .net and UAI."""
    import warnings

    import yaml

    from models.formats.networks import read_network, write_network

    corpus: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        corpus["scenario-yaml"].append((path.name, path.read_bytes()))
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        corpus["scenario-json"].append(
            (path.with_suffix(".json").name, json.dumps(document, indent=1).encode())
        )
    bifs = [("sprinkler.bif", (EXAMPLES / "networks" / "sprinkler.bif").read_bytes())]
    models = importlib.resources.files("pgmpy") / "utils" / "example_models"
    for name in BNLEARN:
        with contextlib.suppress(OSError, FileNotFoundError):
            bifs.append((f"{name}.bif", gzip.decompress((models / f"{name}.bif.gz").read_bytes())))
    corpus["network-bif"] = bifs
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, data in bifs[:5]:  # the larger ones add little but slow every case
            source = Path(tmp) / name
            source.write_bytes(data)
            network = read_network(source)
            for suffix, reader in ((".xmlbif", "xmlbif"), (".net", "net"), (".uai", "uai")):
                target = write_network(network, source.with_suffix(suffix))
                corpus[f"network-{reader}"].append((target.name, target.read_bytes()))
    oil = EXAMPLES / "networks" / "oil_wildcatter.json"
    corpus["influence-json"].append((oil.name, oil.read_bytes()))
    if SHARED_ID.is_dir():
        for path in sorted(SHARED_ID.glob("*.xml")):
            corpus["influence-bifxml"].append((path.stem[-24:] + ".bifxml", path.read_bytes()))
        for path in sorted(SHARED_ID.glob("*.xdsl")):
            corpus["influence-xdsl"].append((path.name[-30:], path.read_bytes()))
    corpus["influence-bifxml"].append(("tiny.bifxml", TINY_BIFXML.encode()))
    corpus["influence-xdsl"].append(("tiny.xdsl", TINY_XDSL.encode()))
    for path in sorted((EXAMPLES / "data").glob("*.csv")):
        family = "csv-pairs" if "choices" in path.name else "csv-cpts"
        corpus[family].append((path.name, path.read_bytes()))
    corpus["csv-pairs"].append(("countries.csv", COUNTRY_PAIRS.encode()))
    corpus["ontology"] = ontology_seeds()
    return dict(corpus)


def ontology_seeds() -> list[tuple[str, bytes]]:
    """The shipped Turtle and OWL/XML ontologies, and the Turtle ones as RDF/XML, JSON-LD and
    N-Triples (rdflib serialisations; the scenario each names sits beside it when it runs)."""
    import rdflib

    seeds = []
    folder = EXAMPLES / "ontology"
    for path in sorted(folder.glob("*.ttl")) + sorted(folder.glob("*.owx")):
        seeds.append((path.name, path.read_bytes()))
    for path in sorted(folder.glob("*.ttl")):
        graph = rdflib.Graph().parse(path, format="turtle")
        for fmt, suffix in (("xml", ".rdf"), ("json-ld", ".jsonld"), ("nt", ".nt")):
            seeds.append((path.stem + suffix, graph.serialize(format=fmt).encode()))
    return seeds


TINY_BIFXML = """<?xml version="1.0" encoding="UTF-8"?>
<BIF VERSION="0.3"><NETWORK><NAME>tiny</NAME>
<VARIABLE TYPE="nature"><NAME>w</NAME><OUTCOME>dry</OUTCOME><OUTCOME>wet</OUTCOME></VARIABLE>
<VARIABLE TYPE="decision"><NAME>d</NAME><OUTCOME>go</OUTCOME><OUTCOME>stay</OUTCOME></VARIABLE>
<VARIABLE TYPE="utility"><NAME>u</NAME><OUTCOME>0</OUTCOME></VARIABLE>
<DEFINITION><FOR>w</FOR><TABLE>0.7 0.3</TABLE></DEFINITION>
<DEFINITION><FOR>d</FOR><GIVEN>w</GIVEN><TABLE>1 1 1 1</TABLE></DEFINITION>
<DEFINITION><FOR>u</FOR><GIVEN>w</GIVEN><GIVEN>d</GIVEN><TABLE>10 0 -5 0</TABLE></DEFINITION>
</NETWORK></BIF>
"""

TINY_XDSL = """<?xml version="1.0" encoding="UTF-8"?>
<smile version="1.0" id="tiny" numsamples="1000">
<nodes>
<cpt id="w"><state id="dry"/><state id="wet"/><probabilities>0.7 0.3</probabilities></cpt>
<decision id="d"><state id="go"/><state id="stay"/><parents>w</parents></decision>
<utility id="u"><parents>w d</parents><utilities>10 0 -5 0</utilities></utility>
</nodes>
</smile>
"""

COUNTRY_PAIRS = "".join(
    f"{a}|{ca}|{b}|{cb}|{c}|x\n"
    for a, ca, b, cb, c in [
        (10, "France", 5, "Chile", "A"),
        (1, "Chile", 20, "France", "B"),
        (3, "Peru", 3, "France", "B"),
        (7, "Chile", 2, "Peru", "A"),
        (5, "Peru", 5, "Chile", "B"),
    ]
    * 3
)


# --------------------------------------------------------------------------- mutations


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def byte_flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def delete_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def duplicate_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    times = rng.choice((1, 1, 2, 50, 3000))
    return b"".join(lines[: i + 1] + [lines[i]] * times + lines[i + 1 :])


def swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def replace_number(rng: random.Random, data: bytes) -> bytes:
    matches = list(NUMBER.finditer(data))
    if not matches:
        return byte_flip(rng, data)
    chosen = rng.sample(matches, k=min(len(matches), rng.choice((1, 1, 1, 3, 20))))
    for match in sorted(chosen, key=lambda m: -m.start()):
        value = rng.choice(EXTREMES).encode()
        data = data[: match.start()] + value + data[match.end() :]
    return data


def insert_junk(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    junk = rng.choice(JUNK).encode() if rng.random() < 0.6 else rng.choice(BAD_BYTES)
    return data[:i] + junk + data[i:]


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice((50, 600, 5000, 100_000))
    opener, closer = rng.choice(((b"[", b"]"), (b"{", b"}"), (b"<a>", b"</a>"), (b"(", b")")))
    i = rng.randrange(len(data) + 1)
    return data[:i] + opener * depth + closer * depth + data[i:]


def encoding_damage(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return b"\xef\xbb\xbf" + data  # a UTF-8 byte-order mark
    if choice == 1:
        return data.decode("utf-8", "replace").encode("utf-16")
    if choice == 2:
        return data.replace(b"e", b"\xe9", 3)
    return b""


def blow_up(rng: random.Random, data: bytes) -> bytes:
    """Repeat the file or a chunk of it (size limits)."""
    if rng.random() < 0.5:
        return data * rng.choice((2, 20))
    i = rng.randrange(len(data) + 1)
    j = min(len(data), i + rng.randrange(1, 200))
    return data[:j] + data[i:j] * rng.choice((100, 5000)) + data[j:]


TEXT_MUTATIONS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    byte_flip,
    truncate,
    delete_line,
    duplicate_line,
    swap_lines,
    replace_number,
    replace_number,
    insert_junk,
    deep_nesting,
    encoding_damage,
    blow_up,
)

ALIAS_BOMB = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n".encode()
    for i in range(8)
)

ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b"]>\n"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">'
    b'<!ENTITY y SYSTEM "http://example.invalid/x">]>\n'
)


def xml_mutation(rng: random.Random, data: bytes) -> bytes:
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    choice = rng.randrange(5)
    if choice == 0:
        return ENTITY_BOMB + re.sub(rb">", b">&i;", body, count=1)
    if choice == 1:
        return EXTERNAL_ENTITY + re.sub(rb">", b">&x;&y;", body, count=1)
    if choice == 2:
        encoding = rng.choice((b"klingon", b"utf-16", b"latin-1", b"ascii", b"utf-32"))
        return b'<?xml version="1.0" encoding="' + encoding + b'"?>\n' + body
    if choice == 3:
        return re.sub(rb"<(\w+)", lambda m: b"<" + m.group(1) + b' x="1" x="2"', data, count=1)
    return data.replace(b"<", b"<ns:", 1)


def yaml_mutation(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return ALIAS_BOMB + data
    if choice == 1:  # a duplicate top-level key
        lines = [ln for ln in _lines(data) if re.match(rb"^\w+:", ln)]
        return data + (rng.choice(lines) if lines else b"name: x\n")
    if choice == 2:
        return data + rng.choice((b"\n--- \nname: two\n", b"\n!!binary x: 1\n", b"\n? [a]\n: 1\n"))
    return re.sub(rb"\n(\w+):", b"\n\\1: !!python/name:os.system", data, count=1)


def mutate_tree(rng: random.Random, document: Any, depth: int = 0) -> Any:
    """A copy of ``document`` with one drawn node replaced, deleted, renamed or duplicated."""
    if isinstance(document, dict) and document and (depth == 0 or rng.random() < 0.7):
        key = rng.choice(sorted(document, key=str))
        out = dict(document)
        roll = rng.random()
        if roll < 0.1:
            del out[key]
        elif roll < 0.15:
            out[key + "_x" if isinstance(key, str) else "x"] = out.pop(key)
        else:
            out[key] = mutate_tree(rng, document[key], depth + 1)
        return out
    if isinstance(document, list) and document and rng.random() < 0.75:
        i = rng.randrange(len(document))
        out = list(document)
        roll = rng.random()
        if roll < 0.08:
            del out[i]
        elif roll < 0.15:
            out.append(out[i])  # a duplicate entry (name twice)
        elif roll < 0.18:
            out = out * rng.choice((2, 300))
        else:
            out[i] = mutate_tree(rng, document[i], depth + 1)
        return out
    return replacement(rng, document)


def replacement(rng: random.Random, value: Any) -> Any:
    """A hostile stand-in for ``value``: an extreme number, another type, a huge list."""
    roll = rng.random()
    if isinstance(value, int | float) and not isinstance(value, bool) and roll < 0.6:
        return rng.choice(
            (
                1e308,
                -1e308,
                math.inf,
                -math.inf,
                math.nan,
                10**400,
                -(10**20),
                0,
                -1,
                1e15,
                -1e15,
                9.999e14,
                1e-300,
                5e-324,
                value * 1e14,
                -value,
            )
        )
    if isinstance(value, str) and roll < 0.5:
        return rng.choice(
            (value + "x", "", " ", value.upper(), "a=b", "x" * 10_000, "\u00e9\u202e", "1e308")
        )
    return rng.choice(
        (
            None,
            True,
            "x",
            [],
            {},
            [value, value],
            {"x": value},
            [f"s{i}" for i in range(rng.choice((3, 1000, 100_000)))],
            [[[[[[[[[[value]]]]]]]]]],
            1e308,
            math.nan,
        )
    )


def render(rng: random.Random, document: Any, as_json: bool) -> bytes:
    import yaml

    if as_json:
        text = json.dumps(document, allow_nan=True, default=str)
        if rng.random() < 0.2:  # a duplicate key, which json.dumps cannot write
            text = re.sub(r'\{"(\w+)": ', r'{"\1": 1, "\1": ', text, count=1)
        return text.encode()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True).encode()


# --------------------------------------------------------------------------- cases


def make_case(index: int, seed: int, corpus: dict[str, list[tuple[str, bytes]]]) -> Case:
    """Case ``index`` of the campaign with ``seed``: the same pair always gives the same case."""
    rng = random.Random(f"{seed}:{index}")
    readers = [r for r in READERS if corpus.get(r) or r in ("evidence", "decide-extreme")]
    reader = rng.choices(readers, weights=[READERS[r] for r in readers])[0]
    if reader in ("evidence", "decide-extreme"):
        return parameter_case(index, reader, rng)
    name, data = rng.choice(corpus[reader])
    params: dict[str, Any] = {}
    if reader.startswith("scenario") and rng.random() < 0.5:
        document = parsed_seed(name, data)
        for _ in range(rng.choice((1, 1, 2, 4))):
            document = mutate_tree(rng, document)
        data = render(rng, document, reader == "scenario-json")
        if rng.random() < 0.6:  # structure only: the file parses, the validation is probed
            return Case(index, reader, name, data, decide_params(rng))
    rounds = rng.choice((1, 1, 1, 2, 3))
    for _ in range(rounds):
        roll = rng.random()
        if roll < 0.12 and (
            reader.endswith(("xmlbif", "bifxml", "xdsl")) or name.endswith((".rdf", ".owx"))
        ):
            data = xml_mutation(rng, data)
        elif roll < 0.12 and reader == "scenario-yaml":
            data = yaml_mutation(rng, data)
        else:
            data = rng.choice(TEXT_MUTATIONS)(rng, data)
    if reader.startswith("scenario"):
        params = decide_params(rng)
    elif reader == "csv-pairs":
        params = {
            "steps": rng.choice((1, 5, 20, 20, 0, -1)),
            "holdout": rng.choice((0.0, 0.2, 0.2, 0.5, 0.99, 1.0, -0.1, math.nan)),
        }
    elif reader == "ontology":
        params = {"mode": rng.choices(("none", "owlrl", "load"), weights=(85, 8, 7))[0]}
    return Case(index, reader, name, data, params)


_PARSED: dict[str, Any] = {}


def parsed_seed(name: str, data: bytes) -> Any:
    """A scenario seed as a document (parsed once; mutate_tree copies what it changes)."""
    import yaml

    if name not in _PARSED:
        _PARSED[name] = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _PARSED[name]


def decide_params(rng: random.Random) -> dict[str, Any]:
    from engine.rules.registry import NORMALISATIONS, RULES

    return {
        "rule": rng.choice((None, *sorted(RULES))),
        "normalisation": rng.choice((None, *NORMALISATIONS)),
    }


EVIDENCE_SCENARIOS = ("heinz.yaml", "icu_triage.yaml", "av_emergency.yaml", "av_continuous.yaml")
EVIDENCE_JUNK = (
    "",
    "=",
    "x",
    "a=b=c",
    " = ",
    "=yes",
    "rain=",
    "\u00e9=\u00e9",
    "\x00=\x00",
    "x" * 5000 + "=y",
)
CONTINUOUS_JUNK = (
    "14",
    "1_4",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "-0",
    "0x10",
    "1e308",
    "-1e308",
    " 14 ",
    "١٤",
    "14.0.0",
    "",
    "1" * 500,
)


def parameter_case(index: int, reader: str, rng: random.Random) -> Case:
    """A case whose input is a problem and its parameters (evidence, rule, numbers), not a file."""
    scenario = rng.choice(EVIDENCE_SCENARIOS if reader == "evidence" else EVIDENCE_SCENARIOS[:3])
    params = decide_params(rng)
    params["scenario"] = scenario
    if reader == "evidence":
        params["draws"] = [rng.random() for _ in range(12)]
        params["junk"] = rng.choice(EVIDENCE_JUNK)
        params["number"] = rng.choice(CONTINUOUS_JUNK)
    else:
        params["magnitudes"] = [
            rng.choice((1e15, -1e15, 9.99e14, 1e-15, 0.0, 1e14, -3.3e14, 1.0)) for _ in range(16)
        ]
        params["tiny"] = rng.choice((1e-300, 5e-324, 1e-16, 1e-9, 0.0))
    return Case(index, reader, scenario, b"", params)


# --------------------------------------------------------------------------- running a case


def run_case(case: Case, folder: Path) -> None:
    """Run ``case`` through its reader; raises what the reader raises."""
    import phronesis

    path = folder / case.name
    if case.data or case.reader not in ("evidence", "decide-extreme"):
        path.write_bytes(case.data)
    if case.reader.startswith("scenario"):
        problem = phronesis.load(path)
        if type(problem).__name__ == "DecisionProblem":
            check_decision(problem, phronesis.decide(problem, **decide_settings(case.params)))
    elif case.reader.startswith("network"):
        phronesis.load(path)
    elif case.reader.startswith("influence"):
        from models.influence.solver import solve

        diagram = phronesis.load(path)
        solve(diagram, {})
    elif case.reader == "csv-cpts":
        from models.learn.cpts import learn_cpts

        learn_cpts(problem_of("heinz.yaml"), path)
    elif case.reader == "csv-pairs":
        from models.learn.exchange_rates import read_country_choices
        from models.learn.thurstone import fit_thurstonian, read_pairs

        reader = read_country_choices if case.name.startswith("countries") else read_pairs
        choices = reader(path)
        fit_thurstonian(choices, steps=case.params["steps"], holdout=case.params["holdout"])
    elif case.reader == "evidence":
        run_evidence(case)
    elif case.reader == "decide-extreme":
        run_extreme(case)
    else:
        run_ontology(case, path)


def decide_settings(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "rule": params.get("rule"),
        "normalisation": params.get("normalisation"),
        "samples": 20,
        "particles": 200,
    }


_PROBLEMS: dict[str, Any] = {}


def problem_of(name: str) -> Any:
    """A shipped scenario, loaded once per worker."""
    if name not in _PROBLEMS:
        import phronesis

        _PROBLEMS[name] = phronesis.load(EXAMPLES / name)
    return _PROBLEMS[name]


def check_decision(problem: Any, decision: Any) -> None:
    """The result invariants: valid JSON, finite numbers, an option or an abstention."""
    decision.to_json()
    for report in decision.options:
        numbers = [
            *report.expected_values.values(),
            *report.choiceworthiness.values(),
            *report.norm_violation.values(),
            *([] if report.score is None else [report.score]),
        ]
        bad = [x for x in numbers if not math.isfinite(x)]
        if bad:
            raise BadResult(f"option {report.option}: non-finite number {bad[0]!r}")
    if decision.option is None and not decision.abstain:
        raise BadResult("neither an option nor an abstention")
    if decision.option is not None and decision.option not in problem.decision.options:
        raise BadResult(f"chose {decision.option!r}, not an option of the problem")


class BadResult(Exception):
    """A decision broke an invariant of its result."""


def run_evidence(case: Case) -> None:
    import phronesis
    from engine.ir.evidence import parse_evidence

    problem = problem_of(case.params["scenario"])
    draws = iter(case.params["draws"])
    names = [v.name for v in problem.variables] + [v.name for v in problem.continuous]
    items = []
    for _ in range(int(next(draws) * 4)):
        name = names[int(next(draws) * len(names))]
        states = next((v.states for v in problem.variables if v.name == name), None)
        roll = next(draws)
        if states is None:
            value = case.params["number"] if roll < 0.5 else "14"
        elif roll < 0.7:
            value = states[int(roll / 0.7 * len(states))]
        else:
            value = states[0] + "x"
        items.append(f"{name}={value}")
    if next(draws) < 0.3:
        items.append(case.params["junk"])
    if next(draws) < 0.1:
        items.append(f"{problem.decision.name}={problem.decision.options[0]}")
    evidence = parse_evidence(items)
    check_decision(problem, phronesis.decide(problem, evidence, **decide_settings(case.params)))


def run_extreme(case: Case) -> None:
    """The scenario with its utilities, norm weights and value weights replaced by drawn
    magnitudes near the bound, and its first CPT row made tiny-probability."""
    import dataclasses

    import phronesis

    problem = problem_of(case.params["scenario"])
    magnitudes = iter(case.params["magnitudes"] * 1000)
    values = tuple(
        dataclasses.replace(v, table=tuple(next(magnitudes) for _ in v.table))
        for v in problem.values
    )
    norms = tuple(dataclasses.replace(n, weight=abs(next(magnitudes))) for n in problem.norms)
    theories = tuple(
        dataclasses.replace(
            t, value_weights=tuple((name, next(magnitudes) / 1e14) for name, _ in t.value_weights)
        )
        if t.value_weights
        else t
        for t in problem.theories
    )
    cpts = list(problem.cpts)
    if cpts:
        first = cpts[0]
        k = len(problem.variables[0].states) if problem.variables else 2
        tiny = case.params["tiny"]
        row = (tiny,) * (k - 1) + (1.0 - tiny * (k - 1),)
        cpts[0] = dataclasses.replace(first, table=row + first.table[k:])
    changed = dataclasses.replace(
        problem, values=values, norms=norms, theories=theories, cpts=tuple(cpts)
    )
    check_decision(changed, phronesis.decide(changed, **decide_settings(case.params)))


def run_ontology(case: Case, path: Path) -> None:
    import phronesis
    from ontology.analyse import analyse_file

    for scenario in (EXAMPLES / "ontology").glob("*.scenario.yaml"):
        target = path.parent / scenario.name
        if not target.exists():
            target.write_bytes(scenario.read_bytes())
    mode = case.params["mode"]
    if mode == "load":
        phronesis.load(path)
    else:
        analyse_file(path, mode)


def classify(case: Case, folder: Path, timeout: int) -> Outcome:
    """Run ``case`` under the alarm and classify what happened."""
    from engine.errors import PhronesisError

    def alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"no answer within {timeout} s")

    signal.signal(signal.SIGALRM, alarm)
    start = time.perf_counter()
    sink = io.StringIO()
    try:
        signal.alarm(timeout)
        with contextlib.redirect_stdout(sink):
            run_case(case, folder)
        signal.alarm(0)
        return Outcome(case.index, case.reader, "accepted", seconds=time.perf_counter() - start)
    except BaseException as exc:  # noqa: BLE001 - classifying every failure is the point
        signal.alarm(0)
        if isinstance(exc, KeyboardInterrupt):
            raise
        seconds = time.perf_counter() - start
        message = str(exc)
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
        if isinstance(exc, CaseTimeout):
            kind = "Timeout"
        elif isinstance(exc, NetworkAttempt):
            kind = "NetworkAttempt"
        elif isinstance(exc, PhronesisError):
            if "\n" in message.strip():
                kind = f"MultiLine[{type(exc).__name__}]"
            elif len(message) > MAX_MESSAGE:
                kind = f"LongMessage[{type(exc).__name__}]"
            else:
                return Outcome(
                    case.index, case.reader, "rejected", message=message, seconds=seconds
                )
        else:
            kind = type(exc).__name__
        return Outcome(case.index, case.reader, "DEFECT", kind, message[:2000], trace, seconds)


# --------------------------------------------------------------------------- workers

_CORPUS: dict[str, list[tuple[str, bytes]]] = {}


def init_worker(corpus: dict[str, list[tuple[str, bytes]]], reasoner: str) -> None:
    """Each worker: the corpus, a memory limit, quiet stderr (libraries' noise) and warnings,
    and the reasoner ``phronesis.load`` uses for ontologies."""
    os.environ["PHRONESIS_REASONER"] = reasoner
    import logging
    import warnings

    _CORPUS.update(corpus)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.chdir(tempfile.mkdtemp(prefix="phronesis-fuzz-worker-"))  # the JVM's crash logs land here
    warm_up()
    block_network()


def warm_up() -> None:
    """Import what the readers import (torch, Pyro, pyAgrum, rdflib) and run each once on a
    valid input, so no case's time limit is spent importing a library."""
    import phronesis
    from models.learn.thurstone import fit_thurstonian, read_pairs
    from models.pyagrum.convert import import_pyagrum
    from ontology.analyse import analyse_file

    import_pyagrum()
    for name in EVIDENCE_SCENARIOS:
        phronesis.decide(problem_of(name), **decide_settings({}))
    choices = read_pairs(EXAMPLES / "data" / "drink_choices.csv")
    fit_thurstonian(choices, steps=2)
    analyse_file(EXAMPLES / "ontology" / "icu_triage.ttl", "owlrl")


def run_chunk(indices: list[int], seed: int, timeout: int) -> list[Outcome]:
    outcomes = []
    for index in indices:
        case = make_case(index, seed, _CORPUS)
        with tempfile.TemporaryDirectory(prefix="phronesis-fuzz-") as tmp:
            outcomes.append(classify(case, Path(tmp), timeout))
    return outcomes


def campaign(
    corpus: dict[str, list[tuple[str, bytes]]],
    cases: int,
    seed: int,
    workers: int,
    timeout: int,
    reasoner: str = "owlrl",
) -> list[Outcome]:
    """Run every case in ``workers`` processes; a worker that dies is a defect of its case."""
    chunk = 25
    pending = [list(range(i, min(i + chunk, cases))) for i in range(0, cases, chunk)]
    outcomes: list[Outcome] = []
    done = 0
    started = time.perf_counter()
    while pending:
        with ProcessPoolExecutor(
            workers, initializer=init_worker, initargs=(corpus, reasoner)
        ) as pool:
            futures = [(c, pool.submit(run_chunk, c, seed, timeout)) for c in pending]
            pending = []
            broken: list[list[int]] = []
            for indices, future in futures:
                try:
                    outcomes.extend(future.result())
                    done += len(indices)
                    if done % 1000 < chunk:
                        rate = done / (time.perf_counter() - started)
                        print(f"  {done}/{cases} cases ({rate:.0f}/s)", file=sys.stderr)
                except BrokenProcessPool:
                    broken.append(indices)
        for indices in broken:
            if len(indices) == 1:  # this case kills its worker (segfault, OOM kill)
                case = make_case(indices[0], seed, corpus)
                outcomes.append(Outcome(case.index, case.reader, "DEFECT", "WorkerDied"))
            else:
                pending.extend([i] for i in indices)
    return sorted(outcomes, key=lambda o: o.index)


# --------------------------------------------------------------------------- report


def save_reproducer(outcome: Outcome, seed: int, corpus: dict[str, Any], out: Path) -> Path:
    case = make_case(outcome.index, seed, corpus)
    slug = re.sub(r"[^\w.-]+", "_", f"{outcome.kind}-{outcome.reader}")[:80]
    folder = out / slug
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / case.name
    target.write_bytes(case.data)
    (folder / "case.txt").write_text(
        f"reader: {case.reader}\ncase: {case.index} (--seed {seed})\nfile: {case.name}\n"
        f"params: {json.dumps(case.params, default=str)[:2000]}\n"
        f"kind: {outcome.kind}\nmessage: {outcome.message[:2000]}\n\n{outcome.trace}",
        encoding="utf-8",
    )
    return folder


def report(
    outcomes: list[Outcome],
    corpus: dict[str, list[tuple[str, bytes]]],
    seed: int,
    out: Path,
    seconds: float,
) -> int:
    """Print the table and the defects; save one reproducer per defect; 1 if any defect."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    seconds_of: Counter[str] = Counter()
    for o in outcomes:
        counts[o.reader][o.outcome] += 1
        seconds_of[o.reader] += o.seconds
    print(f"\n{len(outcomes)} cases, seed {seed}, {seconds:.0f} s\n")
    print(f"{'reader':<18}{'cases':>8}{'accepted':>10}{'rejected':>10}{'DEFECT':>8}{'mean s':>8}")
    total: Counter[str] = Counter()
    for reader in READERS:
        c = counts.get(reader, Counter())
        total.update(c)
        print(
            f"{reader:<18}{sum(c.values()):>8}{c['accepted']:>10}{c['rejected']:>10}"
            f"{c['DEFECT']:>8}{seconds_of[reader] / max(1, sum(c.values())):>8.3f}"
        )
    print(
        f"{'total':<18}{sum(total.values()):>8}{total['accepted']:>10}{total['rejected']:>10}"
        f"{total['DEFECT']:>8}"
    )
    defects: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.outcome == "DEFECT":
            defects[o.kind, o.reader].append(o)
    if not defects:
        print("\nno defects")
        return 0
    print(f"\ndefects by kind (one reproducer each under {out}):")
    for (kind, reader), found in sorted(defects.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        folder = save_reproducer(found[0], seed, corpus, out)
        line = found[0].message.replace("\n", " ")[:110]
        print(f"  {len(found):>5}  {kind:<32} {reader:<16} {folder.name}  {line}")
    return 1


def run_one(index: int, seed: int, timeout: int, reasoner: str) -> int:
    """Run case ``index`` here (stderr left alone), print its outcome; 1 if a defect."""
    os.environ["PHRONESIS_REASONER"] = reasoner
    case = make_case(index, seed, seed_corpus())
    block_network()
    with tempfile.TemporaryDirectory(prefix="phronesis-fuzz-") as tmp:
        outcome = classify(case, Path(tmp), timeout)
    print(f"case {index}: {case.reader} {case.name} {json.dumps(case.params, default=str)[:200]}")
    print(f"{outcome.outcome} {outcome.kind} ({outcome.seconds:.2f} s): {outcome.message[:500]}")
    if outcome.trace:
        print(outcome.trace)
    return int(outcome.outcome == "DEFECT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10, help="seconds per case")
    parser.add_argument("--out", type=Path, default=Path("/tmp/phronesis-fuzz"))
    parser.add_argument(
        "--reasoner",
        default="owlrl",
        choices=("owlrl", "hermit", "auto", "none"),
        help="PHRONESIS_REASONER for phronesis.load of ontologies (HermiT starts a JVM: slow)",
    )
    parser.add_argument("--only", type=int, help="run case N alone, in this process, and show it")
    args = parser.parse_args()
    if args.only is not None:
        sys.exit(run_one(args.only, args.seed, args.timeout, args.reasoner))
    start = time.perf_counter()
    corpus = seed_corpus()
    outcomes = campaign(corpus, args.cases, args.seed, args.workers, args.timeout, args.reasoner)
    sys.exit(report(outcomes, corpus, args.seed, args.out, time.perf_counter() - start))


if __name__ == "__main__":
    main()
