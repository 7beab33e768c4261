"""Double effect as a theory kind (issue 15, item 4), on the trolley and footbridge cases
(examples/trolley.yaml, examples/footbridge.yaml; Foot 1967, Thomson 1985; the doctrine as in
McIntyre 2019, "Doctrine of Double Effect", Stanford Encyclopedia of Philosophy, sec. 1).

Hand-worked (the numbers are stated in the example files):

- trolley, divert: P(one killed) = P(five saved) = 0.95; the one's death has no path to the
  five's fate: not a means; good 5 x 0.95 = 4.75 >= 1 x 0.95: proportional -> permissible;
  MEC scores do_nothing -5, divert -1.2 -> divert.
- footbridge, push: P(man killed) = 0.95 and large_man -> trolley -> five_workers: a means ->
  impermissible although proportional; the utilitarian would push (-1.2 vs -5) -> do_nothing.
- trolley with proportion 6: 4.75 < 6 x 0.95 = 5.7 -> divert fails proportionality.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from engine.decision.pipeline import decide
from engine.errors import PhronesisError
from engine.ir import DecisionProblem
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import load_scenario
from tests.conftest import EXAMPLES
from tests.engine.deontic_brute import double_effect_passes
from tests.engine.test_kernel_conformance import _agree
from tests.strategies import decision_problems

TROLLEY = EXAMPLES / "trolley.yaml"
FOOTBRIDGE = EXAMPLES / "footbridge.yaml"


def _permissible(problem: DecisionProblem, evidence: dict[str, str] | None = None):
    decision = decide(problem, evidence or {}, backend="numpy")
    return decision, {r.option: r.permissible for r in decision.options}


def test_trolley_diverting_is_permissible() -> None:
    decision, permissible = _permissible(load_scenario(TROLLEY))
    assert permissible == {"do_nothing": True, "divert": True}
    assert decision.option == "divert"
    scores = {r.option: r.score for r in decision.options}
    assert scores == pytest.approx({"do_nothing": -5.0, "divert": -1.2})


def test_footbridge_pushing_is_impermissible_because_the_death_is_a_means() -> None:
    decision, permissible = _permissible(load_scenario(FOOTBRIDGE))
    assert permissible == {"do_nothing": True, "push": False}
    assert decision.option == "do_nothing"
    assert decision.explanation.unconstrained_best == "push"
    (exclusion,) = decision.explanation.exclusions
    assert (exclusion.option, exclusion.theory) == ("push", "double_effect")
    assert "'man_killed'" in exclusion.reason and "means to the good effect 'five_saved'" in (
        exclusion.reason
    )
    assert "large_man -> trolley -> five_workers" in exclusion.reason
    text = decision.explanation.narrative
    assert "impermissible under theory 'double_effect'" in text
    assert decision.to_dict()["explanation"]["exclusions"][0]["theory"] == "double_effect"


def test_proportionality_failure_is_named() -> None:
    problem = load_scenario(TROLLEY)
    theory = problem.theory("double_effect")
    assert theory.double_effect is not None
    strict = dataclasses.replace(
        theory, double_effect=dataclasses.replace(theory.double_effect, proportion=6.0)
    )
    problem = dataclasses.replace(problem, theories=(problem.theories[0], strict))
    decision, permissible = _permissible(problem)
    assert permissible == {"do_nothing": True, "divert": False}
    (exclusion,) = decision.explanation.exclusions
    assert "does not outweigh" in exclusion.reason
    assert "4.75 < proportion 6 x expected bad 0.95" in exclusion.reason


def test_without_credence_the_test_excludes_nothing() -> None:
    problem = load_scenario(FOOTBRIDGE)
    decision = decide(problem, {}, backend="numpy", policy=None)
    assert decision.option == "do_nothing"
    utilitarian = dataclasses.replace(problem.theories[0], credence=1.0)
    dde = dataclasses.replace(problem.theories[1], credence=0.0)
    free = dataclasses.replace(problem, theories=(utilitarian, dde))
    assert decide(free, {}, backend="numpy").option == "push"


def test_one_network_with_both_acts_judges_each_option_by_what_it_brings_about(
    tmp_path: Path,
) -> None:
    """Switch and push in one network: the man's death lies on a path to the five's rescue,
    but diverting never brings it about (P = 0), so only pushing fails."""
    path = tmp_path / "both.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: both
            decision: {name: act, options: [do_nothing, divert, push]}
            variables:
              - {name: large_man, states: [killed, safe], parents: [act],
                 cpt: {do_nothing: [0, 1], divert: [0, 1], push: [1, 0]}}
              - {name: track, states: [main, side], parents: [act],
                 cpt: {do_nothing: [1, 0], divert: [0, 1], push: [1, 0]}}
              - {name: side_worker, states: [killed, safe], parents: [track],
                 cpt: {main: [0, 1], side: [1, 0]}}
              - {name: five_workers, states: [killed, saved], parents: [track, large_man],
                 cpt: {"main, killed": [0, 1], "main, safe": [1, 0],
                       "side, killed": [0, 1], "side, safe": [0, 1]}}
            values:
              - {name: lives, parents: [five_workers], utility: {killed: -5, saved: 0}}
            theories:
              - name: dde
                kind: double_effect
                credence: 1.0
                value_weights: {lives: 1}
                double_effect:
                  good: {saved: {when: {five_workers: saved}, amount: 5}}
                  bad:
                    man: {when: {large_man: killed}}
                    worker: {when: {side_worker: killed}}
            """
        )
    )
    problem = load_scenario(path)
    _, permissible = _permissible(problem)
    assert permissible == {"do_nothing": True, "divert": True, "push": False}
    batch = decide_rows(compile_problem(problem, backend="numpy"), [{}])
    assert batch.permissible[0].tolist() == [True, True, False]


GOOD = "good: {g: {when: {five_workers: saved}}}"
BAD = "bad: {b: {when: {side_worker: killed}}}"


def _dde(test: str, kind: str = "double_effect") -> str:
    return f"{{name: d, kind: {kind}, credence: 1.0, double_effect: {{{test}}}}}"


@pytest.mark.parametrize(
    ("theory", "field", "says"),
    [
        ("{name: d, kind: double_effect, credence: 1.0}", "theories.d.double_effect", "its test"),
        (_dde(f"{GOOD}, {BAD}", "cardinal"), "theories.d.double_effect", "only a theory of kind"),
        (
            _dde(f"{GOOD.replace('saved', 'rescued')}, {BAD}"),
            "theories.d.double_effect.good.g.when.five_workers",
            "unknown state 'rescued'",
        ),
        (
            _dde(f"{GOOD[:-2]}, amount: 0}}}}, {BAD}"),
            "theories.d.double_effect.good.g.amount",
            "expected > 0",
        ),
        (
            _dde(f"{GOOD}, {BAD}, proportion: -1"),
            "theories.d.double_effect.proportion",
            "expected >= 0",
        ),
        (
            _dde(f"{GOOD}, bad: {{b: {{when: {{weather: rain}}}}}}"),
            "theories.d.double_effect.bad.b.when",
            "no variable of this effect depends on the decision",
        ),
        (
            _dde(f"{GOOD}, bad: {{g: {{when: {{side_worker: killed}}}}}}"),
            "theories.d.double_effect",
            "'g'",
        ),
    ],
)
def test_bad_double_effect_theories_are_refused(
    tmp_path: Path, theory: str, field: str, says: str
) -> None:
    text = TROLLEY.read_text().split("theories:")[0]
    text = text.replace(
        "variables:\n",
        "variables:\n  - {name: weather, states: [rain, sun], cpt: [0.5, 0.5]}\n",
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text + "theories:\n  - " + theory + "\n")
    with pytest.raises(PhronesisError) as caught:
        load_scenario(path)
    assert field in str(caught.value) and says in str(caught.value), str(caught.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decision_problems(deontic=True))
def test_permissibility_equals_brute_force(problem: DecisionProblem) -> None:
    """Random problems with a double effect theory: an option the theory fails (by
    enumeration and networkx reachability) is impermissible, one it passes is excluded only
    by a hard norm; the kernel equals the pipeline."""
    rows = [{}, {problem.variables[-1].name: problem.variables[-1].states[0]}]
    batch = decide_rows(compile_problem(problem, backend="numpy"), rows)
    tested = any(t.double_effect is not None and t.credence > 0 for t in problem.theories)
    for i, row in enumerate(rows):
        try:
            decision = decide(problem, row, backend="numpy")
        except PhronesisError:  # evidence impossible under some option
            continue
        for report in decision.options:
            by_norm = any(
                e.option == report.option and e.norm for e in decision.explanation.exclusions
            )
            passes = not tested or double_effect_passes(problem, report.option, row)
            assert report.permissible == (passes and not by_norm), (report.option, row)
        _agree(batch, i, decision)


def test_validate_names_contrary_to_duty_norms_and_means() -> None:
    from typer.testing import CliRunner

    from phronesis.cli.app import app

    output = CliRunner().invoke(app, ["validate", str(FOOTBRIDGE)]).output
    assert "bad effect man_killed is a means to good effect five_saved" in " ".join(output.split())
    assert "means" not in CliRunner().invoke(app, ["validate", str(TROLLEY)]).output
    chisholm = CliRunner().invoke(app, ["validate", str(EXAMPLES / "chisholm.yaml")]).output
    assert "no_false_promise is contrary-to-duty: in force only where help is violated" in (
        " ".join(chisholm.split())
    )
