"""Cold start of the CLI: wall time and peak resident memory of one ``phronesis`` command in a
fresh process, against ``phronesis --help`` (the floor: Python, typer and the app's imports).

Each command runs once untimed (to warm the OS file cache), then ``--runs`` times; the table
gives the median wall time, the median CPU time (user + system) and the median peak RSS of the
process (``os.wait4``'s rusage, so each figure is that process's own), with the time and RSS as
differences from ``--help``. On a loaded machine wall time inflates and CPU time much less. The
issue's target is ``decide`` with the default backend within 0.3 s (wall) of ``--help``.

    python benchmarks/startup.py [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEINZ = ROOT / "examples" / "heinz.yaml"
TARGET_S = 0.3
#: the children may write bytecode caches (the warm-up run writes them), as a user's install
#: does; PYTHONDONTWRITEBYTECODE (set on some CI machines) would recompile every module per run
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True, slots=True)
class Timing:
    """Median wall seconds, CPU seconds and peak RSS (MiB) of one command over its runs."""

    label: str
    seconds: float
    cpu_seconds: float
    rss_mib: float


SPRINKLER = ROOT / "examples" / "networks" / "sprinkler.bif"
OIL = ROOT / "examples" / "networks" / "oil_wildcatter.json"


def commands() -> list[tuple[str, list[str]]]:
    """The commands timed, as (label, arguments after ``phronesis``)."""
    return [
        ("--help", ["--help"]),
        ("validate heinz", ["validate", str(HEINZ)]),
        ("decide heinz (auto)", ["decide", str(HEINZ)]),
        ("decide heinz --backend pgmpy", ["decide", str(HEINZ), "--backend", "pgmpy"]),
        ("decide heinz --backend torch", ["decide", str(HEINZ), "--backend", "torch"]),
        (
            "posterior sprinkler.bif (auto)",
            ["posterior", str(SPRINKLER), "--target", "rain", "-e", "wet_grass=yes"],
        ),
        ("solve oil_wildcatter.json", ["solve", str(OIL)]),
    ]


def run_once(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one fresh process running ``argv``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {errors.strip()}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / 2**20


def measure(label: str, argv: list[str], runs: int) -> Timing:
    """One untimed warm-up run, then the medians over ``runs`` fresh processes."""
    run_once(argv)
    samples = [run_once(argv) for _ in range(runs)]
    return Timing(
        label,
        statistics.median(s for s, _, _ in samples),
        statistics.median(c for _, c, _ in samples),
        statistics.median(r for _, _, r in samples),
    )


def main(argv: list[str] | None = None) -> int:
    """Time each command; print the table and whether ``decide`` (auto) meets the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--quick", action="store_true", help="2 timed runs per command")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else args.runs
    cli = Path(sys.executable).parent / "phronesis"
    if not cli.is_file():
        print(f"no console script at {cli}: install phronesis into this environment")
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{cli}: median of {runs} fresh processes after a warm-up; {os.cpu_count()} CPUs, "
        f"load average {load:.1f} at the start"
    )
    print(
        f"{'command':32s} {'time s':>8s} {'+help s':>8s} {'cpu s':>7s} {'RSS MiB':>8s} "
        f"{'+help MiB':>10s}"
    )
    timings: dict[str, Timing] = {}
    for label, arguments in commands():
        timing = measure(label, [str(cli), *arguments], runs)
        timings[label] = timing
        floor = timings["--help"]
        print(
            f"{label:32s} {timing.seconds:8.2f} {timing.seconds - floor.seconds:+8.2f} "
            f"{timing.cpu_seconds:7.2f} {timing.rss_mib:8.0f} "
            f"{timing.rss_mib - floor.rss_mib:+10.0f}",
            flush=True,
        )
    decide, floor = timings["decide heinz (auto)"], timings["--help"]
    excess = decide.seconds - floor.seconds
    verdict = "within" if excess <= TARGET_S else "NOT within"
    print(
        f"decide (auto) is {excess:+.2f} s wall ({decide.cpu_seconds - floor.cpu_seconds:+.2f} s "
        f"CPU) from --help: {verdict} the {TARGET_S} s target"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
