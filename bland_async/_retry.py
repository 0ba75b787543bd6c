"""The retry decision, as plain functions: what an attempt's outcome means, and what to do.

No I/O here. The transport describes what happened to one attempt (not sent, sent but
no usable answer, or an HTTP status) and :func:`decide` says whether to retry, after how
long, whether to pause the whole client, and whether the request may have been applied.
``promote`` asks :func:`fate` the same question about its POST to choose between looking
once and resending, or looking several times and never resending.

How the layers stack, and the requests one id can cost
------------------------------------------------------
With ``max_retries = r`` (default 2), so ``A = r + 1`` attempts per call:

1. **Transport** (every call): up to ``A`` attempts. A non-idempotent request (a POST)
   is retried only while each failure is *refused* (not sent, 429, 503 with
   ``Retry-After``): anything that may have reached the server ends the call at once.
2. **promote** (one call): up to ``A`` rounds. A round is one transport call of the POST
   (``<= A`` attempts) and then, if its outcome was not refused, re-reads of the persona
   (each a GET transport call, ``<= A`` attempts): one read after a server failure
   (500, 503), after which the POST is sent again only if the read shows nothing
   applied; ``A`` reads after an unknown outcome (lost response, read timeout, 502,
   504), after which it never resends. So at most ``A`` POST transport calls and
   ``A`` GET transport calls: ``<= 2·A²`` requests (18 by default), of which POST
   attempts that may have been applied: at most one per round whose read showed it not
   applied, so never two promotions.
3. **Bulk** (``promote_many``/``promote_each``, per id): a promote that ended in a 429
   *refused on the POST itself* (``may_have_been_applied`` false) is called again, up to
   ``BULK_RATE_LIMITED_ROUNDS`` more times; any other failure is final. Worst case per
   id: ``(BULK_RATE_LIMITED_ROUNDS + 1) · 2·A²`` requests (108 by default), though a
   refused promote call costs only its ``A`` POST attempts (``6·3 = 18`` by default
   for an id that is refused throughout).

While a 429's pause runs, every new attempt of the client waits (the client-wide gate),
so these worst cases stretch over time instead of hammering the server.
"""

from __future__ import annotations

import enum
import math
import random
import time
from email.utils import parsedate_to_datetime
from typing import Final

import attrs

__all__ = [
    "BULK_RATE_LIMITED_ROUNDS",
    "Decision",
    "Fate",
    "Outcome",
    "RetryPolicy",
    "decide",
    "fate",
    "parse_retry_after",
]

#: Statuses a server sends when it failed to handle the request (it may have done part).
_SERVER_FAILED: Final = frozenset({408, 500, 503})
#: Statuses of a gateway that gave up waiting: the server behind it may still be working.
_GATEWAY: Final = frozenset({502, 504})
#: Extra promote calls a bulk id gets after a 429 that refused its POST (see above).
BULK_RATE_LIMITED_ROUNDS: Final = 5


class Outcome(enum.Enum):
    """What happened to one attempt, as the transport saw it."""

    NOT_SENT = "not sent"
    """It failed before the request left: connect error, DNS, pool or slot timeout."""
    LOST = "lost"
    """It was sent but no usable answer came: reset, read timeout, broken framing."""
    ANSWERED = "answered"
    """The server answered with an HTTP status."""


class Fate(enum.Enum):
    """What an attempt's outcome says about the request on the server."""

    DONE = "done"
    """A 2xx, or a status no retry changes (a 4xx other than 408 and 429)."""
    REFUSED = "refused"
    """Never applied: not sent, 429, or 503 with ``Retry-After``. Safe to resend."""
    FAILED = "failed"
    """The server answered that it failed (408, 500, 503): it may have done part of it."""
    UNKNOWN = "unknown"
    """No answer, or a gateway's 502/504: it may be applied, now or later."""

    @property
    def may_have_applied(self) -> bool:
        """Whether a non-idempotent request with this fate may have taken effect."""
        return self is Fate.FAILED or self is Fate.UNKNOWN


def fate(outcome: Outcome, status: int | None = None, retry_after: float | None = None) -> Fate:
    """Classify one attempt. ``status`` and ``retry_after`` matter only when answered."""
    if outcome is Outcome.NOT_SENT:
        return Fate.REFUSED
    if outcome is Outcome.LOST:
        return Fate.UNKNOWN
    assert status is not None
    if status == 429 or (status == 503 and retry_after is not None):
        return Fate.REFUSED
    if status in _GATEWAY:
        return Fate.UNKNOWN
    if status in _SERVER_FAILED or status >= 500:
        return Fate.FAILED
    return Fate.DONE


@attrs.frozen(kw_only=True)
class Decision:
    """What the transport does after an attempt that did not succeed.

    Attributes:
        retry: Send another attempt.
        delay: Seconds to sleep before it (this request only).
        pause: Seconds to pause *every* new attempt of the client (a 429), 0 for none.
        may_have_been_applied: Whether this or an earlier attempt may have taken effect;
            the error raised (when ``retry`` is false) carries it.
    """

    retry: bool
    delay: float = 0.0
    pause: float = 0.0
    may_have_been_applied: bool = False


def _non_negative(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        from bland_async._errors import ConfigurationError  # noqa: PLC0415 (errors import us)

        raise ConfigurationError(f"RetryPolicy.{attribute.name} must be a finite number >= 0")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How long the client waits between attempts (``AsyncBlandClient(retry_policy=...)``).

    The number of attempts is ``max_retries``; this sets only the waits. Tests against
    :class:`~bland_async.testing.FakeBland` typically pass
    ``RetryPolicy(backoff_initial=0.001, backoff_max=0.01, retry_after_max=1.0)``.

    Attributes:
        backoff_initial: First backoff ceiling in seconds (full jitter draws in [0, ceiling]).
            Default 0.5. It also paces ``promote``'s re-reads after an unknown outcome.
        backoff_max: Largest backoff ceiling in seconds. Default 8.
        retry_after_max: Longest server-requested wait honoured, in seconds. Default 60.
    """

    backoff_initial: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_max: float = attrs.field(default=8.0, validator=_non_negative)
    retry_after_max: float = attrs.field(default=60.0, validator=_non_negative)

    def backoff(self, retry_index: int, rng: random.Random | None = None) -> float:
        """Full-jitter exponential backoff for the ``retry_index``-th retry (0-based)."""
        return (rng or random).uniform(0.0, self.backoff_ceiling(retry_index))

    def backoff_ceiling(self, retry_index: int) -> float:
        """The exponential backoff ceiling for the ``retry_index``-th retry (no jitter)."""
        return min(self.backoff_max, self.backoff_initial * 2.0**retry_index)


def decide(
    policy: RetryPolicy,
    *,
    outcome: Outcome,
    status: int | None = None,
    retry_after: float | None = None,
    attempt: int,
    attempts: int,
    idempotent: bool,
    remaining: float,
    applied_before: bool = False,
    read_only: bool = False,
    rng: random.Random | None = None,
) -> Decision:
    """Decide what follows a failed attempt.

    Args:
        policy: The backoff settings.
        outcome: What happened to the attempt.
        status: The HTTP status, when answered (not called for a 2xx).
        retry_after: The server's requested wait in seconds, when it gave one.
        attempt: This attempt's index (0 for the first).
        attempts: Attempts allowed for the call (``max_retries + 1``).
        idempotent: Whether repeating the request is harmless if it was applied.
        remaining: Seconds left before the call's deadline.
        applied_before: Whether an earlier attempt of this call may have taken effect.
        read_only: The method changes nothing (GET, HEAD, OPTIONS): never "applied".
        rng: Randomness for the jitter (tests pass a seeded one).

    Rules: a refused request is retried for any method (a 429 pauses the whole client
    for ``Retry-After``, else a backoff); a server failure or an unknown outcome is
    retried only when ``idempotent``, after ``Retry-After`` or a backoff; a ``DONE``
    status is never retried. No retry when the attempts are used up or the wait would
    pass the deadline. Waits the server asks for are capped at ``retry_after_max``.
    """
    kind = fate(outcome, status, retry_after)
    applied = not read_only and (applied_before or kind.may_have_applied)
    retryable = kind is Fate.REFUSED or (idempotent and kind is not Fate.DONE)
    wait = (
        min(retry_after, policy.retry_after_max)
        if retry_after is not None
        else policy.backoff(attempt, rng)
    )
    pause = wait if status == 429 else 0.0
    delay = 0.0 if pause else wait
    if not retryable or attempt + 1 >= attempts or max(delay, pause) > remaining:
        return Decision(retry=False, pause=pause, may_have_been_applied=applied)
    return Decision(retry=True, delay=delay, pause=pause, may_have_been_applied=applied)


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
