"""Retry policy as plain functions: what may be retried, and how long to wait.

No I/O here; the transport asks these functions and does the sleeping.
"""

from __future__ import annotations

import math
import random
import time
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

__all__ = ["RetryPolicy", "parse_retry_after"]

#: Statuses where the server refused the request without applying it.
_REFUSED: Final = frozenset({429})
#: Statuses worth retrying for requests that are safe to repeat.
_RETRYABLE_FOR_IDEMPOTENT: Final = frozenset({408, 500, 502, 503, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How the transport retries.

    Attributes:
        backoff_initial: First backoff ceiling in seconds (full jitter draws in [0, ceiling]).
        backoff_max: Largest backoff ceiling in seconds.
        retry_after_max: Longest server-requested wait honoured, in seconds.
    """

    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0

    def backoff(self, retry_index: int, rng: random.Random | None = None) -> float:
        """Full-jitter exponential backoff for the ``retry_index``-th retry (0-based)."""
        return (rng or random).uniform(0.0, self.backoff_ceiling(retry_index))

    def backoff_ceiling(self, retry_index: int) -> float:
        """The exponential backoff ceiling for the ``retry_index``-th retry (no jitter)."""
        return min(self.backoff_max, self.backoff_initial * 2.0**retry_index)

    def status_delay(
        self, status: int, headers: dict[str, str], *, idempotent: bool
    ) -> float | None:
        """Seconds to wait before retrying after ``status``, or ``None`` to not retry.

        A 429 (and a 503 with ``Retry-After``) means the server refused the request, so
        any method may be retried; other 5xx (and 408) only when repeating is safe.
        Returns ``-1.0`` when a retry is allowed but the server gave no delay (use
        backoff).
        """
        retry_after = parse_retry_after(headers)
        refused = status in _REFUSED or (status == 503 and retry_after is not None)
        if not refused and not (idempotent and status in _RETRYABLE_FOR_IDEMPOTENT):
            return None
        if retry_after is None:
            return -1.0
        return min(retry_after, self.retry_after_max)


def parse_retry_after(headers: dict[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date).

    ``headers`` has lowercased names. Negative or unparsable values give ``None``.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            pass
        else:
            if value >= 0 and not math.isnan(value):
                return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        current = time.time() if now is None else now
        return max(0.0, when.timestamp() - current)
    if value < 0 or math.isnan(value):
        return None
    return value
