"""Reproducible studies on public moral-decision datasets: decide many imported problems,
compute the statistics, write a Markdown report with PNG plots and Parquet tables.

:data:`STUDIES` names them for ``phronesis study NAME``; :func:`run_study` runs one and writes
its report. Each study is deterministic given its seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.errors import PolicyError, listing

#: the studies ``phronesis study`` knows
STUDIES: tuple[str, ...] = ("moralchoice", "daily-dilemmas", "utility-engineering")


def run_study(
    name: str,
    data: Path,
    out: Path,
    *,
    seed: int = 0,
    limit: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Run study ``name`` on the data under ``data`` (the shared data folder), write its report
    into ``out`` and return the report's path. ``limit`` keeps the first N rows of each file
    (0: all); ``progress(done, total)`` reports the problems decided."""
    if name == "moralchoice":
        from phronesis.studies.moralchoice import MoralChoiceSettings, run_moralchoice
        from phronesis.studies.moralchoice_report import write_moralchoice_report

        study = run_moralchoice(data, MoralChoiceSettings(seed=seed, limit=limit), progress)
        return write_moralchoice_report(study, out)
    if name == "daily-dilemmas":
        from phronesis.studies.daily_dilemmas import run_daily_dilemmas
        from phronesis.studies.daily_dilemmas_report import write_daily_dilemmas_report

        # deterministic without draws: the seed has nothing to seed here
        return write_daily_dilemmas_report(run_daily_dilemmas(data, progress, limit), out)
    if name == "utility-engineering":
        from phronesis.studies.utility_engineering import (
            UtilitySettings,
            run_utility_engineering,
        )
        from phronesis.studies.utility_engineering_report import write_utility_report

        # --limit does not apply: the fits need all the choices
        study = run_utility_engineering(data, UtilitySettings(seed=seed), progress)
        return write_utility_report(study, out)
    raise PolicyError(f"unknown study {name!r}; expected one of {listing(STUDIES)}")
