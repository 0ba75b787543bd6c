"""Client-wide rate-limit state: one pause shared by every request of a client.

When any request gets a 429, the client pauses *new* attempts until the server's
``Retry-After`` has passed, so N concurrent tasks slow down together instead of each
backing off alone and stampeding when their timers fire. Loop-agnostic: it keeps
monotonic timestamps and sleeps, so it survives a client moving between event loops.
"""

from __future__ import annotations

import asyncio
import time

__all__ = ["RateLimitGate"]


class RateLimitGate:
    """The shared pause, and its own accounting (429s seen, time paused, time waited)."""

    __slots__ = ("_pause_until", "paused_seconds", "rate_limited", "waited_seconds")

    def __init__(self) -> None:
        self._pause_until = 0.0
        #: Responses with status 429 that set (or extended) a pause.
        self.rate_limited = 0
        #: Wall-clock seconds the client was paused.
        self.paused_seconds = 0.0
        #: Seconds requests spent waiting on a pause, summed over requests.
        self.waited_seconds = 0.0

    def pause(self, seconds: float) -> None:
        """Hold back every new attempt for ``seconds`` from now (extends, never shortens)."""
        self.rate_limited += 1
        now = time.monotonic()
        until = now + max(0.0, seconds)
        if until > self._pause_until:
            self.paused_seconds += until - max(now, self._pause_until)
            self._pause_until = until

    def is_paused(self) -> bool:
        """Whether a pause was ever set (cheap: no clock read; :meth:`wait` checks the time)."""
        return self._pause_until != 0.0

    def remaining(self) -> float:
        """Seconds left in the current pause (0 when not paused)."""
        return max(0.0, self._pause_until - time.monotonic())

    async def wait(self, deadline: float) -> bool:
        """Sleep until the pause is over; ``False`` if that would pass ``deadline``."""
        start = time.monotonic()
        while (delay := self._pause_until - time.monotonic()) > 0:
            if time.monotonic() + delay > deadline:
                self.waited_seconds += time.monotonic() - start
                return False
            await asyncio.sleep(delay)
        if (waited := time.monotonic() - start) > 0.0005:
            self.waited_seconds += waited
        return True
