"""What every suite shares: the anyio backend, a fake Bland server, ``--live``, fast retries.

Suites: ``client/`` (the async client against the fake), ``fake/`` (``bland_async.testing``
over raw HTTP), ``sync/`` (the sync facade), ``chaos/`` (fault schedules, raw sockets);
``fixtures/`` holds canned API payloads and a canned-answer server. Each suite's own
fixtures live in its ``conftest.py``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from bland_async import AsyncBlandClient, RetryPolicy
from bland_async.testing import FakeBland

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

#: Retry waits small enough for tests, large enough to be real sleeps.
FAST_RETRIES = RetryPolicy(backoff_initial=0.001, backoff_max=0.01, retry_after_max=1.0)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="run tests marked live")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import os

    if config.getoption("--live") and os.environ.get("BLAND_API_KEY"):
        return
    skip = pytest.mark.skip(reason="needs --live and BLAND_API_KEY")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBland]:
    """A fake on the test's loop (API key ``test-key``, the fake's default)."""
    async with FakeBland(api_key="test-key") as server:
        yield server


def fast_client(fake: FakeBland, **kwargs: object) -> AsyncBlandClient:
    """A client for ``fake`` whose retry waits are milliseconds."""
    return AsyncBlandClient(
        api_key=fake.api_key,
        base_url=fake.url,
        retry_policy=FAST_RETRIES,
        **kwargs,  # type: ignore[arg-type]
    )


def bulk_workers() -> set[asyncio.Task[object]]:
    """The worker tasks of the ``promote_each`` streams running on this loop.

    Reads a private name (``_Stream._work`` in ``bland_async._bulk``): callers check how
    many they found, so a rename fails loudly instead of finding none.
    """
    return {
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == "_Stream._work"
    }
