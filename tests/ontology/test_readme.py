"""Every command of examples/ontology/README.md, run through the installed ``phronesis`` script.

The commands are read from the README's ``sh`` block, so the test follows the README. ``decide``
and ``ontology check`` run under each reasoner (``PHRONESIS_REASONER`` = hermit, owlrl, none;
:data:`ONLY` names the one exception); a command that sets the reasoner itself runs as written.
Files named by ``--out``, ``--csv`` and ``--json`` are written to a temporary folder. Each
``decide`` spends seconds importing its inference backend, so the selected runs all start, at
most one per CPU, when the first test needs one, and each test waits for its own.

The ICU example states its prohibition for critical care, above the leaf contexts; only
reasoning carries it down to them, so without a reasoner its commands stop with exit code 2
(the README says so, and tests/test_ontology_extract.py pins the same behaviour in-process).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ontology.extract import problem_from_ontology
from ontology.load import FORMATS
from ontology.reason import ENVIRONMENT_VARIABLE, java_available
from tests.conftest import EXAMPLES, ROOT
from tests.ontology.test_extract import routes, same_decisions

README = EXAMPLES / "ontology" / "README.md"
SCRIPT = Path(sys.executable).parent / "phronesis"
REASONERS = ("hermit", "owlrl", "none")
PER_REASONER = ("decide", "check")
#: (subcommand, ontology file) -> the reasoners it runs under, where not all of REASONERS. HermiT
#: costs seconds a run; on the ICU example its extraction is run by `ontology check` already.
ONLY: dict[tuple[str, str], tuple[str, ...]] = {("decide", "icu_triage.ttl"): ("owlrl", "none")}
OUTPUT_OPTIONS = ("--out", "--csv", "--json")
TIMEOUT_S = 300

#: (subcommand, ontology file) -> a line the command's output must hold
EXPECTED: dict[tuple[str, str], str] = {
    ("check", "icu_triage.ttl"): "decision problem 'icu_triage'",
    ("profile", "av_emergency.ttl"): "2 prescripts × 4 contexts",
    ("decide", "icu_triage.ttl"): "icu_triage: reallocate_to_A",
    ("decide", "av_usage_policy.ttl"): "av_emergency: brake_straight",
    ("decide", "av_emergency.ttl"): "av_emergency: brake_straight",
}
#: ontology file -> what its commands say without a reasoner (a norm only reasoning lets apply)
NEEDS_REASONING: dict[str, str] = {"icu_triage.ttl": "unknown norm 'no_withdrawal'"}

needs_java = pytest.mark.skipif(not java_available(), reason="HermiT needs Java on the PATH")


@dataclass(frozen=True, slots=True)
class Command:
    """One README command: leading ``VAR=value`` assignments, then ``phronesis`` and its args."""

    text: str
    env: tuple[tuple[str, str], ...]
    args: tuple[str, ...]

    @classmethod
    def parse(cls, tokens: list[str]) -> Command:
        env = []
        while tokens and "=" in tokens[0] and tokens[0].split("=", 1)[0].isidentifier():
            name, value = tokens.pop(0).split("=", 1)
            env.append((name, value))
        assert tokens[:1] == ["phronesis"], f"not a phronesis command: {tokens}"
        return cls(shlex.join(tokens), tuple(env), tuple(tokens[1:]))

    @property
    def subcommand(self) -> str:
        return self.args[1] if self.args[0] == "ontology" else self.args[0]

    @property
    def ontology(self) -> str:
        """The file name of the ontology the command reads."""
        return next(Path(a).name for a in self.args if Path(a).suffix.lower() in FORMATS)

    @property
    def sets_reasoner(self) -> bool:
        return any(name == ENVIRONMENT_VARIABLE for name, _ in self.env)


@dataclass(frozen=True, slots=True)
class Case:
    """A command, run under ``reasoner`` (``None``: with the environment the README gives)."""

    index: int
    command: Command
    reasoner: str | None

    @property
    def id(self) -> str:
        reasoner = self.reasoner or "as-written"
        return f"{self.index}-{self.command.subcommand}-{self.command.ontology}-{reasoner}"

    @property
    def reasoner_used(self) -> str | None:
        """The reasoner the run asks for (``None``: the default, ``auto``)."""
        return self.reasoner or dict(self.command.env).get(ENVIRONMENT_VARIABLE)

    def _output_files(self) -> dict[int, str]:
        """Argument position -> file name, for each file an output option names."""
        args = self.command.args
        return {
            i + 1: Path(args[i + 1]).name for i, a in enumerate(args[:-1]) if a in OUTPUT_OPTIONS
        }

    def argv(self, out: Path) -> list[str]:
        """The command line, with each output file moved into ``out``."""
        args = list(self.command.args)
        for position, name in self._output_files().items():
            args[position] = str(out / name)
        return [str(SCRIPT), *args]

    def outputs(self, out: Path) -> list[Path]:
        return [out / name for name in self._output_files().values()]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != ENVIRONMENT_VARIABLE}
        env["COLUMNS"] = "200"  # rich wraps tables (and the names in them) at 80 columns
        env.update(self.command.env)
        if self.reasoner is not None:
            env[ENVIRONMENT_VARIABLE] = self.reasoner
        return env

    def expected(self) -> tuple[int, str]:
        """(exit code, text the output must hold)."""
        key = (self.command.subcommand, self.command.ontology)
        assert key in EXPECTED, f"add what `{self.command.text}` must print to EXPECTED"
        if self.reasoner_used == "none" and self.command.ontology in NEEDS_REASONING:
            return 2, NEEDS_REASONING[self.command.ontology]
        return 0, EXPECTED[key]


@dataclass(frozen=True, slots=True)
class Ran:
    """A finished run and the folder its output files went to."""

    process: subprocess.CompletedProcess[str]
    out: Path

    @property
    def output(self) -> str:
        return self.process.stdout + self.process.stderr


def readme_commands(text: str) -> list[Command]:
    """The commands of the README's ``sh`` block (continuation lines joined, comments dropped)."""
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [Command.parse(tokens) for line in lines if (tokens := shlex.split(line, comments=True))]


def readme_cases() -> list[Case]:
    cases = []
    for index, command in enumerate(readme_commands(README.read_text(encoding="utf-8"))):
        if command.subcommand in PER_REASONER and not command.sets_reasoner:
            reasoners = ONLY.get((command.subcommand, command.ontology), REASONERS)
            cases += [Case(index, command, reasoner) for reasoner in reasoners]
        else:
            cases.append(Case(index, command, None))
    return cases


CASES = readme_cases()


def _param(case: Case) -> Any:
    marks = [needs_java] if case.reasoner == "hermit" else []
    return pytest.param(case, id=case.id, marks=marks)


def _runnable(case: Case) -> bool:
    return case.reasoner != "hermit" or java_available()


def execute(case: Case, out: Path) -> Ran:
    """Run ``case`` from the repository root, its output files written to ``out``."""
    process = subprocess.run(
        case.argv(out),
        cwd=ROOT,
        env=case.environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    return Ran(process, out)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Ran]]]:
    """Start every selected README run at once; each test waits for its own."""
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        and "case" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    cases = [c for c in selected if _runnable(c)]
    with ThreadPoolExecutor(max_workers=max(1, min(len(cases), os.cpu_count() or 1))) as pool:
        yield {c.id: pool.submit(execute, c, tmp_path_factory.mktemp(c.id)) for c in cases}


def test_the_readme_block_is_read():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert commands, f"{README} has no ```sh block"
    assert any("--scenario" in c.args for c in commands)  # a continuation line was joined
    assert SCRIPT.is_file(), f"the console script {SCRIPT} is not installed"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_readme_command(case: Case, runs: dict[str, Future[Ran]]) -> None:
    ran = runs[case.id].result()
    code, text = case.expected()
    where = f"`{case.command.text}` ({case.reasoner or 'as written'}):\n{ran.output}"
    assert ran.process.returncode == code, where
    assert text in ran.output, where
    assert "Traceback" not in ran.output, where
    for path in case.outputs(ran.out) if code == 0 else []:
        assert path.is_file() and path.stat().st_size > 0, where
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        if path.suffix == ".csv":
            assert path.read_text(encoding="utf-8").startswith("prescript,"), path


@pytest.mark.parametrize("reasoner", ["owlrl", pytest.param("hermit", marks=needs_java)])
def test_the_odrl_policy_decides_as_the_yaml_example(reasoner: str) -> None:
    # the README's ODRL route: the same option and per-option tables as examples/av_emergency.yaml
    # on every evidence combination (its norms come from ODRL rules, with other sources)
    yaml_route, _ = routes("av_emergency")
    policy = problem_from_ontology(
        EXAMPLES / "ontology" / "av_usage_policy.ttl",
        EXAMPLES / "ontology" / "av_emergency.scenario.yaml",
        reasoner=reasoner,
    )
    extra = {n.name for n in policy.norms} - {n.name for n in yaml_route.norms}
    assert extra == {"brake_when_blocked"}  # the policy's permission to brake; never violated
    assert policy.norm("brake_when_blocked").modality == "permission"
    assert same_decisions("av_emergency", yaml_route, policy, frozenset(extra)) >= 27
