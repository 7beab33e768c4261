"""Inference work per decision: how many backend ``posterior`` calls one
:func:`engine.decision.pipeline.decide` makes, how many evidence rows they carry, how many of
those (evidence row, targets) pairs are distinct, and how many pgmpy
``VariableElimination.query`` calls they cost, on the shipped examples and the numpy and pgmpy
backends.

    python benchmarks/queries.py [--quick]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.backends.protocol import InferenceBackend
from engine.backends.registry import get_backend
from engine.decision.pipeline import decide
from engine.ir import BayesianNetwork
from engine.scenario import load_scenario
from models.pgmpy.backend import import_pgmpy

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CASES: tuple[tuple[str, dict[str, str]], ...] = (
    ("av_emergency.yaml", {"detection": "negative"}),
    ("av_emergency.yaml", {}),
    ("heinz.yaml", {}),
)
BACKENDS = ("numpy", "pgmpy")


@dataclass
class CountingBackend:
    """A backend that passes every call on to ``inner``, recording the posterior calls."""

    inner: InferenceBackend
    calls: int = 0
    pairs: list[tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Mapping[str, Any]],
        targets: Sequence[str],
    ) -> np.ndarray:
        self.calls += 1
        self.pairs += [(tuple(sorted(e.items())), tuple(targets)) for e in evidence_batch]
        return self.inner.posterior(network, evidence_batch, targets)


@contextmanager
def counting_pgmpy_queries() -> Iterator[list[int]]:
    """Count pgmpy ``VariableElimination.query`` calls (the one-item list holds the count)."""
    elimination = import_pgmpy().inference.VariableElimination
    query = elimination.query
    count = [0]

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return query(self, *args, **kwargs)

    elimination.query = counted
    try:
        yield count
    finally:
        elimination.query = query


def main(argv: list[str] | None = None) -> int:
    """Decide each case on each backend once; print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted; the counts are cheap")
    parser.parse_args(argv)
    print(
        f"{'example':18s} {'evidence':22s} {'backend':8s} {'posterior()':>11s} {'rows':>5s} "
        f"{'distinct':>8s} {'pgmpy queries':>13s}  choice"
    )
    for name, evidence in CASES:
        problem = load_scenario(EXAMPLES / name)
        shown = ", ".join(f"{k}={v}" for k, v in evidence.items()) or "-"
        for backend in BACKENDS:
            counting = CountingBackend(get_backend(backend))
            with counting_pgmpy_queries() as queries:
                decision = decide(problem, evidence, backend=counting)
            print(
                f"{name:18s} {shown:22s} {backend:8s} {counting.calls:11d} "
                f"{len(counting.pairs):5d} {len(set(counting.pairs)):8d} {queries[0]:13d}  "
                f"{decision.option or 'abstain'}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
