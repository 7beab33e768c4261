"""The ``alignment`` property: the decision function agrees with labelled human judgments.

A labels file is a CSV with a header of situation variables (chance variables the decision
cannot influence) and an ``expected`` column: each row is a situation (a variable's state, or
an empty cell for "not observed") and the option a human judged right in it; a row whose first
cell starts with ``#`` is a comment. The kernel decides every situation
(:func:`engine.kernel.decide.decide_rows`); k of the n rows agree (an abstention never agrees).
The agreement rate k / n gets the exact Clopper–Pearson interval at level 1 − a
(``confidence``, default 0.95):

    lower = B(a/2; k, n − k + 1),   upper = B(1 − a/2; k + 1, n − k)

with B(q; x, y) the q-quantile of the Beta(x, y) distribution (lower = 0 when k = 0, upper = 1
when k = n; Clopper & Pearson 1934, *Biometrika* 26(4), 404-413). Its coverage is at least
1 − a for every true rate, so the verdict errs with probability at most a/2 (one tail):

* ``proved`` when lower ≥ ``threshold`` (default 0.9: the agreement a reviewer would ask of a
  decision aid before trusting it; set it for the domain),
* ``refuted`` when upper < threshold (witness: the first disagreeing rows, expected vs chosen),
* ``unknown`` otherwise: the interval straddles the threshold; label more situations.

The certificate records the labels file's SHA-256; :func:`recheck` re-reads the file (the hash
must match) and re-decides each row through :func:`engine.decision.pipeline.decide` — a
different code path from the kernel — and the interval from :mod:`scipy.stats.beta` quantiles
rather than :func:`scipy.stats.binomtest`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import DataError, listing
from engine.ir import DecisionProblem
from engine.kernel.batch import Abstain
from engine.kernel.decide import decide_rows
from theorems.certificate import Certificate, versions
from theorems.registry import Property, PropertyError, Recheck, register_property
from theorems.task import Task, situation_variables

NAME = "alignment"
STATEMENT = (
    "The decisions agree with labelled human judgments: the exact Clopper-Pearson interval of "
    "the agreement rate over the situations in the 'labels' CSV, at level 'confidence' "
    "(default 0.95), lies at or above 'threshold' (default 0.9)."
)
EXPECTED = "expected"
DEFAULTS: dict[str, Any] = {"confidence": 0.95, "threshold": 0.9}
#: the largest labels file read (bytes)
MAX_LABEL_BYTES = 64 * 1024**2
#: disagreeing rows shown in a certificate
SHOWN = 10


@dataclass(frozen=True, slots=True)
class Labels:
    """A labels file read and checked: its ``sha256``, and per row the file ``line``, the
    ``evidence`` ``{variable: state}`` and the ``expected`` option."""

    source: str
    sha256: str
    lines: tuple[int, ...]
    evidence: tuple[dict[str, str], ...]
    expected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Agreement:
    """k of n rows agree; ``interval`` the Clopper–Pearson interval at ``confidence``; the
    option chosen per row ('' where the decision abstains)."""

    agreements: int
    situations: int
    interval: tuple[float, float]
    confidence: float
    chosen: tuple[str, ...]


def read_labels(problem: DecisionProblem, path: str | Path) -> Labels:
    """Read and check a labels CSV (see the module docstring); errors name the file, the line
    and the column, and say what was expected."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_LABEL_BYTES:
            raise DataError(source, "", f"file is {size:,} bytes, over {MAX_LABEL_BYTES:,}")
        data = Path(path).read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise DataError(source, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DataError(source, "", f"not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [(reader.line_num, row) for row in reader if row and not _comment(row)]
    except csv.Error as exc:
        raise DataError(source, f"line {reader.line_num}", f"malformed CSV ({exc})") from None
    if not records:
        raise DataError(source, "header", f"empty file; expected a header with {EXPECTED!r}")
    header = [cell.strip() for cell in records[0][1]]
    variables = situation_variables(problem)
    for column in header:
        if column != EXPECTED and column not in variables:
            known = column in {v.name for v in problem.variables}
            raise DataError(
                source,
                "header",
                f"{'outcome' if known else 'unknown'} column {column!r}; expected "
                f"{EXPECTED!r} and variables the decision cannot influence ({listing(variables)})",
            )
    if header.count(EXPECTED) != 1 or len(set(header)) != len(header):
        raise DataError(source, "header", f"expected one {EXPECTED!r} column and no repeats")
    options = problem.decision.options
    lines, evidence, expected = [], [], []
    for line, record in records[1:]:
        if len(record) != len(header):
            raise DataError(
                source, f"line {line}", f"expected {len(header)} cells, found {len(record)}"
            )
        row: dict[str, str] = {}
        for column, cell in zip(header, (c.strip() for c in record), strict=True):
            if column == EXPECTED:
                if cell not in options:
                    raise DataError(
                        source,
                        f"line {line}, column {EXPECTED!r}",
                        f"{cell!r} is not an option; expected one of {listing(options)}",
                    )
                expected.append(cell)
            elif cell:
                states = problem.states(column)
                if cell not in states:
                    raise DataError(
                        source,
                        f"line {line}, column {column!r}",
                        f"unknown state {cell!r}; expected one of {listing(states)} or empty",
                    )
                row[column] = cell
        lines.append(line)
        evidence.append(row)
    if not lines:
        raise DataError(source, "rows", "no labelled situations; add at least one row")
    digest = hashlib.sha256(data).hexdigest()
    return Labels(source, digest, tuple(lines), tuple(evidence), tuple(expected))


def clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """The exact Clopper–Pearson interval of k successes in n trials (module docstring).

    Examples
    --------
    >>> [round(b, 4) for b in clopper_pearson(9, 10, 0.95)]
    [0.555, 0.9975]
    """
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def agreement(task: Task, labels: Labels, confidence: float) -> Agreement:
    """Decide every labelled situation with the kernel and count the agreements."""
    batch = decide_rows(task.compiled, list(labels.evidence))
    impossible = np.flatnonzero(batch.abstention == Abstain.EVIDENCE_IMPOSSIBLE)
    if impossible.size:
        line = labels.lines[int(impossible[0])]
        raise DataError(
            labels.source, f"line {line}", "the situation has probability 0 under the model"
        )
    chosen = tuple(str(name) for name in batch.option_names)
    k = sum(c == e for c, e in zip(chosen, labels.expected, strict=True))
    n = len(chosen)
    return Agreement(k, n, clopper_pearson(k, n, confidence), confidence, chosen)


def check(task: Task) -> Certificate:
    """Check ``alignment`` on ``task`` (parameters ``labels``, ``confidence``, ``threshold``)."""
    start = time.perf_counter()
    confidence, threshold = _level(task, "confidence"), _level(task, "threshold")
    labels = read_labels(task.problem, str(task.parameters["labels"]))
    found = agreement(task, labels, confidence)
    low, high = found.interval
    wrong = _disagreements(labels, found.chosen)
    if low >= threshold:
        verdict, reason = "proved", None
    elif high < threshold:
        verdict, reason = (
            "refuted",
            f"agreement {found.agreements}/{found.situations}: "
            + (f"the interval [{low:.4f}, {high:.4f}] lies below the threshold {threshold}"),
        )
    else:
        verdict = "unknown"
        reason = "the interval straddles the threshold; label more situations"
    counts = {"agreements": found.agreements, "situations": found.situations}
    return Certificate(
        property=NAME,
        problem_hash=task.problem.content_hash,
        verdict=verdict,  # type: ignore[arg-type]
        method="clopper-pearson",
        parameters={
            **dict(task.parameters),
            "labels_sha256": labels.sha256,
            "confidence": confidence,
            "threshold": threshold,
        },
        settings=dict(task.settings),
        reason=reason,
        witness={**counts, "interval": [low, high], "disagreements": wrong[:SHOWN]},
        details={**counts, "disagreeing": len(wrong)},
        solvers=versions("scipy"),
        seconds=time.perf_counter() - start,
    )


def recheck(task: Task, certificate: Certificate) -> Recheck:
    """Re-read the labels (same SHA-256), re-decide each row with the pipeline, recompute the
    interval from Beta quantiles, and compare counts, interval and verdict. A certificate with
    a field missing or malformed does not stand."""
    try:
        return _recheck(task, certificate)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, DataError):  # the labels file itself is wrong: say so
            raise
        return Recheck(False, f"a certificate field is missing or malformed ({exc!r})")


def _recheck(task: Task, certificate: Certificate) -> Recheck:
    from scipy.stats import beta

    from engine.decision.pipeline import decide

    params = certificate.parameters
    path = str(task.parameters.get("labels", params.get("labels")))
    labels = read_labels(task.problem, path)
    if labels.sha256 != params.get("labels_sha256"):
        return Recheck(False, f"{path}: the labels file differs from the one certified (SHA-256)")
    if certificate.problem_hash != task.problem.content_hash:
        return Recheck(False, "the problem differs from the one certified (content hash)")
    settings = {k: task.settings.get(k) for k in ("rule", "normalisation", "policy")}
    chosen = [
        decide(task.problem, row, backend=task.settings.get("backend", "auto"), **settings).option
        or ""
        for row in labels.evidence
    ]
    k = sum(c == e for c, e in zip(chosen, labels.expected, strict=True))
    n = len(chosen)
    a = 1.0 - float(params["confidence"])
    low = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    if (k, n) != (certificate.witness.get("agreements"), certificate.witness.get("situations")):
        return Recheck(False, f"re-deciding gives {k} of {n} agreements")
    stated = certificate.witness.get("interval", [math.nan, math.nan])
    if not np.allclose([low, high], stated, rtol=0, atol=1e-9):
        return Recheck(False, f"the interval recomputed is [{low:.6f}, {high:.6f}]")
    threshold = float(params["threshold"])
    verdict = "proved" if low >= threshold else "refuted" if high < threshold else "unknown"
    if verdict != certificate.verdict:
        return Recheck(False, f"the verdict recomputed is {verdict!r}")
    return Recheck(True)


def _disagreements(labels: Labels, chosen: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"line": line, "evidence": evidence, "expected": expected, "chosen": got or "(abstain)"}
        for line, evidence, expected, got in zip(
            labels.lines, labels.evidence, labels.expected, chosen, strict=True
        )
        if got != expected
    ]


def _comment(row: list[str]) -> bool:
    """A row whose first cell starts with '#' is a comment (the labels file's justification)."""
    return row[0].lstrip().startswith("#")


def _level(task: Task, name: str) -> float:
    value = task.parameters.get(name, DEFAULTS[name])
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise PropertyError(f"alignment: parameter {name!r} must be in (0, 1), found {value!r}")
    return float(value)


ALIGNMENT = register_property(Property(NAME, STATEMENT, check, recheck, needs=("labels",)))
