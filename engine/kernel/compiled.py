"""Compiled problems (shared/DESIGN.md, "Compiled problems and the decision kernel"): the
settings resolved once, the structure as arrays, the backend chosen once, and an evidence
encoder; cached per process by content hash and settings, so naming a problem and a backend
again compiles nothing anew.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.backends.registry import backend_for
from engine.decision.applied_policy import apply_policy
from engine.decision.settings import ON_SILENCE, Settings, resolve_settings
from engine.errors import EvidenceError, PolicyError
from engine.ir import DecisionProblem
from engine.ir.evidence import check_evidence
from engine.kernel.structure import Structure, problem_structure
from engine.rules.base import RuleOptions
from engine.semantics.assessment import Assessment

CACHE_SIZE = 128
#: one-row decisions kept per compiled problem (a controller meeting the same situation again)
REMEMBERED_ROWS = 4096
_CACHE: OrderedDict[tuple[object, ...], CompiledProblem] = OrderedDict()


@dataclass(frozen=True, slots=True, eq=False)
class CompiledProblem:
    """A problem ready for the decision kernel.

    ``settings`` are those every row is decided under before a conditional policy picks its
    case; ``policy_settings`` are the settings after a policy that does not depend on the
    evidence (``rule`` / ``ordering`` abstraction) is applied (``None`` for a conditional
    one). ``columns`` are the observable chance variables, the columns of evidence index
    matrices; ``arguments`` are the keyword settings that reproduce a row with
    :func:`engine.decision.pipeline.decide`.
    """

    problem: DecisionProblem
    settings: Settings
    policy_settings: Settings | None
    backend: InferenceBackend
    structure: Structure
    columns: tuple[str, ...]
    state_index: tuple[Mapping[str, int], ...]
    arguments: Mapping[str, Any]
    queries: dict[bytes, Any] = field(default_factory=dict)  # per evidence pattern
    decided: OrderedDict[bytes, Any] = field(default_factory=OrderedDict)  # one-row results

    def remember(self, key: bytes, batch: Any) -> None:
        """Keep a one-row result (read-only arrays) for the next call with that row."""
        self.decided[key] = batch
        if len(self.decided) > REMEMBERED_ROWS:
            self.decided.popitem(last=False)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of states of each column."""
        return np.array([len(states) for states in self.state_index], dtype=np.int64)

    @property
    def options(self) -> tuple[str, ...]:
        return self.problem.decision.options

    def encode(self, rows: Sequence[Mapping[str, str] | None]) -> np.ndarray:
        """Evidence rows as an index matrix (rows x columns, -1 = unobserved), each row
        checked like :func:`engine.ir.evidence.check_evidence`."""
        index = np.full((len(rows), len(self.columns)), -1, dtype=np.intp)
        position = {c: k for k, c in enumerate(self.columns)}
        for n, row in enumerate(rows):
            if not row:
                continue
            for variable, state in check_evidence(self.problem, row).items():
                k = position[variable]
                index[n, k] = self.state_index[k][state]
        return index

    def decode(self, row: np.ndarray) -> dict[str, str]:
        """One index row back to ``{variable: state}``."""
        return {
            c: self.problem.states(c)[int(i)]
            for c, i in zip(self.columns, row, strict=True)
            if i >= 0
        }


def compile_problem(
    problem: DecisionProblem,
    *,
    backend: str | InferenceBackend = "auto",
    rule: str | None = None,
    normalisation: str | None = None,
    policy: str | None = None,
    rule_options: RuleOptions | None = None,
    risk: str | None = None,
    tie_break: str | None = None,
    on_silence: str = "abstain",
) -> CompiledProblem:
    """Compile ``problem`` under these settings, or return the one compiled before.

    Problems with continuous variables are decided by sampling per row and cannot be
    compiled (observe every continuous variable and reduce them first, as ``decide`` does).
    """
    if problem.is_hybrid:
        raise EvidenceError(
            f"problem {problem.name!r} has continuous variables: it is decided by sampling, "
            "row by row (decide / decide_batch), not by the compiled kernel"
        )
    if on_silence not in ON_SILENCE:
        raise PolicyError(f"on_silence={on_silence!r}: expected one of {', '.join(ON_SILENCE)}")
    arguments = {
        "rule": rule,
        "normalisation": normalisation,
        "policy": policy,
        "rule_options": rule_options,
        "risk": risk,
        "tie_break": tie_break,
        "on_silence": on_silence,
    }
    engine = backend_for(backend, hybrid=False)
    key = (problem.content_hash, id(engine), *(repr(v) for v in arguments.values()))
    found = _CACHE.get(key)
    if found is not None and found.problem == problem:
        _CACHE.move_to_end(key)
        return found
    settings = resolve_settings(
        problem,
        rule,
        normalisation,
        policy,
        options=rule_options,
        risk=risk,
        tie_break=tie_break,
    )
    if settings.risk != "ev":
        raise PolicyError(
            f"risk {settings.risk!r}: the decision kernel decides by expected value; decide "
            "row by row (decide) for CVaR"
        )
    fixed = None
    if settings.policy is None or settings.policy.abstraction != "conditional":
        fixed, _ = apply_policy(problem, _no_cases(problem), settings)
    columns = tuple(v.name for v in problem.variables)
    compiled = CompiledProblem(
        problem=problem,
        settings=settings,
        policy_settings=fixed,
        backend=engine,
        structure=problem_structure(problem),
        columns=columns,
        state_index=tuple({s: i for i, s in enumerate(problem.states(c))} for c in columns),
        arguments={**arguments, "backend": engine},
    )
    _CACHE[key] = compiled
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


def _no_cases(problem: DecisionProblem) -> Assessment:
    """An assessment carrying nothing: what :func:`apply_policy` reads of one for a policy
    whose abstraction does not depend on the evidence (none of it)."""
    empty = np.zeros((len(problem.decision.options), 0))
    return Assessment(problem.decision.options, (), (), (), empty, empty, empty, empty, empty)
