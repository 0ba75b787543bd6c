from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest

from bland_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncBlandClient,
    AuthenticationError,
    BlandError,
    InternalServerError,
    InvalidRequestError,
    RateLimitError,
    ResponseValidationError,
    Timeout,
    VersionNotFoundError,
)
from bland_async.testing import FakeBland, Fault
from tests.client._helpers import eventually
from tests.conftest import FAST_RETRIES, fast_client

pytestmark = pytest.mark.anyio

GET_PERSONA = "GET /v1/personas/{persona_id}"


async def test_sends_raw_key_user_agent_and_json(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    await bland.personas.get(persona["id"])
    await bland.personas.update(persona["id"], name="B")
    get, patch = fake.requests
    assert get.headers["authorization"] == "test-key"
    assert get.headers["user-agent"].startswith("bland-async/")
    assert "aiohttp/" in get.headers["user-agent"]
    assert "content-type" not in get.headers
    assert get.body == b""
    assert patch.headers["content-type"] == "application/json"
    assert patch.json == {"name": "B"}


async def test_wrong_key_is_authentication_error(fake: FakeBland) -> None:
    async with AsyncBlandClient(api_key="wrong", base_url=fake.url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.personas.list()
    assert info.value.code == "AUTH_FAILURE"
    assert info.value.request_id is not None
    assert info.value.request_id.startswith("req_")
    assert len(fake.requests) == 1  # 401 is not retried


async def test_request_id_on_models_and_errors(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    got = await bland.personas.get(persona["id"])
    assert got.request_id is not None
    assert got.request_id.startswith("req_")
    listed = await bland.personas.list()
    assert all(p.request_id and p.request_id.startswith("req_") for p in listed)
    with pytest.raises(VersionNotFoundError) as info:  # the variant error envelope
        await bland.personas.versions.get(persona["id"], "nope")
    assert info.value.request_id is not None
    assert info.value.details["available_versions"]


async def test_429_is_retried_after_retry_after_for_any_method(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(
        "POST /v1/personas/{persona_id}/versions/promote",
        Fault.status(429, headers={"Retry-After": "0.05"}),
        times=2,
    )
    start = time.monotonic()
    promoted = await bland.personas.promote(persona["id"])
    assert time.monotonic() - start >= 0.1
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.version_number == 3
    assert len(fake.requests) == 3
    stats = bland.stats
    assert (stats.requests, stats.retries, stats.rate_limited) == (3, 2, 2)
    assert stats.rate_limit_wait_seconds >= 0.09


async def test_429_pauses_the_whole_client(fake: FakeBland, bland: AsyncBlandClient) -> None:
    personas = [fake.seed_persona(name=f"P{i}") for i in range(5)]
    fake.inject(GET_PERSONA, Fault.status(429, headers={"retry-after-ms": "200"}), times=1)
    first = asyncio.create_task(bland.personas.get(personas[0]["id"]))
    await eventually(lambda: bland.stats.rate_limited == 1, what="the 429 to start the pause")
    start = time.monotonic()
    await asyncio.gather(*(bland.personas.get(p["id"]) for p in personas[1:]))
    assert time.monotonic() - start >= 0.1  # the others waited for the shared pause
    await first
    assert len(fake.requests) == 6


async def test_429_exhausting_retries_raises_rate_limit_error(fake: FakeBland) -> None:
    fake.inject(GET_PERSONA, Fault.status(429, headers={"Retry-After": "0"}))
    async with fast_client(fake, max_retries=1) as client:
        with pytest.raises(RateLimitError) as info:
            await client.personas.get("p")
    assert info.value.retry_after == 0.0
    assert len(fake.requests) == 2


async def test_5xx_retried_for_get_not_for_post(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.status(503), times=2)
    assert (await bland.personas.get(persona["id"])).id == persona["id"]
    assert len(fake.requests) == 3
    fake.clear_requests()
    fake.inject("POST /v1/personas", Fault.status(500), times=1)
    with pytest.raises(InternalServerError):
        await bland.personas.create(name="dup?")
    assert len(fake.requests) == 1
    assert fake.state.personas.keys() == {persona["id"]}


async def test_dropped_connection_retried_for_get(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.drop(), times=2)
    assert (await bland.personas.get(persona["id"])).name == "A"


async def test_dropped_connection_on_create_is_not_resent(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    fake.inject("POST /v1/personas", Fault.apply_then_fail(), times=1)
    with pytest.raises(APIConnectionError) as info:
        await bland.personas.create(name="once")
    assert info.value.may_have_been_applied
    assert len([r for r in fake.requests if r.method == "POST"]) == 1
    assert len(fake.state.personas) == 1  # applied once, never duplicated


async def test_connect_error_is_not_sent_and_retried() -> None:
    # A port nobody listens on: every attempt fails before sending.
    async with AsyncBlandClient(
        api_key="k", base_url="http://127.0.0.1:9", max_retries=2, retry_policy=FAST_RETRIES
    ) as c:
        with pytest.raises(APIConnectionError) as info:
            await c.with_options(timeout=Timeout(total=5, connect=1)).personas.create(name="x")
    assert not info.value.may_have_been_applied
    assert c.stats.requests == 3  # POST retried: it never left


async def test_read_timeout_is_api_timeout_error(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.latency(1.0))
    async with fast_client(fake, timeout=0.2, max_retries=1) as client:
        start = time.monotonic()
        with pytest.raises(APITimeoutError):
            await client.personas.get(persona["id"])
    assert time.monotonic() - start < 0.9
    assert len(fake.requests) == 2


async def test_deadline_caps_all_attempts(fake: FakeBland) -> None:
    fake.inject(GET_PERSONA, Fault.latency(1.0))
    async with fast_client(fake, timeout=Timeout(total=0.3, deadline=0.5), max_retries=5) as c:
        start = time.monotonic()
        with pytest.raises(APITimeoutError):
            await c.personas.get("p")
    assert time.monotonic() - start < 0.9


async def test_malformed_success_body(fake: FakeBland, bland: AsyncBlandClient) -> None:
    fake.inject(GET_PERSONA, Fault.malformed(), times=1)
    with pytest.raises(ResponseValidationError, match="not valid JSON") as info:
        await bland.personas.get("p")
    assert info.value.request_id is not None
    fake.inject(GET_PERSONA, Fault.malformed(body=b'{"ok": true}'), times=1)
    with pytest.raises(ResponseValidationError, match="envelope"):
        await bland.personas.get("p")
    fake.inject(GET_PERSONA, Fault.malformed(body=b'{"data": {"id": 5}, "errors": null}'), times=1)
    with pytest.raises(ResponseValidationError, match="Persona"):
        await bland.personas.get("p")


async def test_error_body_that_is_not_json(fake: FakeBland, bland: AsyncBlandClient) -> None:
    fake.inject(GET_PERSONA, Fault.status(502, body=b"upstream broke"))
    with pytest.raises(InternalServerError) as info:
        await bland.with_options(max_retries=0).personas.get("p")
    assert info.value.message == "upstream broke"
    assert info.value.status == 502


async def test_empty_path_param_rejected_before_sending(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    for bad in ("", "   "):
        with pytest.raises(InvalidRequestError, match="persona_id"):
            await bland.personas.promote(bad)
    assert fake.requests == []


async def test_path_params_are_percent_encoded(fake: FakeBland, bland: AsyncBlandClient) -> None:
    with pytest.raises(BlandError):
        await bland.personas.get("a/b?c")
    assert fake.requests[0].path == "/v1/personas/a%2Fb%3Fc"
    for dot_segment in (".", ".."):  # would name another resource once normalized
        with pytest.raises(InvalidRequestError):
            await bland.personas.get(dot_segment)
    assert len(fake.requests) == 1


async def test_cancellation_propagates_and_releases_the_connection(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.latency(5.0), times=1)
    task = asyncio.create_task(bland.personas.get(persona["id"]))
    await fake.wait_for_requests(1, route=GET_PERSONA)  # it holds a connection now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    session = bland._shared.holder.owned_session()
    assert session is not None
    connector = session.connector
    assert connector is not None
    assert len(connector._acquired) == 0  # nothing left checked out
    assert (await bland.personas.get(persona["id"])).name == "A"


async def test_closed_client_raises_our_error(fake: FakeBland) -> None:
    client = fast_client(fake)
    await client.personas.list()
    await client.aclose()
    await client.aclose()  # idempotent
    assert client.closed
    with pytest.raises(BlandError, match="closed"):
        await client.personas.list()


async def test_closing_during_a_failing_call_raises_our_error(fake: FakeBland) -> None:
    """A GET failing while the client is closed is not retried into aiohttp's RuntimeError."""
    persona = fake.seed_persona(name="A")
    fake.inject("GET /v1/personas/{persona_id}", Fault.latency(0.2), times=1)
    client = fast_client(fake)
    await client.personas.list()  # the session exists
    call = asyncio.create_task(client.personas.get(persona["id"]))
    await fake.wait_for_requests(1, route=GET_PERSONA)  # the GET is in flight
    await client.aclose()  # closes its connection: the GET fails and would be retried
    with pytest.raises(BlandError, match="closed") as info:
        await call
    assert not isinstance(info.value, RuntimeError)


async def test_borrowed_session_is_not_closed(fake: FakeBland) -> None:
    async with aiohttp.ClientSession() as session:
        async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url, session=session) as c:
            await c.personas.list()
            assert c._shared.holder.owned_session() is None
        assert not session.closed
        async with session.get(
            fake.url + "/v1/personas", headers={"authorization": "test-key"}
        ) as r:
            assert r.status == 200


async def test_max_concurrency_caps_requests_in_flight(fake: FakeBland) -> None:
    personas = [fake.seed_persona(name=f"P{i}") for i in range(6)]
    fake.inject(GET_PERSONA, Fault.latency(0.1))
    async with fast_client(fake, max_concurrency=2) as client:
        start = time.monotonic()
        await asyncio.gather(*(client.personas.get(p["id"]) for p in personas))
    assert time.monotonic() - start >= 0.29  # 6 requests, 2 at a time, 0.1 s each


async def test_debug_logging_redacts_key_and_bodies(
    fake: FakeBland, bland: AsyncBlandClient, caplog: pytest.LogCaptureFixture
) -> None:
    persona = fake.seed_persona(name="Secret Name")
    with caplog.at_level(logging.DEBUG, logger="bland_async"):
        await bland.personas.update(persona["id"], name="Another Secret")
    text = caplog.text
    assert "PATCH /v1/personas/{persona_id}" in text
    assert "request_id=req_" in text
    assert "test-key" not in text
    assert "Secret" not in text


def test_two_asyncio_runs_with_one_client(fake_url_and_key: tuple[str, str]) -> None:
    url, key = fake_url_and_key
    client = AsyncBlandClient(api_key=key, base_url=url)

    async def call() -> int:
        return len(await client.personas.list())

    assert asyncio.run(call()) == 0
    assert asyncio.run(call()) == 0
    asyncio.run(client.aclose())


@pytest.fixture
def fake_url_and_key() -> object:
    """A fake running on its own loop thread, for tests that run their own loops."""
    import threading

    ready = threading.Event()
    stop: dict[str, object] = {}

    def serve() -> None:
        async def main() -> None:
            async with FakeBland() as server:
                stop["url"] = server.url
                stop["key"] = server.api_key
                event = asyncio.Event()
                stop["loop"] = asyncio.get_running_loop()
                stop["event"] = event
                ready.set()
                await event.wait()

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    yield stop["url"], stop["key"]
    loop = stop["loop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    event = stop["event"]
    assert isinstance(event, asyncio.Event)
    loop.call_soon_threadsafe(event.set)
    thread.join(5)


async def test_with_options_key_overrides_the_shared_sessions_default(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    other = bland.with_options(api_key="another-key")
    with pytest.raises(AuthenticationError):
        await other.personas.list()
    assert fake.requests[-1].headers["authorization"] == "another-key"
    await bland.personas.list()
    assert fake.requests[-1].headers["authorization"] == "test-key"
    assert other._shared is bland._shared
