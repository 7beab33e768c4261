"""The Pyro program of a :class:`~engine.ir.BayesianNetwork`, and the evidence plumbing around it.

:func:`network_program` only *declares* the network: one ``pyro.sample`` site per variable, in
topological order, with ``Categorical(P(X | parents))``. What is done with it (enumeration,
tracing, likelihood weighting) is left to Pyro's effect handlers in the modules that interpret it
(:mod:`models.pyro.backend` exact, :mod:`models.pyro.importance` sampling), as in Pyro's own
design (Bingham et al. 2019, "Pyro: Deep Universal Probabilistic Programming", JMLR 20).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from engine.backends.protocol import Evidence
from engine.errors import EvidenceError
from engine.ir import BayesianNetwork
from engine.ir.continuous import FAMILY_PARAMETERS
from engine.ir.evidence import continuous_value
from engine.ir.graph import ancestral_set


@contextmanager
def quiet() -> Iterator[None]:
    """Silence Pyro/torch warnings about their own internals, locally (never globally)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@cache
def torch_module() -> Any:
    with quiet():
        import torch
    return torch


@cache
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
class ContinuousSite:
    """A continuous variable ready for Pyro: its family, parameter table and loc coefficients."""

    family: str
    parameters: Any  # torch (|pa_1|, ..., |pa_k|, n_params), float64
    coefficients: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class LogisticSite:
    """A softmax CPD ready for Pyro: bias (|pa_1|, ..., |pa_k|, |X|) and weights (|X|, inputs)."""

    bias: Any
    weights: Any
    inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledNetwork:
    """A network ready for Pyro: topological order, parents and float64 tensors.

    ``parents`` lists the discrete parents first, then the continuous ones (coefficients or
    logistic inputs); ``states`` holds the discrete variables only.
    """

    order: tuple[str, ...]
    parents: Mapping[str, tuple[str, ...]]
    states: Mapping[str, tuple[str, ...]]
    log_tables: Mapping[str, Any]  # name -> log CPT, torch (|pa_1|, ..., |pa_k|, |X|), float64
    #: name -> log of the row sums (|pa_1|, ..., |pa_k|) where a row does not sum to exactly 1
    masses: Mapping[str, Any]
    continuous: Mapping[str, ContinuousSite] = field(default_factory=dict)
    logistic: Mapping[str, LogisticSite] = field(default_factory=dict)

    def ancestral(self, names: set[str]) -> tuple[str, ...]:
        """``names`` and their ancestors, in topological order (the rest is barren)."""
        keep = ancestral_set(self.parents, names)
        return tuple(v for v in self.order if v in keep)

    def discrete_parents(self, name: str) -> tuple[str, ...]:
        return tuple(p for p in self.parents[name] if p in self.states)


@lru_cache(maxsize=16)
def compile_network(network: BayesianNetwork) -> CompiledNetwork:
    """Order the variables topologically (Kahn) and turn each table into a float64 tensor."""
    torch = torch_module()
    parents = {c.child: c.parents for c in network.cpts}
    parents |= {c.child: (*c.parents, *c.inputs) for c in network.logistic}
    parents |= {v.name: (*v.parents, *v.continuous_parents) for v in network.continuous}
    names = [v.name for v in network.variables] + [v.name for v in network.continuous]
    remaining = set(names)
    order: list[str] = []
    while remaining:
        ready = [n for n in names if n in remaining and not (set(parents[n]) & remaining)]
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

    def shaped(values: tuple[float, ...], parents: tuple[str, ...], last: int) -> Any:
        shape = (*(len(states[p]) for p in parents), last)
        return torch.tensor(values, dtype=torch.float64).reshape(shape)

    continuous = {
        v.name: ContinuousSite(
            v.distribution,
            shaped(v.parameters, v.parents, len(FAMILY_PARAMETERS[v.distribution])),
            v.coefficients,
        )
        for v in network.continuous
    }
    logistic = {
        c.child: LogisticSite(
            shaped(c.bias, c.parents, len(states[c.child])),
            torch.tensor(c.weights, dtype=torch.float64).reshape(
                len(states[c.child]), len(c.inputs)
            ),
            c.inputs,
        )
        for c in network.logistic
    }
    return CompiledNetwork(tuple(order), parents, states, log_tables, masses, continuous, logistic)


def network_program(
    compiled: CompiledNetwork,
    variables: Sequence[str],
    observed: Mapping[str, Any],
    plates: Sequence[tuple[str, int, int]],
) -> dict[str, Any]:
    """Declare ``variables`` (topologically ordered, closed under parents) as Pyro sample sites.

    ``observed`` maps a discrete variable to a tensor of state indices and a continuous one to
    a float64 tensor of values (its site is conditioned with ``obs=``); ``plates`` are
    ``(name, size, dim)`` batch plates every site sits in. Returns the sampled or observed value
    of each site. The program only declares; enumeration, tracing and weighting are applied by
    handlers around it.
    """
    pyro = pyro_module()
    dist = pyro.distributions
    vindex = pyro.ops.indexing.Vindex
    values: dict[str, Any] = {}
    with ExitStack() as stack:
        for name, size, dim in plates:
            stack.enter_context(pyro.plate(name, size, dim=dim))
        for name in variables:
            at = tuple(values[p] for p in compiled.discrete_parents(name))
            if name in compiled.continuous:
                values[name] = pyro.sample(
                    name, _continuous(compiled.continuous[name], at, values), obs=observed.get(name)
                )
                continue
            if name in compiled.logistic:
                site = compiled.logistic[name]
                logits = vindex(site.bias)[(*at, slice(None))] if at else site.bias
                for k, x in enumerate(site.inputs):
                    logits = logits + values[x].unsqueeze(-1) * site.weights[:, k]
                values[name] = pyro.sample(
                    name, dist.Categorical(logits=logits), obs=observed.get(name)
                )
                continue
            table = compiled.log_tables[name]
            logits = vindex(table)[(*at, slice(None))] if at else table
            # logits, not probs: Categorical(probs=) clamps zeros to machine epsilon, which
            # would hide zero-probability evidence; log 0 = -inf is kept exactly.
            values[name] = pyro.sample(
                name, dist.Categorical(logits=logits), obs=observed.get(name)
            )
            if name in compiled.masses:
                # Categorical renormalises each row; the IR admits row sums within 1e-6 of 1,
                # so the row mass is put back to keep the joint = prod of the stored entries.
                mass = compiled.masses[name]
                pyro.factor(f"{name}.mass", vindex(mass)[at] if at else mass)
    return values


def _continuous(site: ContinuousSite, at: tuple[Any, ...], values: Mapping[str, Any]) -> Any:
    """Normal / LogNormal(loc_c + sum_k b_k y_k, scale_c) or Beta(alpha_c, beta_c)."""
    pyro = pyro_module()
    dist = pyro.distributions
    theta = pyro.ops.indexing.Vindex(site.parameters)[(*at, slice(None))] if at else site.parameters
    first, second = theta[..., 0], theta[..., 1]
    if site.family == "beta":
        return dist.Beta(first, second)
    for name, b in site.coefficients:
        first = first + b * values[name]
    family = dist.Normal if site.family == "normal" else dist.LogNormal
    return family(first, second)


def unobserved_continuous(
    compiled: CompiledNetwork, needed: set[str], observed: set[str]
) -> tuple[str, ...]:
    """Continuous variables the query must integrate over (exact enumeration cannot)."""
    return tuple(
        v
        for v in compiled.ancestral(needed | observed)
        if v in compiled.continuous and v not in observed
    )


def check_targets(compiled: CompiledNetwork, targets: Sequence[str]) -> None:
    for target in targets:
        if target in compiled.continuous:
            raise EvidenceError(
                f"target {target!r} is continuous; posterior tables are over discrete variables "
                "(use PyroBackend.particles for its weighted samples)"
            )
        if target not in compiled.states:
            raise EvidenceError(
                f"target {target!r} is not a variable of the network; "
                f"expected one of: {', '.join(compiled.order)}"
            )


def check_evidence(compiled: CompiledNetwork, evidence: Evidence) -> dict[str, Any]:
    """Evidence with discrete states checked and continuous values parsed and in support."""
    checked: dict[str, Any] = {}
    for variable, state in evidence.items():
        if variable in compiled.continuous:
            checked[variable] = continuous_value(
                variable, compiled.continuous[variable].family, state
            )
            continue
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


def evidence_groups(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str, ...], list[int]]:
    """Row indices grouped by the (sorted) set of variables they observe."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(tuple(sorted(row)), []).append(i)
    return groups


def observed_indices(
    compiled: CompiledNetwork, rows: Sequence[Mapping[str, Any]], names: Sequence[str], shape: tuple
) -> dict[str, Any]:
    """Observed sites as tensors: state indices (discrete) or float64 values (continuous)."""
    torch = torch_module()
    return {
        v: (
            torch.tensor([float(r[v]) for r in rows], dtype=torch.float64)
            if v in compiled.continuous
            else torch.tensor([compiled.states[v].index(r[v]) for r in rows])
        ).reshape(shape)
        for v in names
    }
