"""Memory accounting of a contraction plan and the batch chunk size it allows.

A batched contraction holds, per evidence row, the gathered operands and the intermediates that
carry the batch index; the operands and intermediates without it are paid once. With ``F`` the
fixed bytes and ``R`` the bytes per row, a chunk of ``n`` rows needs about ``F + n R``, so the
largest chunk under a budget ``M`` is ``floor((M - F) / R)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import InferenceError

BATCH = "_batch_"


@dataclass(frozen=True, slots=True)
class Footprint:
    """Entries held once (``fixed``) and per row (``per_row``), and the largest intermediate."""

    fixed: int
    per_row: int
    largest: int
    largest_batched: bool


def footprint(
    inputs: Sequence[frozenset[str]],
    output: frozenset[str],
    path: Sequence[tuple[int, ...]],
    sizes: dict[str, int],
) -> Footprint:
    """Walk a pairwise contraction ``path`` (opt_einsum format) and count entries.

    ``inputs`` are the index sets of the operands (:data:`BATCH` marks the batch index).
    Peak per-row entries are taken as the batched inputs plus twice the largest batched
    intermediate (its operands and itself); fixed entries likewise.
    """

    def entries(indices: frozenset[str]) -> int:
        return math.prod(sizes[i] for i in indices if i != BATCH)

    fixed_in = sum(entries(s) for s in inputs if BATCH not in s)
    row_in = sum(entries(s) for s in inputs if BATCH in s)
    live = list(inputs)
    big_fixed = big_row = 0
    for step in path:
        chosen = [live[i] for i in step]
        for i in sorted(step, reverse=True):
            del live[i]
        kept = set(output).union(*live) if live else set(output)
        result = frozenset(set().union(*chosen) & kept)
        if BATCH in result:
            big_row = max(big_row, entries(result))
        else:
            big_fixed = max(big_fixed, entries(result))
        live.append(result)
    largest = max(big_row, big_fixed)
    return Footprint(
        fixed=fixed_in + 2 * big_fixed,
        per_row=row_in + 2 * big_row + entries(output),
        largest=largest,
        largest_batched=big_row >= big_fixed,
    )


def chunk_rows(footprint: Footprint, itemsize: int, budget: int, what: str) -> int:
    """The most rows per chunk that keep ``fixed + rows * per_row`` bytes under ``budget``.

    Raises
    ------
    InferenceError
        When not even one row fits: the query's contraction width is too large for exact
        inference within the budget.
    """
    fixed = footprint.fixed * itemsize
    per_row = max(footprint.per_row, 1) * itemsize
    rows = (budget - fixed) // per_row
    if rows < 1:
        width = math.log2(max(footprint.largest, 1))
        raise InferenceError(
            f"{what}: exact inference needs about {fixed + per_row:,} bytes for a single row "
            f"(largest intermediate {footprint.largest:,} entries, contraction width about "
            f"{width:.1f} binary variables, i.e. the treewidth of the pruned network), more than "
            f"the memory budget of {budget:,} bytes; raise memory_budget, or use the sampling "
            "backend (backend='pyro')"
        )
    return int(rows)
