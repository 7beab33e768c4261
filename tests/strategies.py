"""Hypothesis strategies for random valid decision problems."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import strategies as st

from engine.ir import (
    CPT,
    Clause,
    DecisionNode,
    DecisionProblem,
    DoubleEffect,
    Effect,
    Norm,
    Theory,
    ValueDimension,
    Variable,
)


def _distribution(draw, n: int) -> tuple[float, ...]:
    weights = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    total = sum(weights)
    return tuple(w / total for w in weights)


@st.composite
def decision_problems(
    draw,
    max_variables: int = 3,
    handlings=("ignore", "penalty", "constraint"),
    kinds=("cardinal",),
    deontic: bool = False,
):
    """Small random problems: a DAG of chance variables (the decision may be a parent),
    utilities over random parents, random norms and theories. ``deontic`` adds issue 15's
    semantics: norms may be contrary-to-duty (name an earlier norm as ``violated``) and one
    theory may be a double effect theory over random effects the decision influences."""
    n_options = draw(st.integers(2, 3))
    decision = DecisionNode("d", tuple(f"o{i}" for i in range(n_options)))
    variables: list[Variable] = []
    cpts: list[CPT] = []
    for k in range(draw(st.integers(1, max_variables))):
        name = f"x{k}"
        states = tuple(f"s{j}" for j in range(draw(st.integers(2, 3))))
        candidates = ["d", *(v.name for v in variables)]
        parents = tuple(draw(st.lists(st.sampled_from(candidates), max_size=2, unique=True)))
        sizes = [n_options if p == "d" else len(variables[int(p[1:])].states) for p in parents]
        table = tuple(x for _ in range(math.prod(sizes)) for x in _distribution(draw, len(states)))
        variables.append(Variable(name, states))
        cpts.append(CPT(name, parents, table))
    sizes_of = {"d": n_options, **{v.name: len(v.states) for v in variables}}
    values = []
    for k in range(draw(st.integers(1, 2))):
        parents = tuple(
            draw(st.lists(st.sampled_from(sorted(sizes_of)), min_size=1, max_size=2, unique=True))
        )
        size = math.prod(sizes_of[p] for p in parents)
        table = tuple(
            float(x) for x in draw(st.lists(st.integers(-10, 10), min_size=size, max_size=size))
        )
        values.append(ValueDimension(f"v{k}", parents, table))
    norms = []
    for k in range(draw(st.integers(0, 3 if deontic else 2))):
        variable = draw(st.sampled_from(variables))
        state = draw(st.sampled_from(variable.states))
        earlier = [n.name for n in norms]
        violated = (
            tuple(draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)))
            if deontic and earlier
            else ()
        )
        norms.append(
            Norm(
                name=f"n{k}",
                modality=draw(st.sampled_from(["prohibition", "obligation"])),
                option=draw(st.sampled_from(decision.options)),
                condition=(Clause(variable.name, (state,)),),
                weight=float(draw(st.integers(0, 5))),
                threshold=draw(st.sampled_from([0.0, 0.3, 0.6])),
                violated=violated,
            )
        )
    n_theories = draw(st.integers(1, 3))
    credences = _distribution(draw, n_theories)
    theories = tuple(
        Theory(
            name=f"t{k}",
            kind=draw(st.sampled_from(kinds)),
            credence=credences[k],
            value_weights=tuple((v.name, float(draw(st.integers(-3, 3)))) for v in values),
            norm_handling=draw(st.sampled_from(handlings)),
        )
        for k in range(n_theories)
    )
    influenced = _influenced(cpts)
    if deontic and influenced and draw(st.booleans()):
        theories = (
            dataclasses.replace(
                theories[0],
                kind="double_effect",
                double_effect=DoubleEffect(
                    tuple(_effect(draw, f"g{k}", variables, influenced) for k in range(2)),
                    tuple(_effect(draw, f"b{k}", variables, influenced) for k in range(2)),
                    float(draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))),
                ),
            ),
            *theories[1:],
        )
    return DecisionProblem(
        name="random",
        variables=tuple(variables),
        decision=decision,
        cpts=tuple(cpts),
        values=tuple(values),
        norms=tuple(norms),
        theories=theories,
    )


def _influenced(cpts: list[CPT]) -> list[str]:
    """The chance variables the decision ``d`` influences (CPTs are in topological order)."""
    found: set[str] = {"d"}
    for cpt in cpts:
        if found.intersection(cpt.parents):
            found.add(cpt.child)
    return sorted(found - {"d"})


def _effect(draw, name: str, variables: list[Variable], influenced: list[str]) -> Effect:
    """An effect on one influenced variable, and maybe a clause on a second variable."""
    chosen = draw(st.sampled_from(influenced))
    first = next(v for v in variables if v.name == chosen)
    states = sorted(draw(st.sets(st.sampled_from(first.states), min_size=1)))
    clauses = [Clause(first.name, tuple(states))]
    other = draw(st.sampled_from(variables))
    if other.name != first.name and draw(st.booleans()):
        clauses.append(Clause(other.name, (draw(st.sampled_from(other.states)),)))
    return Effect(name, tuple(clauses), float(draw(st.integers(1, 5))))
