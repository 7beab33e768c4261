"""Resource limits, checked as part of validation before anything of that size is built.

Each limit has a name, a default that keeps a 2-core, 24 GB machine responsive, and an
environment variable that raises it (``PHRONESIS_MAX_STATES=100000``; the CLI's
``--limit states=100000`` sets the same variable). A refusal says the size found, the limit
and how to raise it. Sizes are products of cardinalities, so a table of 10^40 entries is
refused before anything is allocated.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

from engine.errors import InvalidProblem


@dataclass(frozen=True, slots=True)
class Limit:
    """A named bound on the size of some part of a problem."""

    name: str
    default: int
    counts: str

    @property
    def variable(self) -> str:
        """The environment variable that overrides the default."""
        return f"PHRONESIS_MAX_{self.name.upper()}"

    def value(self) -> int:
        """The limit in force: the environment variable when set to a positive integer."""
        text = os.environ.get(self.variable, "").replace("_", "").strip()
        if text.isdigit() and int(text) > 0:
            return int(text)
        return self.default

    def check(self, where: str, found: int) -> None:
        """Refuse ``found`` above the limit, naming the size, the limit and how to raise it."""
        limit = self.value()
        if found > limit:
            raise InvalidProblem(where, self.message(found, limit))

    def message(self, found: int, limit: int) -> str:
        size = f"{found:,}" if found < 10**15 else f"about {float(found):.3g}"
        return (
            f"{self.counts}: {size}, above the limit of {limit:,}; raise it with "
            f"phronesis --limit {self.name}=N (before the command) or {self.variable}=N"
        )


STATES = Limit("states", 10_000, "states of one variable")
PARENTS = Limit("parents", 32, "parents of one variable")
TABLE_ENTRIES = Limit("table_entries", 10_000_000, "entries in one table")
TOTAL_ENTRIES = Limit("total_entries", 50_000_000, "table entries in all")
FACTOR_ENTRIES = Limit("factor_entries", 1 << 24, "entries in the largest joint table this needs")
NODES = Limit("nodes", 100_000, "nodes")
#: Norms of one problem: conflicts between norms are found pairwise (K^2 / 2 pairs), so a
#: problem with tens of thousands of norms would stall every decision.
NORMS = Limit("norms", 2_000, "norms")
#: Pairs of norms no option can satisfy together: a decision computes each one's probability.
CONFLICTS = Limit("conflicts", 1_000, "conflicting pairs of norms")

#: Longest chain of named classes linked by rdfs:subClassOf that a reasoner is given; checked
#: by ``ontology`` (the core ontology and the examples are under 10 levels deep).
HIERARCHY_DEPTH = Limit("hierarchy_depth", 64, "rdfs:subClassOf levels")

LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        STATES,
        PARENTS,
        TABLE_ENTRIES,
        TOTAL_ENTRIES,
        FACTOR_ENTRIES,
        NODES,
        NORMS,
        CONFLICTS,
        HIERARCHY_DEPTH,
    )
}


def check_entries(where: str, shape: Iterable[int], limit: Limit = TABLE_ENTRIES) -> int:
    """The number of entries of a table of ``shape`` (a product of a few integers: nothing is
    allocated), refusing it above ``limit``.

    >>> check_entries("variables.x.cpt", (2, 3))
    6
    """
    found = math.prod(shape)
    limit.check(where, found)
    return found
