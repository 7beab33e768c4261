"""Simulation config files (YAML or JSON), read through the same bounded reader as scenario
files and validated with the same error discipline: one line naming the file, the field and the
fix (:class:`~engine.errors.ScenarioError`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from engine.errors import ScenarioError
from engine.scenario.document import clip, error_location, pydantic_message, read_document
from multiagent.simulator import COLLECTIVE_RULES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InteractionModel(_Strict):
    variable: str
    option: str
    bins: list[float] = Field(description="Share thresholds, increasing, in [0, 1].")
    scope: Literal["group", "neighbours"] = "group"


class PopulationModel(_Strict):
    concentration: float | None = Field(default=None, gt=0)
    weight_noise: float = Field(default=0.0, ge=0)
    roles: dict[str, float] | None = None
    norm_roles: dict[str, str] | None = None


class NetworkModel(_Strict):
    kind: Literal["ring", "random", "groups"] = "ring"
    degree: float = Field(default=4, gt=0)


class LearningModel(_Strict):
    kind: Literal["none", "degroot", "bounded_confidence"] = "none"
    self_weight: float = Field(default=0.5, ge=0, le=1)
    epsilon: float = Field(default=0.1, ge=0)
    targets: list[Literal["credences", "value_weights"]] = Field(
        default=["credences"],
        min_length=1,
        description="What moves by social learning: credences, value_weights or both.",
    )
    value_epsilon: float | None = Field(
        default=None,
        ge=0,
        description="Bounded confidence threshold for value weights (L1 distance over "
        "theories x values); epsilon when not given.",
    )

    @field_validator("targets")
    @classmethod
    def _once_each(cls, targets: list[str]) -> list[str]:
        if len(set(targets)) != len(targets):
            raise PydanticCustomError(
                "targets", "expected each of credences, value_weights at most once"
            )
        return targets


class CollectiveModel(_Strict):
    rule: str = Field(
        description="Social-choice rule (plurality, borda, approval, copeland, condorcet, "
        "mec, nash) or moral_graph (values ranked by PageRank on 'wiser than' edges)."
    )

    @field_validator("rule")
    @classmethod
    def _known(cls, rule: str) -> str:
        if rule not in COLLECTIVE_RULES:
            known = ", ".join(sorted(COLLECTIVE_RULES))
            raise PydanticCustomError("rule", "expected one of {known}", {"known": known})
        return rule


class JudgeModel(_Strict):
    theory: str = Field(description="The theory the judge holds.")
    noise: float = Field(default=0.1, gt=0, lt=0.5, description="P(the judge errs).")


class ProgressModel(_Strict):
    start: dict[str, float] = Field(description="The reference value vector at step 0.")
    drift: dict[str, float] = Field(default={}, description="Its change per step.")


class DecisionModel(_Strict):
    rule: str | None = None
    normalisation: Literal["none", "range", "variance"] | None = None
    policy: str | None = None
    backend: str = "auto"


class SimulationConfig(_Strict):
    """A simulation: the scenario (a path relative to the config file), the agents, the steps
    and how agents meet (observations, shared situations, interactions, networks, learning)."""

    scenario: str
    agents: int = Field(default=100, ge=1, le=10_000_000)
    steps: int = Field(default=10, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    seeds: int = Field(default=1, ge=1, le=100_000)
    groups: int | None = Field(
        default=None, ge=1, description="Number of groups (agents assigned round-robin)."
    )
    group_size: int | None = Field(
        default=None,
        ge=1,
        description="Agents per group instead of a number of groups: agents // group_size "
        "groups, so every group keeps at least this many agents whatever --agents is.",
    )
    observe: list[str] = []
    shared: list[str] = []
    interaction: InteractionModel | None = None
    population: PopulationModel = PopulationModel()
    network: NetworkModel | None = None
    learning: LearningModel = LearningModel()
    decision: DecisionModel = DecisionModel()
    collective: CollectiveModel | None = None
    judge: JudgeModel | None = None
    progress: ProgressModel | None = None
    sweep: dict[str, list[float | int | str | bool]] = Field(
        default={},
        description="Config fields by dotted name (learning.self_weight) and the values to run "
        "each with; every combination runs for every seed.",
    )


def group_count(config: SimulationConfig) -> int:
    """The number of groups: ``groups``, or ``agents // group_size`` (at least 1)."""
    if config.group_size is not None:
        return max(config.agents // config.group_size, 1)
    return config.groups or 1


def read_config(path: str | Path) -> SimulationConfig:
    """Read and validate a simulation config file."""
    return validate_config(read_document(path), str(path))


def validate_config(data: Any, source: str, field: str = "") -> SimulationConfig:
    """Validate config data (a file's, or one with overrides or a sweep point applied), naming
    ``source`` and the field in the one-line error; ``field`` prefixes the field's name."""
    try:
        config = SimulationConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = clip(error_location(error["loc"], data), 120)
        raise ScenarioError(
            source, f"{field} ({where})" if field else where, clip(pydantic_message(error))
        ) from None
    if config.groups is not None and config.group_size is not None:
        raise ScenarioError(source, "group_size", "give either groups or group_size, not both")
    return config


def scenario_path(config_path: str | Path, config: SimulationConfig) -> Path:
    """The scenario file, relative to the config's folder, which it may not leave."""
    folder = Path(config_path).resolve().parent
    target = (folder / config.scenario).resolve()
    if not target.is_relative_to(folder):
        raise ScenarioError(
            str(config_path),
            "scenario",
            f"{config.scenario!r} leaves the config's folder; put the scenario beside the config",
        )
    return target


def as_dict(config: SimulationConfig) -> dict[str, Any]:
    """The config as plain data (for a results table's metadata)."""
    return config.model_dump(mode="json")
