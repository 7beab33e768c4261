"""Step 5 of the decision semantics: aggregating choiceworthiness across theories.

A rule maps the (options x theories) choiceworthiness of the *feasible* options, the
credences and a normalisation to an :class:`Aggregate`. Rules live in :mod:`engine.rules` and
are registered here by short name (``RULES``); :func:`ranking` turns an aggregate into an order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.errors import PolicyError
from engine.rules.bargaining import nash_bargaining
from engine.rules.base import (
    DEFAULT_OPTIONS as DEFAULT_OPTIONS,
)
from engine.rules.base import (
    NORMALISATIONS as NORMALISATIONS,
)
from engine.rules.base import (
    TIE_TOLERANCE as TIE_TOLERANCE,
)
from engine.rules.base import (
    Aggregate as Aggregate,
)
from engine.rules.base import (
    RuleOptions as RuleOptions,
)
from engine.rules.base import comparable, tolerance
from engine.rules.base import (
    normalisers as normalisers,
)
from engine.rules.expected import (
    maximise_expected_choiceworthiness as maximise_expected_choiceworthiness,
)
from engine.rules.expected import my_favourite_option as my_favourite_option
from engine.rules.expected import my_favourite_theory as my_favourite_theory
from engine.rules.lexical import lexicographic, pareto
from engine.rules.ordinal import borda
from engine.rules.parliament import parliament
from engine.rules.robust import median, trimmed_mean

#: rule(cw, credences, normalisation, *, options=RuleOptions()) -> Aggregate
Rule = Callable[..., Aggregate]

RULES: dict[str, Rule] = {
    "mec": maximise_expected_choiceworthiness,
    "mft": my_favourite_theory,
    "mfo": my_favourite_option,
    "borda": borda,
    "parliament": parliament,
    "nash": nash_bargaining,
    "trimmed-mean": trimmed_mean,
    "median": median,
    "lexicographic": lexicographic,
    "pareto": pareto,
}

#: Rules whose score is const + sum_T k_T CW_T(a): their margins split exactly
#: (engine.decision.explain).
LINEAR_RULES: frozenset[str] = frozenset({"mec", "mft"})

#: The normalisation a rule uses when neither the caller nor a policy names one.
DEFAULT_NORMALISATION: dict[str, str] = {"trimmed-mean": "variance", "median": "variance"}


def get_rule(name: str) -> Rule:
    """The rule registered as ``name``.

    Examples
    --------
    >>> get_rule("borda").__name__
    'borda'
    """
    try:
        return RULES[name]
    except KeyError:
        raise PolicyError(
            f"unknown decision rule {name!r}; expected one of {', '.join(sorted(RULES))}"
        ) from None


def ranking(aggregate: Aggregate, names: tuple[str, ...]) -> list[int]:
    """Indices of options, best first: the drawn option (if a randomising rule drew one), then
    by score, then tiebreak, then name.

    Scores within ``TIE_TOLERANCE`` (relative) of the best count as tied, so round-off between
    backends cannot flip a decision, and the order of options never matters. A NaN score ranks
    last (:func:`~engine.rules.base.comparable`), so the best always ties itself and every
    option is ranked even when a score is not a number.
    """
    scores = comparable(aggregate.scores)
    tiebreak = None if aggregate.tiebreak is None else comparable(aggregate.tiebreak)
    remaining = list(range(len(names)))
    order: list[int] = []
    if aggregate.drawn is not None:
        order.append(aggregate.drawn)
        remaining.remove(aggregate.drawn)
    while remaining:
        top = max(scores[i] for i in remaining)
        tied = [i for i in remaining if _within(scores, i, top)]
        if tiebreak is not None and len(tied) > 1:
            best_tb = max(tiebreak[i] for i in tied)
            tied = [i for i in tied if _within(tiebreak, i, best_tb)]
        pick = min(tied, key=lambda i: names[i])
        order.append(pick)
        remaining.remove(pick)
    return order


def _within(values: np.ndarray, i: int, best: float) -> bool:
    """values[i] ties ``best`` within ``TIE_TOLERANCE`` relative to the largest finite |value|;
    an infinite ``best`` ties only itself (``best - tolerance`` is never NaN). ``values`` has
    no NaN (:func:`~engine.rules.base.comparable`), so ``best`` itself always ties."""
    return bool(values[i] == best or values[i] >= best - tolerance(values))


def tied_with_best(aggregate: Aggregate, order: list[int]) -> list[int]:
    """Options (after the first in ``order``) whose score ties the best one's."""
    if not order or aggregate.drawn is not None:
        return []
    scores = comparable(aggregate.scores)
    tied = [i for i in order[1:] if _within(scores, i, scores[order[0]])]
    if aggregate.tiebreak is not None and tied:
        tb = comparable(aggregate.tiebreak)
        tied = [i for i in tied if _within(tb, i, tb[order[0]])]
    return tied
