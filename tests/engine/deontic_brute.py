"""Brute force for issue 15's semantics, independent of the engine's event algebra: the joint
distribution by enumerating every assignment, violation of a (contrary-to-duty) norm as a
recursive predicate, and the double effect test with reachability from networkx."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np

from engine.ir import Clause, DecisionProblem, Norm


def joint(problem: DecisionProblem, option: str) -> list[tuple[dict[str, str], float]]:
    """Every assignment of the chance variables with its probability under do(option)."""
    names = [v.name for v in problem.variables]
    found = []
    for states in itertools.product(*(v.states for v in problem.variables)):
        world = {**dict(zip(names, states, strict=True)), problem.decision.name: option}
        p = 1.0
        for cpt in problem.cpts:
            sizes = [len(problem.states(x)) for x in (*cpt.parents, cpt.child)]
            flat = 0
            for x, size in zip((*cpt.parents, cpt.child), sizes, strict=True):
                flat = flat * size + problem.states(x).index(world[x])
            p *= cpt.table[flat]
        found.append((world, p))
    return found


def holds(condition: tuple[Clause, ...], world: dict[str, str]) -> bool:
    return all(world[c.variable] in c.states for c in condition)


def violated(problem: DecisionProblem, norm: Norm, option: str, world: dict[str, str]) -> bool:
    """Chisholm's reading: ``norm`` is violated when its option is (not) chosen, its condition
    holds, and every norm it names as ``violated`` is violated too (no exceptions or defeat)."""
    if norm.modality == "permission":
        return False
    chosen_wrongly = (option == norm.option) == (norm.modality == "prohibition")
    return (
        chosen_wrongly
        and holds(norm.condition, world)
        and all(violated(problem, problem.norm(r), option, world) for r in norm.violated)
    )


def violation_probability(
    problem: DecisionProblem, norm: Norm, option: str, evidence: dict[str, str]
) -> float:
    """P(violation | do(option), evidence) by enumeration."""
    worlds = [(w, p) for w, p in joint(problem, option) if holds(_clauses(evidence), w)]
    z = math.fsum(p for _, p in worlds)
    return math.fsum(p for w, p in worlds if violated(problem, norm, option, w)) / z


def double_effect_passes(problem: DecisionProblem, option: str, evidence: dict[str, str]) -> bool:
    """The double effect test of the (single) double effect theory, by enumeration and
    networkx reachability."""
    test = next(t.double_effect for t in problem.theories if t.double_effect is not None)
    graph = nx.DiGraph([(p, c.child) for c in problem.cpts for p in c.parents])
    graph.add_nodes_from(v.name for v in problem.variables)
    decision = problem.decision.name
    influenced = nx.descendants(graph, decision) if decision in graph else set()
    worlds = [(w, p) for w, p in joint(problem, option) if holds(_clauses(evidence), w)]
    z = math.fsum(p for _, p in worlds)

    def probability(when: tuple[Clause, ...]) -> float:
        return math.fsum(p for w, p in worlds if holds(when, w)) / z

    good = np.array([probability(g.when) for g in test.good])
    bad = np.array([probability(b.when) for b in test.bad])
    for b, effect in enumerate(test.bad):
        for g, aim in enumerate(test.good):
            path = any(
                v in influenced and w in nx.descendants(graph, v)
                for v in {c.variable for c in effect.when}
                for w in {c.variable for c in aim.when}
            )
            if path and bad[b] > 1e-12 and good[g] > 1e-12:
                return False
    good_total = sum(e.amount * p for e, p in zip(test.good, good, strict=True))
    bad_total = sum(e.amount * p for e, p in zip(test.bad, bad, strict=True))
    return good_total >= test.proportion * bad_total - 1e-12


def _clauses(evidence: dict[str, str]) -> tuple[Clause, ...]:
    return tuple(Clause(k, (v,)) for k, v in evidence.items())
