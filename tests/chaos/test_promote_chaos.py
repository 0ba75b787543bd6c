"""Promotion promises under faults on every route, judged by the fake's own state."""

from __future__ import annotations

import asyncio
import random

import pytest

from benchmarks.chaos import judge, run_chaos
from bland_async import BlandError, Timeout
from bland_async.testing import FakeBland, Fault
from tests.conftest import fast_client

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"
GET = "GET /v1/personas/{persona_id}"


async def test_a_2000_id_release_through_chaos_keeps_every_promise() -> None:
    report = await run_chaos(2000, seed=7)
    print("\n".join(report.lines()))
    assert report.duplicates == 0
    assert report.lost == 0
    assert report.false_success == 0
    assert report.hidden_apply == 0
    assert report.succeeded + report.failed == 2000
    # Every kind of fault really fired, on the reads as well as on the POSTs.
    assert all(hits > 0 for hits in report.faults.values()), report.faults
    assert report.requests > report.posts > 2000
    assert report.requests / report.ids < 2.5


def _random_schedule(fake: FakeBland, rng: random.Random) -> None:
    """Faults drawn at random for both routes promote touches."""
    answers = [
        Fault.apply_then_fail(),
        Fault.apply_then_fail(status=rng.choice([500, 502, 503, 504])),
        Fault.status(429, headers={"Retry-After": "0"}),
        Fault.status(rng.choice([500, 502, 503, 504])),
        Fault.status(503, headers={"Retry-After": "0"}),
        Fault.drop(),
    ]
    for route in (PROMOTE, GET):
        # Some requests outlive the client's timeout: the server applies after it gave up.
        fake.inject(route, Fault.latency(0.0, jitter=0.25), probability=rng.uniform(0.05, 0.4))
        for fault in rng.sample(answers, rng.randint(1, len(answers))):
            fake.inject(route, fault, probability=rng.uniform(0.05, 0.5))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("bulk", [True, False], ids=["promote_many", "promote"])
async def test_random_fault_schedules_never_promote_twice(seed: int, bulk: bool) -> None:
    rng = random.Random(seed)
    fake = FakeBland(seed=seed)
    await fake.start()
    try:
        ids = [
            fake.seed_persona(f"P{i}", draft_changes={"personality_prompt": "v2"})["id"]
            for i in range(12)
        ]
        _random_schedule(fake, rng)
        async with fast_client(
            fake, timeout=Timeout(total=0.1), max_retries=rng.randint(0, 3)
        ) as client:
            if bulk:
                report = await client.personas.promote_many(ids, concurrency=4)
                succeeded, failed = dict(report.succeeded), dict(report.failed)
            else:
                outcomes = await asyncio.gather(
                    *(client.personas.promote(i) for i in ids), return_exceptions=True
                )
                succeeded = {
                    i: o
                    for i, o in zip(ids, outcomes, strict=True)
                    if not isinstance(o, BaseException)
                }
                failed = {
                    i: o for i, o in zip(ids, outcomes, strict=True) if isinstance(o, BlandError)
                }
                assert len(succeeded) + len(failed) == len(ids), outcomes
    finally:
        await fake.aclose()  # requests still delayed are released and applied first
    promotions = {i: fake.promotion_count(i) for i in ids}
    live = {i: promotions[i] == 1 for i in ids}  # one promotion of the only draft: live
    report_ = judge(
        ids, succeeded, failed, promotions, live, requests=0, posts=0, faults={}, seconds=0
    )
    assert max(promotions.values()) <= 1, promotions
    assert report_.lost == 0
    assert report_.false_success == 0
    assert report_.hidden_apply == 0, {i: repr(e) for i, e in failed.items()}
