"""JSON data -> IR: the inverse of :func:`engine.ir.content_dict`."""

from __future__ import annotations

from typing import Any

from engine.continuous import continuous_from, linear_from, logistic_from
from engine.errors import InvalidProblem
from engine.ir import (
    CPT,
    BayesianNetwork,
    CPTUncertainty,
    DecisionNode,
    DecisionProblem,
    Norm,
    ParameterUncertainty,
    Policy,
    PolicyCase,
    Provenance,
    Theory,
    UtilityUncertainty,
    ValueDimension,
    Variable,
    clause_from,
)


def problem_from_dict(data: dict[str, Any]) -> DecisionProblem:
    """Rebuild a :class:`DecisionProblem`; a stored ``content_hash`` must match the content."""
    try:
        problem = _build(data)
    except (KeyError, TypeError) as exc:
        raise InvalidProblem("<json>", f"not a serialised DecisionProblem ({exc!r})") from None
    check_hash(data, problem.content_hash)
    return problem


def network_from_dict(data: dict[str, Any]) -> BayesianNetwork:
    """Rebuild a :class:`BayesianNetwork`; a stored ``content_hash`` must match the content."""
    try:
        network = BayesianNetwork(
            name=data["name"],
            description=data.get("description", ""),
            variables=variables_from(data),
            cpts=cpts_from(data),
            provenance=provenance_from(data),
            continuous=continuous_from(data),
            logistic=logistic_from(data),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidProblem("<json>", f"not a serialised BayesianNetwork ({exc!r})") from None
    check_hash(data, network.content_hash)
    return network


def provenance_from(data: dict[str, Any]) -> Provenance:
    """The ``provenance`` block of serialised data (its content hash is checked separately)."""
    prov = data.get("provenance", {})
    return Provenance(
        prov.get("source", ""), prov.get("format", ""), prov.get("ontology_version", "")
    )


def variables_from(data: dict[str, Any]) -> tuple[Variable, ...]:
    return tuple(
        Variable(v["name"], tuple(v["states"]), v.get("description", "")) for v in data["variables"]
    )


def cpts_from(data: dict[str, Any]) -> tuple[CPT, ...]:
    return tuple(
        CPT(c["child"], tuple(c["parents"]), tuple(float(x) for x in c["table"]))
        for c in data["cpts"]
    )


def check_hash(data: dict[str, Any], actual: str) -> None:
    stored = data.get("provenance", {}).get("content_hash")
    if stored and stored != actual:
        raise InvalidProblem(
            "provenance.content_hash",
            f"stored hash {stored[:12]}… does not match the content ({actual[:12]}…);"
            " the file was edited after it was written — drop the hash or regenerate it",
        )


def _build(data: dict[str, Any]) -> DecisionProblem:
    return DecisionProblem(
        name=data["name"],
        description=data.get("description", ""),
        variables=variables_from(data),
        decision=DecisionNode(
            data["decision"]["name"],
            tuple(data["decision"]["options"]),
            data["decision"].get("description", ""),
        ),
        cpts=cpts_from(data),
        values=tuple(
            ValueDimension(
                v["name"],
                tuple(v["parents"]),
                tuple(float(x) for x in v["table"]),
                v.get("description", ""),
                tuple(v.get("frameworks", ())),
                linear_from(v),
            )
            for v in data.get("values", ())
        ),
        norms=tuple(
            Norm(
                name=n["name"],
                modality=n["modality"],
                option=n["option"],
                condition=tuple(clause_from(c) for c in n.get("condition", ())),
                weight=float(n.get("weight", 1.0)),
                priority=int(n.get("priority", 0)),
                defeasible=bool(n.get("defeasible", False)),
                threshold=float(n.get("threshold", 0.0)),
                source=n.get("source", ""),
                description=n.get("description", ""),
            )
            for n in data.get("norms", ())
        ),
        theories=tuple(
            Theory(
                name=t["name"],
                kind=t["kind"],
                credence=float(t["credence"]),
                value_weights=tuple((v, float(w)) for v, w in t.get("value_weights", ())),
                norm_handling=t.get("norm_handling", "ignore"),
                norms=None if t.get("norms") is None else tuple(t["norms"]),
                description=t.get("description", ""),
            )
            for t in data.get("theories", ())
        ),
        policies=tuple(
            Policy(
                name=p["name"],
                formalism=p["formalism"],
                credences=tuple((t, float(c)) for t, c in p["credences"]),
                principles=tuple(p.get("principles", ())),
                rule=p.get("rule"),
                normalisation=p.get("normalisation"),
                description=p.get("description", ""),
                abstraction=p.get("abstraction", "rule"),
                cases=tuple(
                    PolicyCase(
                        tuple(clause_from(c) for c in case["when"]),
                        tuple(case["principles"]),
                    )
                    for case in p.get("cases", ())
                ),
                tolerance=float(p.get("tolerance", 1e-9)),
                confidence=float(p.get("confidence", 0.95)),
            )
            for p in data.get("policies", ())
        ),
        uncertainty=tuple(_uncertainty(u) for u in data.get("uncertainty", ())),
        provenance=provenance_from(data),
        continuous=continuous_from(data),
        logistic=logistic_from(data),
    )


def _uncertainty(item: dict[str, Any]) -> ParameterUncertainty:
    if item["kind"] == "dirichlet":
        return CPTUncertainty(item["child"], tuple(float(x) for x in item["concentration"]))
    return UtilityUncertainty(item["value"], item["kind"], tuple(float(x) for x in item["scale"]))
