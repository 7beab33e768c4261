"""The decision in one situation as a function of the parameters a robustness check perturbs.

For one evidence assignment e the kernel (:func:`engine.kernel.decide.decide_rows`) computes,
per option a and theory T (shared/DESIGN.md, "Decision semantics" steps 2-5),

    EV_v(a)  = sum_x P(x | do(a), e) U_v(a, x) = q_v(a) . U_v   (q_v: posterior of v's parents)
    CW_T(a)  = sum_v w_Tv EV_v(a) - sum_k pen_Tk P(viol_k | do(a), e)
    MEC:  s(a) = sum_T c_T (CW_T(a) - centre_T) / scale_T   (normalisation none: 0 and 1)
    MFT:  s(a) = CW_F(a), F the theory of highest credence; MEC breaks ties

With the posteriors fixed (utilities, weights and credences do not change them), s(a) is
*linear* in the utility table entries U_v[j] (gradient (sum_T c_T w_Tv) q_v(a, j)) and in the
value weights w_Tv (gradient c_T EV_v(a)) when the normalisation is ``none`` — range and
variance normalisation divide by a spread of the utilities, which is not linear, and are out
of scope here. s(a) is linear in the credences c_T under every normalisation, since centre
and scale depend on CW only; permissibility depends on the credences only through which
side-constraint theories have c_T > 0, which :mod:`theorems.robust_credences` splits into cases.

This module computes, for each situation, the nominal margins m0_b = s(a*) - s(b) of the chosen
option a* over every other permissible option b and their gradients g_b, so that the margin
under a perturbation d is m0_b + g_b . d exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import PhronesisError
from engine.kernel.decide import decide_rows
from engine.rules.base import TIE_TOLERANCE
from theorems.space import chunks, evidence_of
from theorems.task import Task

#: the rules whose score is linear in CW (engine.rules.registry.LINEAR_RULES)
SUPPORTED_RULES: tuple[str, ...] = ("mec", "mft")


class RobustnessScopeError(PhronesisError, ValueError):
    """A robustness check cannot be made exact on this problem (rule, normalisation, policy)."""


@dataclass(frozen=True, slots=True)
class Situation:
    """One evidence assignment as the kernel decided it: ``chosen`` (-1: abstains),
    ``expected`` (A, V), ``violation`` (A, K), ``cw`` (A, T), ``possible`` and ``permissible``
    (A,), the effective ``credences`` (T,)."""

    number: int
    evidence: dict[str, str]
    index: np.ndarray
    chosen: int
    expected: np.ndarray
    violation: np.ndarray
    cw: np.ndarray
    possible: np.ndarray
    permissible: np.ndarray
    credences: np.ndarray


@dataclass(frozen=True, slots=True)
class Margins:
    """Margins of the chosen option over each competitor b (``rivals``): m0 (B,) and gradient
    G (B, P) over the parameters ``names``; for MFT the tie-break (MEC) margins ``m0_tie`` and
    ``G_tie``. ``tau`` is the kernel's tie tolerance at the scale of the scores: a margin
    <= tau may let b be chosen (ties go by name), so only margins > tau count as safe."""

    names: tuple[str, ...]
    rivals: tuple[int, ...]
    m0: np.ndarray
    G: np.ndarray
    m0_tie: np.ndarray | None
    G_tie: np.ndarray | None
    scale: float
    slope: float

    def tau(self, radius: float) -> float:
        """TIE_TOLERANCE * max(1, max_a |s(a)|) bounded over the ball of ``radius``:
        |s(a)(d)| <= |s(a)(0)| + radius * ||grad s(a)||_1."""
        return TIE_TOLERANCE * max(1.0, self.scale + radius * self.slope)


def effective_rule(task: Task) -> tuple[str, str]:
    """(rule, normalisation) every row is decided under, or :class:`RobustnessScopeError`."""
    compiled = task.compiled
    settings = compiled.policy_settings
    if settings is None:
        raise RobustnessScopeError(
            "robustness: a conditional policy picks its rule per situation; choose a rule-"
            "abstraction policy (or none) to check robustness exactly"
        )
    policy = settings.policy
    if policy is not None:
        if policy.abstraction != "rule":
            raise RobustnessScopeError(
                f"robustness: policy {policy.name!r} is an {policy.abstraction!r} policy "
                "(lexicographic criteria); exact robustness covers rule policies"
            )
        own = (policy.rule or "mec", policy.normalisation or settings.normalisation)
        if own != (settings.rule, settings.normalisation):
            raise RobustnessScopeError(
                f"robustness: policy {policy.name!r} judges by {own[0]!r} but decisions use "
                f"{settings.rule!r}; its silence is not covered"
            )
    if settings.rule not in SUPPORTED_RULES:
        raise RobustnessScopeError(
            f"robustness: rule {settings.rule!r} is not linear in choiceworthiness; exact "
            f"radii cover {', '.join(SUPPORTED_RULES)}"
        )
    return settings.rule, settings.normalisation


def situations(task: Task) -> list[Situation]:
    """Every assignment of the task's evidence space, decided by the kernel."""
    found = []
    credences = task.compiled.policy_settings
    c = credences.credences if credences is not None else task.compiled.settings.credences
    for chunk in chunks(task):
        batch = decide_rows(task.compiled, chunk.index)
        for k in range(len(chunk.index)):
            found.append(
                Situation(
                    number=chunk.start + k,
                    evidence=evidence_of(task, chunk.digits[k]),
                    index=chunk.index[k].copy(),
                    chosen=int(batch.chosen[k]),
                    expected=np.array(batch.expected_values[k]),
                    violation=np.array(batch.violation[k]),
                    cw=np.array(batch.choiceworthiness[k]),
                    possible=np.array(batch.possible[k]),
                    permissible=np.array(batch.permissible[k]),
                    credences=np.asarray(c, dtype=float),
                )
            )
        if task.progress is not None:
            task.progress(chunk.start + len(chunk.index), task.space_size)
    return found


def utility_names(task: Task) -> tuple[str, ...]:
    """One name per utility table entry, ``value[state, ...]``, in the IR's table order."""
    problem = task.problem
    names = []
    for value in problem.values:
        shape = tuple(len(problem.states(p)) for p in value.parents)
        for j in np.ndindex(*shape):
            states = ",".join(problem.states(p)[i] for p, i in zip(value.parents, j, strict=True))
            names.append(f"{value.name}[{states}]")
    return tuple(names)


def weight_names(task: Task) -> tuple[str, ...]:
    """One name per value weight w_Tv, ``theory.value``, theory-major."""
    problem = task.problem
    return tuple(f"{t.name}.{v.name}" for t in problem.theories for v in problem.values)


def occupancy(task: Task, situation: Situation) -> list[np.ndarray]:
    """Per value v, q_v (A, entries of U_v): P(parents of v = j | do(a), e), the gradient of
    EV_v(a) in the table entries (the decision, when a parent, a point mass at a)."""
    problem = task.problem
    decision = problem.decision.name
    options = problem.decision.options
    network = problem.network()
    evidence = task.compiled.decode(situation.index)
    possible = [i for i in range(len(options)) if situation.possible[i]]
    rows = [{**evidence, decision: options[i]} for i in possible]
    out = []
    for value in problem.values:
        chance = [p for p in value.parents if p != decision]
        shape = tuple(len(problem.states(p)) for p in value.parents)
        q = np.zeros((len(options), *shape))
        if rows:
            post = np.asarray(task.compiled.backend.posterior(network, rows, chance), dtype=float)
            for r, i in enumerate(possible):
                full = post[r]
                if decision in value.parents:
                    axis = value.parents.index(decision)
                    point = np.zeros(len(options))
                    point[i] = 1.0
                    full = np.multiply.outer(point, full)
                    full = np.moveaxis(full, 0, axis)
                q[i] = full
        out.append(q.reshape(len(options), -1))
    return out


def scores_and_gradients(
    task: Task, situation: Situation, family: str, rule: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(s (A,), grad s (A, P), tie-break s (A,), its gradient) for ``family`` ``utilities`` or
    ``weights`` under normalisation ``none`` (see the module docstring). For MEC the
    tie-break arrays equal the scores."""
    problem = task.problem
    c = situation.credences
    weights = task.compiled.structure.value_weights  # (T, V)
    mec = situation.cw @ c
    if family == "utilities":
        q = occupancy(task, situation)
        ev = np.stack([qv @ np.asarray(v.table) for qv, v in zip(q, problem.values, strict=True)])
        if not np.allclose(ev.T, situation.expected, rtol=1e-9, atol=1e-9):
            raise AssertionError("posterior expectations disagree with the kernel's")
        mec_grad = np.concatenate([(c @ weights[:, v])[None] * q[v].T for v in range(len(q))]).T
        fav = int(np.argmax(c))
        mft_grad = np.concatenate([weights[fav, v] * q[v].T for v in range(len(q))]).T
    elif family == "weights":
        t, v = weights.shape
        mec_grad = (c[:, None, None] * situation.expected.T[None]).reshape(t * v, -1).T
        fav = int(np.argmax(c))
        mft_grad = np.zeros((len(mec), t, v))
        mft_grad[:, fav, :] = situation.expected
        mft_grad = mft_grad.reshape(len(mec), -1)
    else:
        raise ValueError(f"unknown parameter family {family!r}")
    if rule == "mec":
        return mec, mec_grad, mec, mec_grad
    fav = int(np.argmax(c))
    return situation.cw[:, fav], mft_grad, mec, mec_grad


def margins(task: Task, situation: Situation, family: str, rule: str) -> Margins:
    """The chosen option's margins over each other permissible option (module docstring)."""
    s, grad, tie, tie_grad = scores_and_gradients(task, situation, family, rule)
    names = utility_names(task) if family == "utilities" else weight_names(task)
    a = situation.chosen
    rivals = tuple(int(b) for b in np.flatnonzero(situation.permissible) if b != a)
    idx = list(rivals)
    ok = situation.permissible
    scale = float(max(np.abs(s[ok]).max(initial=0.0), np.abs(tie[ok]).max(initial=0.0)))
    slope = float(
        max(
            np.abs(grad[ok]).sum(axis=1).max(initial=0.0),
            np.abs(tie_grad[ok]).sum(axis=1).max(initial=0.0),
        )
    )
    mft = rule == "mft"
    return Margins(
        names=names,
        rivals=rivals,
        m0=s[a] - s[idx],
        G=grad[a][None] - grad[idx],
        m0_tie=(tie[a] - tie[idx]) if mft else None,
        G_tie=(tie_grad[a][None] - tie_grad[idx]) if mft else None,
        scale=scale,
        slope=slope,
    )


def _closed_form(m0: float, g: np.ndarray, bound: float) -> float:
    """min ||d||_inf s.t. m0 + g . d <= bound: (m0 - bound) / ||g||_1 (0 when already
    there, inf when g = 0 and not there) — Hölder's inequality, attained at d = -r sign(g)."""
    if m0 <= bound:
        return 0.0
    norm = float(np.abs(g).sum())
    return float("inf") if norm == 0.0 else (m0 - bound) / norm


def _two_rows(m0: np.ndarray, g: np.ndarray, bound: np.ndarray) -> float:
    """min ||d||_inf s.t. m0_i + g_i . d <= bound_i for both rows (one LP, HiGHS)."""
    from scipy.optimize import linprog  # imported here: scipy is heavy

    used = np.flatnonzero(np.abs(g).sum(axis=0))
    if not len(used):
        return 0.0 if (m0 <= bound).all() else float("inf")
    n = len(used)
    a_ub = [list(g[i, used]) + [0.0] for i in range(2)]
    b_ub = [float(bound[i] - m0[i]) for i in range(2)]
    for j in range(n):
        for sign in (1.0, -1.0):
            line = [0.0] * (n + 1)
            line[j], line[-1] = sign, -1.0
            a_ub.append(line)
            b_ub.append(0.0)
    result = linprog(
        c=[0.0] * n + [1.0],
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=[(None, None)] * n + [(0.0, None)],
        method="highs",
    )
    return float("inf") if result.status != 0 else max(0.0, float(result.x[-1]))


def _radius_at(margins: Margins, rule: str, tau: float) -> float:
    best = float("inf")
    for k in range(len(margins.rivals)):
        if rule == "mft":
            assert margins.m0_tie is not None and margins.G_tie is not None
            below = _closed_form(margins.m0[k], margins.G[k], -tau)  # p < -tau (closure)
            tied = _two_rows(
                np.array([margins.m0[k], margins.m0_tie[k]]),
                np.stack([margins.G[k], margins.G_tie[k]]),
                np.array([tau, tau]),
            )
            best = min(best, below, tied)
        else:
            best = min(best, _closed_form(margins.m0[k], margins.G[k], tau))
    return best


def linear_radius(margins: Margins, rule: str) -> float:
    """The certified radius: the least ||d||_inf under which some margin may fall to the tie
    tolerance (:func:`engine.rules.registry.ranking`). The tolerance grows with the scores,
    so it is taken at the radius found without it, an upper bound of the true one: the
    result is exact in real arithmetic up to that 1e-9-relative term and never too large."""
    first = _radius_at(margins, rule, margins.tau(0.0))
    if first == float("inf"):
        return first
    return _radius_at(margins, rule, margins.tau(first))


def worst_perturbations(margins: Margins, rule: str, radius: float) -> list[np.ndarray]:
    """For each rival, the perturbation of size ``radius`` that lowers its (first) margin most,
    d = -radius sign(g_b), most damaging first: candidates for a counterexample."""
    found = []
    for k in range(len(margins.rivals)):
        d = -radius * np.sign(margins.G[k])
        found.append((float(margins.m0[k] + margins.G[k] @ d), d))
        if rule == "mft" and margins.G_tie is not None and margins.m0_tie is not None:
            t = -radius * np.sign(margins.G_tie[k])
            found.append((float(margins.m0[k] + margins.G[k] @ t), t))
    found.sort(key=lambda f: f[0])
    return [d for _, d in found]
