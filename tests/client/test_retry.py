from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bland_async._retry import Decision, Fate, Outcome, RetryPolicy, decide, fate, parse_retry_after


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.25"}) == 0.25
    assert parse_retry_after({"retry-after-ms": "150", "retry-after": "9"}) == 0.15
    assert parse_retry_after({"retry-after-ms": "junk", "retry-after": "2"}) == 2.0
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "-1"}) is None
    assert parse_retry_after({"retry-after": "nan"}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now.timestamp()) == pytest.approx(30)
    past = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=now.timestamp()) == 0.0


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=4.0)
    rng = random.Random(7)
    for index in range(10):
        ceiling = min(4.0, 0.5 * 2**index)
        samples = [policy.backoff(index, rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # really spread over [0, ceiling]


N, L, A = Outcome.NOT_SENT, Outcome.LOST, Outcome.ANSWERED


@pytest.mark.parametrize(
    ("outcome", "status", "retry_after", "expected"),
    [
        (N, None, None, Fate.REFUSED),
        (L, None, None, Fate.UNKNOWN),
        (A, 429, None, Fate.REFUSED),
        (A, 429, 2.0, Fate.REFUSED),
        (A, 503, 1.0, Fate.REFUSED),  # 503 + Retry-After: refused
        (A, 503, None, Fate.FAILED),
        (A, 500, None, Fate.FAILED),
        (A, 408, None, Fate.FAILED),
        (A, 507, None, Fate.FAILED),
        (A, 502, None, Fate.UNKNOWN),  # a gateway: the server may still be working
        (A, 504, 3.0, Fate.UNKNOWN),
        (A, 400, None, Fate.DONE),
        (A, 404, None, Fate.DONE),
        (A, 409, None, Fate.DONE),
        (A, 307, None, Fate.DONE),
    ],
)
def test_fate(
    outcome: Outcome, status: int | None, retry_after: float | None, expected: Fate
) -> None:
    assert fate(outcome, status, retry_after) is expected
    assert expected.may_have_applied is (expected in (Fate.FAILED, Fate.UNKNOWN))


#: A jitter-free policy, so each backoff is its ceiling's fraction drawn by a fixed rng.
POLICY = RetryPolicy(backoff_initial=1.0, backoff_max=4.0, retry_after_max=10.0)


class _Ceiling(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def d(
    outcome: Outcome, status: int | None = None, retry_after: float | None = None, **kw: object
) -> Decision:
    args: dict[str, object] = {
        "attempt": 0,
        "attempts": 3,
        "idempotent": False,
        "remaining": 100.0,
        "rng": _Ceiling(),
    }
    args.update(kw)
    return decide(POLICY, outcome=outcome, status=status, retry_after=retry_after, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        # refused: any method, backoff or the server's wait; a 429 pauses the client
        (d(N), Decision(retry=True, delay=1.0)),
        (d(N, attempt=1), Decision(retry=True, delay=2.0)),
        (d(N, attempt=5, attempts=9), Decision(retry=True, delay=4.0)),  # capped
        (d(A, 429, 2.0), Decision(retry=True, pause=2.0)),
        (d(A, 429), Decision(retry=True, pause=1.0)),  # no hint: backoff as the pause
        (d(A, 429, 99.0), Decision(retry=True, pause=10.0)),  # capped
        (d(A, 503, 0.5), Decision(retry=True, delay=0.5)),
        # may have applied: only idempotent requests retry
        (d(L), Decision(retry=False, may_have_been_applied=True)),
        (d(L, idempotent=True), Decision(retry=True, delay=1.0, may_have_been_applied=True)),
        (d(A, 500), Decision(retry=False, may_have_been_applied=True)),
        (d(A, 502, idempotent=True), Decision(retry=True, delay=1.0, may_have_been_applied=True)),
        (d(A, 503, idempotent=True), Decision(retry=True, delay=1.0, may_have_been_applied=True)),
        # settled by the server: never retried
        (d(A, 404, idempotent=True), Decision(retry=False)),
        (d(A, 409), Decision(retry=False)),
        # out of attempts or time; a final 429 still pauses the client
        (d(N, attempt=2), Decision(retry=False)),
        (d(A, 429, 1.0, attempt=2), Decision(retry=False, pause=1.0)),
        (d(N, remaining=0.5), Decision(retry=False)),
        (d(A, 429, 5.0, remaining=1.0), Decision(retry=False, pause=5.0)),
        # an earlier attempt that may have applied stays on the record
        (
            d(A, 429, 1.0, applied_before=True),
            Decision(retry=True, pause=1.0, may_have_been_applied=True),
        ),
        (d(A, 404, applied_before=True), Decision(retry=False, may_have_been_applied=True)),
        # a read changes nothing, whatever happened to it
        (d(L, idempotent=True, read_only=True), Decision(retry=True, delay=1.0)),
        (d(A, 502, attempt=2, idempotent=True, read_only=True), Decision(retry=False)),
    ],
)
def test_decide(decision: Decision, expected: Decision) -> None:
    assert decision == expected
