"""Fixtures of the sync suite: a fake on its own loop thread, and a sync client on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bland_async import BlandClient
from tests.sync._helpers import ThreadedFake

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def threaded_fake() -> Iterator[ThreadedFake]:
    server = ThreadedFake()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sync_client(threaded_fake: ThreadedFake) -> Iterator[BlandClient]:
    client = BlandClient(api_key=threaded_fake.api_key, base_url=threaded_fake.url, timeout=10)
    try:
        yield client
    finally:
        client.close()
