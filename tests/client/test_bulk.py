from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING

import pytest

from bland_async import (
    AsyncBlandClient,
    BulkProgress,
    InvalidRequestError,
    NoDraftVersionError,
    PersonaNotFoundError,
)
from bland_async.testing import FakeBland, Fault
from tests.client._helpers import assert_no_request_arrives
from tests.conftest import bulk_workers

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"


def seed(fake: FakeBland, n: int) -> list[str]:
    return [
        fake.seed_persona(name=f"P{i}", draft_changes={"personality_prompt": f"v{i}"})["id"]
        for i in range(n)
    ]


def production_count(fake: FakeBland, persona_id: str) -> int:
    return sum(
        1
        for v in fake.state.persona_versions.values()
        if v["persona_id"] == persona_id and v["version_number"] > 2
    )


async def test_promote_many_keeps_input_order_and_failures(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = seed(fake, 20)
    no_draft = fake.seed_persona(name="nodraft", with_draft=False)["id"]
    wanted = [*ids[:10], "missing-id", no_draft, *ids[10:]]
    progress: list[BulkProgress] = []
    result = await bland.personas.promote_many(wanted, concurrency=4, on_progress=progress.append)
    assert list(result.succeeded) == ids
    assert list(result.failed) == ["missing-id", no_draft]
    assert isinstance(result.failed["missing-id"], PersonaNotFoundError)
    assert isinstance(result.failed[no_draft], NoDraftVersionError)
    assert result.failures_by_code() == {"PERSONA_NOT_FOUND": 1, "NO_DRAFT_VERSION": 1}
    assert not result.ok
    assert len(result) == 22
    assert all(
        p.current_production_version and p.current_production_version.version_number == 3
        for p in result.succeeded.values()
    )
    assert progress[-1] == BulkProgress(done=22, succeeded=20, failed=2, total=22)
    assert [p.done for p in progress] == list(range(1, 23))


async def test_duplicates_promoted_once(fake: FakeBland, bland: AsyncBlandClient) -> None:
    ids = seed(fake, 3)
    result = await bland.personas.promote_many([ids[0], ids[1], ids[0], ids[2], ids[1]])
    assert list(result.succeeded) == ids
    assert len([r for r in fake.requests if r.method == "POST"]) == 3
    assert all(production_count(fake, i) == 1 for i in ids)


async def test_concurrency_is_bounded(fake: FakeBland, bland: AsyncBlandClient) -> None:
    ids = seed(fake, 12)
    fake.inject(PROMOTE, Fault.latency(0.05))
    in_flight = 0
    peak = 0
    original = bland.personas.promote

    async def tracking(persona_id: str) -> object:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(persona_id)
        finally:
            in_flight -= 1

    from bland_async._bulk import run_bulk

    result = await run_bulk(ids, tracking, concurrency=3)
    assert len(result.succeeded) == 12
    assert peak == 3


async def test_rate_limited_bulk_promotes_each_exactly_once(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = seed(fake, 60)
    fake.inject(PROMOTE, Fault.status(429, headers={"Retry-After": "0.05"}), every=3)
    result = await bland.personas.promote_many(ids, concurrency=16)
    assert result.ok
    assert list(result.succeeded) == ids
    assert all(production_count(fake, i) == 1 for i in ids)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) <= 1.6 * len(ids)
    stats = bland.stats
    assert stats.rate_limited > 0
    assert stats.rate_limit_wait_seconds > 0


async def test_async_iterable_ids_and_streaming(fake: FakeBland, bland: AsyncBlandClient) -> None:
    ids = seed(fake, 9)

    async def gen() -> AsyncIterator[str]:
        for persona_id in [*ids, ids[0], "missing"]:
            await asyncio.sleep(0)  # a suspension point, not a barrier: a truly async source
            yield persona_id

    outcomes = [o async for o in bland.personas.promote_each(gen(), concurrency=4)]
    assert sorted(o.id for o in outcomes) == sorted([*ids, "missing"])
    failed = [o for o in outcomes if not o.ok]
    assert [o.id for o in failed] == ["missing"]
    assert failed[0].result is None
    assert isinstance(failed[0].error, PersonaNotFoundError)
    assert all(o.result is not None and o.result.id == o.id for o in outcomes if o.ok)


async def test_promote_each_is_lazy_and_batches(fake: FakeBland, bland: AsyncBlandClient) -> None:
    ids = seed(fake, 8)
    pager = bland.personas.promote_each(ids, concurrency=8)
    await assert_no_request_arrives(fake, after=0, within=0.05)  # nothing starts before iteration
    assert fake.requests == []
    batches = []
    while (batch := await pager.next_page()) is not None:
        batches.append(batch)
    assert sum(len(b) for b in batches) == 8
    assert len(batches) < 8  # outcomes ready together come back together
    assert await pager.next_page() is None


async def test_abandoned_stream_cancels_its_workers(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = seed(fake, 30)
    fake.inject(PROMOTE, Fault.latency(0.05))
    pager = bland.personas.promote_each(ids, concurrency=2)
    first = await anext(pager)
    assert first.ok
    workers = bulk_workers()
    assert len(workers) == 2
    del pager
    gc.collect()
    _, running = await asyncio.wait(workers, timeout=5)
    assert not running, "dropping the stream left its workers running"
    assert all(task.cancelled() for task in workers)
    # The workers are gone: every request the job began is counted, and no more arrive.
    attempts = bland.stats.requests
    await assert_no_request_arrives(fake, after=attempts, within=0.2)
    assert bland.stats.requests == attempts
    posts = len([r for r in fake.requests if r.method == "POST"])
    assert posts <= attempts < 10


async def test_cancelling_the_caller_stops_the_job(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = seed(fake, 40)
    fake.inject(PROMOTE, Fault.latency(0.05))
    task = asyncio.create_task(bland.personas.promote_many(ids, concurrency=4))
    await fake.wait_for_requests(8, route=PROMOTE)  # two rounds of 4 sent: well under way
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Its task group has waited for the workers: every request it began is counted.
    attempts = bland.stats.requests
    await assert_no_request_arrives(fake, after=attempts, within=0.15)
    assert bland.stats.requests == attempts
    assert len(fake.requests) <= attempts < 40


async def test_progress_callback_error_propagates(fake: FakeBland, bland: AsyncBlandClient) -> None:
    ids = seed(fake, 3)

    def boom(progress: BulkProgress) -> None:
        raise RuntimeError("callback bug")

    with pytest.raises(ExceptionGroup) as info:
        await bland.personas.promote_many(ids, on_progress=boom)
    assert info.group_contains(RuntimeError, match="callback bug")


async def test_bad_bulk_arguments(fake: FakeBland, bland: AsyncBlandClient) -> None:
    for bad in (0, -1, True):
        with pytest.raises(InvalidRequestError, match="concurrency"):
            await bland.personas.promote_many(["a"], concurrency=bad)
        with pytest.raises(InvalidRequestError, match="concurrency"):
            bland.personas.promote_each(["a"], concurrency=bad)
    with pytest.raises(InvalidRequestError, match="one string"):
        await bland.personas.promote_many("persona-id")
    result = await bland.personas.promote_many(["", "  "])
    assert set(result.failed) == {"", "  "}
    assert all(isinstance(e, InvalidRequestError) for e in result.failed.values())
    assert fake.requests == []
    empty = await bland.personas.promote_many([])
    assert (empty.succeeded, empty.failed) == ({}, {})
    assert repr(empty) == "BulkResult(succeeded=0, failed=0, skipped=0)"


async def test_bulk_gives_up_on_a_server_that_always_refuses(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    from bland_async import RateLimitError
    from bland_async._retry import BULK_RATE_LIMITED_ROUNDS as RATE_LIMITED_ROUNDS

    ids = seed(fake, 2)
    fake.inject(PROMOTE, Fault.status(429, headers={"Retry-After": "0"}))
    result = await bland.with_options(max_retries=0).personas.promote_many(ids)
    assert list(result.failed) == ids
    assert all(isinstance(e, RateLimitError) for e in result.failed.values())
    assert len(fake.requests) == 2 * (RATE_LIMITED_ROUNDS + 1)
