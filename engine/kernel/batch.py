"""The kernel's result: N decisions as columns (chosen option, abstention code, scores, margins,
expected values, violation probabilities), with the full :class:`~engine.decision.result.Decision`
of any row built on demand."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from engine.decision.result import Decision
from engine.errors import EvidenceError, listing
from engine.ir import DecisionProblem

if TYPE_CHECKING:
    from engine.kernel.compiled import CompiledProblem


class Abstain(IntEnum):
    """Why a row chose nothing (:attr:`DecisionBatch.abstention`)."""

    NONE = 0
    NOTHING_PERMISSIBLE = 1
    INCOMPARABLE = 2
    POLICY_SILENT = 3
    EVIDENCE_IMPOSSIBLE = 4
    DILEMMA = 5  # a conflict of norms holds above the threshold (conflicts: abstain)


@dataclass(frozen=True, slots=True, eq=False)
class DecisionBatch:
    """Decisions of N evidence rows of one compiled problem, as arrays.

    ``chosen`` (N,): index into ``options``, -1 where the row abstains; ``abstention`` (N,): an
    :class:`Abstain` code; ``scores`` (N, A): the rule's score, NaN where impermissible;
    ``ties`` (N, A): options tied with the chosen one; ``expected_values`` (N, A, V),
    ``violation`` (N, A, K), ``choiceworthiness`` (N, A, T); ``permissible`` and ``possible``
    (N, A) (possible: P(e | do(a)) > 0); ``policy_consistent`` (N,): 1 / 0, -1 without a
    verdict; ``policy_silent`` (N,). ``parameters`` are the per-row credences, value weights
    and norm weights the rows were decided under, where given.
    """

    compiled: CompiledProblem
    index: np.ndarray
    chosen: np.ndarray
    abstention: np.ndarray
    scores: np.ndarray
    ties: np.ndarray
    expected_values: np.ndarray
    violation: np.ndarray
    choiceworthiness: np.ndarray
    permissible: np.ndarray
    possible: np.ndarray
    policy_consistent: np.ndarray
    policy_silent: np.ndarray
    parameters: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.chosen)

    @property
    def options(self) -> tuple[str, ...]:
        return self.compiled.options

    @property
    def option_names(self) -> np.ndarray:
        """The chosen option's name per row ('' where the row abstains)."""
        names = np.array([*self.options, ""], dtype=object)
        return names[self.chosen]

    @property
    def margins(self) -> np.ndarray:
        """Score of the chosen option minus the best other permissible score (inf when it is
        the only one; NaN where the row abstains)."""
        scores = np.where(np.isnan(self.scores), -np.inf, self.scores)
        n = len(self)
        out = np.full(n, np.nan)
        rows = np.flatnonzero(self.chosen >= 0)
        best = scores[rows, self.chosen[rows]]
        others = scores[rows].copy()
        others[np.arange(len(rows)), self.chosen[rows]] = -np.inf
        out[rows] = best - others.max(axis=1, initial=-np.inf)
        return out

    def frozen(self) -> DecisionBatch:
        """A copy of this batch (its own evidence index) with read-only arrays, safe to hand
        out again."""
        copy = dataclasses.replace(self, index=self.index.copy())
        for value in (
            *(getattr(copy, f.name) for f in dataclasses.fields(copy)),
            *copy.parameters.values(),
        ):
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        return copy

    def take(self, rows: np.ndarray, index: np.ndarray) -> DecisionBatch:
        """The decisions of ``rows`` (positions, repeats allowed) for evidence ``index``."""
        return DecisionBatch(
            compiled=self.compiled,
            index=index,
            chosen=self.chosen[rows],
            abstention=self.abstention[rows],
            scores=self.scores[rows],
            ties=self.ties[rows],
            expected_values=self.expected_values[rows],
            violation=self.violation[rows],
            choiceworthiness=self.choiceworthiness[rows],
            permissible=self.permissible[rows],
            possible=self.possible[rows],
            policy_consistent=self.policy_consistent[rows],
            policy_silent=self.policy_silent[rows],
            parameters={k: v[rows] for k, v in self.parameters.items()},
        )

    def evidence(self, i: int) -> dict[str, str]:
        """Row ``i``'s evidence as ``{variable: state}``."""
        return self.compiled.decode(self.index[i])

    def decision(self, i: int) -> Decision:
        """The full decision of row ``i`` with its explanation: what
        :func:`engine.decision.pipeline.decide` returns for that row's evidence (and credences)."""
        from engine.decision.pipeline import decide

        problem = with_parameters(
            self.compiled.problem, {k: v[i] for k, v in self.parameters.items()}
        )
        if not self.possible[i].all():
            impossible = [o for o, ok in zip(self.options, self.possible[i], strict=True) if not ok]
            raise EvidenceError(
                f"row {i}: the evidence is impossible under {listing(impossible)}; the kernel "
                "excluded those options, and decide (which explains a row) does not yet"
            )
        return decide(problem, self.evidence(i), **self.compiled.arguments)

    def columns(self) -> dict[str, np.ndarray]:
        """Flat columns, one per quantity and option (``score[a]``, ``ev[v][a]``,
        ``p_violation[n][a]``): what a table (Arrow, Parquet, pandas) is built from."""
        out: dict[str, np.ndarray] = {
            "option": self.option_names.astype(str),
            "chosen": self.chosen,
            "abstention": self.abstention,
            "margin": self.margins,
            "policy_consistent": self.policy_consistent,
            "policy_silent": self.policy_silent,
        }
        for column, name in enumerate(self.compiled.columns):
            states = np.array([*self.compiled.problem.states(name), ""], dtype=object)
            out[f"evidence[{name}]"] = states[self.index[:, column]].astype(str)
        problem = self.compiled.problem
        for a, option in enumerate(self.options):
            out[f"score[{option}]"] = self.scores[:, a]
            for v, value in enumerate(problem.values):
                out[f"ev[{value.name}][{option}]"] = self.expected_values[:, a, v]
            for k, norm in enumerate(problem.norms):
                out[f"p_violation[{norm.name}][{option}]"] = self.violation[:, a, k]
        return out

    def _repr_html_(self) -> str:
        shown = min(len(self), 20)
        head = "".join(f"<th>{o}</th>" for o in self.options)
        rows = []
        for i in range(shown):
            option = self.option_names[i] or f"(abstain: {Abstain(self.abstention[i]).name})"
            cells = "".join(
                "<td></td>" if np.isnan(x) else f"<td>{x:.4g}</td>" for x in self.scores[i]
            )
            rows.append(f"<tr><td>{i}</td><td>{option}</td>{cells}</tr>")
        more = f"<p>… and {len(self) - shown} more rows</p>" if len(self) > shown else ""
        return (
            f"<p>{len(self)} decisions of <b>{self.compiled.problem.name}</b></p><table>"
            f"<tr><th>row</th><th>decision</th>{head}</tr>{''.join(rows)}</table>{more}"
        )


def with_parameters(problem: DecisionProblem, row: Mapping[str, np.ndarray]) -> DecisionProblem:
    """``problem`` with one row's credences, value weights (theories x values) and norm
    weights in place of its own."""
    theories = problem.theories
    if "credences" in row:
        theories = tuple(
            dataclasses.replace(t, credence=float(c))
            for t, c in zip(theories, row["credences"], strict=True)
        )
    if "value_weights" in row:
        names = [v.name for v in problem.values]
        theories = tuple(
            dataclasses.replace(
                t, value_weights=tuple((v, float(w)) for v, w in zip(names, weights, strict=True))
            )
            for t, weights in zip(theories, row["value_weights"], strict=True)
        )
    norms = problem.norms
    if "norm_active" in row:  # a norm that does not apply binds no option: a permission
        lowest = min((n.priority for n in norms), default=0) - 1
        norms = tuple(
            n if active else dataclasses.replace(n, modality="permission", priority=lowest)
            for n, active in zip(norms, row["norm_active"], strict=True)
        )
    if "norm_weights" in row:
        norms = tuple(
            dataclasses.replace(n, weight=float(w))
            for n, w in zip(norms, row["norm_weights"], strict=True)
        )
    if theories is problem.theories and norms is problem.norms:
        return problem
    return dataclasses.replace(problem, theories=theories, norms=norms)
