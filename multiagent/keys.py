"""Explicit random keys (the BlackJAX shape): every function that draws takes a key, and keys
are split, never reused, so a run is a pure function of its seed."""

from __future__ import annotations

import numpy as np


def split(key: int, n: int = 2) -> tuple[int, ...]:
    """``n`` independent keys derived from ``key`` (numpy's SeedSequence: O'Neill 2015, PCG).

    >>> split(0, 2) == split(0, 2)
    True
    >>> len(set(split(0, 3)))
    3
    """
    state = np.random.SeedSequence(int(key)).generate_state(2 * n, dtype=np.uint64)
    return tuple((int(state[2 * i]) << 64) | int(state[2 * i + 1]) for i in range(n))


def generator(key: int) -> np.random.Generator:
    """The generator a key stands for."""
    return np.random.default_rng(int(key))
