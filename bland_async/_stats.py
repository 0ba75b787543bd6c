"""What a client counts: attempts, retries, reconciliations, and its rate-limit pauses.

:class:`CallCounters` is the mutable tally the transport and ``promote`` add to;
:class:`ClientStats` is the frozen snapshot ``client.stats`` returns, combining it with the
:class:`~bland_async._ratelimit.RateLimitGate`'s own accounting of 429 pauses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from bland_async._ratelimit import RateLimitGate

__all__ = ["CallCounters", "ClientStats"]


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


class CallCounters:
    """The client's running tally of attempts, retries and reconciliations."""

    __slots__ = ("_reconciled", "_requests", "_retries")

    def __init__(self) -> None:
        self._requests = 0
        self._retries = 0
        self._reconciled = 0

    def count_attempt(self, *, retry: bool) -> None:
        """Count one HTTP attempt (and whether it retries an earlier one)."""
        self._requests += 1
        if retry:
            self._retries += 1

    def count_reconciled(self) -> None:
        """Count a call whose ambiguous outcome was settled by re-reading the resource."""
        self._reconciled += 1

    def snapshot(self, gate: RateLimitGate) -> ClientStats:
        """These counts and ``gate``'s pause accounting, as a frozen :class:`ClientStats`."""
        return ClientStats(
            requests=self._requests,
            retries=self._retries,
            rate_limited=gate.rate_limited,
            rate_limit_pause_seconds=gate.paused_seconds,
            rate_limit_wait_seconds=gate.waited_seconds,
            reconciled=self._reconciled,
        )
