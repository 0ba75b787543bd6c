"""Fixtures of the client suite: an async client on the fake, and the canned-answer server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.conftest import fast_client
from tests.fixtures.canned import Canned, canned_server, client_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from bland_async import AsyncBlandClient
    from bland_async.testing import FakeBland


@pytest.fixture
async def bland(fake: FakeBland) -> AsyncIterator[AsyncBlandClient]:
    """A client for ``fake`` with millisecond retry waits."""
    async with fast_client(fake) as client:
        yield client


@pytest.fixture
async def canned() -> AsyncIterator[Canned]:
    """The canned-answer server, for routes the fake does not serve."""
    async with canned_server() as server:
        yield server


@pytest.fixture
async def client(canned: Canned) -> AsyncIterator[AsyncBlandClient]:
    """A client for ``canned`` with millisecond retry waits."""
    async with client_for(canned) as bland:
        yield bland
