"""Evidence rows (``{variable: state}`` mappings) as integer index matrices, grouped by pattern.

Rows of one batch may observe different variables. They are grouped by their *pattern* (the
sorted tuple of observed variables); each group becomes one index matrix (rows x pattern) and
one batched query, and results are scattered back in row order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.errors import EvidenceError
from engine.ir import BayesianNetwork


@dataclass(frozen=True, slots=True)
class Group:
    """Rows ``rows`` (positions in the batch) observing ``pattern``, as state indices."""

    pattern: tuple[str, ...]
    rows: np.ndarray
    index: np.ndarray  # (len(rows), len(pattern)), intp


@lru_cache(maxsize=64)
def state_index(network: BayesianNetwork) -> dict[str, dict[str, int]]:
    """variable -> state -> position."""
    return {v.name: {s: i for i, s in enumerate(v.states)} for v in network.variables}


def group_rows(network: BayesianNetwork, batch: Sequence[Mapping[str, str]]) -> list[Group]:
    """Group ``batch`` by evidence pattern, in order of first appearance.

    Raises
    ------
    EvidenceError
        A row names an unknown variable or state.
    """
    lookup = state_index(network)
    keys = [tuple(row) for row in batch]
    first = keys[0] if keys else ()
    if all(k == first for k in keys):  # the common case: one pattern, one key order
        by_pattern = {tuple(sorted(first)): [list(range(len(keys)))]} if keys else {}
    else:
        by_key: dict[tuple[str, ...], list[int]] = {}
        for i, key in enumerate(keys):
            by_key.setdefault(key, []).append(i)
        by_pattern = {}
        for key, members in by_key.items():
            by_pattern.setdefault(tuple(sorted(key)), []).append(members)
    groups = []
    for pattern, parts in by_pattern.items():
        members = parts[0] if len(parts) == 1 else sorted(itertools.chain(*parts))
        rows = np.asarray(members, dtype=np.intp)
        index = np.empty((len(members), len(pattern)), dtype=np.intp)
        subset = batch if len(members) == len(batch) else [batch[i] for i in members]
        for k, variable in enumerate(pattern):
            states = lookup.get(variable)
            if states is None:
                raise EvidenceError(
                    f"evidence names unknown variable {variable!r} of network {network.name!r}"
                )
            try:
                index[:, k] = [states[row[variable]] for row in subset]
            except KeyError as exc:
                raise EvidenceError(
                    f"evidence {variable}={exc.args[0]}: unknown state; expected one of: "
                    f"{', '.join(states)}"
                ) from None
        groups.append(Group(pattern, rows, index))
    return groups


def embed(
    posterior: np.ndarray,
    targets: tuple[str, ...],
    free: tuple[str, ...],
    pattern: tuple[str, ...],
    index: np.ndarray,
    shape: tuple[int, ...],
) -> np.ndarray:
    """Lay the joint over the ``free`` targets out over ``targets`` (n, *shape).

    An observed target gets a point mass at its observed state; a repeated target is laid on
    the diagonal.
    """
    if targets == free:
        return posterior
    n = posterior.shape[0]
    out = np.zeros((n, *shape), dtype=posterior.dtype)
    rows = np.arange(n)
    for combo in np.ndindex(*posterior.shape[1:]):
        key: list[np.ndarray | int] = [rows]
        for t in targets:
            key.append(index[:, pattern.index(t)] if t in pattern else combo[free.index(t)])
        out[tuple(key)] = posterior[(slice(None), *combo)]
    return out
