"""Step 5 of the decision semantics: aggregating choiceworthiness across theories.

A rule maps the (options x theories) choiceworthiness of the *feasible* options and the
credences to an :class:`Aggregate`. Rules are registered by short name; later issues add more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import PolicyError

NORMALISATIONS: tuple[str, ...] = ("none", "range", "variance")
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Scores of the feasible options; the best is chosen by ``scores``, ``tiebreak``, then name.

    When the rule is linear, score(a) = const + sum_T ``theory_weights``[T] CW_T(a); the
    explanation then splits score differences exactly into value and norm terms.
    """

    scores: np.ndarray
    theory_weights: np.ndarray | None
    tiebreak: np.ndarray | None = None


Rule = Callable[[np.ndarray, np.ndarray, str], Aggregate]


def normalisers(cw: np.ndarray, normalisation: str) -> np.ndarray:
    """Per-theory scale s_T; normalised CW'_T(a) = (CW_T(a) - centre_T) / s_T.

    - ``none``: s_T = 1.
    - ``range``: s_T = max_a CW_T - min_a CW_T (range normalisation; Lockhart 2000,
      MacAskill, Bykvist & Ord 2020, *Moral Uncertainty*, ch. 4).
    - ``variance``: s_T = population standard deviation of CW_T over the options (variance
      voting; Cotton-Barratt, MacAskill & Ord 2020, "Statistical normalization methods in
      interpersonal and intertheoretic comparisons", J. Philosophy 117(2)).

    A theory indifferent among the options (s_T = 0) gets weight 0: it cannot discriminate.
    """
    if normalisation == "none":
        return np.ones(cw.shape[1])
    if normalisation == "range":
        return cw.max(axis=0) - cw.min(axis=0)
    if normalisation == "variance":
        return cw.std(axis=0)
    raise PolicyError(
        f"unknown normalisation {normalisation!r}; expected one of {', '.join(NORMALISATIONS)}"
    )


def _inverse_scale(cw: np.ndarray, normalisation: str) -> np.ndarray:
    scale = normalisers(cw, normalisation)
    spread = np.abs(cw).max(axis=0) if cw.size else np.zeros(cw.shape[1])
    degenerate = scale <= TIE_TOLERANCE * np.maximum(1.0, spread)
    return np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, scale))


def maximise_expected_choiceworthiness(
    cw: np.ndarray, credences: np.ndarray, normalisation: str
) -> Aggregate:
    """MEC: score(a) = sum_T C(T) CW'_T(a) (MacAskill, Bykvist & Ord 2020, ch. 2–4)."""
    weights = credences * _inverse_scale(cw, normalisation)
    centre = cw.min(axis=0) if normalisation == "range" else cw.mean(axis=0)
    if normalisation == "none":
        centre = np.zeros(cw.shape[1])
    return Aggregate(scores=(cw - centre) @ weights, theory_weights=weights)


def my_favourite_theory(cw: np.ndarray, credences: np.ndarray, normalisation: str) -> Aggregate:
    """MFT: act on the theory with the highest credence (Gustafsson & Torpman 2014,
    "In defence of My Favourite Theory", Pacific Phil. Quarterly 95(2)).

    Credence ties go to the first theory listed; options the favourite ranks equal are
    separated by expected choiceworthiness under ``normalisation``.
    """
    favourite = int(np.argmax(credences))
    weights = np.zeros_like(credences)
    weights[favourite] = 1.0
    mec = maximise_expected_choiceworthiness(cw, credences, normalisation)
    return Aggregate(scores=cw[:, favourite].copy(), theory_weights=weights, tiebreak=mec.scores)


RULES: dict[str, Rule] = {
    "mec": maximise_expected_choiceworthiness,
    "mft": my_favourite_theory,
}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise PolicyError(
            f"unknown decision rule {name!r}; expected one of {', '.join(sorted(RULES))}"
        ) from None


def ranking(aggregate: Aggregate, names: tuple[str, ...]) -> list[int]:
    """Indices of options, best first: by score, then tiebreak, then name.

    Scores within ``TIE_TOLERANCE`` (relative) of the best count as tied, so round-off between
    backends cannot flip a decision, and the order of options never matters.
    """

    def tolerance(values: np.ndarray) -> float:
        return TIE_TOLERANCE * max(1.0, float(np.abs(values).max()))

    remaining = list(range(len(names)))
    order: list[int] = []
    while remaining:
        top = max(aggregate.scores[i] for i in remaining)
        tied = [i for i in remaining if aggregate.scores[i] >= top - tolerance(aggregate.scores)]
        if aggregate.tiebreak is not None and len(tied) > 1:
            best_tb = max(aggregate.tiebreak[i] for i in tied)
            tb_tol = tolerance(aggregate.tiebreak)
            tied = [i for i in tied if aggregate.tiebreak[i] >= best_tb - tb_tol]
        pick = min(tied, key=lambda i: names[i])
        order.append(pick)
        remaining.remove(pick)
    return order


def tied_with_best(aggregate: Aggregate, order: list[int]) -> list[int]:
    """Options (after the first in ``order``) whose score ties the best one's."""
    if not order:
        return []
    best = aggregate.scores[order[0]]
    tol = TIE_TOLERANCE * max(1.0, float(np.abs(aggregate.scores).max()))
    return [i for i in order[1:] if aggregate.scores[i] >= best - tol]
