"""How large a table exact inference must build to answer a query: the resource check that
keeps a norm over twelve ten-state variables from asking numpy for terabytes.

Variable elimination (Koller & Friedman 2009, *Probabilistic Graphical Models*, §9.3) on the
moral graph of the query's ancestral set, eliminating every non-target in greedy min-weight
order (§9.4.3.2): eliminating X builds a table over X and its current neighbours, and the
answer is a table over the targets. The largest of these is the width the query needs; the
tensor backends' planners use orders at least as good, so this is an upper estimate.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence

from engine.ir.graph import ancestral_set


def largest_factor(
    parents: Mapping[str, Sequence[str]],
    cards: Mapping[str, int],
    targets: Iterable[str],
    bound: int,
) -> int:
    """Entries of the largest table built to compute the joint of ``targets`` by variable
    elimination in greedy min-weight order; the search stops at the first table larger than
    ``bound`` and returns its size.

    ``parents`` maps each node to its parents (roots may be missing); ``cards`` gives every
    node's number of states.

    Examples
    --------
    >>> chain = {"b": ("a",), "c": ("b",)}
    >>> largest_factor(chain, {"a": 10, "b": 10, "c": 10}, ["c"], 150)
    100
    >>> largest_factor({}, {f"x{i}": 10 for i in range(12)}, [f"x{i}" for i in range(12)], 10**8)
    1000000000000
    """
    targets = set(targets)
    answer = math.prod(cards[t] for t in targets)
    if answer > bound:
        return answer
    nodes = ancestral_set(parents, targets)
    if math.prod(cards[n] for n in nodes) <= bound:  # nothing can be larger than everything
        return answer
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for child in nodes:
        family = [child, *parents.get(child, ())]
        for a in family:
            neighbours[a].update(b for b in family if b != a)

    def weight(node: str) -> int:
        return cards[node] * math.prod(cards[m] for m in neighbours[node])

    largest = answer
    heap = [(weight(n), n) for n in nodes if n not in targets]
    heapq.heapify(heap)
    eliminated: set[str] = set()
    while heap:
        size, node = heapq.heappop(heap)
        if node in eliminated:
            continue
        current = weight(node)
        if current != size:  # stale entry: its neighbourhood changed since it was pushed
            heapq.heappush(heap, (current, node))
            continue
        if current > bound:
            return current
        largest = max(largest, current)
        eliminated.add(node)
        around = neighbours.pop(node)
        for m in around:
            neighbours[m].discard(node)
            neighbours[m].update(around - {m})
            if m not in targets:
                heapq.heappush(heap, (weight(m), m))
    return largest
