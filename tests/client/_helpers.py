"""Waiting helpers for the client suite: a bounded condition poll, and a quiet window."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from bland_async.testing import FakeBland


async def eventually(condition: Callable[[], object], *, what: str, within: float = 5.0) -> None:
    """Return as soon as ``condition()`` is true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {within:g}s waiting for {what}"
        await asyncio.sleep(0.005)  # the poll interval of a bounded wait, not a barrier


async def assert_no_request_arrives(
    fake: FakeBland, *, after: int, within: float, route: str | None = None
) -> None:
    """Fail if ``fake`` receives more than ``after`` requests (to ``route``) within ``within`` s.

    A quiet window, waited for on the fake's side: it ends early, failing, at the first
    request too many.
    """
    try:
        found = await fake.wait_for_requests(after + 1, timeout=within, route=route)
    except TimeoutError:
        return
    arrived = [f"{r.method} {r.path}" for r in found]
    pytest.fail(f"expected at most {after} requests, got {len(arrived)}: {arrived}")
