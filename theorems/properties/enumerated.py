"""A property checked by enumeration, assembled from its parts: the chunk check (which
assignments violate it, :class:`theorems.methods.exhaustive.ChunkCheck`), what to say about a
counterexample, and how to confirm a counterexample on another code path
(:mod:`theorems.methods.redecide`). :func:`enumerated_property` turns these into a registry
:class:`~theorems.registry.Property` whose ``check`` returns a certificate and whose
``recheck`` re-validates one:

- a proof: the problem hash, settings and parameters must match; the space is decided again
  (in chunks of another size) and must contain no counterexample and hash to the same table;
- a refutation: the same match, then the counterexample's evidence is re-decided with
  :func:`engine.decision.pipeline.decide` and the violation must be there;
- ``unknown``: the check is run again and must still be unknown.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.decision.result import json_safe
from engine.kernel.batch import DecisionBatch
from theorems.certificate import Certificate, versions
from theorems.methods.exhaustive import (
    ChunkCheck,
    Counterexample,
    Scan,
    decide_assignment,
    scan,
    scan_many,
)
from theorems.methods.explain import explanation_of
from theorems.registry import Property, Recheck
from theorems.space import evidence_of
from theorems.task import Task

METHOD = "exhaustive"
#: chunk size of a re-check (not the check's, so that a proof is re-derived from other batches)
RECHECK_CHUNK = 4099

Describe = Callable[[Task, Any, DecisionBatch, Counterexample], dict[str, Any]]
Confirm = Callable[[Task, Mapping[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Enumerated:
    """The parts of an exhaustively checked property.

    ``describe(task, context, batch, counterexample)`` gives the property's part of a
    refutation's witness from the counterexample's one-row kernel batch, including ``what``,
    one line saying what was violated; ``confirm(task, witness)`` re-decides the witness's
    evidence off the kernel and returns ``None`` when the violation is confirmed, else why
    not; ``parameters(task)`` are the task parameters the property reads (recorded in the
    certificate and compared by the re-check).
    """

    name: str
    statement: str
    chunk: ChunkCheck
    describe: Describe
    confirm: Confirm
    parameters: Callable[[Task], dict[str, Any]] = lambda task: {}
    needs: tuple[str, ...] = ()


#: property name -> its parts, for the properties made by :func:`enumerated_property`
ENUMERATED: dict[str, tuple[Enumerated, Property]] = {}


def enumerated_property(spec: Enumerated) -> Property:
    """The registry entry of ``spec`` (see the module docstring)."""
    prop = Property(
        spec.name,
        spec.statement,
        functools.partial(check, spec),
        functools.partial(recheck, spec),
        spec.needs,
    )
    ENUMERATED[spec.name] = (spec, prop)
    return prop


def check(spec: Enumerated, task: Task) -> Certificate:
    """Scan the task's space; a proof or the smallest counterexample, explained."""
    return check_many((spec,), task)[0]


def check_many(specs: Sequence[Enumerated], task: Task) -> list[Certificate]:
    """:func:`check` for several properties on one scan of the space (each chunk decided
    once); the certificates record the time of the shared scan."""
    start = time.perf_counter()
    results = scan_many(task, [spec.chunk for spec in specs])
    seconds = time.perf_counter() - start
    shared = [spec.name for spec in specs] if len(specs) > 1 else []
    return [
        _certificate(spec, task, result, seconds, shared)
        for spec, result in zip(specs, results, strict=True)
    ]


def _certificate(
    spec: Enumerated, task: Task, result: Scan, seconds: float, shared: list[str]
) -> Certificate:
    common = _common(spec, task)
    extra = {"scan_shared_with": shared} if shared else {}
    if result.smallest is None:
        return Certificate(
            verdict="proved",
            witness={"table_sha256": result.table_sha256, "assignments": result.assignments},
            details={"assignments": result.assignments, "violations": 0, **extra},
            seconds=seconds,
            **common,
        )
    found = result.smallest
    batch = decide_assignment(task, found.digits)
    own = json_safe(spec.describe(task, spec.chunk.prepare(task), batch, found))
    chosen = int(batch.chosen[0])
    witness = {
        "assignment": found.number,
        "evidence": evidence_of(task, _digits(found)),
        "chosen": task.compiled.options[chosen] if chosen >= 0 else None,
        **own,
    }
    return Certificate(
        verdict="refuted",
        reason=f"{own['what']} (assignment {found.number}, {_shown(witness['evidence'])})",
        witness=witness,
        details={
            "assignments": result.assignments,
            "violations": result.violations,
            "table_sha256": result.table_sha256,
            "explanation": explanation_of(batch),
            **extra,
        },
        seconds=seconds,
        **common,
    )


def recheck(spec: Enumerated, task: Task, certificate: Certificate) -> Recheck:
    """Re-validate ``certificate`` on ``task`` (see the module docstring)."""
    mismatch = _mismatch(spec, task, certificate)
    if mismatch:
        return Recheck(False, mismatch)
    if certificate.verdict == "unknown":
        again = check(spec, task)
        if again.verdict != "unknown":
            return Recheck(
                False, f"the verdict 'unknown' does not stand: re-checking {again.verdict} it"
            )
        return Recheck(True, "re-checking gives 'unknown' again")
    if certificate.verdict == "refuted":
        evidence = certificate.witness.get("evidence")
        if not isinstance(evidence, dict) or set(evidence) - set(task.observables):
            return Recheck(
                False,
                "the witness's 'evidence' is missing or names a variable outside the observables",
            )
        try:
            why_not = spec.confirm(task, certificate.witness)
        except (KeyError, TypeError, ValueError) as exc:
            return Recheck(False, f"the witness cannot be re-decided ({exc})")
        if why_not is not None:
            return Recheck(False, f"the counterexample does not stand: {why_not}")
        return Recheck(
            True,
            f"re-deciding {_shown(evidence)} confirms it: {certificate.witness.get('what', '')}",
        )
    result = scan(task, spec.chunk, size=RECHECK_CHUNK)
    if result.smallest is not None:
        evidence = evidence_of(task, _digits(result.smallest))
        return Recheck(
            False,
            f"the verdict 'proved' does not stand: re-checking finds a counterexample at "
            f"assignment {result.smallest.number} ({_shown(evidence)})",
        )
    witness = certificate.witness
    if witness.get("assignments") != result.assignments:
        return Recheck(
            False,
            f"the certificate covers {witness.get('assignments')} assignments; the space has "
            f"{result.assignments}",
        )
    if witness.get("table_sha256") != result.table_sha256:
        return Recheck(
            False,
            f"the decision table changed: the certificate's table_sha256 is "
            f"{str(witness.get('table_sha256'))[:16]}…, re-deciding gives "
            f"{result.table_sha256[:16]}…",
        )
    return Recheck(
        True,
        f"re-decided {result.assignments} assignments: no counterexample, same table "
        f"(sha256 {result.table_sha256[:16]}…)",
    )


def settings_of(task: Task) -> dict[str, Any]:
    """The task's settings as JSON values (a backend instance by its name)."""
    return {
        k: v if v is None or isinstance(v, str | int | float | bool) else getattr(v, "name", str(v))
        for k, v in task.settings.items()
    }


def _common(spec: Enumerated, task: Task) -> dict[str, Any]:
    return {
        "property": spec.name,
        "problem_hash": task.problem.content_hash,
        "method": METHOD,
        "parameters": {"observables": list(task.observables), **spec.parameters(task)},
        "settings": settings_of(task),
        "solvers": versions("ray") if task.executor == "ray" else versions(),
    }


def _mismatch(spec: Enumerated, task: Task, certificate: Certificate) -> str | None:
    """Why ``certificate`` is not about this property, problem, settings and parameters."""
    common = _common(spec, task)
    if certificate.property != spec.name:
        return f"the certificate is for property {certificate.property!r}, not {spec.name!r}"
    if certificate.problem_hash != common["problem_hash"]:
        return (
            f"the problem changed: the certificate is for problem hash "
            f"{certificate.problem_hash[:16]}…, this problem's is {common['problem_hash'][:16]}…"
        )
    if certificate.method != METHOD:
        return f"method {certificate.method!r}: this property is checked {METHOD!r}"
    for part in ("settings", "parameters"):
        # exact backends agree, so the backend a certificate was produced on is not compared
        ours = _canonical({k: v for k, v in common[part].items() if k != "backend"})
        theirs = _canonical({k: v for k, v in getattr(certificate, part).items() if k != "backend"})
        if ours != theirs:
            return f"the {part} differ: the certificate has {theirs}, this check has {ours}"
    return None


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


def _digits(found: Counterexample) -> np.ndarray:
    return np.asarray(found.digits, dtype=np.intp)


def _shown(evidence: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in evidence.items()) or "no evidence"
