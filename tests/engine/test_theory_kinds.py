"""A theory's kind counts (issue 11): an ordinal theory enters a cardinal rule only through its
ranking — its Borda scores, normalised like the cardinal theories' choiceworthiness
(MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4 "Ordinal theories" and ch. 5) —
so the magnitudes it happens to be written with change nothing."""

from __future__ import annotations

import pytest

from engine.decision.pipeline import decide
from engine.kernel.compiled import compile_problem
from engine.kernel.decide import decide_rows
from engine.scenario import parse_scenario


def _problem(kind: str, ordinal_utilities: list[float]) -> object:
    """Options a, b, c. T1 (cardinal, credence 0.4) scores them 10, 0, -10; T2 (credence 0.6)
    ranks them through ``ordinal_utilities``."""
    return parse_scenario(
        {
            "name": "kinds",
            "decision": {"name": "act", "options": ["a", "b", "c"]},
            "variables": [{"name": "x", "states": ["x0"], "cpt": [1.0]}],
            "values": [
                {"name": "v1", "parents": ["act"], "utility": {"a": 10, "b": 0, "c": -10}},
                {
                    "name": "v2",
                    "parents": ["act"],
                    "utility": dict(zip("abc", ordinal_utilities, strict=True)),
                },
            ],
            "theories": [
                {"name": "t1", "kind": "cardinal", "credence": 0.4, "value_weights": {"v1": 1}},
                {"name": "t2", "kind": kind, "credence": 0.6, "value_weights": {"v2": 1}},
            ],
        }
    )


def test_worked_example_ordinal_theory_by_its_borda_scores() -> None:
    """By hand: T2 ranks c > b > a, Borda scores (-2, 0, 2), population s.d. sqrt(8/3), so
    normalised (-1.2247, 0, 1.2247); T1 (10, 0, -10) normalises to (1.2247, 0, -1.2247).
    MEC with variance normalisation: a = 0.4(1.2247) + 0.6(-1.2247) = -0.2449, b = 0,
    c = +0.2449: choose c. Read as cardinal, T2's numbers (0, 999, 1000) normalise to
    (-1.414, 0.707, 0.707), which makes b best (0.424 against -0.06 and -0.36)."""
    ordinal = decide(_problem("ordinal", [0, 999, 1000]), {}, normalisation="variance")
    assert ordinal.option == "c"
    scores = {o.option: o.score for o in ordinal.options}
    assert scores["a"] == pytest.approx(-0.2 * (1.5**0.5), abs=1e-12)
    assert scores["b"] == pytest.approx(0.0, abs=1e-12)
    assert scores["c"] == pytest.approx(0.2 * (1.5**0.5), abs=1e-12)
    cardinal = decide(_problem("cardinal", [0, 999, 1000]), {}, normalisation="variance")
    assert cardinal.option == "b"


@pytest.mark.parametrize("utilities", [[0, 999, 1000], [-5, 1, 2], [0, 1e-3, 1e6]])
def test_an_ordinal_theory_depends_only_on_its_ranking(utilities: list[float]) -> None:
    problem = _problem("ordinal", utilities)
    decision = decide(problem, {}, normalisation="variance")
    assert decision.option == "c"
    batch = decide_rows(compile_problem(problem, normalisation="variance"), [{}])
    assert batch.option_names.tolist() == ["c"]
