"""An ontology plus the scenario that completes it -> :class:`~engine.ir.DecisionProblem`.

The scenario (YAML/JSON, as in :mod:`engine.scenario.read`) supplies the decision, the chance
variables with their CPTs, the value dimensions, theories and policies; the ontology supplies
norms (and value terms), stated per context. The two are merged *as scenario data* and then
parsed by :func:`engine.scenario.read.parse_scenario`, so a problem written once as YAML and once as
ontology + scenario goes through the same code and gets the same content hash when the norms
agree field by field.

Contexts -> conditions. Each context variable (a context class annotated with
``phr:contextVariable``; its states the leaf subcontexts, see :mod:`ontology.knowledge`) must be
a scenario variable with the same states, whose CPT gives P(C | evidence). A norm governing the
leaves L of variable V gets the clause ``V in L`` (none when L is all of V's states). A
situation is one state per variable and a norm stated for contexts of two variables would apply
when *either* holds — a disjunction the IR's conjunctive conditions cannot express — so that is
refused unless the norm applies alike in every situation (:func:`ontology.contexts.dimension`).
Where P(E | C) < 1 for some leaf, the norm is in force only with that probability: a chance
variable ``applies__<norm>`` with parent V and P(yes | V = c) = P(E | c) is added and the
norm's condition becomes ``applies__<norm> = yes``, so P(violation | do(a), e) is exact.
Where w(E, C) differs between leaves, the norm is split into one norm per weight
(``<norm>__<states>``), and theories and policies that named the norm name every part.
Norms keep the ontology's order (``phr:order``, then name) after the scenario's own norms.
A norm's exceptions (``phr:unlessContext``) and contrary-to-duty links (``phr:contraryToDuty``)
become its ``unless`` and ``condition.violated`` in every part (:mod:`ontology.deontic`).

Value prescripts (``phr:ValuePrescript`` that ``phr:promotes`` / ``phr:demotes`` a scenario value
V) become a value term named after the prescript with utility ±w(E, c)·P(E | c)·U_V(x), gated by
the context variable; a theory uses it by naming it in its ``value_weights``.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.errors import ScenarioError
from engine.ir import DecisionProblem, Provenance
from engine.scenario import parse_scenario, read_document
from engine.scenario.tables import flatten_table
from ontology.analyse import analyse_file
from ontology.contexts import dimension
from ontology.deontic import add_deontic_terms
from ontology.errors import ExtractionError
from ontology.knowledge import Knowledge, Prescript
from ontology.load import FORMATS
from ontology.odrl import rule_norm


def problem_from_ontology(
    path: str | Path, scenario_path: str | Path | None = None, reasoner: str = "auto"
) -> DecisionProblem:
    """Load, validate and reason over ``path``, then complete it with its scenario.

    ``scenario_path`` defaults to the ``phr:scenario`` annotation of the ontology (relative to
    the ontology file). ``reasoner`` is ``auto`` (HermiT with Java, else owlrl; the environment
    variable ``PHRONESIS_REASONER`` overrides), ``hermit``, ``owlrl`` or ``none``.

    Examples
    --------
    >>> p = problem_from_ontology("examples/ontology/icu_triage.ttl", reasoner="owlrl")
    >>> [(n.name, n.modality) for n in p.norms]
    [('no_withdrawal', 'prohibition'), ('reallocation_when_poor_prognosis', 'permission')]
    """
    knowledge, _ = analyse_file(path, reasoner)
    return problem_from_knowledge(knowledge, path, scenario_path)


def problem_from_knowledge(
    knowledge: Knowledge, path: str | Path, scenario_path: str | Path | None = None
) -> DecisionProblem:
    """:func:`problem_from_ontology` for an ontology already analysed."""
    scenario = scenario_for(path, scenario_path, knowledge)
    data = complete_scenario(knowledge, read_document(scenario), str(scenario))
    problem = parse_scenario(data, source=str(scenario))
    fmt = FORMATS.get(Path(path).suffix.lower(), "")
    return replace(
        problem,
        provenance=Provenance(
            source=f"{path} + {scenario}",
            format=f"ontology/{fmt}",
            ontology_version=knowledge.version,
        ),
    )


def scenario_for(path: str | Path, given: str | Path | None, knowledge: Knowledge) -> Path:
    if given is not None:
        return Path(given)
    if knowledge.scenario is None:
        raise ScenarioError(
            str(path),
            "",
            "an ontology needs a scenario to become a decision problem; pass --scenario "
            'S.yaml or annotate the owl:Ontology with phr:scenario "S.yaml"',
        )
    folder = Path(os.path.dirname(os.path.abspath(path)))
    named = (folder / knowledge.scenario).resolve()
    if not named.is_relative_to(folder.resolve()):
        raise ScenarioError(
            str(path),
            "phr:scenario",
            f"{knowledge.scenario!r} leaves the ontology's folder; a path named inside a file "
            "must stay within its folder: pass the scenario with --scenario instead",
        )
    return named


def scenario_states(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Variable (and decision) name -> states, from raw scenario data (malformed parts skipped)."""
    states: dict[str, tuple[str, ...]] = {}
    decision = data.get("decision")
    if isinstance(decision, dict) and isinstance(decision.get("options"), list):
        states[str(decision.get("name"))] = tuple(str(o) for o in decision["options"])
    for variable in data.get("variables") or []:
        if isinstance(variable, dict) and isinstance(variable.get("states"), list):
            states.setdefault(str(variable.get("name")), tuple(str(s) for s in variable["states"]))
    return states


def complete_scenario(knowledge: Knowledge, data: dict[str, Any], source: str) -> dict[str, Any]:
    """``data`` with the ontology's norms, value terms and applicability variables added."""
    states = scenario_states(data)
    decision = data.get("decision") if isinstance(data.get("decision"), dict) else {}
    options = states.get(str(decision.get("name")), ())
    _check_variables(knowledge, states, source)
    norms: list[dict[str, Any]] = []
    variables: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    parts: dict[str, list[dict[str, Any]]] = {}  # ontology norm IRI -> the norms it became
    for prescript in knowledge.prescripts:
        governed = knowledge.governed(prescript.iri)
        if not governed:
            continue
        if prescript.kind == "value":
            values.extend(_value_terms(knowledge, prescript, data, states, source))
            continue
        if prescript.option not in options:
            raise ExtractionError(
                knowledge.source,
                f"norm concerns option {prescript.option!r}, which scenario {source} does not "
                f"define (its options: {list(options)}); add it to decision.options or correct "
                "phr:concerns",
                prescript.iri,
            )
        new_norms, new_variables = _norms(knowledge, prescript, states)
        parts[prescript.iri] = new_norms
        norms.extend(new_norms)
        variables.extend(new_variables)
    add_deontic_terms(knowledge, parts, states)
    norms.extend(rule_norm(rule, states, knowledge.source) for rule in knowledge.odrl)
    for norm in (n for n in norms if n["option"] not in options):
        raise ExtractionError(
            knowledge.source,
            f"ODRL action {norm['option']!r} is not an option of scenario {source} "
            f"(its options: {list(options)}); add it to decision.options or map the action",
            norm["source"],
        )
    merged = _rename_split_norms(dict(data), knowledge, norms)
    merged["norms"] = _merge(list(data.get("norms") or []), norms, "norm", source)
    merged["variables"] = _merge(list(data.get("variables") or []), variables, "variable", source)
    merged["values"] = _merge(list(data.get("values") or []), values, "value", source)
    return merged


def _rename_split_norms(
    data: dict[str, Any], knowledge: Knowledge, norms: list[dict[str, Any]]
) -> dict[str, Any]:
    """Where a norm was split by weight, theories and policies naming it name every part."""
    names = {n["name"] for n in norms}
    parts: dict[str, list[str]] = {}
    for prescript in knowledge.prescripts:
        if prescript.name in names:
            continue
        prefix = prescript.name + "__"
        split = [n["name"] for n in norms if n["name"].startswith(prefix)]
        if split:
            parts[prescript.name] = split

    def expand(names: Any) -> Any:
        if not isinstance(names, list):
            return names
        return [part for name in names for part in parts.get(name, [name])]

    for key, field in (("theories", "norms"), ("policies", "principles")):
        items = data.get(key)
        if isinstance(items, list):
            data[key] = [
                {**item, field: expand(item[field])}
                if isinstance(item, dict) and field in item
                else item
                for item in items
            ]
    return data


def _merge(given: list[Any], added: list[dict[str, Any]], kind: str, source: str) -> list[Any]:
    names = {str(item.get("name")) for item in given if isinstance(item, dict)}
    for item in added:
        if item["name"] in names:
            raise ExtractionError(
                source,
                f"the ontology defines {kind} {item['name']!r}, which the scenario also defines; "
                "remove one of them",
                item.get("source", ""),
            )
        names.add(item["name"])
    return given + added


def _check_variables(knowledge: Knowledge, states: dict[str, tuple[str, ...]], source: str) -> None:
    for variable in knowledge.variables:
        expected = sorted(variable.states)
        if variable.name not in states:
            raise ExtractionError(
                knowledge.source,
                f"context variable {variable.name!r} (states {expected}) is not defined by "
                f"scenario {source}; add a variable {variable.name!r} with those states and a CPT "
                "giving P(context | evidence)",
                variable.root,
            )
        if sorted(states[variable.name]) != expected:
            raise ExtractionError(
                knowledge.source,
                f"context variable {variable.name!r} has leaf contexts {expected} but scenario "
                f"{source} gives it states {list(states[variable.name])}; make them match "
                "(phr:stateName on each leaf context)",
                variable.root,
            )


def _gate(name: str, rows: list[list[float]], parents: list[str], what: str) -> dict[str, Any]:
    """A chance variable ``applies__<name>``: whether the prescript is in force, P(E | C)."""
    return {
        "name": f"applies__{name}",
        "states": ["yes", "no"],
        "parents": parents,
        "cpt": rows if parents else rows[0],
        "description": f"whether {what} applies (P(E | C))",
    }


def _norms(
    knowledge: Knowledge, prescript: Prescript, states: dict[str, tuple[str, ...]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    variable, by_state, (probability, weight) = dimension(knowledge, prescript)
    if variable is None:
        if probability >= 1.0:
            return [_norm_dict(prescript, prescript.name, {}, weight)], []
        gate = _gate(prescript.name, [[probability, 1.0 - probability]], [], prescript.name)
        return [_norm_dict(prescript, prescript.name, {gate["name"]: ["yes"]}, weight)], [gate]
    order = states[variable.name]
    groups: dict[float, list[str]] = {}
    for state in order:
        if state in by_state:
            groups.setdefault(by_state[state][1], []).append(state)
    norms, variables = [], []
    for weight, group in groups.items():
        name = prescript.name if len(groups) == 1 else f"{prescript.name}__{'_'.join(group)}"
        condition: dict[str, list[str]] = {}
        if any(by_state[s][0] < 1.0 for s in group):
            rows = [
                [by_state[s][0], 1.0 - by_state[s][0]] if s in group else [0.0, 1.0] for s in order
            ]
            gate = _gate(name, rows, [variable.name], prescript.name)
            variables.append(gate)
            condition[gate["name"]] = ["yes"]
        elif len(group) < len(order):
            condition[variable.name] = group
        norms.append(_norm_dict(prescript, name, condition, weight))
    return norms, variables


def _norm_dict(
    prescript: Prescript, name: str, condition: dict[str, list[str]], weight: float
) -> dict[str, Any]:
    return {
        "name": name,
        "modality": prescript.kind,
        "option": prescript.option,
        "condition": condition,
        "weight": weight,
        "priority": prescript.priority,
        "defeasible": prescript.defeasible,
        "threshold": prescript.threshold,
        "source": prescript.source,
        "description": prescript.description,
    }


def _value_terms(
    knowledge: Knowledge,
    prescript: Prescript,
    data: dict[str, Any],
    states: dict[str, tuple[str, ...]],
    source: str,
) -> list[dict[str, Any]]:
    if len(prescript.values) != 1:
        raise ExtractionError(
            knowledge.source,
            f"value prescript promotes or demotes {len(prescript.values)} values; "
            "state exactly one (phr:promotes or phr:demotes)",
            prescript.iri,
        )
    value_name, sign = prescript.values[0]
    value = next(
        (
            v
            for v in data.get("values") or []
            if isinstance(v, dict) and v.get("name") == value_name
        ),
        None,
    )
    if value is None:
        raise ExtractionError(
            knowledge.source,
            f"value prescript refers to value {value_name!r}, which scenario {source} does not "
            "define; add it under values (with its utility table)",
            prescript.iri,
        )
    parents = [str(p) for p in value.get("parents") or []]
    where = f"values.{value_name}.utility"
    if any(p not in states for p in parents):
        return []  # parse_scenario reports the unknown parent with its own message
    utility = value.get("utility")
    size = 1
    for p in parents:
        size *= len(states[p])
    table = (
        (float(utility),) * size
        if isinstance(utility, int | float)
        else flatten_table(where, utility, parents, states, None)
    )
    variable, by_state, uniform = dimension(knowledge, prescript)
    new_parents = parents
    if variable is not None and variable.name not in parents:
        new_parents = parents + [variable.name]
    rows = []
    for configuration in itertools.product(*(states[p] for p in new_parents)):
        index = 0
        for p, s in zip(parents, configuration, strict=False):
            index = index * len(states[p]) + states[p].index(s)
        if variable is None:
            probability, weight = uniform
        else:
            probability, weight = by_state.get(
                configuration[new_parents.index(variable.name)], (0.0, 0.0)
            )
        rows.append(sign * weight * probability * table[index])
    return [
        {
            "name": prescript.name,
            "parents": new_parents,
            "utility": rows,
            "description": prescript.description or f"{value_name}, as the ontology prescribes",
        }
    ]
