"""Transport paths tests/client/test_transport.py leaves out: pool timeouts, deadlines that pass
before a request can be sent, error envelopes on a 2xx, and server-given retry delays.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest

from bland_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncBlandClient,
    PersonaNotFoundError,
    RateLimitError,
    Timeout,
)
from bland_async.testing import FakeBland, Fault
from tests.conftest import fast_client

pytestmark = pytest.mark.anyio

GET_PERSONA = "GET /v1/personas/{persona_id}"
CREATE_PERSONA = "POST /v1/personas"


async def _settle(task: asyncio.Task[object]) -> None:
    """Cancel a task holding a connection and wait until it is gone."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --- a connection that cannot be had ----------------------------------------------------


async def test_pool_timeout_is_not_sent_and_retried_even_for_a_create(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.latency(1.0), times=1)
    # A borrowed session whose pool has one connection: the slow GET holds it.
    connector = aiohttp.TCPConnector(limit=1)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        fast_client(fake, session=session, max_retries=2) as client,
    ):
        hold = asyncio.create_task(client.personas.get(persona["id"]))
        await fake.wait_for_requests(1, route=GET_PERSONA)
        assert len(fake.requests) == 1  # the slow GET arrived: it holds the connection
        fake.clear_requests()
        before = client.stats
        start = time.monotonic()
        with pytest.raises(APITimeoutError, match="timed out connecting") as info:
            await client.with_options(timeout=Timeout(total=5, connect=0.05)).personas.create(
                name="never sent"
            )
        elapsed = time.monotonic() - start
        after = client.stats
        await _settle(hold)
    assert not info.value.may_have_been_applied
    assert isinstance(info.value.__cause__, aiohttp.ConnectionTimeoutError)
    assert (info.value.method, info.value.route) == ("POST", "/v1/personas")
    # A POST, retried anyway: none of the three attempts left the client.
    assert (after.requests - before.requests, after.retries - before.retries) == (3, 2)
    assert fake.requests == []
    assert 0.14 <= elapsed < 0.9  # three 50 ms connect timeouts, tiny backoffs
    assert set(fake.state.personas) == {persona["id"]}


async def test_max_concurrency_wait_is_capped_by_the_deadline(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.latency(0.5), times=1)
    async with fast_client(fake, max_concurrency=1, max_retries=0) as client:
        hold = asyncio.create_task(client.personas.get(persona["id"]))
        await fake.wait_for_requests(1, route=GET_PERSONA)
        assert len(fake.requests) == 1  # the slow GET arrived: it holds the only slot
        bounded = client.with_options(timeout=Timeout(total=5, connect=0.05, deadline=0.15))
        start = time.monotonic()
        try:
            with pytest.raises(APITimeoutError) as info:
                await bounded.personas.get(persona["id"])
            assert time.monotonic() - start < 0.4
            assert not info.value.may_have_been_applied
            assert len(fake.requests) == 1  # only the slow GET was sent
        finally:
            await asyncio.wait_for(hold, 2)


async def test_tls_failure_is_not_sent_and_retried(fake: FakeBland) -> None:
    # https:// to the fake's plain-HTTP port: the handshake fails before any request.
    url = fake.url.replace("http://", "https://")
    async with fast_client(fake, max_retries=1) as plain:
        client = plain.with_options(base_url=url)
        with pytest.raises(APIConnectionError, match="TLS error") as info:
            await client.personas.create(name="x")
    assert not isinstance(info.value, APITimeoutError)
    assert not info.value.may_have_been_applied
    assert isinstance(info.value.__cause__, aiohttp.ClientSSLError)
    assert plain.stats.requests == 2  # a POST, retried: it never left
    assert fake.state.personas == {}


# --- a deadline that passes before the request can be sent -----------------------------


async def test_retry_after_longer_than_the_deadline_raises_at_once(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.status(429, headers={"Retry-After": "0.8"}), times=1)
    async with fast_client(fake, timeout=Timeout(deadline=0.3), max_retries=3) as client:
        start = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            await client.personas.get(persona["id"])
        elapsed = time.monotonic() - start
        remaining = client._shared.gate.remaining()
    # The client-wide pause would outlast the deadline: give up now, not at the deadline.
    assert elapsed < 0.25
    assert info.value.retry_after == 0.8
    assert info.value.code == "TOO_MANY_REQUESTS"
    assert len(fake.requests) == 1
    assert 0.4 < remaining <= 0.8  # the pause itself still stands for the other calls
    stats = client.stats
    assert (stats.requests, stats.retries, stats.rate_limited) == (1, 0, 1)


async def test_call_started_during_a_longer_pause_is_never_sent(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A")
    fake.inject(GET_PERSONA, Fault.status(429, headers={"Retry-After": "0.8"}), times=1)
    async with fast_client(fake, max_retries=0) as client:
        with pytest.raises(RateLimitError):
            await client.personas.get(persona["id"])
        bounded = client.with_options(timeout=Timeout(deadline=0.3))
        start = time.monotonic()
        with pytest.raises(APITimeoutError, match="before the request could be sent") as info:
            await bounded.personas.get(persona["id"])
        elapsed = time.monotonic() - start
    assert elapsed < 0.25
    assert not info.value.may_have_been_applied
    assert (info.value.method, info.value.route) == ("GET", "/v1/personas/{persona_id}")
    assert len(fake.requests) == 1  # only the 429'd attempt
    assert client.stats.requests == 1


# --- an error envelope on a 2xx ---------------------------------------------------------


async def test_2xx_with_errors_and_null_data_raises_the_mapped_error(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    body = {
        "data": None,
        "errors": [
            {"error": "PERSONA_NOT_FOUND", "message": "gone", "details": {"persona_id": "p"}}
        ],
    }
    fake.inject(GET_PERSONA, Fault.status(200, body=body), times=1)
    with pytest.raises(PersonaNotFoundError) as info:
        await bland.personas.get("p")
    error = info.value
    assert (error.status, error.code, error.message) == (200, "PERSONA_NOT_FOUND", "gone")
    assert error.details == {"persona_id": "p"}
    assert error.body == body
    assert error.request_id is not None
    assert error.request_id == fake.requests[0].request_id
    assert len(fake.requests) == 1  # a GET, yet not retried: the server answered


async def test_2xx_with_an_unknown_error_code_is_a_plain_status_error(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    body = b'{"data": null, "errors": [{"error": "SOMETHING_BROKE", "message": "oops"}]}'
    fake.inject(CREATE_PERSONA, Fault.malformed(body=body), times=1)
    with pytest.raises(APIStatusError) as info:
        await bland.personas.create(name="x")
    assert type(info.value) is APIStatusError
    assert (info.value.status, info.value.code, info.value.message) == (
        200,
        "SOMETHING_BROKE",
        "oops",
    )


async def test_2xx_with_errors_beside_data_is_a_success(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A")
    body = {"data": persona, "errors": [{"error": "DEPRECATED", "message": "a warning"}]}
    fake.inject(GET_PERSONA, Fault.status(200, body=body), times=1)
    got = await bland.personas.get(persona["id"])
    assert got.id == persona["id"]
    assert got.name == "A"


async def test_2xx_error_names_the_call_like_other_status_errors(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    body = {"data": None, "errors": [{"error": "PERSONA_NOT_FOUND", "message": "gone"}]}
    fake.inject(GET_PERSONA, Fault.status(200, body=body), times=1)
    with pytest.raises(PersonaNotFoundError) as info:
        await bland.personas.get("p")
    assert (info.value.method, info.value.route) == ("GET", "/v1/personas/{persona_id}")
    assert "(GET /v1/personas/{persona_id})" in str(info.value)


# --- server-given retry delays ------------------------------------------------------------


async def test_retry_after_http_date_is_honoured(fake: FakeBland) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fake.inject(GET_PERSONA, Fault.status(429, headers={"Retry-After": when}), times=1)
    async with fast_client(fake, timeout=Timeout(deadline=0.5), max_retries=2) as client:
        with pytest.raises(RateLimitError) as info:
            await client.personas.get("p")
        remaining = client._shared.gate.remaining()
    assert info.value.retry_after == pytest.approx(30, abs=2)
    # The date was read as a long wait (capped by the policy's retry_after_max of 1 s),
    # not ignored: an unreadable Retry-After means backoff and three quick attempts.
    assert 0.5 < remaining <= 1.0
    assert len(fake.requests) == 1


async def test_retry_after_ms_wins_over_retry_after(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A")
    headers = {"Retry-After": "30", "retry-after-ms": "60"}
    fake.inject(GET_PERSONA, Fault.status(429, headers=headers), times=1)
    start = time.monotonic()
    got = await bland.personas.get(persona["id"])
    elapsed = time.monotonic() - start
    assert got.name == "A"
    assert 0.055 <= elapsed < 0.5  # 60 ms, not 30 s (nor its 1 s cap)
    assert len(fake.requests) == 2
    assert bland.stats.rate_limit_pause_seconds == pytest.approx(0.06, abs=0.01)


async def test_503_with_retry_after_resends_a_create(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    fake.inject(CREATE_PERSONA, Fault.status(503, headers={"Retry-After": "0.05"}), times=1)
    start = time.monotonic()
    created = await bland.personas.create(name="once")
    assert time.monotonic() - start >= 0.045
    assert [r.status for r in fake.requests] == [503, 200]
    assert set(fake.state.personas) == {created.id}
    assert bland.stats.rate_limited == 0  # a refusal, but not a client-wide pause


# --- the request URL and the session's loop check -----------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "https://api.example.com/proxy", "http://127.0.0.1:9/a%20b/c"],
)
@pytest.mark.parametrize(
    ("path_params", "params"),
    [
        (None, None),
        ({"persona_id": "p-1"}, None),
        ({"persona_id": "a b/ü?"}, None),
        ({"persona_id": "p-1"}, {"cursor": "x y", "limit": 5, "skip": None}),
    ],
)
def test_the_url_is_the_base_url_and_the_filled_route(
    base_url: str, path_params: dict[str, str] | None, params: dict[str, object] | None
) -> None:
    # The base URL is parsed once and the path swapped in; the result must be what parsing
    # the whole string (already encoded) gives.
    from urllib.parse import quote

    from yarl import URL

    client = AsyncBlandClient(api_key="k", base_url=base_url)
    route = "/v1/personas/{persona_id}" if path_params else "/v1/personas"
    url = client._transport.url(route, path_params, params)
    filled = route.format_map({k: quote(v, safe="") for k, v in (path_params or {}).items()})
    query = "?cursor=x%20y&limit=5" if params else ""
    assert url == URL(f"{base_url}{filled}{query}", encoded=True)
    assert str(url) == f"{base_url}{filled}{query}"


async def test_the_session_is_reused_on_its_loop_without_asking_for_the_running_loop(
    fake: FakeBland, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bland_async import _transport

    async with fast_client(fake) as client:
        await client.personas.list()
        holder = client._shared.holder
        session = holder.ready()
        assert session is not None

        def refuse() -> asyncio.AbstractEventLoop:
            raise AssertionError("get_running_loop() on the fast path")

        monkeypatch.setattr(_transport.asyncio, "get_running_loop", refuse)
        assert holder.ready() is session
        # A loop without asyncio's _thread_id (uvloop) is asked the usual way.
        monkeypatch.undo()
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(loop, "_thread_id", None)
        assert holder.ready() is session
        monkeypatch.undo()


def test_a_session_made_on_another_loop_is_not_ready() -> None:
    client = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
    holder = client._shared.holder

    async def make() -> aiohttp.ClientSession:
        return await holder.get()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(make())

        async def check() -> aiohttp.ClientSession | None:
            return holder.ready()

        assert asyncio.run(check()) is None  # another loop, this thread: not ready
        assert loop.run_until_complete(check()) is not None
        loop.run_until_complete(holder.close())
    finally:
        loop.close()
