"""P(X | do(a), e) from the reference backend agrees with a direct pgmpy query and with pyAgrum."""

from __future__ import annotations

import gzip
import itertools
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine.errors import EvidenceError
from engine.scenario import load_scenario
from models.pgmpy.backend import PgmpyBackend, import_pgmpy
from models.pgmpy.convert import from_pgmpy
from phronesis.api import posterior
from tests.conftest import EXAMPLES
from tests.pyagrum_reference import lazy_posterior, to_pyagrum

TOLERANCE = 1e-9


def _direct_pgmpy(document_path: Path):
    """A pgmpy model built straight from the scenario's tables, not through our compiler."""
    pgmpy = import_pgmpy()
    problem = load_scenario(document_path)
    decision = problem.decision
    model = pgmpy.models.DiscreteBayesianNetwork(
        [(p, c.child) for c in problem.cpts for p in c.parents]
    )
    model.add_nodes_from([decision.name, *(v.name for v in problem.variables)])
    n = len(decision.options)
    cpds = [
        pgmpy.factors.discrete.TabularCPD(
            decision.name, n, [[1 / n]] * n, state_names={decision.name: list(decision.options)}
        )
    ]
    for cpt in problem.cpts:
        cards = [len(problem.states(p)) for p in cpt.parents]
        child = problem.states(cpt.child)
        values = np.array(cpt.table).reshape(-1, len(child)).T
        cpds.append(
            pgmpy.factors.discrete.TabularCPD(
                cpt.child,
                len(child),
                values,
                evidence=list(cpt.parents) or None,
                evidence_card=cards or None,
                state_names={x: list(problem.states(x)) for x in (cpt.child, *cpt.parents)},
            )
        )
    model.add_cpds(*cpds)
    return problem, pgmpy.inference.VariableElimination(model)


OBSERVABLE = {
    "heinz.yaml": ["drug_obtained"],
    "av_emergency.yaml": ["detection"],
    "icu_triage.yaml": ["sofa_A", "sofa_B"],
}


@pytest.mark.parametrize("name", sorted(OBSERVABLE))
def test_examples_agree_with_direct_pgmpy_and_pyagrum(name):
    problem, direct = _direct_pgmpy(EXAMPLES / name)
    bn = to_pyagrum(problem.network())
    observable = OBSERVABLE[name]
    combos = [
        dict(zip(observable, states, strict=True))
        for states in itertools.product(*(problem.states(v) for v in observable))
    ]
    for option, evidence in itertools.product(problem.decision.options, [{}, *combos]):
        for target in (v.name for v in problem.variables if v.name not in evidence):
            ours = posterior(problem, [target], evidence, option=option)
            full = {**evidence, problem.decision.name: option}
            reference = direct.query([target], evidence=full, show_progress=False)
            order = [reference.state_names[target].index(s) for s in problem.states(target)]
            np.testing.assert_allclose(ours, reference.values[order], rtol=0, atol=TOLERANCE)
            agrum = lazy_posterior(bn, target, full)
            np.testing.assert_allclose(ours, agrum, rtol=0, atol=TOLERANCE)


def _bnlearn(name: str):
    pgmpy = import_pgmpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.utils import get_example_model

        model = get_example_model(name)
    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    return model, path


@pytest.mark.parametrize("name", ["asia", "alarm"])
def test_bnlearn_networks_agree_with_pgmpy_and_pyagrum(name, tmp_path):
    import pyagrum as gum

    model, path = _bnlearn(name)
    bif = tmp_path / f"{name}.bif"
    bif.write_bytes(gzip.decompress(path.read_bytes()))
    agrum = gum.loadBN(str(bif))
    network = from_pgmpy(model, name)
    direct = import_pgmpy().inference.VariableElimination(model)
    backend = PgmpyBackend()
    rng = random.Random(0)
    names = [v.name for v in network.variables]
    for _ in range(10):
        observed = rng.sample(names, 3)
        evidence = {v: rng.choice(network.states(v)) for v in observed}
        if backend.probability_of_evidence(network, [evidence])[0] == 0.0:
            continue
        target = rng.choice([n for n in names if n not in evidence])
        ours = backend.posterior(network, [evidence], [target])[0]
        reference = direct.query([target], evidence=evidence, show_progress=False)
        order = [reference.state_names[target].index(s) for s in network.states(target)]
        np.testing.assert_allclose(ours, reference.values[order], rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(ours, lazy_posterior(agrum, target, evidence), atol=TOLERANCE)


def test_observed_target_is_a_point_mass():
    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    joint = posterior(problem, ["detection", "pedestrian_present"], {"detection": "negative"})
    assert joint[0].sum() == 0.0
    assert joint[1].sum() == pytest.approx(1.0)
    assert joint[1, 0] == pytest.approx(0.02 / 0.78)


def test_zero_probability_evidence_is_an_error():
    problem = load_scenario(EXAMPLES / "heinz.yaml")
    # P(jailed | do_not_steal) = 0
    with pytest.raises(EvidenceError, match="probability 0"):
        posterior(problem, ["wife_survives"], {"heinz_jailed": "yes"}, option="do_not_steal")


@pytest.mark.parametrize(
    ("evidence", "text"),
    [
        ({"weather": "rain"}, "unknown variable 'weather'"),
        ({"detection": "maybe"}, "unknown state 'maybe'; expected one of: positive, negative"),
        ({"manoeuvre": "brake_straight"}, "names the decision"),
    ],
)
def test_bad_evidence_is_named(evidence, text):
    from engine.decision.pipeline import decide

    problem = load_scenario(EXAMPLES / "av_emergency.yaml")
    with pytest.raises(EvidenceError, match=text):
        decide(problem, evidence)
