"""Helpers for the sync facade's tests: a FakeBland served from a background thread.

Sync code blocks the thread that calls it, so the fake cannot share the test's event
loop: it runs on its own loop in a daemon thread, and tests talk to it over loopback
like any other server. The fixtures built on it are in conftest.py.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from bland_async.testing import FakeBland

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

_T = TypeVar("_T")


class ThreadedFake:
    """A :class:`FakeBland` on its own event loop thread.

    Use :meth:`call` for anything that touches the fake's state (seeding, injecting
    faults), so it runs on the fake's loop like its request handlers do.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="threaded-fake", daemon=True
        )
        self._thread.start()
        self.fake: FakeBland = self.run(self._start())

    async def _start(self) -> FakeBland:
        fake = FakeBland(api_key="test-key")
        await fake.start()
        return fake

    @property
    def url(self) -> str:
        return self.fake.url

    @property
    def api_key(self) -> str:
        return self.fake.api_key

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float = 10.0) -> _T:
        """Run a coroutine on the fake's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run a plain function on the fake's loop thread and return its result."""

        async def run() -> _T:
            return fn(*args, **kwargs)

        return self.run(run())

    def seed_persona(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("draft_changes", {"personality_prompt": "Be brief."})
        return self.call(self.fake.seed_persona, **kwargs)

    def close(self) -> None:
        self.run(self.fake.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


#: asyncio's debug mode (``-X dev``) logs callbacks slower than 100 ms; on a loaded
#: machine a cold first request can trip it. That is a performance note, not a leak.
_SLOW_CALLBACK = re.compile(r"^Executing .* took \d+\.\d+ seconds\n", re.MULTILINE)


def stderr_noise_removed(stderr: str) -> str:
    """``stderr`` without asyncio's slow-callback reports."""
    return _SLOW_CALLBACK.sub("", stderr)


def waiting_for_a_result(thread: threading.Thread) -> bool:
    """Whether ``thread`` is inside ``concurrent.futures.Future.result`` (a sync call waiting)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "result" and code.co_filename.endswith(
            os.path.join("concurrent", "futures", "_base.py")
        ):
            return True
        frame = frame.f_back
    return False
