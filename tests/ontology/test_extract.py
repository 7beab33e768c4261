"""Ontology + scenario -> IR: the scenario file's decisions, on every evidence combination."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import shutil

import numpy as np
import pytest

from engine.decision.pipeline import decide
from engine.errors import EvidenceError
from engine.ir import DecisionProblem
from engine.scenario import load_scenario, read_document
from ontology.analyse import analyse_file
from ontology.errors import ExtractionError
from ontology.extract import problem_from_knowledge, problem_from_ontology
from ontology.profile import ethical_profile, plot_profile
from tests.conftest import EXAMPLES


class JointBackend:
    """Exact inference by enumerating the joint (test-only; the examples have < 10^4 states)."""

    name = "joint-enumeration"

    @functools.lru_cache(maxsize=16)  # noqa: B019 - a handful of networks per test session
    def _joint(self, network):
        names = [v.name for v in network.variables]
        operands = []
        for cpt in network.cpts:
            operands += [
                network.cpt_array(cpt.child),
                [names.index(n) for n in (*cpt.parents, cpt.child)],
            ]
        return names, np.einsum(*operands, list(range(len(names))))

    def posterior(self, network, evidence_batch, targets):
        names, joint = self._joint(network)
        rows = []
        for evidence in evidence_batch:
            masked = joint
            for variable, state in evidence.items():
                axis = names.index(variable)
                mask = np.zeros(joint.shape[axis])
                mask[network.states(variable).index(state)] = 1.0
                shape = [1] * joint.ndim
                shape[axis] = -1
                masked = masked * mask.reshape(shape)
            total = masked.sum()
            if total <= 0.0:
                raise EvidenceError(f"evidence {dict(evidence)} has probability 0 under the model")
            keep = [names.index(t) for t in targets]
            drop = tuple(i for i in range(joint.ndim) if i not in keep)
            marginal = masked.sum(axis=drop) / total
            order = sorted(keep)
            rows.append(np.transpose(marginal, [order.index(k) for k in keep]))
        return np.stack(rows)

    def probability_of_evidence(self, network, evidence_batch):
        return np.array([1.0 for _ in evidence_batch])


BACKEND = JointBackend()

#: (example, evidence variables whose every combination — each state or unobserved — is decided)
CASES = {
    "av_emergency": ("detection", "pedestrian_present", "oncoming_vehicle"),
    "icu_triage": ("sofa_A", "sofa_B", "prognosis_B"),
}


@functools.cache
def routes(name: str, reasoner: str = "owlrl") -> tuple[DecisionProblem, DecisionProblem]:
    yaml_route = load_scenario(EXAMPLES / f"{name}.yaml")
    ontology_route = problem_from_ontology(EXAMPLES / "ontology" / f"{name}.ttl", reasoner=reasoner)
    return yaml_route, ontology_route


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_ontology_scenario_is_the_yaml_minus_its_norms(name):
    full = read_document(EXAMPLES / f"{name}.yaml")
    partial = read_document(EXAMPLES / "ontology" / f"{name}.scenario.yaml")
    assert {k: v for k, v in full.items() if k != "norms"} == partial


@pytest.mark.parametrize("name", sorted(CASES))
def test_both_routes_give_the_same_content_hash(name):
    yaml_route, ontology_route = routes(name)
    # every ontology norm carries the IRI it came from (or its dcterms:source)
    for norm in ontology_route.norms:
        assert norm.source.startswith(("https://w3id.org/phronesis/examples/", "urn:phronesis:"))
    assert ontology_route.content_hash == yaml_route.content_hash


def _evidence_space(problem: DecisionProblem, variables: tuple[str, ...]):
    choices = [(None, *problem.states(v)) for v in variables]
    for combination in itertools.product(*choices):
        yield {v: s for v, s in zip(variables, combination, strict=True) if s is not None}


def _table(decision, extra_permissions: frozenset[str] = frozenset()) -> dict:
    """The choice and the per-option table, without ``extra_permissions`` (never violated)."""
    data = decision.to_dict()
    options = []
    for option in data["options"]:
        violation = dict(option["norm_violation"])
        for name in extra_permissions:
            assert violation.pop(name) == 0.0, name
        options.append({**option, "norm_violation": violation})
    return {"option": data["option"], "abstain": data["abstain"], "options": options}


def _close(a, b, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 1e-12, f"{where}: {a} != {b}"
    else:
        assert a == b, where


def same_decisions(
    name: str,
    expected_problem: DecisionProblem,
    problem: DecisionProblem,
    extra_permissions: frozenset[str] = frozenset(),
) -> int:
    """Assert ``problem`` decides as ``expected_problem`` (example ``name``'s YAML route) on every
    combination of the evidence of :data:`CASES`, under every policy; return the cases checked.

    ``extra_permissions`` are permissions only ``problem`` states: their (zero) violation
    probabilities are left out of its tables.
    """
    policies = (None, *(p.name for p in expected_problem.policies))
    checked = 0
    for evidence in _evidence_space(expected_problem, CASES[name]):
        for policy in policies:
            try:
                expected = decide(expected_problem, evidence, policy=policy, backend=BACKEND)
            except EvidenceError:
                with pytest.raises(EvidenceError):
                    decide(problem, evidence, policy=policy, backend=BACKEND)
                continue
            found = decide(problem, evidence, policy=policy, backend=BACKEND)
            where = f"{name} {evidence} {policy}"
            _close(_table(found, extra_permissions), _table(expected), where)
            checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_decisions_and_tables_on_every_evidence_combination(name):
    yaml_route, ontology_route = routes(name)
    assert same_decisions(name, yaml_route, ontology_route) >= 27


def test_the_ontology_names_its_scenario_and_api_load_routes_it():
    from phronesis.inputs import load

    problem = load(EXAMPLES / "ontology" / "av_emergency.ttl")
    assert [n.name for n in problem.norms] == [
        "no_sacrifice_of_uninvolved",
        "keep_out_of_oncoming_lane",
    ]
    assert "av_emergency.ttl" in problem.provenance.source
    assert problem.provenance.ontology_version.endswith("1.0")


def test_without_reasoning_the_inherited_norm_is_missing():
    knowledge, _ = analyse_file(EXAMPLES / "ontology" / "icu_triage.ttl", "none")
    assert knowledge.governed("https://w3id.org/phronesis/examples/icu#no_withdrawal") == {}
    with pytest.raises(Exception, match="unknown norm 'no_withdrawal'"):
        problem_from_ontology(EXAMPLES / "ontology" / "icu_triage.ttl", reasoner="none")


CUSTOM = """
@prefix ex:   <http://example.org/t#> .
@prefix phr:  <https://w3id.org/phronesis/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Triage a owl:Class ; rdfs:subClassOf phr:Context ; phr:contextVariable "prognosis_B" .
ex:Good a owl:Class ; rdfs:subClassOf ex:Triage ; phr:stateName "good" .
ex:Poor a owl:Class ; rdfs:subClassOf ex:Triage ; phr:stateName "poor" .
ex:reallocate_to_A a phr:Option .
"""


def _custom(tmp_path, body: str):
    path = tmp_path / "custom.ttl"
    path.write_text(CUSTOM + body, encoding="utf-8")
    shutil.copy(EXAMPLES / "ontology" / "icu_triage.scenario.yaml", tmp_path / "s.yaml")
    return path, tmp_path / "s.yaml"


def test_applicability_below_one_adds_an_in_force_variable(tmp_path):
    path, scenario = _custom(
        tmp_path,
        "ex:no_withdrawal a phr:Prohibition ; phr:concerns ex:reallocate_to_A ; phr:weight 1 ;\n"
        "  phr:threshold 0.2 ; phr:priority 1 ; phr:defeasible true ; phr:appliesIn ex:Triage ;\n"
        "  phr:hasApplicability [ phr:inContext ex:Poor ; phr:applicability 0.9 ] .",
    )
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    norm = problem.norm("no_withdrawal")
    gate = "applies__no_withdrawal"
    assert [(c.variable, c.states) for c in norm.condition] == [(gate, ("yes",))]
    assert problem.cpt(gate).parents == ("prognosis_B",)
    np.testing.assert_allclose(problem.cpt_array(gate), [[1.0, 0.0], [0.9, 0.1]])
    # P(violation | do(reallocate)) = P(good) * 1 + P(poor) * 0.9, exactly
    result = decide(problem, {}, backend=BACKEND)
    violation = result.report("reallocate_to_A").norm_violation["no_withdrawal"]
    assert violation == pytest.approx(0.4 + 0.6 * 0.9, abs=1e-12)


def test_uniform_applicability_below_one_needs_no_context(tmp_path):
    path, scenario = _custom(
        tmp_path,
        "ex:no_withdrawal a phr:Prohibition ; phr:concerns ex:reallocate_to_A ;\n"
        "  phr:hasApplicability [ phr:inContext ex:Triage ; phr:applicability 0.9 ] .",
    )
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    assert problem.cpt("applies__no_withdrawal").parents == ()
    np.testing.assert_allclose(problem.cpt_array("applies__no_withdrawal"), [0.9, 0.1])


def test_weights_that_differ_by_context_split_the_norm(tmp_path):
    path, scenario = _custom(
        tmp_path,
        "ex:no_withdrawal a phr:Prohibition ; phr:concerns ex:reallocate_to_A ; phr:weight 1 ;\n"
        "  phr:appliesIn ex:Triage ;\n"
        "  phr:hasApplicability [ phr:inContext ex:Poor ; phr:weight 0.25 ] .",
    )
    knowledge, _ = analyse_file(path, "owlrl")
    problem = problem_from_knowledge(knowledge, path, scenario)
    split = {n.name: (n.weight, n.condition) for n in problem.norms}
    assert split["no_withdrawal__good"][0] == 1.0
    assert split["no_withdrawal__poor"][0] == 0.25
    assert split["no_withdrawal__poor"][1][0].states == ("poor",)
    # the theory that named the norm now names both parts
    assert problem.theory("duty_of_care").norms == ("no_withdrawal__good", "no_withdrawal__poor")
    profile = ethical_profile(knowledge)
    assert profile.contexts == ("prognosis_B=good", "prognosis_B=poor")
    assert profile.matrix == ((1.0, 0.25),)


def test_a_value_prescript_becomes_a_context_gated_value_term(tmp_path):
    path, scenario = _custom(
        tmp_path,
        "ex:no_withdrawal a phr:Prohibition ; phr:concerns ex:reallocate_to_A ;\n"
        "  phr:appliesIn ex:Triage .\n"
        "ex:lives_saved a phr:ValueDimension .\n"
        "ex:save_lives_in_crisis a phr:ValuePrescript ; phr:promotes ex:lives_saved ;\n"
        "  phr:hasApplicability [ phr:inContext ex:Poor ; phr:applicability 0.5 ; phr:weight 2 ] .",
    )
    data = read_document(scenario)
    data["theories"][0]["value_weights"]["save_lives_in_crisis"] = 1
    scenario.write_text(json.dumps(data), encoding="utf-8")
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    term = problem.value("save_lives_in_crisis")
    assert term.parents == ("survives_A", "survives_B", "prognosis_B")
    lives = problem.utility_array("lives_saved")
    np.testing.assert_allclose(problem.utility_array("save_lives_in_crisis")[..., 0], 0.0)
    np.testing.assert_allclose(problem.utility_array("save_lives_in_crisis")[..., 1], lives * 1.0)


def test_profile_exports_csv_json_and_png(tmp_path):
    knowledge, _ = analyse_file(EXAMPLES / "ontology" / "icu_triage.ttl", "owlrl")
    profile = ethical_profile(knowledge)
    assert profile.prescripts == ("no_withdrawal", "reallocation_when_poor_prognosis")
    assert profile.matrix == ((1.0, 1.0), (0.0, 1.0))
    csv_text = profile.to_csv()
    assert csv_text.splitlines()[0] == "prescript,prognosis_B=good,prognosis_B=poor"
    assert json.loads(profile.to_json())["matrix"] == [[1.0, 1.0], [0.0, 1.0]]
    out = plot_profile(profile, tmp_path / "profile.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ethical_profile(knowledge, role="nobody").prescripts == ()


NEEDS_JAVA = pytest.mark.skipif(
    not __import__("ontology.reason").reason.java_available(),
    reason="HermiT needs Java on the PATH",
)


@pytest.mark.parametrize("reasoner", ["none", "owlrl", pytest.param("hermit", marks=NEEDS_JAVA)])
def test_odrl_policy_gives_the_same_prohibitions_as_the_owl_norms(reasoner):
    # the rules' phr:priority / phr:threshold must not make a reasoner infer them prescripts
    policy = problem_from_ontology(
        EXAMPLES / "ontology" / "av_usage_policy.ttl",
        EXAMPLES / "ontology" / "av_emergency.scenario.yaml",
        reasoner=reasoner,
    )
    _, owl = routes("av_emergency")
    by_name = {n.name: n for n in policy.norms}
    for norm in owl.norms:
        odrl = by_name[norm.name]
        assert dataclasses.replace(odrl, source=norm.source) == norm
        assert odrl.source.startswith("https://w3id.org/phronesis/examples/av-policy#")
    assert by_name["brake_when_blocked"].modality == "permission"


def test_odrl_duties_obligations_and_negative_operators(tmp_path):
    path = tmp_path / "policy.ttl"
    path.write_text(
        """
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
@prefix ex:   <http://example.org/p#> .
ex:p a odrl:Agreement ;
    odrl:permission [ odrl:action ex:keep_B ;
        odrl:duty [ odrl:action ex:keep_B ;
            odrl:constraint [ odrl:leftOperand ex:prognosis_B ; odrl:operator odrl:isNoneOf ;
                              odrl:rightOperand ( "poor" ) ] ] ] ;
    odrl:obligation ex:review ;
    odrl:prohibition ex:no_withdrawal .
ex:no_withdrawal odrl:action ex:reallocate_to_A .
ex:review odrl:action ex:keep_B ;
    odrl:constraint [ odrl:leftOperand ex:sofa_B ; odrl:operator odrl:isAnyOf ;
                      odrl:rightOperand ( "low" ) ] .
""",
        encoding="utf-8",
    )
    problem = problem_from_ontology(
        path, EXAMPLES / "ontology" / "icu_triage.scenario.yaml", reasoner="none"
    )
    norms = {n.name: n for n in problem.norms}
    assert norms["p_permission_1"].modality == "permission"
    duty = norms["p_permission_1_duty_1"]
    assert duty.modality == "obligation"
    assert [(c.variable, c.states) for c in duty.condition] == [("prognosis_B", ("good",))]
    assert norms["review"].modality == "obligation"
    assert norms["review"].condition[0].states == ("low",)
    assert norms["review"].source == "http://example.org/p#review"


def test_odrl_constraint_on_an_unknown_variable(tmp_path):
    path = tmp_path / "policy.ttl"
    path.write_text(
        """
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
@prefix ex:   <http://example.org/p#> .
ex:p a odrl:Set ; odrl:prohibition ex:r .
ex:r odrl:action ex:keep_B ;
    odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ;
                      odrl:rightOperand "x" ] .
""",
        encoding="utf-8",
    )
    with pytest.raises(
        ExtractionError, match=r"<http://example.org/p#r>: ODRL constraint's leftOperand 'purpose'"
    ):
        problem_from_ontology(
            path, EXAMPLES / "ontology" / "icu_triage.scenario.yaml", reasoner="none"
        )


def test_a_norm_the_scenario_also_defines(tmp_path):
    data = read_document(EXAMPLES / "icu_triage.yaml")
    scenario = tmp_path / "full.json"
    scenario.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        ExtractionError, match="defines norm 'no_withdrawal', which the scenario also defines"
    ):
        problem_from_ontology(EXAMPLES / "ontology" / "icu_triage.ttl", scenario, reasoner="owlrl")


@pytest.mark.skipif(not __import__("ontology.reason").reason.java_available(), reason="needs Java")
def test_the_hermit_route_gives_the_same_problem():
    assert routes("icu_triage", "hermit")[1].content_hash == routes("icu_triage")[1].content_hash
    assert (
        routes("av_emergency", "hermit")[1].content_hash == routes("av_emergency")[1].content_hash
    )


AV_BODY = """
@prefix av:   <https://w3id.org/phronesis/examples/av#> .
@prefix phr:  <https://w3id.org/phronesis/ontology#> .
av:keep_distance a phr:Obligation ; phr:concerns av:brake_straight ; phr:weight 3 ;
    phr:appliesIn av:RoadEmergency .
"""


def _av_variant(tmp_path, extra: str):
    text = (EXAMPLES / "ontology" / "av_emergency.ttl").read_text(encoding="utf-8")
    path = tmp_path / "av.ttl"
    path.write_text(text + AV_BODY + extra, encoding="utf-8")
    shutil.copy(EXAMPLES / "ontology" / "av_emergency.scenario.yaml", tmp_path)
    return path, tmp_path / "av_emergency.scenario.yaml"


def test_a_norm_stated_above_every_context_variable_is_unconditional(tmp_path):
    path, scenario = _av_variant(tmp_path, "")
    problem = problem_from_ontology(path, scenario, reasoner="owlrl")
    norm = problem.norm("keep_distance")
    assert norm.condition == () and norm.weight == 3.0 and norm.modality == "obligation"


def test_a_norm_in_contexts_of_two_variables_is_refused(tmp_path):
    extra = (
        "av:either a phr:Prohibition ; phr:concerns av:swerve_left ;\n"
        "    phr:appliesIn av:PedestrianOnFootway , av:OncomingTraffic .\n"
    )
    path, scenario = _av_variant(tmp_path, AV_BODY.split("av:keep_distance")[0] + extra)
    with pytest.raises(ExtractionError) as caught:
        problem_from_ontology(path, scenario, reasoner="owlrl")
    message = str(caught.value)
    assert "<https://w3id.org/phronesis/examples/av#either>" in message
    assert "several context variables (pedestrian_present, oncoming_vehicle)" in message
    assert "cannot say 'in either context'" in message
