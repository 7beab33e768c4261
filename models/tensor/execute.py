"""The one computation every tensor implementation runs: gather, contract, normalise.

Written against the array operations torch and JAX share (integer-array indexing, ``reshape``,
``@``, division), so the torch and JAX backends differ only in how arrays are made and how the
function is compiled. For row n with evidence e_n::

    joint_n(t) = contract_k F_k[offset_k(e_n)](t)    # = P(T = t, E = e_n)
    norm_n     = sum_t joint_n(t)                     # = P(E = e_n)
    post_n(t)  = joint_n(t) / norm_n                  # = P(T = t | E = e_n)

For the table strategy the one gathered operand already is [P(T | e_n), P(e_n)] per row.
Sums over the target axes are products with a vector of ones: on CPU a BLAS matrix-vector
product is an order of magnitude faster than a reduction over a short inner axis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from models.tensor.plan import QueryPlan


def offsets(plan: QueryPlan, index: np.ndarray) -> tuple[np.ndarray | None, ...]:
    """Per operand, the row offsets into its flattened observed axes (None for constants)."""
    out: list[np.ndarray | None] = []
    seen: dict[tuple[tuple[int, ...], tuple[int, ...]], np.ndarray] = {}
    for operand in plan.operands:
        key = (operand.columns, operand.strides)
        if not operand.columns:
            out.append(None)
        elif key in seen:  # the same array object, so a backend converts it once
            out.append(seen[key])
        elif len(operand.columns) == 1:
            seen[key] = np.ascontiguousarray(index[:, operand.columns[0]])
            out.append(seen[key])
        else:
            strides = np.asarray(operand.strides, dtype=np.intp)
            seen[key] = index[:, list(operand.columns)] @ strides
            out.append(seen[key])
    return tuple(out)


def evaluate(
    tables: Sequence[Any],
    rows: Sequence[Any | None],
    contract: Callable[..., Any] | None,
    batched: bool,
    ones: Any,
    shape: tuple[int, ...],
) -> tuple[Any, Any]:
    """(posterior (n, *shape), normaliser (n,)) from the gathered operands.

    ``rows[j]`` indexes the leading axis of ``tables[j]`` (None: a constant operand).
    ``contract`` combines the gathered operands into the joint; ``None`` means the table
    strategy (one operand, rows [P(T | e), P(e)]). ``ones`` has one entry per joint target
    state. An unbatched plan (no requisite evidence) answers one row, shaped (1, *shape).
    """
    operands = [t if r is None else t[r] for t, r in zip(tables, rows, strict=True)]
    if contract is None:
        packed = operands[0]
        if not batched:
            packed = packed.reshape((1, -1))
        return packed[:, :-1].reshape((packed.shape[0], *shape)), packed[:, -1]
    joint = contract(*operands)
    if not batched:
        joint = joint.reshape((1, *joint.shape))
    norm = joint.reshape((joint.shape[0], -1)) @ ones
    posterior = joint / norm.reshape((-1,) + (1,) * (joint.ndim - 1))
    return posterior, norm
