"""Compiled decision tables: every decision a controller can face, decided ahead of time.

When the variables a controller observes are finite, the decision rule is a finite function of
what it observes. :func:`compile_decision_table` decides every assignment of the observable
variables — each observed in one of its states or not observed at all — with one call of the
decision kernel (:func:`engine.kernel.decide.decide_rows`), and the resulting
:class:`DecisionTable` answers a lookup in about a microsecond with no inference and no
imports beyond the standard library. The table is an exportable artefact (JSON with the
problem's content hash, rule and settings) that can be reviewed, verified exhaustively and
embedded.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.ir import DecisionProblem
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows

UNOBSERVED = "*"


@dataclass(frozen=True, slots=True)
class DecisionTable:
    """option (or ``None`` for an abstention / impossible evidence) per observation.

    ``entries`` maps a key — one state or ``"*"`` (not observed) per observable, in
    ``observables`` order — to ``(option, reason)``; ``reason`` is ``None`` for a decision,
    the abstention reason, or why the evidence is impossible.
    """

    problem_hash: str
    observables: tuple[str, ...]
    settings: dict[str, Any]
    entries: dict[tuple[str, ...], tuple[str | None, str | None]]

    def key(self, evidence: Mapping[str, str]) -> tuple[str, ...]:
        unknown = set(evidence) - set(self.observables)
        if unknown:
            raise EvidenceError(
                f"the table was compiled for observables {list(self.observables)}; "
                f"{sorted(unknown)} are not among them — recompile with --observe"
            )
        return tuple(evidence.get(v, UNOBSERVED) for v in self.observables)

    def lookup(self, evidence: Mapping[str, str]) -> str | None:
        """The option decided for ``evidence`` (``None`` where the problem abstains)."""
        try:
            return self.entries[self.key(evidence)][0]
        except KeyError:
            raise EvidenceError(
                f"evidence {dict(evidence)} names a state not in the table"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem_hash": self.problem_hash,
            "observables": list(self.observables),
            "settings": self.settings,
            "entries": [
                {
                    "evidence": dict(zip(self.observables, key, strict=True)),
                    "option": o,
                    "reason": r,
                }
                for key, (o, r) in self.entries.items()
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> DecisionTable:
        data = json.loads(text)
        observables = tuple(data["observables"])
        entries = {
            tuple(e["evidence"][v] for v in observables): (e["option"], e["reason"])
            for e in data["entries"]
        }
        return cls(data["problem_hash"], observables, data["settings"], entries)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")


def compile_decision_table(
    problem: DecisionProblem,
    observables: Sequence[str],
    *,
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    backend: str = "auto",
) -> DecisionTable:
    """Decide every assignment of ``observables`` (each state, or unobserved) ahead of time.

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> table = compile_decision_table(load_scenario("examples/av_emergency.yaml"), ["detection"])
    >>> table.lookup({"detection": "negative"}), table.lookup({})
    ('swerve_right', 'brake_straight')
    """
    chance = [v.name for v in problem.variables]
    for v in observables:
        if v not in chance:
            raise EvidenceError(f"unknown observable {v!r}; expected one of: {', '.join(chance)}")
    keys = list(itertools.product(*((*problem.states(v), UNOBSERVED) for v in observables)))
    rows = [
        {v: s for v, s in zip(observables, key, strict=True) if s != UNOBSERVED} for key in keys
    ]
    options = {"rule": rule, "normalisation": normalisation, "policy": policy, "backend": backend}
    batch = decide_rows(compile_problem(problem, **options), rows)
    results: list[tuple[str | None, str | None]] = []
    for i, row in enumerate(rows):
        if batch.chosen[i] >= 0 and batch.possible[i].all():
            results.append((batch.options[batch.chosen[i]], None))
            continue
        try:  # the reason in words, as decide gives it (abstentions are few)
            d = decide(problem, row, **options)
            results.append((d.option, d.abstain))
        except EvidenceError as exc:
            results.append((None, f"impossible evidence: {exc}"))
    entries = {key: result for key, result in zip(keys, results, strict=True)}
    return DecisionTable(problem.content_hash, tuple(observables), options, entries)
