"""Learning CPTs from a table of observations under a Dirichlet prior (posterior means).

For a variable X with parents U, r states and q parent configurations, a Dirichlet prior with
pseudo-counts alpha_{jk} on each row j of P(X | U) and counts N_{jk} of (U = j, X = k) in the data
give the posterior Dirichlet(alpha_{jk} + N_{jk}) and its mean (Heckerman 1995, "A Tutorial on
Learning with Bayesian Networks", eq. 34; Koller & Friedman 2009, §17.3)::

    P(X = k | U = j, D) = (N_{jk} + alpha_{jk}) / (N_j + alpha_j),   alpha_j = sum_k alpha_{jk}

Priors (``strength`` is the equivalent sample size S, or the per-cell count for ``uniform``):

- ``bdeu``: alpha_{jk} = S / (q r) (Buntine 1991; Heckerman, Geiger & Chickering 1995, BDeu);
- ``uniform``: alpha_{jk} = S (``S = 1`` is the K2 prior of Cooper & Herskovits 1992);
- ``scenario``: alpha_{jk} = S P_0(X = k | U = j), the BDe prior whose prior network is the
  scenario's own CPTs: the stated numbers count as S observations per parent configuration.

A CPT is learned when its variable and all its parents are columns of the data; the others are
kept. For a decision problem the posterior Dirichlet of each learned row also becomes its
second-order uncertainty (``CPTUncertainty`` with concentration N_j + alpha_j), which P(best)
samples. Observations of the decision are treated as interventions (no confounding between the
choice and its parents' causes), which the caller must judge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from engine.errors import listing
from engine.ir import CPT, BayesianNetwork, CPTUncertainty, DecisionProblem, Provenance
from models.formats.network_checks import shown
from models.formats.tabular import DataError, Table, read_table

Prior = Literal["bdeu", "uniform", "scenario"]
PRIORS: tuple[str, ...] = ("bdeu", "uniform", "scenario")

Model = TypeVar("Model", DecisionProblem, BayesianNetwork)


@dataclass(frozen=True, slots=True, eq=False)
class LearnedCPTs:
    """The model with learned CPTs, and what was learned from how much data.

    ``counts[x]`` is N shaped like the CPT of ``x`` (|U_1|, ..., |U_k|, |X|); ``pseudo_counts[x]``
    is alpha with the same shape.
    """

    model: DecisionProblem | BayesianNetwork
    learned: tuple[str, ...]
    kept: tuple[str, ...]
    samples: int
    prior: str
    strength: float
    counts: Mapping[str, np.ndarray]
    pseudo_counts: Mapping[str, np.ndarray]


def learn_cpts(
    model: Model,
    data: Table | str | Path,
    *,
    prior: Prior = "bdeu",
    strength: float = 1.0,
) -> LearnedCPTs:
    """Posterior-mean CPTs of ``model`` from ``data`` (a :class:`Table` or a CSV path).

    Every column must name a variable of ``model`` (or its decision) and every cell one of its
    states; errors name the file, line and column.

    Examples
    --------
    >>> from engine.ir import CPT, BayesianNetwork, Variable
    >>> net = BayesianNetwork(
    ...     "wet",
    ...     (Variable("rain", ("yes", "no")), Variable("wet", ("yes", "no"))),
    ...     (CPT("rain", (), (0.5, 0.5)), CPT("wet", ("rain",), (0.9, 0.1, 0.1, 0.9))),
    ... )
    >>> data = Table("<doc>", ("rain", "wet"), (("yes", "yes"), ("no", "no"), ("no", "yes")),
    ...              (2, 3, 4))
    >>> fit = learn_cpts(net, data, prior="uniform", strength=1.0)
    >>> fit.model.cpt_array("rain").tolist()  # (1 + 1) / (3 + 2), (2 + 1) / (3 + 2)
    [0.4, 0.6]
    """
    if prior not in PRIORS:
        raise DataError("<learn>", "prior", f"unknown prior {prior!r}; expected one of {PRIORS}")
    if not strength > 0.0 or not np.isfinite(strength):
        raise DataError(
            "<learn>", "prior strength", f"expected a positive finite number, found {strength!r}"
        )
    table = data if isinstance(data, Table) else read_table(data)
    indices = _state_indices(model, table)
    learned, kept = [], []
    counts: dict[str, np.ndarray] = {}
    pseudo: dict[str, np.ndarray] = {}
    cpts = []
    for cpt in model.cpts:
        family = (*cpt.parents, cpt.child)
        if not all(v in indices for v in family):
            kept.append(cpt.child)
            cpts.append(cpt)
            continue
        shape = tuple(len(model.states(v)) for v in family)
        n = np.zeros(shape)
        np.add.at(n, tuple(indices[v] for v in family), 1.0)
        alpha = _pseudo_counts(model, cpt, shape, prior, strength)
        table_ = (n + alpha) / (n + alpha).sum(axis=-1, keepdims=True)
        counts[cpt.child], pseudo[cpt.child] = n, alpha
        learned.append(cpt.child)
        cpts.append(CPT(cpt.child, cpt.parents, tuple(float(x) for x in table_.ravel())))
    if not learned:
        raise DataError(
            table.source,
            "header",
            "no CPT can be learned: each needs a column for its variable and for every parent "
            f"(columns: {listing(shown(c) for c in table.columns)})",
        )
    provenance = Provenance(
        source=f"{model.provenance.source} + cpts learned from {table.source}",
        format=model.provenance.format,
        ontology_version=model.provenance.ontology_version,
    )
    changes: dict[str, Any] = {"cpts": tuple(cpts), "provenance": provenance}
    if isinstance(model, DecisionProblem):
        changes["uncertainty"] = _posterior_uncertainty(model, counts, pseudo)
    updated = dataclasses.replace(model, **changes)
    return LearnedCPTs(
        updated,
        tuple(learned),
        tuple(kept),
        len(table.rows),
        prior,
        float(strength),
        counts,
        pseudo,
    )


def _posterior_uncertainty(
    problem: DecisionProblem, counts: Mapping[str, np.ndarray], pseudo: Mapping[str, np.ndarray]
) -> tuple[Any, ...]:
    """The problem's parameter uncertainty with each learned CPT's rows replaced by their
    posterior Dirichlet: concentration kappa_j = N_j + alpha_j, mean the learned row."""
    kept = tuple(
        u for u in problem.uncertainty if not (isinstance(u, CPTUncertainty) and u.child in counts)
    )
    learned = tuple(
        CPTUncertainty(child, tuple(float(x) for x in (n + pseudo[child]).sum(axis=-1).ravel()))
        for child, n in counts.items()
    )
    return kept + learned


def learned_document(document: Mapping[str, Any], fit: LearnedCPTs) -> dict[str, Any]:
    """A scenario document (as read from YAML/JSON) with the learned CPTs written in.

    Each learned variable gets its posterior-mean ``cpt`` (flat, row-major over its parents)
    and ``cpt_concentration`` N_j + alpha_j per parent configuration, so the posterior
    Dirichlet's uncertainty carries into P(best). Everything else is left as written.
    """
    data = dict(document)
    variables = []
    for entry in data.get("variables", []):
        entry = dict(entry)
        name = entry.get("name")
        if name in fit.counts:
            entry["cpt"] = [float(x) for x in fit.model.cpt(name).table]
            concentration = (fit.counts[name] + fit.pseudo_counts[name]).sum(axis=-1).ravel()
            entry["cpt_concentration"] = [float(x) for x in concentration]
        variables.append(entry)
    data["variables"] = variables
    return data


def _pseudo_counts(
    model: DecisionProblem | BayesianNetwork,
    cpt: CPT,
    shape: tuple[int, ...],
    prior: str,
    strength: float,
) -> np.ndarray:
    if prior == "bdeu":
        return np.full(shape, strength / float(np.prod(shape)))
    if prior == "uniform":
        return np.full(shape, strength)
    return strength * model.cpt_array(cpt.child)


def _state_indices(model: DecisionProblem | BayesianNetwork, table: Table) -> dict[str, np.ndarray]:
    """Column -> state indices, checking every header and cell against the model."""
    known = _names(model)
    out: dict[str, np.ndarray] = {}
    for j, column in enumerate(table.columns):
        if column not in known:
            raise DataError(
                table.source,
                f"column {shown(column)}",
                f"not a variable of {model.name!r}; expected columns among: {listing(known)}",
            )
        states = model.states(column)
        lookup = {s: k for k, s in enumerate(states)}
        index = np.empty(len(table.rows), dtype=np.intp)
        for i, row in enumerate(table.rows):
            try:
                index[i] = lookup[row[j]]
            except KeyError:
                raise DataError(
                    table.source,
                    f"line {table.lines[i]}, column {column!r}",
                    f"unknown state {shown(row[j])}; expected one of: {listing(states)}",
                ) from None
        out[column] = index
    return out


def _names(model: DecisionProblem | BayesianNetwork) -> tuple[str, ...]:
    names = tuple(v.name for v in model.variables)
    if isinstance(model, DecisionProblem):
        names = (model.decision.name, *names)
    return names
