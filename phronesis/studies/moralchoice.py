"""The MoralChoice study: how often each decision rule takes the commonsense action on the
low-ambiguity scenarios, and how often it says it does not know on the high-ambiguity ones.

For each scenario and each rule R of :data:`engine.rules.registry.RULES` in ``rules``:

- the decision of :func:`engine.decision.pipeline.decide_in_context` (``action1``,
  ``action2`` or an abstention, with its reason);
- on high ambiguity, where the problem states second-order uncertainty (a "No Agreement"
  annotation), P(best) from ``samples`` parameter draws
  (:func:`engine.analyses.p_best.probability_best`, seeded with ``seed``); without it the
  decision is certain and P(best) is 1 for the option chosen.

Statistics (:func:`summarise`):

- **agreement** of R on low ambiguity: k / n, k the scenarios where R chooses action1 (the
  dataset's commonsense action; an abstention counts as disagreement), with a Wilson 95%
  interval (:func:`phronesis.studies.statistics.wilson_interval`), overall and by the rule the
  scenario was generated for (``generation_rule``, one of Gert's ten);
- **calibration** of R on high ambiguity: the share of scenarios where R abstains, and where
  it acts with |P(best = action1) - 0.5| <= ``near`` (default 0.1); their sum is the share
  the engine reports as undecided.

Two scenarios with the same annotations are the same problem up to its texts, so each distinct
annotation pattern is decided once (the same seed for every problem makes this exact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.analyses.p_best import ABSTAIN, probability_best
from engine.decision.pipeline import decide_in_context
from engine.errors import DataError, PolicyError, listing
from engine.rules.registry import RULES
from models.datasets.moralchoice import MoralChoiceModel, import_moralchoice
from models.datasets.source import Imported
from phronesis.studies.statistics import Proportion, wilson_interval

#: rules decided by default: every registered rule
DEFAULT_RULES: tuple[str, ...] = tuple(RULES)

#: the models compared by default: Gert's rules as side constraints beside the two penalty
#: theories, and the penalty theories alone (the constraint theory's credence moved to them)
DEFAULT_VARIANTS: tuple[tuple[str, MoralChoiceModel], ...] = (
    ("constrained", MoralChoiceModel()),
    ("penalties", MoralChoiceModel(credences=(0.55, 0.45, 0.0))),
)


@dataclass(frozen=True, slots=True)
class MoralChoiceSettings:
    """What the study decides with: the model ``variants`` (label, how annotations become
    numbers), ``rules``, P(best) ``samples`` and ``seed``, the ``near`` band around 0.5, and
    ``limit`` (the first N scenarios of each file; 0: all)."""

    variants: tuple[tuple[str, MoralChoiceModel], ...] = DEFAULT_VARIANTS
    rules: tuple[str, ...] = DEFAULT_RULES
    samples: int = 100
    seed: int = 0
    near: float = 0.1
    limit: int = 0

    def __post_init__(self) -> None:
        unknown = [r for r in self.rules if r not in RULES]
        if unknown or not self.rules:
            raise PolicyError(
                f"study rules: unknown {listing(unknown) or 'none given'}; "
                f"expected some of {listing(RULES, limit=20)}"
            )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One rule on one scenario under one model variant."""

    variant: str
    scenario_id: str
    ambiguity: str
    generation_rule: str
    rule: str
    choice: str  # action1 | action2 | (abstain)
    reason: str  # why it abstained ("" when it acts)
    p_best_action1: float
    p_best_action2: float
    p_best_abstain: float
    uncertain: bool  # the problem states second-order uncertainty ("No Agreement")


def _pattern(item: Imported) -> tuple[str, ...]:
    annotations = item.labels["annotations"]
    return tuple(annotations[k] for k in sorted(annotations))


def decide_scenarios(
    variant: str,
    items: Sequence[Imported],
    settings: MoralChoiceSettings,
    advance: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """:class:`Outcome` per scenario and rule (module docstring) for the problems ``items`` of
    model ``variant``; ``advance(k)`` is called as scenarios are done (for a progress bar)."""
    cache: dict[tuple[Any, ...], tuple[str, str, float, float, float]] = {}
    outcomes: list[Outcome] = []
    for item in items:
        high = item.labels["ambiguity"] == "high"
        uncertain = bool(item.problem.uncertainty)
        for rule in settings.rules:
            key = (_pattern(item), rule, high)
            if key not in cache:
                cache[key] = _decide(item, rule, settings, high and uncertain)
            choice, reason, p1, p2, pa = cache[key]
            outcomes.append(
                Outcome(
                    variant,
                    item.row_id,
                    item.labels["ambiguity"],
                    item.labels["generation_rule"],
                    rule,
                    choice,
                    reason,
                    p1,
                    p2,
                    pa,
                    uncertain,
                )
            )
        if advance is not None:
            advance(1)
    return outcomes


def _decide(
    item: Imported, rule: str, settings: MoralChoiceSettings, with_p_best: bool
) -> tuple[str, str, float, float, float]:
    decision, context = decide_in_context(item.problem, rule=rule, seed=settings.seed)
    choice = decision.option if decision.option is not None else ABSTAIN
    reason = decision.abstain or ""
    if with_p_best and settings.samples > 0:
        estimate = probability_best(
            context.problem,
            context.evidence,
            context.settings,
            samples=settings.samples,
            seed=settings.seed,
        ).p_best
    else:
        estimate = {choice: 1.0}
    return (
        choice,
        reason,
        estimate.get("action1", 0.0),
        estimate.get("action2", 0.0),
        estimate.get(ABSTAIN, 0.0),
    )


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """One rule's numbers: agreement on low ambiguity (overall), and on high ambiguity the
    abstentions and the near-0.5 reports out of ``high``."""

    variant: str
    rule: str
    agreement: Proportion
    action2: int
    abstained_low: int
    high: int
    abstained_high: int
    near_half: int

    @property
    def undecided(self) -> Proportion:
        """Abstained or P(best) within ``near`` of 0.5, with its Wilson interval."""
        return wilson_interval(self.abstained_high + self.near_half, self.high)


@dataclass(frozen=True, slots=True)
class Summary:
    """Per rule (:class:`RuleSummary`) and per rule x Gert's rule (agreement on low)."""

    rules: tuple[RuleSummary, ...]
    #: (variant, rule, Gert's rule the scenario was generated for, agreement on low)
    by_generation_rule: tuple[tuple[str, str, str, Proportion], ...]
    near: float


def summarise(outcomes: Sequence[Outcome], settings: MoralChoiceSettings) -> Summary:
    """The study's statistics (module docstring) from the outcomes."""
    summaries = []
    by_gert: list[tuple[str, str, str, Proportion]] = []
    near = settings.near
    for variant, rule in ((v, r) for v, _ in settings.variants for r in settings.rules):
        mine = [o for o in outcomes if o.rule == rule and o.variant == variant]
        low = [o for o in mine if o.ambiguity == "low"]
        high = [o for o in mine if o.ambiguity == "high"]
        agree = sum(o.choice == "action1" for o in low)
        acting = [o for o in high if o.choice != ABSTAIN]
        summaries.append(
            RuleSummary(
                variant,
                rule,
                wilson_interval(agree, len(low)),
                sum(o.choice == "action2" for o in low),
                sum(o.choice == ABSTAIN for o in low),
                len(high),
                len(high) - len(acting),
                sum(abs(o.p_best_action1 - 0.5) <= near for o in acting),
            )
        )
        for gert in sorted({o.generation_rule for o in low}):
            group = [o for o in low if o.generation_rule == gert]
            hits = sum(o.choice == "action1" for o in group)
            by_gert.append((variant, rule, gert, wilson_interval(hits, len(group))))
    return Summary(tuple(summaries), tuple(by_gert), near)


def disagreements(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The low-ambiguity outcomes that are not action1."""
    return [o for o in outcomes if o.ambiguity == "low" and o.choice != "action1"]


LOW_FILE = "data__scenarios__moralchoice_low_ambiguity.csv"
HIGH_FILE = "data__scenarios__moralchoice_high_ambiguity.csv"


@dataclass(frozen=True, slots=True)
class MoralChoiceStudy:
    """Everything the report shows: the settings, the problems decided per variant (label ->
    imported problems, low then high), the outcomes and their summary."""

    settings: MoralChoiceSettings
    sources: tuple[str, ...]
    problems: dict[str, tuple[Imported, ...]]
    outcomes: tuple[Outcome, ...]
    summary: Summary


def dataset_files(data: Path) -> tuple[Path, Path]:
    """The low- and high-ambiguity files under ``data`` (the folder of the shared data, with a
    ``moralchoice`` folder, or that folder itself)."""
    for folder in (data / "moralchoice", data):
        low, high = folder / LOW_FILE, folder / HIGH_FILE
        if low.is_file() and high.is_file():
            return low, high
    raise DataError(
        str(data),
        "",
        f"no {LOW_FILE} and {HIGH_FILE} here or in its moralchoice folder; "
        "pass --data with the folder that holds them",
    )


def run_moralchoice(
    data: Path,
    settings: MoralChoiceSettings = MoralChoiceSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> MoralChoiceStudy:
    """Import both files under every model variant, decide, summarise.

    ``progress(done, total)`` reports scenarios decided (over variants and files).
    """
    low_path, high_path = dataset_files(data)
    problems: dict[str, tuple[Imported, ...]] = {}
    for label, model in settings.variants:
        items: list[Imported] = []
        for path in (low_path, high_path):
            found = import_moralchoice(path, model).problems
            items.extend(found[: settings.limit] if settings.limit else found)
        problems[label] = tuple(items)
    total = sum(len(v) for v in problems.values())
    done = 0

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    outcomes: list[Outcome] = []
    for label, items in problems.items():
        outcomes.extend(decide_scenarios(label, items, settings, advance))
    summary = summarise(outcomes, settings)
    return MoralChoiceStudy(
        settings, (str(low_path), str(high_path)), problems, tuple(outcomes), summary
    )
