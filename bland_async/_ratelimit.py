"""Client-wide rate-limit state: one pause shared by every request of a client.

When any request gets a 429, the client pauses *new* attempts until the server's
``Retry-After`` has passed, so N concurrent tasks slow down together instead of each
backing off alone and stampeding when their timers fire. Loop-agnostic: it keeps
monotonic timestamps and sleeps, so it survives a client moving between event loops.
"""

from __future__ import annotations

import asyncio
import time

import attrs

__all__ = ["ClientStats", "RateLimitGate"]


@attrs.frozen(kw_only=True)
class ClientStats:
    """Counters for one client (and the copies made with ``with_options``).

    Attributes:
        requests: HTTP attempts sent (retries included).
        retries: Attempts that were retries of an earlier attempt.
        rate_limited: Responses with status 429.
        rate_limit_pause_seconds: Wall-clock time the client was paused by 429s.
        rate_limit_wait_seconds: Time requests spent waiting on a rate-limit pause, summed
            over requests (concurrent waits add up).
        reconciled: Non-idempotent calls whose outcome was settled by re-reading the
            resource after an ambiguous failure (e.g. ``promote``).
    """

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    rate_limit_pause_seconds: float = 0.0
    rate_limit_wait_seconds: float = 0.0
    reconciled: int = 0


class RateLimitGate:
    """The shared pause, plus the client's counters."""

    __slots__ = (
        "_pause_until",
        "paused",
        "rate_limit_wait",
        "rate_limited",
        "reconciled",
        "requests",
        "retries",
    )

    def __init__(self) -> None:
        self._pause_until = 0.0
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.rate_limit_wait = 0.0
        self.paused = 0.0
        self.reconciled = 0

    def pause(self, seconds: float) -> None:
        """Hold back every new attempt for ``seconds`` from now (extends, never shortens)."""
        self.rate_limited += 1
        now = time.monotonic()
        until = now + max(0.0, seconds)
        if until > self._pause_until:
            self.paused += until - max(now, self._pause_until)
            self._pause_until = until

    def is_paused(self) -> bool:
        """Whether a pause was set that may still be running (cheap: no clock read)."""
        return self._pause_until != 0.0

    def count_attempt(self, *, retry: bool) -> None:
        """Count one HTTP attempt (and whether it retries an earlier one)."""
        self.requests += 1
        if retry:
            self.retries += 1

    def count_reconciled(self) -> None:
        """Count a call whose ambiguous outcome was settled by re-reading the resource."""
        self.reconciled += 1

    def remaining(self) -> float:
        """Seconds left in the current pause (0 when not paused)."""
        return max(0.0, self._pause_until - time.monotonic())

    async def wait(self, deadline: float) -> bool:
        """Sleep until the pause is over; ``False`` if that would pass ``deadline``."""
        start = time.monotonic()
        while (delay := self._pause_until - time.monotonic()) > 0:
            if time.monotonic() + delay > deadline:
                self.rate_limit_wait += time.monotonic() - start
                return False
            await asyncio.sleep(delay)
        if (waited := time.monotonic() - start) > 0.0005:
            self.rate_limit_wait += waited
        return True

    def snapshot(self) -> ClientStats:
        """The counters as a frozen :class:`ClientStats`."""
        return ClientStats(
            requests=self.requests,
            retries=self.retries,
            rate_limited=self.rate_limited,
            rate_limit_pause_seconds=self.paused,
            rate_limit_wait_seconds=self.rate_limit_wait,
            reconciled=self.reconciled,
        )
