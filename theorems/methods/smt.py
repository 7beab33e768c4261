"""Robustness queries in linear real arithmetic, decided by z3 (de Moura & Bjørner 2008, "Z3:
An Efficient SMT Solver", TACAS).

Each query asks: is there a perturbation d with ||d||_inf <= r under which the chosen option
may lose — some margin falls to the kernel's tie tolerance tau or below
(:mod:`theorems.methods.linear_form`, :mod:`theorems.methods.linear_credences`)? Every
coefficient is the exact rational value of its float, so ``unsat`` is a proof in exact
arithmetic about the margins the kernel computed, and a ``sat`` model is a perturbation
(re-decided by the engine before it is called a counterexample). z3 is imported inside the
functions: importing theorems stays light.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from theorems.methods.linear_credences import CredenceCase
from theorems.methods.linear_form import Margins


@dataclass(frozen=True, slots=True)
class SmtAnswer:
    """``status`` is ``"sat"`` (a perturbation may change the choice), ``"unsat"`` (none can)
    or ``"unknown"``; ``model`` the perturbation (sat); ``digest`` SHA-256 of the query's
    SMT-LIB text (what a proof rests on)."""

    status: str
    model: np.ndarray | None
    digest: str


def real(x: float) -> str:
    """The exact rational value of the float ``x`` as an SMT-LIB term."""
    q = Fraction(float(x))
    n = str(q.numerator) if q.numerator >= 0 else f"(- {-q.numerator})"
    return n if q.denominator == 1 else f"(/ {n} {q.denominator})"


def _dot(row: np.ndarray, names: list[str]) -> str:
    terms = [f"(* {real(v)} {x})" for v, x in zip(row, names, strict=True) if v != 0.0]
    if not terms:
        return "0"
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def _any(parts: list[str]) -> str:
    return "false" if not parts else parts[0] if len(parts) == 1 else f"(or {' '.join(parts)})"


def _all(parts: list[str]) -> str:
    return "true" if not parts else parts[0] if len(parts) == 1 else f"(and {' '.join(parts)})"


def solve(text: str, names: list[str]) -> SmtAnswer:
    """Decide the SMT-LIB ``text`` (QF_LRA) declaring the reals ``names``; a ``sat`` model
    gives their values (0 for any the query leaves free)."""
    import z3

    solver = z3.SolverFor("QF_LRA")
    solver.from_string(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    status = solver.check()
    if status == z3.unsat:
        return SmtAnswer("unsat", None, digest)
    if status != z3.sat:
        return SmtAnswer("unknown", None, digest)
    model = solver.model()
    found = {d.name(): model[d] for d in model.decls()}
    values = []
    for name in names:
        v = found.get(name)
        if v is None:
            values.append(0.0)
        else:
            values.append(float(Fraction(v.numerator_as_long(), v.denominator_as_long())))
    return SmtAnswer("sat", np.array(values), digest)


def _declare(names: list[str]) -> list[str]:
    return [f"(declare-const {x} Real)" for x in names]


def linear_query(margins: Margins, rule: str, radius: float) -> SmtAnswer:
    """Utilities or weights: ∃ d, |d_i| <= r, some rival b with

    MEC: m0_b + g_b . d <= tau;
    MFT: p_b <= tau and (p_b < -tau or t_b <= tau), p the favourite theory's margin and t the
    MEC tie-break margin (a rival within tolerance on p is decided by t, then by name).

    The query is built as SMT-LIB text (its SHA-256 is the digest a proof rests on) and
    parsed by z3 once.
    """
    names = [f"d{i}" for i in range(len(margins.names))]
    rows = [margins.G] + ([] if margins.G_tie is None else [margins.G_tie])
    used = np.flatnonzero(sum(np.abs(g).sum(axis=0) for g in rows)) if len(margins.rivals) else []
    r, tau = real(radius), real(margins.tau(radius))
    lines = _declare([names[i] for i in used])
    lines += [f"(assert (and (<= (- {r}) {names[i]}) (<= {names[i]} {r})))" for i in used]
    flips = []
    for k in range(len(margins.rivals)):
        p = f"(+ {real(margins.m0[k])} {_dot(margins.G[k], names)})"
        if rule == "mft":
            assert margins.m0_tie is not None and margins.G_tie is not None
            t = f"(+ {real(margins.m0_tie[k])} {_dot(margins.G_tie[k], names)})"
            flips.append(f"(and (<= {p} {tau}) (or (< {p} (- {tau})) (<= {t} {tau})))")
        else:
            flips.append(f"(<= {p} {tau})")
    lines.append(f"(assert {_any(flips)})")
    return solve("\n".join(lines), names)


def credence_query(cases: list[CredenceCase], c0: np.ndarray, radius: float) -> SmtAnswer:
    """Credences: ∃ c on the simplex with |c_T - c0_T| <= r in some case (its zero theories at
    0, its positive ones > 0) where the chosen option is not permissible or some margin
    D_b . c <= tau."""
    names = [f"c{t}" for t in range(len(c0))]
    r = real(radius)
    lines = _declare(names)
    lines.append(f"(assert (= {_dot(np.ones(len(c0)), names)} 1))")
    for x, c in zip(names, c0, strict=True):
        lines.append(
            f"(assert (and (<= 0 {x}) (<= (- {x} {real(c)}) {r}) (<= (- {real(c)} {x}) {r})))"
        )
    options = []
    for case in cases:
        parts = [f"(= {names[t]} 0)" for t in case.zero]
        parts += [f"(> {names[t]} 0)" for t in case.positive]
        if not case.lost:
            tau = real(case.tau)
            parts.append(_any([f"(<= {_dot(row, names)} {tau})" for row in case.D]))
        options.append(_all(parts))
    lines.append(f"(assert {_any(options)})")
    return solve("\n".join(lines), names)
