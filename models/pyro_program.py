"""The Pyro program of a :class:`~engine.ir.BayesianNetwork`, and the evidence plumbing around it.

:func:`network_program` only *declares* the network: one ``pyro.sample`` site per variable, in
topological order, with ``Categorical(P(X | parents))``. What is done with it (enumeration,
tracing, likelihood weighting) is left to Pyro's effect handlers in the modules that interpret it
(:mod:`models.pyro_backend` exact, :mod:`models.pyro_importance` sampling), as in Pyro's own
design (Bingham et al. 2019, "Pyro: Deep Universal Probabilistic Programming", JMLR 20).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.backend import Evidence
from engine.errors import EvidenceError
from engine.ir import BayesianNetwork


@contextmanager
def quiet() -> Iterator[None]:
    """Silence Pyro/torch warnings about their own internals, locally (never globally)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def torch_module() -> Any:
    with quiet():
        import torch
    return torch


def pyro_module() -> Any:
    with quiet():
        import pyro
        import pyro.distributions
        import pyro.ops.contract
        import pyro.ops.indexing
        import pyro.ops.rings
        import pyro.poutine
    return pyro


@dataclass(frozen=True, slots=True)
class CompiledNetwork:
    """A network ready for Pyro: topological order, parents and float64 log-CPT tensors."""

    order: tuple[str, ...]
    parents: Mapping[str, tuple[str, ...]]
    states: Mapping[str, tuple[str, ...]]
    log_tables: Mapping[str, Any]  # name -> log CPT, torch (|pa_1|, ..., |pa_k|, |X|), float64
    #: name -> log of the row sums (|pa_1|, ..., |pa_k|) where a row does not sum to exactly 1
    masses: Mapping[str, Any]

    def ancestral(self, names: set[str]) -> tuple[str, ...]:
        """``names`` and their ancestors, in topological order (the rest is barren)."""
        keep: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in keep:
                keep.add(name)
                stack.extend(self.parents[name])
        return tuple(v for v in self.order if v in keep)


@lru_cache(maxsize=16)
def compile_network(network: BayesianNetwork) -> CompiledNetwork:
    """Order the variables topologically (Kahn) and turn each CPT into a float64 tensor."""
    torch = torch_module()
    parents = {c.child: c.parents for c in network.cpts}
    remaining = {v.name for v in network.variables}
    order: list[str] = []
    while remaining:
        ready = [
            v.name
            for v in network.variables
            if v.name in remaining and not (set(parents[v.name]) & remaining)
        ]
        assert ready, "the IR guarantees an acyclic graph"
        order.extend(ready)
        remaining -= set(ready)
    tables = {
        c.child: torch.as_tensor(network.cpt_array(c.child), dtype=torch.float64)
        for c in network.cpts
    }
    states = {v.name: v.states for v in network.variables}
    masses = {
        name: table.sum(-1).log()
        for name, table in tables.items()
        if bool((table.sum(-1) != 1.0).any())
    }
    log_tables = {name: table.log() for name, table in tables.items()}
    return CompiledNetwork(tuple(order), parents, states, log_tables, masses)


def network_program(
    compiled: CompiledNetwork,
    variables: Sequence[str],
    observed: Mapping[str, Any],
    plates: Sequence[tuple[str, int, int]],
) -> dict[str, Any]:
    """Declare ``variables`` (topologically ordered, closed under parents) as Pyro sample sites.

    ``observed`` maps a variable to a tensor of state indices (its site is conditioned with
    ``obs=``); ``plates`` are ``(name, size, dim)`` batch plates every site sits in. Returns the
    sampled or observed value of each site. The program only declares; enumeration, tracing and
    weighting are applied by handlers around it.
    """
    pyro = pyro_module()
    dist = pyro.distributions
    vindex = pyro.ops.indexing.Vindex
    values: dict[str, Any] = {}
    with ExitStack() as stack:
        for name, size, dim in plates:
            stack.enter_context(pyro.plate(name, size, dim=dim))
        for name in variables:
            table = compiled.log_tables[name]
            parents = compiled.parents[name]
            logits = (
                vindex(table)[(*(values[p] for p in parents), slice(None))] if parents else table
            )
            # logits, not probs: Categorical(probs=) clamps zeros to machine epsilon, which
            # would hide zero-probability evidence; log 0 = -inf is kept exactly.
            values[name] = pyro.sample(
                name, dist.Categorical(logits=logits), obs=observed.get(name)
            )
            if name in compiled.masses:
                # Categorical renormalises each row; the IR admits row sums within 1e-6 of 1,
                # so the row mass is put back to keep the joint = prod of the stored entries.
                mass = compiled.masses[name]
                at = tuple(values[p] for p in parents)
                pyro.factor(f"{name}.mass", vindex(mass)[at] if parents else mass)
    return values


def check_targets(compiled: CompiledNetwork, targets: Sequence[str]) -> None:
    for target in targets:
        if target not in compiled.states:
            raise EvidenceError(
                f"target {target!r} is not a variable of the network; "
                f"expected one of: {', '.join(compiled.order)}"
            )


def check_evidence(compiled: CompiledNetwork, evidence: Evidence) -> dict[str, str]:
    checked: dict[str, str] = {}
    for variable, state in evidence.items():
        if variable not in compiled.states:
            raise EvidenceError(
                f"evidence names unknown variable {variable!r}; "
                f"expected one of: {', '.join(compiled.order)}"
            )
        if state not in compiled.states[variable]:
            raise EvidenceError(
                f"evidence {variable}={state}: unknown state {state!r}; "
                f"expected one of: {', '.join(compiled.states[variable])}"
            )
        checked[variable] = state
    return checked


def shown(evidence: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in evidence.items())


def evidence_groups(rows: Sequence[dict[str, str]]) -> dict[tuple[str, ...], list[int]]:
    """Row indices grouped by the (sorted) set of variables they observe."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(tuple(sorted(row)), []).append(i)
    return groups


def observed_indices(
    compiled: CompiledNetwork, rows: Sequence[dict[str, str]], names: Sequence[str], shape: tuple
) -> dict[str, Any]:
    torch = torch_module()
    return {
        v: torch.tensor([compiled.states[v].index(r[v]) for r in rows]).reshape(shape)
        for v in names
    }
