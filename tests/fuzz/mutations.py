"""Hypothesis strategies for hostile inputs, and the property every reader must keep.

:func:`mutated` draws a sequence of mutations (byte flips, truncation, deleted or duplicated
lines, numbers replaced by extremes, junk and non-UTF-8 bytes, deep nesting) and applies it to
a valid seed file; :func:`accepted_or_refused` runs a reader and checks the boundary's promise
(issue 10): the input is accepted, or refused with a :class:`~engine.errors.PhronesisError`
whose message is one line of at most :data:`MAX_MESSAGE` characters. Any other exception
fails the test with its traceback. ``benchmarks/fuzz.py`` is the longer campaign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

from engine.errors import PhronesisError

T = TypeVar("T")

MAX_MESSAGE = 300

EXTREMES = (
    "1e308",
    "-1e308",
    "nan",
    ".nan",
    "inf",
    "-.inf",
    "1" * 401,
    "-" + "9" * 5000,
    "5e-324",
    "0",
    "-1",
    "1e15",
    "-1e16",
    "1_000",
    "0x1F",
)
JUNK = (
    b"[1, 2]",
    b"{a: 1}",
    b"null",
    b"~",
    b'""',
    b"- a",
    b"!!python/object:os.system",
    b"&a [*a, *a]",
    b"\x00",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    "\u202e".encode(),
    b"x" * 3000,
    b"<!DOCTYPE r [<!ENTITY a SYSTEM 'http://example.invalid/a'>]>",
)
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one drawn mutation applied."""
    kind = draw(
        st.sampled_from(
            ("flip", "truncate", "delete", "duplicate", "number", "junk", "nest", "bom")
        )
    )
    at = draw(st.integers(0, max(0, len(data))))
    if kind == "flip" and data:
        i = min(at, len(data) - 1)
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    if kind == "truncate":
        return data[:at]
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        return b"".join(lines[:i] + lines[i + 1 :])
    if kind == "duplicate":
        times = draw(st.sampled_from((1, 2, 200)))
        return b"".join(lines[: i + 1] + [lines[i]] * times + lines[i + 1 :])
    if kind == "number":
        matches = list(NUMBER.finditer(data))
        if matches:
            m = matches[draw(st.integers(0, len(matches) - 1))]
            value = draw(st.sampled_from(EXTREMES)).encode()
            return data[: m.start()] + value + data[m.end() :]
    if kind == "nest":
        depth = draw(st.sampled_from((30, 2000, 60_000)))
        opener, closer = draw(st.sampled_from(((b"[", b"]"), (b"{", b"}"), (b"<a>", b"</a>"))))
        return data[:at] + opener * depth + closer * depth + data[at:]
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    return data[:at] + draw(st.sampled_from(JUNK)) + data[at:]


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...], max_rounds: int = 3) -> bytes:
    """One of ``seeds`` after 1..``max_rounds`` drawn mutations."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, max_rounds))):
        data = draw(mutation(data))
    return data


def check_refusal(exc: BaseException) -> None:
    """A refusal must be a PhronesisError with one short line; anything else is re-raised."""
    if not isinstance(exc, PhronesisError):
        raise exc
    message = str(exc)
    assert "\n" not in message.strip(), f"a multi-line message: {message[:500]!r}"
    assert len(message) <= MAX_MESSAGE, f"a {len(message)}-character message: {message[:500]!r}"


def accepted_or_refused(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``call(*args, **kwargs)``'s result, or ``None`` after checking it refused cleanly."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - check_refusal re-raises anything unexpected
        check_refusal(exc)
        return None


def check_decision(problem: Any, decision: Any) -> None:
    """``decide --json``'s promise: valid JSON without non-finite numbers, every number in the
    option reports finite, and a chosen option of the problem or an abstention with a reason."""
    decision.to_json()  # json.dumps(allow_nan=False): raises on NaN or infinity
    for report in decision.options:
        numbers = [
            *report.expected_values.values(),
            *report.choiceworthiness.values(),
            *report.norm_violation.values(),
            *([] if report.score is None else [report.score]),
        ]
        assert all(math.isfinite(x) for x in numbers), (report.option, numbers)
    if decision.option is None:
        assert decision.abstain, "neither an option nor an abstention"
    else:
        assert decision.option in problem.decision.options
