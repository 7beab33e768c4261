"""Fuzzing influence diagrams (phronesis JSON, BIFXML, XDSL): each mutated file is read and
solved, or refused with one short PhronesisError line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import phronesis
from models.influence.solver import solve
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, mutated

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BIFXML = b"""<?xml version="1.0" encoding="UTF-8"?>
<BIF VERSION="0.3"><NETWORK><NAME>tiny</NAME>
<VARIABLE TYPE="nature"><NAME>w</NAME><OUTCOME>dry</OUTCOME><OUTCOME>wet</OUTCOME></VARIABLE>
<VARIABLE TYPE="decision"><NAME>d</NAME><OUTCOME>go</OUTCOME><OUTCOME>stay</OUTCOME></VARIABLE>
<VARIABLE TYPE="utility"><NAME>u</NAME><OUTCOME>0</OUTCOME></VARIABLE>
<DEFINITION><FOR>w</FOR><TABLE>0.7 0.3</TABLE></DEFINITION>
<DEFINITION><FOR>d</FOR><GIVEN>w</GIVEN><TABLE>1 1 1 1</TABLE></DEFINITION>
<DEFINITION><FOR>u</FOR><GIVEN>w</GIVEN><GIVEN>d</GIVEN><TABLE>10 0 -5 0</TABLE></DEFINITION>
</NETWORK></BIF>
"""
XDSL = b"""<?xml version="1.0" encoding="UTF-8"?>
<smile version="1.0" id="tiny" numsamples="1000">
<nodes>
<cpt id="w"><state id="dry"/><state id="wet"/><probabilities>0.7 0.3</probabilities></cpt>
<decision id="d"><state id="go"/><state id="stay"/><parents>w</parents></decision>
<utility id="u"><parents>w d</parents><utilities>10 0 -5 0</utilities></utility>
</nodes>
</smile>
"""
SEEDS = {
    ".json": ((EXAMPLES / "networks" / "oil_wildcatter.json").read_bytes(),),
    ".bifxml": (BIFXML,),
    ".xdsl": (XDSL,),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-diagrams")


def _read_and_solve(path: Path) -> None:
    diagram = accepted_or_refused(lambda: phronesis.load(path))
    if diagram is not None:
        accepted_or_refused(lambda: solve(diagram, {}))


def test_seeds_are_valid(folder: Path) -> None:
    for suffix, (seed,) in SEEDS.items():
        path = folder / f"seed{suffix}"
        path.write_bytes(seed)
        assert solve(phronesis.load(path), {}).meu == pytest.approx(
            solve(phronesis.load(path), {}).meu
        )


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_mutated_influence_diagrams(suffix: str, folder: Path) -> None:
    @SETTINGS
    @given(data=mutated(SEEDS[suffix]))
    def run(data: bytes) -> None:
        path = folder / f"diagram{suffix}"
        path.write_bytes(data)
        _read_and_solve(path)

    run()
