"""Fuzzing network files (BIF, XMLBIF, UAI, Hugin .net): each mutated file is read as a
network, or refused with one short PhronesisError line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

import phronesis
from tests.conftest import EXAMPLES
from tests.fuzz.mutations import accepted_or_refused, mutated

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

XMLBIF = b"""<?xml version="1.0"?>
<BIF VERSION="0.3"><NETWORK><NAME>wet</NAME>
<VARIABLE TYPE="nature"><NAME>rain</NAME><OUTCOME>yes</OUTCOME><OUTCOME>no</OUTCOME></VARIABLE>
<VARIABLE TYPE="nature"><NAME>wet</NAME><OUTCOME>yes</OUTCOME><OUTCOME>no</OUTCOME></VARIABLE>
<DEFINITION><FOR>rain</FOR><TABLE>0.2 0.8</TABLE></DEFINITION>
<DEFINITION><FOR>wet</FOR><GIVEN>rain</GIVEN><TABLE>0.9 0.1 0.1 0.9</TABLE></DEFINITION>
</NETWORK></BIF>
"""
UAI = (
    b"BAYES\n3\n2 2 3\n3\n1 0\n2 0 1\n3 0 1 2\n\n2\n0.3 0.7\n\n4\n0.9 0.1 0.2 0.8\n\n12\n"
    + (b"0.2 0.3 0.5 " * 4)
    + b"\n"
)
NET = b"""net { }
node rain { states = ( "yes" "no" ); }
node wet { states = ( "yes" "no" ); }
potential ( rain ) { data = ( 0.2 0.8 ); }
potential ( wet | rain ) { data = (( 0.9 0.1 ) ( 0.1 0.9 )); }
"""
SEEDS = {
    ".bif": ((EXAMPLES / "networks" / "sprinkler.bif").read_bytes(),),
    ".xmlbif": (XMLBIF,),
    ".uai": (UAI,),
    ".net": (NET,),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-networks")


def test_seeds_are_valid(folder: Path) -> None:
    for suffix, (seed,) in SEEDS.items():
        path = folder / f"seed{suffix}"
        path.write_bytes(seed)
        assert isinstance(phronesis.load(path), phronesis.BayesianNetwork)


@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_mutated_network_files(suffix: str, folder: Path) -> None:
    @SETTINGS
    @given(data=mutated(SEEDS[suffix]))
    def run(data: bytes) -> None:
        path = folder / f"network{suffix}"
        path.write_bytes(data)
        accepted_or_refused(lambda: phronesis.load(path))

    run()
