"""phronesis' simulator against an independent Mesa 3 model of the junction study (issue 12,
"a Mesa model of one example gives the same metric distributions (two-sample test) as
phronesis"); the Mesa model is ``benchmarks/mesa_junction.py``.

Both run the junction config (junctions of four, P(pedestrian) = 0.2 shared per junction,
others_yield from the share of the other three yielding, DeGroot on a ring of degree 4 with
self-weight 0.8, credences Dirichlet(5 · C)) with AGENTS agents for STEPS steps from SEEDS seeds
each (phronesis: seeds 0..SEEDS-1 from its keys; Mesa: seeds MESA_SEED.. of Mesa's generators),
and the per-step metrics pooled over steps and seeds are compared by two-sample tests at level
ALPHA: Kolmogorov–Smirnov (scipy.stats.ks_2samp) on the mean safety welfare and on the share
yielding, and a permutation test on the difference of the mean safety welfare (fixed
permutation seed). Pooling the steps of a run makes a sample dependent within a run: safety
welfare is close to independent across steps (a fresh near miss per vehicle and step), the share
yielding is not (it follows the credences), so its nominal p-value is only a guide. Every draw
is seeded, so the outcome is the same on every run; with these seeds the p-values are 0.16 (KS
safety), 1.0 (KS share yielding) and 0.08 (permutation), and five other seed sets gave
0.14 to 1.0.

Power: with the interaction ignored (others_yield drawn from its prior, not from the others'
choices) phronesis' mean safety welfare moves from about -0.5 (everyone yields, so most others
yield, P(near miss | yield, most) = 0.05) to about -0.25, and the same tests reject it
(``test_ignoring_the_interaction_is_detected``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import phronesis
from benchmarks import mesa_junction
from multiagent.config import SimulationConfig, read_config
from tests.conftest import EXAMPLES

FOLDER = EXAMPLES / "simulations"
AGENTS = 80  # 20 junctions of four
STEPS = 10
SEEDS = 4
MESA_SEED = 1000
ALPHA = 0.01
PERMUTATIONS = 9999

#: phronesis' metric columns under the Mesa model's names
COLUMNS = {
    "share_yield": "choice.share.yield",
    "welfare_safety": "welfare.mean.safety",
    "welfare_progress": "welfare.mean.progress",
    "credence_variance": "polarisation.variance.utilitarian",
}


def _config(**changes: object) -> SimulationConfig:
    data = read_config(FOLDER / "junction.sim.yaml").model_dump()
    data.update(agents=AGENTS, group_size=4, steps=STEPS, seeds=SEEDS, seed=0, **changes)
    return SimulationConfig.model_validate(data)


def _phronesis(config: SimulationConfig) -> dict[str, np.ndarray]:
    study = phronesis.simulate(config, base=FOLDER)
    return {
        name: np.concatenate([run.metrics[column] for run in study.runs])
        for name, column in COLUMNS.items()
    }


@pytest.fixture(scope="module")
def mesa() -> dict[str, np.ndarray]:
    runs = [mesa_junction.run(AGENTS, STEPS, MESA_SEED + k) for k in range(SEEDS)]
    return {name: np.concatenate([r[name] for r in runs]) for name in mesa_junction.METRICS}


def _p_values(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    means = stats.permutation_test(
        (a["welfare_safety"], b["welfare_safety"]),
        lambda x, y: np.mean(x) - np.mean(y),
        n_resamples=PERMUTATIONS,
        rng=np.random.default_rng(0),
    )
    return {
        "ks safety": stats.ks_2samp(a["welfare_safety"], b["welfare_safety"]).pvalue,
        "ks share yielding": stats.ks_2samp(a["share_yield"], b["share_yield"]).pvalue,
        "permutation mean safety": means.pvalue,
    }


def test_same_metric_distributions_as_mesa(mesa: dict[str, np.ndarray]) -> None:
    ours = _phronesis(_config())
    assert len(ours["welfare_safety"]) == len(mesa["welfare_safety"]) == STEPS * SEEDS
    p = _p_values(ours, mesa)
    assert min(p.values()) > ALPHA, p
    # progress is +1 for go and -1 for yield (nobody abstains here): fixed by the share yielding
    for sample in (ours, mesa):
        np.testing.assert_allclose(sample["welfare_progress"], 1 - 2 * sample["share_yield"])


def test_ignoring_the_interaction_is_detected(mesa: dict[str, np.ndarray]) -> None:
    p = _p_values(_phronesis(_config(interaction=None)), mesa)
    assert p["ks safety"] < ALPHA and p["permutation mean safety"] < ALPHA, p
