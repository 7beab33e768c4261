"""The fuzz tests run with networking blocked: a loader that tries to connect or resolve a
name fails its test (issue 10: nothing is fetched from the network)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest


class NetworkAttempt(BaseException):  # noqa: N818 - BaseException: no library `except` hides it
    """A reader tried to reach the network."""


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise NetworkAttempt(f"network access attempted: {args[1:2] or args[:1]}")


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Session-wide (hypothesis forbids function-scoped fixtures around @given)."""
    saved = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
    socket.socket.connect = socket.socket.connect_ex = _refuse  # type: ignore[method-assign]
    socket.getaddrinfo = _refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = saved  # type: ignore[method-assign]
