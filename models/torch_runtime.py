"""Scoped torch runtime settings: run a block with a given intra-op thread count, then restore.

Small tensors (a CPT row, a few thousand choices) are slowest with many threads: OpenMP's
start-up and spin-waiting dominate, badly so on a shared machine. Learning and inference code
runs its loops under :func:`torch_threads` and leaves the process-wide setting as it found it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run with ``count`` torch intra-op threads (None: unchanged), restoring the old count.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    import torch

    old = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(old)
