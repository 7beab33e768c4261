"""Worlds drawn for many agents at once: ancestral sampling of a problem's chance variables,
vectorised over agents, with some variables fixed (the decision each agent took, situations
shared by a group, a variable set by the other agents' choices).

    x_i ~ P(X_i | pa(X_i)) in topological order; the decision is fixed: do(a).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.ir import DecisionProblem


def topological_order(problem: DecisionProblem) -> tuple[str, ...]:
    """The chance variables, parents before children (Kahn's algorithm; the IR is a DAG)."""
    parents = {c.child: [p for p in c.parents if p != problem.decision.name] for c in problem.cpts}
    waiting = {name: len(ps) for name, ps in parents.items()}
    children: dict[str, list[str]] = {}
    for child, ps in parents.items():
        for p in ps:
            children.setdefault(p, []).append(child)
    ready = [v.name for v in problem.variables if waiting[v.name] == 0]
    order: list[str] = []
    while ready:
        name = ready.pop(0)
        order.append(name)
        for child in children.get(name, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return tuple(order)


def before_decision(problem: DecisionProblem) -> frozenset[str]:
    """The chance variables the decision cannot influence: the situation an agent faces."""
    after = problem.descendants(problem.decision.name)
    return frozenset(v.name for v in problem.variables if v.name not in after)


def sample_worlds(
    problem: DecisionProblem,
    rng: np.random.Generator,
    n: int,
    fixed: Mapping[str, np.ndarray],
    variables: frozenset[str] | None = None,
) -> dict[str, np.ndarray]:
    """State indices (n,) of every chance variable in ``variables`` (default: all), drawn in
    topological order; ``fixed`` gives the state indices (n,) of variables not drawn — the
    decision's option per row must be among them if any drawn variable depends on it. One
    uniform number per row and variable, so the draws are reproducible from ``rng``."""
    drawn: dict[str, np.ndarray] = {k: np.asarray(v, dtype=np.intp) for k, v in fixed.items()}
    for name in topological_order(problem):
        if name in drawn or (variables is not None and name not in variables):
            continue
        cpt = problem.cpt(name)
        table = problem.cpt_array(name)
        rows = table[tuple(drawn[p] for p in cpt.parents)] if cpt.parents else table[None, :]
        cumulative = np.cumsum(np.broadcast_to(rows, (n, table.shape[-1])), axis=1)
        u = rng.random(n) * cumulative[:, -1]
        drawn[name] = np.minimum((cumulative <= u[:, None]).sum(axis=1), table.shape[-1] - 1)
    return drawn
