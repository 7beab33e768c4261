"""Every command of the README's tour runs as written (in-process, from the repository root)
and exits 0; outputs it writes go to a temporary folder."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from phronesis.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def tour_commands() -> list[str]:
    """The commands of the first ```bash block under "## A quick tour" (comments dropped)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## A quick tour") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README.md has no bash block in its tour"
    lines = (line.split("#", 1)[0].strip() for line in block.group(1).splitlines())
    return [line for line in lines if line.startswith("phronesis ")]


def test_the_tour_has_its_commands() -> None:
    assert len(tour_commands()) >= 15


@pytest.mark.parametrize("command", tour_commands())
def test_readme_tour_command_runs(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    args = [str(tmp_path / a) if i and args[i - 1] == "--out" else a for i, a in enumerate(args)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    assert result.output.strip(), command
