"""Per-call options (timeout, max_retries, extra_*) and with_options(max_concurrency=)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

from bland_async import (
    APITimeoutError,
    ConfigurationError,
    InternalServerError,
    InvalidRequestError,
    Timeout,
)
from bland_async.testing import Fault

if TYPE_CHECKING:
    from bland_async import AsyncBlandClient
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

PERSONA = "GET /v1/personas/{persona_id}"


async def test_timeout_per_call_overrides_the_clients(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona()
    fake.inject(PERSONA, Fault.latency(0.5))
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await bland.personas.get(persona["id"], timeout=0.05, max_retries=0)
    assert time.monotonic() - started < 0.4
    assert bland.timeout.total == 60.0  # the client keeps its own
    slow = await bland.personas.get(persona["id"], timeout=Timeout(total=5))
    assert slow.id == persona["id"]


async def test_max_retries_per_call(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona()
    fake.inject(PERSONA, Fault.status(503))
    with pytest.raises(InternalServerError):
        await bland.personas.get(persona["id"], max_retries=0)
    assert len(fake.requests) == 1
    fake.clear_requests()
    with pytest.raises(InternalServerError):
        await bland.personas.get(persona["id"], max_retries=4)
    assert len(fake.requests) == 5
    fake.clear_requests()
    with pytest.raises(InternalServerError):
        await bland.personas.get(persona["id"])
    assert len(fake.requests) == 3  # the client's max_retries=2


async def test_extra_headers_query_and_body_reach_the_server(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("Before")
    await bland.personas.update(
        persona["id"],
        name="After",
        extra_headers={"X-Trace": "abc", "User-Agent": "mine/1.0"},
        extra_query={"dry": True, "n": 3},
        extra_body={"future_field": ["x"], "role": "Support"},
    )
    request = fake.requests[-1]
    assert request.headers["x-trace"] == "abc"
    assert request.headers["user-agent"] == "mine/1.0"
    assert request.headers["authorization"] == fake.api_key
    assert request.headers["content-type"] == "application/json"
    assert request.query == {"dry": "true", "n": "3"}
    assert request.json == {"name": "After", "future_field": ["x"], "role": "Support"}
    assert fake.state.personas[persona["id"]]["role"] == "Support"

    await bland.personas.get(persona["id"], extra_headers={"X-Trace": "def"})
    assert fake.requests[-1].headers["x-trace"] == "def"
    await bland.personas.get(persona["id"])
    assert "x-trace" not in fake.requests[-1].headers  # nothing leaks into the next call


async def test_extra_body_gives_a_bodiless_request_one(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"kb_ids": ["k"]})
    await bland.personas.promote(
        persona["id"], only_if_changed=True, extra_body={"note": "release 42"}
    )
    assert [(r.method, r.json) for r in fake.requests] == [
        ("GET", None),  # reads are sent without a body
        ("POST", {"note": "release 42"}),
    ]


async def test_options_reach_every_request_of_a_composite_call(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"kb_ids": ["k"]})
    fake.inject("POST /v1/personas/{persona_id}/versions/promote", Fault.apply_then_fail(), times=1)
    await bland.personas.promote(persona["id"], extra_headers={"X-Release": "r1"})
    assert [(r.method, r.headers.get("x-release")) for r in fake.requests] == [
        ("POST", "r1"),
        ("GET", "r1"),
    ]
    assert fake.promotion_count(persona["id"]) == 1

    fake.clear_requests()
    await bland.personas.update(persona["id"], kb_ids=["j"], extra_query={"trace": "t"})
    assert [(r.method, r.query) for r in fake.requests] == [
        ("GET", {"trace": "t"}),
        ("PATCH", {"trace": "t"}),
    ]


async def test_promote_with_max_retries_zero_never_resends(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"kb_ids": ["k"]})
    fake.inject("POST /v1/personas/{persona_id}/versions/promote", Fault.status(500))
    with pytest.raises(InternalServerError):
        await bland.personas.promote(persona["id"], max_retries=0)
    assert [r.method for r in fake.requests] == ["POST", "GET"]


async def test_iterate_and_bulk_send_the_options_with_every_request(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = [fake.seed_persona(f"p{i}", draft_changes={"kb_ids": ["k"]})["id"] for i in range(5)]
    seen = [p.id async for p in bland.personas.iterate(limit=2, extra_query={"t": "1"})]
    assert seen == ids
    assert [r.query for r in fake.requests] == [
        {"page": str(p), "limit": "2", "t": "1"} for p in (1, 2, 3)
    ]

    fake.clear_requests()
    report = await bland.personas.promote_many(
        ids, only_if_changed=True, extra_headers={"X-Job": "j"}
    )
    assert report.ok
    assert len(fake.requests) == 10
    assert {r.headers.get("x-job") for r in fake.requests} == {"j"}

    fake.clear_requests()
    async for _ in bland.evals.workbench_setups.iterate(limit=5, extra_headers={"X-Job": "k"}):
        pass
    assert fake.requests[0].headers["x-job"] == "k"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeot": 1}, "unexpected keyword argument"),
        ({"timeout": "soon"}, "timeout must be a number"),
        ({"timeout": -1}, "positive number"),
        ({"max_retries": -1}, "max_retries must be an integer"),
        ({"max_retries": True}, "max_retries must be an integer"),
        ({"extra_headers": [("a", "b")]}, "extra_headers must be a mapping"),
        ({"extra_headers": {"X-A": 1}}, "extra_headers must map"),
        ({"extra_headers": {"X-A": "a\r\nb"}}, "can't carry"),
        ({"extra_query": "a=b"}, "extra_query must be a mapping"),
        ({"extra_body": ["x"]}, "extra_body must be a mapping"),
    ],
)
async def test_bad_options_are_refused_before_sending(
    fake: FakeBland, bland: AsyncBlandClient, options: dict[str, Any], message: str
) -> None:
    persona = fake.seed_persona()
    with pytest.raises(InvalidRequestError, match=message):
        await bland.personas.get(persona["id"], **options)
    with pytest.raises(InvalidRequestError, match=message):
        bland.personas.iterate(**options)
    with pytest.raises(InvalidRequestError, match=message):
        bland.evals.agents.iterate(**options)
    with pytest.raises(InvalidRequestError, match=message):
        await bland.personas.promote_many([persona["id"]], **options)
    assert fake.requests == []


async def test_with_options_max_concurrency_caps_the_copy(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = [fake.seed_persona(f"p{i}")["id"] for i in range(6)]
    fake.inject(PERSONA, Fault.latency(0.5))
    narrow = bland.with_options(max_concurrency=2)
    assert narrow.max_retries == bland.max_retries
    tasks = [asyncio.create_task(narrow.personas.get(i)) for i in ids]
    await fake.wait_for_requests(2)
    # The others wait for a slot: none can be sent before one of the two is answered.
    assert len(fake.requests) == 2
    assert all(r.status is None for r in fake.requests)
    await asyncio.gather(*tasks)
    assert len(fake.requests) == 6
    # The original is not capped by its copy.
    fake.clear_requests()
    wide = [asyncio.create_task(bland.personas.get(i)) for i in ids]
    await fake.wait_for_requests(6)
    await asyncio.gather(*wide)
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        bland.with_options(max_concurrency=0)
