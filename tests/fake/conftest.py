"""Fixtures of the fake suite: raw HTTP to the fake, with no SDK client in between."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.fake._helpers import Api

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from bland_async.testing import FakeBland


@pytest.fixture
async def api(fake: FakeBland) -> AsyncIterator[Api]:
    """Raw HTTP to ``fake``, sending its API key unless told otherwise."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, fake)
