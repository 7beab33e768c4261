"""Verified decision tables (shared/DESIGN.md, "theorems/"; issue 13 item 4): the decision for
every assignment of a task's evidence space, decided by the kernel, together with the
certificates of the properties checked on exactly that table.

A :class:`VerifiedTable` holds, for assignment number ``k`` (the mixed-radix numbering of
:mod:`theorems.space`: one digit per observable, the last fastest, digit ``|states(v)|`` =
not observed), the chosen option's index ``chosen[k]`` (int16, -1 where the row abstains) and
the kernel's abstention code ``abstention[k]`` (:class:`engine.kernel.batch.Abstain`). Its
``digest`` is :class:`theorems.space.TableDigest` over the same task — the SHA-256 an exhaustive
proof records as ``table_sha256`` in its witness — so a certificate is attached only when it is
about this problem, these settings and, where it names a table, this very table
(:func:`attach`). The writers (:mod:`theorems.tables.files`, :mod:`theorems.tables.c_header`)
carry the problem hash and the digest into every file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.errors import EvidenceError, PhronesisError, listing, quote
from engine.kernel.batch import Abstain
from theorems.certificate import Certificate
from theorems.registry import Recheck
from theorems.space import CHUNK, TableDigest, chunks, decider
from theorems.task import Task
from theorems.verify import verify

UNOBSERVED = "*"
#: the witness / details key under which a certificate names the table it was proved on
TABLE_KEY = "table_sha256"


class TableError(PhronesisError, ValueError):
    """A verified table is inconsistent, or a certificate is not about this table."""


@dataclass(frozen=True, slots=True, eq=False)
class VerifiedTable:
    """The decision per assignment of an evidence space, with its digest and certificates.

    ``observables`` and ``states`` name the space (``states[i]`` are the states of
    ``observables[i]``); ``chosen`` (int16, one per assignment, read-only) indexes
    ``options`` or is -1 for an abstention; ``abstention`` (int8) holds the
    :class:`~engine.kernel.batch.Abstain` code; ``settings`` are the decision settings (rule,
    normalisation, policy, backend); ``digest`` is the :class:`theorems.space.TableDigest` of
    ``chosen``; ``certificates`` were checked by :func:`attach`.
    """

    problem_hash: str
    problem_name: str
    observables: tuple[str, ...]
    states: tuple[tuple[str, ...], ...]
    options: tuple[str, ...]
    settings: Mapping[str, Any]
    chosen: np.ndarray
    abstention: np.ndarray
    digest: str
    certificates: tuple[Certificate, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.states) != len(self.observables):
            raise TableError(
                f"table: {len(self.observables)} observables but {len(self.states)} state lists"
            )
        chosen = np.array(self.chosen, dtype=np.int16)
        abstention = np.array(self.abstention, dtype=np.int8)
        if chosen.shape != (self.size,) or abstention.shape != (self.size,):
            raise TableError(
                f"table: expected {self.size} assignments (Π (|states| + 1)); found "
                f"{chosen.size} choices and {abstention.size} abstention codes"
            )
        if chosen.size and (chosen.min() < -1 or chosen.max() >= len(self.options)):
            raise TableError(
                f"table: a chosen option index is outside -1 .. {len(self.options) - 1}"
            )
        if np.any((chosen >= 0) != (abstention == Abstain.NONE)):
            raise TableError("table: an assignment both chooses an option and abstains, or neither")
        chosen.flags.writeable = False
        abstention.flags.writeable = False
        object.__setattr__(self, "chosen", chosen)
        object.__setattr__(self, "abstention", abstention)
        object.__setattr__(self, "observables", tuple(self.observables))
        object.__setattr__(self, "states", tuple(tuple(s) for s in self.states))
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "settings", dict(self.settings))
        object.__setattr__(self, "certificates", tuple(self.certificates))

    @property
    def radices(self) -> tuple[int, ...]:
        """|states(v)| + 1 per observable."""
        return tuple(len(s) + 1 for s in self.states)

    @property
    def size(self) -> int:
        """The number of assignments, Π_v (|states(v)| + 1)."""
        return math.prod(self.radices)

    def number(self, evidence: Mapping[str, str]) -> int:
        """The assignment number of ``evidence`` (observables left out are unobserved)."""
        unknown = set(evidence) - set(self.observables)
        if unknown:
            raise EvidenceError(
                f"the table was compiled for observables {listing(self.observables)}; "
                f"{listing(sorted(unknown))} are not among them — recompile with --observe"
            )
        k = 0
        for name, states, radix in zip(self.observables, self.states, self.radices, strict=True):
            state = evidence.get(name)
            if state is None or state == UNOBSERVED:
                digit = radix - 1
            elif state in states:
                digit = states.index(state)
            else:
                raise EvidenceError(
                    f"evidence {name}={quote(state)}: expected one of {listing(states)}"
                )
            k = k * radix + digit
        return k

    def evidence(self, k: int) -> dict[str, str]:
        """Assignment ``k`` as ``{variable: state or "*"}`` for every observable."""
        digits = np.unravel_index(k, self.radices) if self.states else ()
        return {
            name: states[d] if d < len(states) else UNOBSERVED
            for name, states, d in zip(self.observables, self.states, map(int, digits), strict=True)
        }

    def option(self, k: int) -> str | None:
        """The option chosen for assignment ``k`` (``None`` where the table abstains)."""
        a = int(self.chosen[k])
        return self.options[a] if a >= 0 else None

    def reason(self, k: int) -> str | None:
        """Why assignment ``k`` abstains, in words (``None`` where it chooses)."""
        return abstention_reason(int(self.abstention[k]))

    def lookup(self, evidence: Mapping[str, str]) -> str | None:
        """The option decided for ``evidence`` (``None`` where the table abstains)."""
        return self.option(self.number(evidence))


def abstention_reason(code: int) -> str | None:
    """An :class:`~engine.kernel.batch.Abstain` code in words (``None`` for a decision)."""
    if code == Abstain.NONE:
        return None
    return Abstain(code).name.lower().replace("_", " ")


def abstention_code(reason: str | None) -> int:
    """The inverse of :func:`abstention_reason`."""
    if reason is None:
        return int(Abstain.NONE)
    try:
        return int(Abstain[reason.upper().replace(" ", "_")])
    except KeyError:
        names = [abstention_reason(int(c)) for c in Abstain if c != Abstain.NONE]
        raise TableError(
            f"abstention reason {quote(reason)}: expected one of {listing(names)}"
        ) from None


def decide_table(task: Task, chunk: int = CHUNK) -> VerifiedTable:
    """Decide every assignment of ``task``'s evidence space with the decision kernel, in chunks
    of ``chunk`` assignments (``task.progress(done, total)`` after each), and digest the
    choices as :class:`theorems.space.TableDigest` does.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from theorems.task import make_task
    >>> task = make_task(load_scenario("examples/av_emergency.yaml"), ["detection"])
    >>> table = decide_table(task)
    >>> table.lookup({"detection": "negative"}), table.lookup({}), table.size
    ('swerve_right', 'brake_straight', 3)
    """
    problem = task.problem
    total = task.space_size
    chosen = np.empty(total, dtype=np.int16)
    abstention = np.empty(total, dtype=np.int8)
    digest = TableDigest(task)
    decide_chunk = decider(task)
    for part in chunks(task, chunk):
        batch = decide_chunk(part)
        stop = part.start + len(part.index)
        chosen[part.start : stop] = batch.chosen
        abstention[part.start : stop] = batch.abstention
        digest.update(chosen[part.start : stop])
        if task.progress is not None:
            task.progress(stop, total)
    return VerifiedTable(
        problem_hash=problem.content_hash,
        problem_name=problem.name,
        observables=task.observables,
        states=tuple(tuple(problem.states(v)) for v in task.observables),
        options=tuple(problem.decision.options),
        settings=dict(task.settings),
        chosen=chosen,
        abstention=abstention,
        digest=digest.hexdigest(),
    )


def table_of(certificate: Certificate) -> str | None:
    """The table digest a certificate names (witness, else details), or ``None``."""
    for part in (certificate.witness, certificate.details):
        value = part.get(TABLE_KEY)
        if isinstance(value, str):
            return value
    return None


def covers(table: VerifiedTable, certificate: Certificate) -> Recheck:
    """Whether ``certificate`` is about ``table``: the same problem (content hash), the same
    settings (every setting both name), and — where the certificate names a table — the same
    table digest. A certificate naming no table (a refutation's counterexample, an SMT proof
    over the decision function) speaks of the problem under these settings, which the table
    tabulates, and is accepted on problem and settings alone."""
    name = quote(certificate.property)
    if certificate.problem_hash != table.problem_hash:
        return Recheck(
            False,
            f"certificate of {name} is about problem {certificate.problem_hash[:16]}…, "
            f"not this table's problem {table.problem_hash[:16]}… — re-verify on this problem",
        )
    differ = sorted(
        key
        for key in set(certificate.settings) & set(table.settings)
        if certificate.settings[key] != table.settings[key]
    )
    if differ:
        key = differ[0]
        return Recheck(
            False,
            f"certificate of {name} was checked with {key}={quote(certificate.settings[key])}, "
            f"the table with {key}={quote(table.settings[key])} — re-verify with the same settings",
        )
    named = table_of(certificate)
    if named is not None and named != table.digest:
        return Recheck(
            False,
            f"certificate of {name} was checked on table {named[:16]}…, not on this table "
            f"{table.digest[:16]}… — re-verify on this table",
        )
    return Recheck(True)


def attach(table: VerifiedTable, certificates: Iterable[Certificate]) -> VerifiedTable:
    """``table`` with ``certificates`` added, each checked by :func:`covers`; a certificate
    that is not about this table raises :class:`TableError` (one line, naming the property
    and the fix)."""
    new = tuple(certificates)
    for certificate in new:
        found = covers(table, certificate)
        if not found.ok:
            raise TableError(found.reason)
    return replace(table, certificates=(*table.certificates, *new))


def verified_table(task: Task, names: Sequence[str] | None = None) -> VerifiedTable:
    """Decide ``task``'s whole evidence space and attach the certificates of the named
    properties (``None``: every applicable one), checked on the same task.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> from theorems.task import make_task
    >>> task = make_task(load_scenario("examples/av_emergency.yaml"), ["detection"])
    >>> table = verified_table(task, [])
    >>> len(table.digest), table.certificates
    (64, ())
    """
    table = decide_table(task)
    return attach(table, verify(task, names))


def recheck_table(table: VerifiedTable, task: Task, *, redecide: bool = False) -> Recheck:
    """Whether ``table`` is the table of ``task``: the same problem, observables, states and
    options, and a digest that re-hashing ``table.chosen`` reproduces; with ``redecide``, also
    the same choices when the kernel decides the space afresh."""
    problem = task.problem
    expected = {
        "problem hash": problem.content_hash,
        "observables": task.observables,
        "states": tuple(tuple(problem.states(v)) for v in task.observables),
        "options": tuple(problem.decision.options),
    }
    found = {
        "problem hash": table.problem_hash,
        "observables": table.observables,
        "states": table.states,
        "options": table.options,
    }
    for key, value in expected.items():
        if found[key] != value:
            return Recheck(False, f"the table's {key} differ from the task's: {quote(found[key])}")
    digest = TableDigest(task)
    digest.update(table.chosen)
    if digest.hexdigest() != table.digest:
        return Recheck(False, "the table's digest does not match its choices (changed table)")
    if redecide:
        fresh = decide_table(replace(task, progress=None))
        if not np.array_equal(fresh.chosen, table.chosen):
            k = int(np.flatnonzero(fresh.chosen != table.chosen)[0])
            return Recheck(
                False,
                f"assignment {table.evidence(k)}: the table says {table.option(k)!r}, "
                f"the problem decides {fresh.option(k)!r}",
            )
    return Recheck(True)
