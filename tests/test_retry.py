from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bland_async._retry import RetryPolicy, parse_retry_after


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


@pytest.mark.parametrize(
    ("status", "headers", "idempotent", "expected"),
    [
        (429, {"retry-after": "2"}, False, 2.0),  # refused: any method
        (429, {}, False, -1.0),  # refused, no hint: backoff
        (429, {"retry-after": "999"}, True, 60.0),  # capped
        (503, {"retry-after": "1"}, False, 1.0),  # 503 + Retry-After: refused
        (503, {}, False, None),  # POST 5xx without Retry-After: may be applied
        (503, {}, True, -1.0),
        (500, {}, True, -1.0),
        (500, {}, False, None),
        (502, {}, True, -1.0),
        (408, {}, True, -1.0),
        (400, {}, True, None),
        (404, {}, True, None),
        (409, {}, True, None),
    ],
)
def test_status_delay(
    status: int, headers: dict[str, str], idempotent: bool, expected: float | None
) -> None:
    assert RetryPolicy().status_delay(status, headers, idempotent=idempotent) == expected
