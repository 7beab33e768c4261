"""The exact reference backend: the IR compiled to a pgmpy network, queried by variable elimination.

pgmpy is the cross-check, not the fast path: one query at a time, no batching.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from engine.backends.protocol import Evidence
from engine.backends.registry import require_discrete
from engine.errors import EvidenceError
from engine.ir import BayesianNetwork


def import_pgmpy() -> Any:
    """Import pgmpy quietly: it emits deprecation warnings about its own modules at import."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgmpy.factors.discrete
        import pgmpy.inference
        import pgmpy.models

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    return pgmpy


def to_pgmpy(network: BayesianNetwork) -> Any:
    """The network as a ``pgmpy`` DiscreteBayesianNetwork."""
    pgmpy = import_pgmpy()
    TabularCPD = pgmpy.factors.discrete.TabularCPD
    DiscreteBayesianNetwork = pgmpy.models.DiscreteBayesianNetwork

    edges = [(p, c.child) for c in network.cpts for p in c.parents]
    model = DiscreteBayesianNetwork(edges)
    model.add_nodes_from([v.name for v in network.variables])
    cpds = []
    for cpt in network.cpts:
        table = network.cpt_array(cpt.child)
        n_child = table.shape[-1]
        cpds.append(
            TabularCPD(
                cpt.child,
                n_child,
                table.reshape(-1, n_child).T,
                evidence=list(cpt.parents) or None,
                evidence_card=[len(network.states(p)) for p in cpt.parents] or None,
                state_names={n: list(network.states(n)) for n in (cpt.child, *cpt.parents)},
            )
        )
    model.add_cpds(*cpds)
    return model


@lru_cache(maxsize=1)
def _evidence_keeping_elimination() -> type:
    """pgmpy's VariableElimination, pruning the network to the ancestors of the query and the
    evidence only.

    pgmpy's own pruning also drops evidence d-separated from the query variables (Baker & Boult
    2013, step 1), so a posterior query answers even when that evidence is impossible. Keeping
    every evidence variable makes the query's unnormalised result sum to P(query, e) over the
    free variables, so pgmpy's normalisation gives NaN exactly when P(e) = 0 (apart from CPTs
    wholly observed, which pgmpy leaves out of the contraction: :func:`_observed_cpt_is_zero`).
    Dropping barren non-ancestors stays exact: their CPTs sum to 1.
    """
    VariableElimination = import_pgmpy().inference.VariableElimination

    class EvidenceKeepingElimination(VariableElimination):
        def _prune_bayesian_model(
            self, variables: Sequence[str], evidence: dict[str, str] | None
        ) -> tuple[Any, dict[str, str]]:
            evidence = dict(evidence or {})
            reduced = self.model.get_ancestral_graph([*variables, *evidence])
            # an ancestral graph holds every parent of its nodes: the CPTs need no marginalising
            reduced.cpds = [self.model.get_cpds(node) for node in reduced.nodes()]
            return reduced, evidence

    return EvidenceKeepingElimination


@lru_cache(maxsize=16)
def _inference(network: BayesianNetwork) -> Any:
    return _evidence_keeping_elimination()(to_pgmpy(network))


def _observed_cpt_is_zero(network: BayesianNetwork, evidence: dict[str, str]) -> bool:
    """Whether a CPT whose child and parents are all observed gives the evidence probability 0.

    Such a CPT is a constant factor of P(e); pgmpy leaves it out of a posterior query.
    """
    for cpt in network.cpts:
        scope = (*cpt.parents, cpt.child)
        if all(v in evidence for v in scope):
            index = tuple(network.states(v).index(evidence[v]) for v in scope)
            if network.cpt_array(cpt.child)[index] <= 0.0:
                return True
    return False


def _impossible(evidence: dict[str, str]) -> EvidenceError:
    shown = ", ".join(f"{k}={v}" for k, v in evidence.items())
    return EvidenceError(f"evidence ({shown}) has probability 0 under the model")


class PgmpyBackend:
    """Exact inference with pgmpy's VariableElimination (the reference for every other backend).

    One pgmpy query per distinct evidence row of a batch: the posterior itself, which also tells
    whether P(e) = 0; only a row whose targets are all observed needs a P(e) query.
    """

    name = "pgmpy"

    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        targets: Sequence[str],
    ) -> np.ndarray:
        require_discrete(network, self.name)
        shape = tuple(len(network.states(t)) for t in targets)
        out = np.empty((len(evidence_batch), *shape))
        answered: dict[tuple[tuple[str, Any], ...], np.ndarray] = {}
        for i, evidence in enumerate(evidence_batch):
            key = tuple(sorted(evidence.items()))
            if key not in answered:
                answered[key] = self._one(network, dict(evidence), tuple(targets), shape)
            out[i] = answered[key]
        return out

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        require_discrete(network, self.name)
        return np.array([self._evidence_probability(network, dict(e)) for e in evidence_batch])

    def _evidence_probability(self, network: BayesianNetwork, evidence: dict[str, str]) -> float:
        if not evidence:
            return 1.0
        factor = _inference(network).query(
            variables=list(evidence), joint=True, show_progress=False
        )
        index = tuple(factor.state_names[v].index(evidence[v]) for v in factor.variables)
        return float(factor.values[index])

    def _one(
        self,
        network: BayesianNetwork,
        evidence: dict[str, str],
        targets: tuple[str, ...],
        shape: tuple[int, ...],
    ) -> np.ndarray:
        free = [t for t in dict.fromkeys(targets) if t not in evidence]
        joint: dict[tuple[str, ...], float] = {}
        if free:
            if _observed_cpt_is_zero(network, evidence):
                raise _impossible(evidence)
            with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 when P(e) = 0
                factor = _inference(network).query(
                    variables=free, evidence=evidence or None, joint=True, show_progress=False
                )
            if not np.isfinite(factor.values).all():
                raise _impossible(evidence)
            for states in itertools.product(*(factor.state_names[v] for v in factor.variables)):
                index = tuple(
                    factor.state_names[v].index(s)
                    for v, s in zip(factor.variables, states, strict=True)
                )
                joint[states] = float(factor.values[index])
            order = list(factor.variables)
        else:
            if self._evidence_probability(network, evidence) <= 0.0:
                raise _impossible(evidence)
            joint[()] = 1.0
            order = []
        out = np.zeros(shape)
        for states, p in joint.items():
            assignment = dict(zip(order, states, strict=True)) | evidence
            index = tuple(network.states(t).index(assignment[t]) for t in targets)
            out[index] = p
        return out
