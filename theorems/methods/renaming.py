"""A problem written differently but meaning the same: every variable, state and option
renamed, and the options, variables, CPTs, values, norms, theories and policies listed in
reverse order — the rewrite the invariance property decides on.

Options are renamed by a common prefix, which keeps their order by name (rules break exact
ties by option name, so a rename that reordered names could change a tied decision
legitimately); states and variables by a common suffix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from engine.ir import DecisionProblem
from engine.ir.nodes import CPT, Clause, CPTUncertainty, Effect, PolicyCase, Theory, Variable
from engine.ir.transform import reorder_options

OPTION_PREFIX = "renamed_"
SUFFIX = "_renamed"


@dataclass(frozen=True, slots=True)
class Renamed:
    """The rewritten ``problem`` and the maps from the original's names to its names."""

    problem: DecisionProblem
    variables: dict[str, str]
    states: dict[str, dict[str, str]]
    options: dict[str, str]


def renamed(problem: DecisionProblem) -> Renamed:
    """``problem`` with every name changed and every list reversed (see the module docstring).

    Examples
    --------
    >>> from engine.scenario import load_scenario
    >>> r = renamed(load_scenario("examples/heinz.yaml"))
    >>> r.problem.decision.options
    ('renamed_do_not_steal', 'renamed_steal_and_confess', 'renamed_steal')
    """
    variables = {v.name: v.name + SUFFIX for v in problem.variables}
    variables[problem.decision.name] = problem.decision.name + SUFFIX
    states = {v.name: {s: s + SUFFIX for s in v.states} for v in problem.variables}
    options = {o: OPTION_PREFIX + o for o in problem.decision.options}
    states[problem.decision.name] = options

    def clause(c: Clause) -> Clause:
        names = states.get(c.variable, {})
        return dataclasses.replace(
            c,
            variable=variables.get(c.variable, c.variable),
            states=tuple(names.get(s, s) for s in c.states),
        )

    def parents(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(variables.get(p, p) for p in names)

    rewritten = dataclasses.replace(
        problem,
        variables=tuple(
            Variable(variables[v.name], tuple(states[v.name][s] for s in v.states), v.description)
            for v in reversed(problem.variables)
        ),
        decision=dataclasses.replace(
            problem.decision,
            name=variables[problem.decision.name],
            options=tuple(options[o] for o in problem.decision.options),
        ),
        cpts=tuple(
            CPT(variables[c.child], parents(c.parents), c.table) for c in reversed(problem.cpts)
        ),
        values=tuple(
            dataclasses.replace(v, parents=parents(v.parents)) for v in reversed(problem.values)
        ),
        norms=tuple(
            dataclasses.replace(
                n,
                option=options[n.option],
                condition=tuple(map(clause, n.condition)),
                unless=tuple(tuple(map(clause, exception)) for exception in n.unless),
            )
            for n in reversed(problem.norms)
        ),
        theories=tuple(_renamed_effects(t, clause) for t in reversed(problem.theories)),
        policies=tuple(
            dataclasses.replace(
                p,
                cases=tuple(PolicyCase(tuple(map(clause, c.when)), c.principles) for c in p.cases),
            )
            for p in reversed(problem.policies)
        ),
        uncertainty=tuple(
            dataclasses.replace(u, child=variables[u.child]) if isinstance(u, CPTUncertainty) else u
            for u in problem.uncertainty
        ),
    )
    reordered = reorder_options(rewritten, tuple(reversed(rewritten.decision.options)))
    return Renamed(reordered, variables, states, options)


def _renamed_effects(theory: Theory, clause: Callable[[Clause], Clause]) -> Theory:
    """``theory`` with its double effect test's events renamed (effects listed in reverse)."""
    test = theory.double_effect
    if test is None:
        return theory

    def renamed(effects: tuple[Effect, ...]) -> tuple[Effect, ...]:
        return tuple(
            dataclasses.replace(e, when=tuple(map(clause, e.when))) for e in reversed(effects)
        )

    return dataclasses.replace(
        theory,
        double_effect=dataclasses.replace(test, good=renamed(test.good), bad=renamed(test.bad)),
    )
