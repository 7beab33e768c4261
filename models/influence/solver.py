"""Exact solution of influence diagrams with several decisions, and of LIMIDs.

Two algorithms, one result (:class:`Solution`):

- **Variable elimination with backward induction** for no-forgetting diagrams (Jensen & Nielsen,
  *Bayesian Networks and Decision Graphs*, 2nd ed., 2007, sec. 10.2; Jensen, Jensen & Dittmer,
  UAI 1994). Chance variables are summed out and decisions maximised in the reverse of the
  temporal order I_n, D_n, I_{n-1}, ..., D_1, I_0, where I_k are the chance variables first known
  at D_{k+1} (I_n: never known). Probability potentials phi and utility potentials psi are kept
  apart; summing out X replaces Phi_X, Psi_X by

      phi' = sum_X prod(Phi_X),    psi'_j = sum_X prod(Phi_X) psi_j / phi'   (psi_j in Psi_X),

  and maximising D chooses delta_D(r) = argmax_d prod(Phi_D) sum(Psi_D) over the remaining
  variables r, then sums D out with the deterministic policy 1[d = delta_D(r)].
- **Single Policy Update** for LIMIDs (Lauritzen & Nilsson, "Representing and solving decision
  problems with limited information", *Management Science* 47(9), 2001, sec. 4): start from
  uniform policies and, in reverse temporal order, replace one policy at a time by the best
  response delta_D(pa(D)) = argmax_d E[U 1_e | d, pa(D)] P(pa(D)) given the others, until no
  replacement strictly improves. Exact for soluble LIMIDs (theorem 4 there), a local optimum
  otherwise.

Evidence on a decision fixes its option. Evidence on a chance variable is known to every
decision: its indicator multiplies in and the result is E[U | e]. A chance variable whose
probability depends on a decision still free (a descendant of it, with the decisions fixed by
evidence cut off from their parents) is refused: P(e) would depend on the strategy, "the best
strategy given e" has no single meaning (maximising E[U 1_e] and E[U | e] disagree, and the
first is not invariant to adding a constant to U), and VE, SPU and pyAgrum would answer
differently. Fix that decision too, or model the observation with an information arc.
The variance is Var(U | e) under the optimal strategy, from E[U^2 | e] = sum_{j,k} E[u_j u_k | e].
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.errors import EvidenceError, InvalidProblem
from engine.ir.influence import InfluenceDiagram

Method = Literal["auto", "elimination", "spu"]
Factor = tuple[tuple[str, ...], np.ndarray]


@dataclass(frozen=True, slots=True)
class DecisionPolicy:
    """The option chosen for each configuration of ``observed`` (flat, row-major)."""

    decision: str
    observed: tuple[str, ...]
    choices: tuple[str, ...]

    def rules(
        self, diagram: InfluenceDiagram, evidence: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """``[{"when": {var: state}, "option": o}]``, skipping configurations evidence rules out."""
        evidence = evidence or {}
        rows = []
        spaces = [diagram.states(v) for v in self.observed]
        for config, option in zip(itertools.product(*spaces), self.choices, strict=True):
            when = dict(zip(self.observed, config, strict=True))
            if all(evidence.get(v, s) == s for v, s in when.items()):
                rows.append({"when": when, "option": option})
        return rows


@dataclass(frozen=True, slots=True)
class Solution:
    """Optimal strategy, its expected utility (MEU) and the variance of the utility."""

    meu: float
    variance: float
    policies: tuple[DecisionPolicy, ...]
    evidence: tuple[tuple[str, str], ...]
    method: str
    sweeps: int = 1

    def policy(self, decision: str) -> DecisionPolicy:
        return next(p for p in self.policies if p.decision == decision)

    def to_dict(self, diagram: InfluenceDiagram) -> dict[str, Any]:
        evidence = dict(self.evidence)
        return {
            "meu": self.meu,
            "variance": self.variance,
            "method": self.method,
            "evidence": evidence,
            "policies": {
                p.decision: {"observed": list(p.observed), "rules": p.rules(diagram, evidence)}
                for p in self.policies
            },
        }


def solve(
    diagram: InfluenceDiagram,
    evidence: Mapping[str, str] | None = None,
    method: Method = "auto",
    max_sweeps: int = 100,
) -> Solution:
    """Optimal policies, MEU and variance of an influence diagram given ``evidence``.

    ``method="auto"`` uses variable elimination when ``diagram.no_forgetting`` holds and Single
    Policy Update otherwise; ``"spu"`` on a no-forgetting diagram runs SPU on its no-forgetting
    information sets (exact there: the LIMID is soluble).

    Examples
    --------
    >>> from engine.ir.influence import DecisionVariable, UtilityNode
    >>> from engine.ir import CPT, Variable
    >>> d = InfluenceDiagram(
    ...     "bet", (Variable("coin", ("h", "t")),), (CPT("coin", (), (0.6, 0.4)),),
    ...     (DecisionVariable("call", ("h", "t")),),
    ...     (UtilityNode("win", ("call", "coin"), (1.0, 0.0, 0.0, 1.0)),),
    ... )
    >>> solution = solve(d)
    >>> solution.policy("call").choices, round(solution.meu, 6), round(solution.variance, 6)
    (('h',), 0.6, 0.24)
    """
    checked = check_id_evidence(diagram, evidence or {})
    if method == "auto":
        method = "elimination" if diagram.no_forgetting else "spu"
    if method == "elimination":
        if not diagram.no_forgetting:
            raise InvalidProblem(
                "no_forgetting", "variable elimination needs no-forgetting; use method='spu'"
            )
        policies, sweeps = _eliminate(diagram, checked), 1
    elif method == "spu":
        policies, sweeps = _single_policy_update(diagram, checked, max_sweeps)
    else:
        raise InvalidProblem("method", f"expected auto, elimination or spu, found {method!r}")
    meu, variance = moments(diagram, policies, checked)
    return Solution(meu, variance, policies, tuple(checked.items()), method, sweeps)


def check_id_evidence(diagram: InfluenceDiagram, evidence: Mapping[str, str]) -> dict[str, str]:
    """Evidence as a dict, or :class:`EvidenceError` naming the unknown variable or state."""
    known = [*(v.name for v in diagram.variables), *(d.name for d in diagram.decisions)]
    checked = {}
    for name, state in evidence.items():
        if name not in known:
            raise EvidenceError(
                f"evidence names unknown variable {name!r}; expected one of: {', '.join(known)}"
            )
        states = diagram.states(name)
        if state not in states:
            raise EvidenceError(
                f"evidence {name}={state}: unknown state {state!r}; expected one of: "
                f"{', '.join(states)}"
            )
        checked[name] = state
    _check_exogenous(diagram, checked)
    return checked


def _check_exogenous(diagram: InfluenceDiagram, evidence: Mapping[str, str]) -> None:
    """Refuse evidence on a descendant of a decision that the evidence leaves free."""
    children: dict[str, list[str]] = {}
    for cpt in diagram.cpts:
        for parent in cpt.parents:
            children.setdefault(parent, []).append(cpt.child)
    for decision in diagram.decisions:
        for parent in decision.information:
            if decision.name not in evidence:  # a fixed decision no longer depends on its parents
                children.setdefault(parent, []).append(decision.name)
    chance = {v.name for v in diagram.variables}
    for decision in diagram.decision_order():
        if decision in evidence:
            continue
        stack, seen = list(children.get(decision, ())), set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in chance and node in evidence:
                options = diagram.states(decision)
                raise EvidenceError(
                    f"evidence {node}={evidence[node]}: {node!r} depends on the decision "
                    f"{decision!r}, so the best strategy given it is not defined; fix the "
                    f"decision as well (e.g. --evidence {decision}={options[0]}) or let a later "
                    f"decision observe {node!r} through an information arc"
                )
            stack.extend(children.get(node, ()))


def moments(
    diagram: InfluenceDiagram, policies: tuple[DecisionPolicy, ...], evidence: Mapping[str, str]
) -> tuple[float, float]:
    """E[U | e] and Var(U | e) under ``policies``, U = sum_j u_j."""
    factors = _chance_factors(diagram, evidence) + [_policy_factor(diagram, p) for p in policies]
    p_evidence = float(_contract(factors, ()))
    if p_evidence <= 0.0:
        shown = ", ".join(f"{k}={v}" for k, v in evidence.items())
        raise EvidenceError(f"evidence ({shown}) has probability 0 under the optimal strategy")
    utilities = [(u.parents, diagram.utility_array(u.name)) for u in diagram.utilities]
    mean = sum(float(_contract([*factors, u], ())) for u in utilities) / p_evidence
    second = 0.0
    for j, u in enumerate(utilities):
        for k in range(j, len(utilities)):
            term = float(_contract([*factors, u, utilities[k]], ())) / p_evidence
            second += term if j == k else 2.0 * term
    return mean, max(second - mean * mean, 0.0)


# -- variable elimination (no-forgetting) ----------------------------------------------------
def _eliminate(
    diagram: InfluenceDiagram, evidence: Mapping[str, str]
) -> tuple[DecisionPolicy, ...]:
    order = diagram.decision_order()
    first_known = {v.name: len(order) for v in diagram.variables}
    for k in reversed(range(len(order))):
        for name in diagram.information_set(order[k]):
            if name in first_known:
                first_known[name] = k
    probs = _chance_factors(diagram, evidence)
    utils: list[Factor] = [(u.parents, diagram.utility_array(u.name)) for u in diagram.utilities]
    policies = {}
    for k in reversed(range(len(order) + 1)):
        group = [v for v, t in first_known.items() if t == k]
        while group:
            name = min(group, key=lambda v: _size(diagram, probs, utils, v))
            group.remove(name)
            probs, utils = _sum_out(probs, utils, name)
        if k > 0:
            probs, utils, policy = _maximise(diagram, probs, utils, order[k - 1], evidence)
            policies[policy.decision] = policy
    return tuple(policies[d] for d in order)


def _size(diagram: InfluenceDiagram, probs: list[Factor], utils: list[Factor], name: str) -> int:
    domain = {v for names, _ in (*probs, *utils) if name in names for v in names}
    return int(np.prod([len(diagram.states(v)) for v in domain]))


def _sum_out(
    probs: list[Factor], utils: list[Factor], name: str
) -> tuple[list[Factor], list[Factor]]:
    with_x = [f for f in probs if name in f[0]]
    rest = [f for f in probs if name not in f[0]]
    domain = _union(with_x)
    kept = tuple(v for v in domain if v != name)
    phi = _contract(with_x, kept)
    new_utils = []
    for util in utils:
        if name not in util[0]:
            new_utils.append(util)
            continue
        out = tuple(v for v in _union([*with_x, util]) if v != name)
        weighted = _contract([*with_x, util], out)
        denominator = _broadcast((kept, phi), out)
        psi = np.divide(weighted, denominator, out=np.zeros_like(weighted), where=denominator > 0.0)
        new_utils.append((out, psi))
    return [*rest, (kept, phi)], new_utils


def _maximise(
    diagram: InfluenceDiagram,
    probs: list[Factor],
    utils: list[Factor],
    decision: str,
    evidence: Mapping[str, str],
) -> tuple[list[Factor], list[Factor], DecisionPolicy]:
    with_d = [f for f in probs if decision in f[0]]
    psi_d = [f for f in utils if decision in f[0]]
    domain = _union([*with_d, *psi_d]) or (decision,)
    rest = tuple(v for v in domain if v != decision)
    full = (*rest, decision)
    phi = _contract([*with_d, *_ones(diagram, full)], full)
    psi = sum((_broadcast(u, full) for u in psi_d), np.zeros(_shape(diagram, full)))
    best = _argmax(diagram, decision, phi * psi, evidence)
    pick = best[..., None]
    new_phi = np.take_along_axis(phi, pick, axis=-1)[..., 0]
    new_psi = np.take_along_axis(psi, pick, axis=-1)[..., 0]
    probs = [f for f in probs if decision not in f[0]] + [(rest, new_phi)]
    utils = [f for f in utils if decision not in f[0]] + [(rest, new_psi)]
    info = diagram.decision(decision).information
    observed = tuple(v for v in diagram.information_set(decision) if v in rest or v in info)
    assert set(rest) <= set(observed), (decision, rest, observed)  # elimination order invariant
    return probs, utils, _policy(diagram, decision, observed, (rest, best), evidence)


# -- single policy update (LIMIDs) -----------------------------------------------------------
def _single_policy_update(
    diagram: InfluenceDiagram, evidence: Mapping[str, str], max_sweeps: int
) -> tuple[tuple[DecisionPolicy, ...], int]:
    order = diagram.decision_order()
    info = {d: diagram.information_set(d) for d in order}
    chance = _chance_factors(diagram, evidence)
    utilities = [(u.parents, diagram.utility_array(u.name)) for u in diagram.utilities]
    current: dict[str, Factor] = {}
    for d in order:  # Lauritzen & Nilsson start from uniform (stochastic) policies
        n = len(diagram.states(d))
        current[d] = ((*info[d], d), np.full(_shape(diagram, (*info[d], d)), 1.0 / n))
    chosen: dict[str, DecisionPolicy] = {}
    for sweep in range(1, max_sweeps + 1):
        changed = False
        for d in reversed(order):
            others = [f for e, f in current.items() if e != d]
            full = (*info[d], d)
            ones = _ones(diagram, full)
            q = sum(
                (_contract([*chance, *others, *ones, u], full) for u in utilities),
                np.zeros(_shape(diagram, full)),
            )
            best = _argmax(diagram, d, q, evidence)
            gain = np.take_along_axis(q, best[..., None], -1).sum() - (q * current[d][1]).sum()
            if d not in chosen or gain > 1e-12 * max(1.0, float(np.abs(q).sum())):
                chosen[d] = _policy(diagram, d, info[d], (info[d], best), evidence)
                current[d] = _policy_factor(diagram, chosen[d])
                changed = True
        if not changed:
            return tuple(chosen[d] for d in order), sweep
    return tuple(chosen[d] for d in order), max_sweeps


# -- factors ---------------------------------------------------------------------------------
def _chance_factors(diagram: InfluenceDiagram, evidence: Mapping[str, str]) -> list[Factor]:
    factors: list[Factor] = [
        ((*c.parents, c.child), diagram.cpt_array(c.child)) for c in diagram.cpts
    ]
    chance = {v.name for v in diagram.variables}
    for name, state in evidence.items():
        if name in chance:
            states = diagram.states(name)
            factors.append(((name,), np.eye(len(states))[states.index(state)]))
    return factors


def _policy_factor(diagram: InfluenceDiagram, policy: DecisionPolicy) -> Factor:
    """The policy as a deterministic CPT P(D | observed) = 1[D = delta(observed)]."""
    options = diagram.states(policy.decision)
    index = np.array([options.index(c) for c in policy.choices])
    shape = _shape(diagram, policy.observed)
    table = np.eye(len(options))[index].reshape((*shape, len(options)))
    return ((*policy.observed, policy.decision), table)


def _argmax(
    diagram: InfluenceDiagram, decision: str, values: np.ndarray, evidence: Mapping[str, str]
) -> np.ndarray:
    """Index of the best option along the last axis; an observed decision keeps its option."""
    if decision in evidence:
        fixed = diagram.states(decision).index(evidence[decision])
        return np.full(values.shape[:-1], fixed, dtype=np.intp)
    return np.argmax(values, axis=-1)


def _policy(
    diagram: InfluenceDiagram,
    decision: str,
    observed: tuple[str, ...],
    best: tuple[tuple[str, ...], np.ndarray],
    evidence: Mapping[str, str],
) -> DecisionPolicy:
    options = diagram.states(decision)
    if decision in evidence:
        return DecisionPolicy(decision, (), (evidence[decision],))
    index = np.broadcast_to(_broadcast(best, observed), _shape(diagram, observed))
    return DecisionPolicy(decision, observed, tuple(options[i] for i in index.ravel()))


def _ones(diagram: InfluenceDiagram, names: tuple[str, ...]) -> list[Factor]:
    """Unit factors that put each of ``names`` in a contraction's domain."""
    return [((v,), np.ones(len(diagram.states(v)))) for v in names]


def _union(factors: list[Factor]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for names, _ in factors for v in names))


def _shape(diagram: InfluenceDiagram, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(len(diagram.states(v)) for v in names)


def _broadcast(factor: Factor, out: tuple[str, ...]) -> np.ndarray:
    """``factor`` transposed to the order of ``out`` (a superset), size-1 axes for the others."""
    names, table = factor
    present = [v for v in out if v in names]
    moved = np.transpose(table, [names.index(v) for v in present])
    shape = [moved.shape[present.index(v)] if v in names else 1 for v in out]
    return moved.reshape(shape)


def _contract(factors: list[Factor], out: tuple[str, ...]) -> np.ndarray:
    """sum over everything but ``out`` of the product of ``factors`` (opt_einsum path)."""
    import opt_einsum

    labels = {v: opt_einsum.get_symbol(i) for i, v in enumerate(_union(factors) + out)}
    operands: list[Any] = []
    terms = []
    for names, table in factors:
        terms.append("".join(labels[v] for v in names))
        operands.append(table)
    if not factors:
        return np.ones(())
    expression = ",".join(terms) + "->" + "".join(labels[v] for v in out)
    result = opt_einsum.contract(expression, *operands, optimize="auto")
    missing = [v for v in out if not any(v in names for names, _ in factors)]
    assert not missing, missing  # every output variable comes from some factor
    return np.asarray(result, dtype=np.float64)
