"""Transport faults the fake server cannot produce, from a raw socket server on loopback.

Each case answers every connection with one misbehaviour (a reset mid-body, a drip, a
truncated body, non-JSON 502, a hang after the headers, broken status line or framing,
garbage, a redirect, a huge body) and checks, for a retried GET and a non-idempotent
POST, that the SDK:

(a) raises a ``BlandError`` subclass (never an aiohttp or bare built-in exception), in
    bounded time;
(b) raises the expected class, with ``may_have_been_applied`` set for a POST that was sent;
(c) never shows the API key: not in ``str``/``repr``/pickle of the error, the formatted
    traceback (chained causes included), or any DEBUG log record of ``bland_async``;
(d) leaves no connection open once the client is closed, and no ResourceWarning;
(e) sends as many requests as ``max_retries`` implies.
"""

from __future__ import annotations

import gc
import logging
import pickle
import re
import traceback
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import pytest

from bland_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncBlandClient,
    BlandError,
    ConfigurationError,
    InternalServerError,
    PersonaNotFoundError,
    ResponseValidationError,
    Timeout,
)
from tests.chaos._raw_server import (
    Behaviour,
    RawServer,
    drip,
    hang_after_headers,
    huge_json,
    raw_bytes,
    reset_mid_body,
    respond,
    truncated,
)
from tests.conftest import FAST_RETRIES

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

#: Distinctive, so any leak is greppable; the fragment catches a key cut short.
KEY = "sk-secret-KEY-9f8e7d"
KEY_FRAGMENT = "secret-KEY"
MAX_RETRIES = 1
ATTEMPTS = MAX_RETRIES + 1
SHORT = Timeout(total=0.5, connect=0.5)
HUGE = 50 * 2**20
#: How long the server may take to see every connection closed after ``aclose()``.
CLOSE_GRACE = 1.0


def _reads_well_for_a_redirect(message: str) -> None:
    assert message.count("307") == 1, f"the status is repeated: {message!r}"
    assert "redirect" in message.lower(), message


def _mentions_the_size_limit(message: str) -> None:
    assert re.search(r"limit|larger than|too large|exceed", message, re.IGNORECASE), message


@dataclass(frozen=True)
class Case:
    """One misbehaviour and what the SDK must make of it."""

    id: str
    behaviour: Behaviour
    expect: type[BlandError]
    #: A subclass of ``expect`` the error must not be (a reset is not a timeout).
    not_expect: type[BlandError] | None = None
    timeout: Timeout = SHORT
    #: Requests the retried GET sends (``None``: anything from 1 to ATTEMPTS).
    get_requests: int | None = ATTEMPTS
    #: What the POST's ``may_have_been_applied`` must be (``None``: not checked).
    post_applied: bool | None = True
    status: int | None = None
    message: Callable[[str], None] | None = None


CASES = [
    pytest.param(
        Case(
            "reset-mid-body",
            reset_mid_body(declared=1000, sent=10),
            APIConnectionError,
            not_expect=APITimeoutError,
        ),
        id="reset-mid-body",
    ),
    pytest.param(
        Case(
            "drip-1-byte-per-second",
            drip(interval=1.0),
            APITimeoutError,
            timeout=Timeout(total=1.0, connect=0.5),
        ),
        id="drip-1-byte-per-second",
    ),
    pytest.param(
        Case(
            "truncated-body",
            truncated(declared=1000, sent=20),
            APIConnectionError,
            not_expect=APITimeoutError,
        ),
        id="truncated-body",
    ),
    pytest.param(
        Case(
            "html-502",
            respond(
                "HTTP/1.1 502 Bad Gateway",
                b"<html>bad gateway</html>",
                {"Content-Type": "text/html"},
            ),
            InternalServerError,
            status=502,
        ),
        id="html-502",
    ),
    pytest.param(
        Case(
            "hang-after-headers",
            hang_after_headers(),
            APITimeoutError,
            timeout=Timeout(total=1.0, connect=0.5, read=0.3),
        ),
        id="hang-after-headers",
    ),
    pytest.param(
        Case(
            "malformed-status-line",
            raw_bytes(b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}"),
            APIConnectionError,
            not_expect=APITimeoutError,
        ),
        id="malformed-status-line",
    ),
    pytest.param(
        Case(
            "non-numeric-content-length",
            raw_bytes(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: abc\r\n\r\n{}"
            ),
            APIConnectionError,
            not_expect=APITimeoutError,
        ),
        id="non-numeric-content-length",
    ),
    pytest.param(
        Case(
            "garbage-not-http",
            raw_bytes(b"\x00\x01garbage\r\n\r\n"),
            APIConnectionError,
            not_expect=APITimeoutError,
        ),
        id="garbage-not-http",
    ),
    pytest.param(
        Case(
            "redirect-307",
            # A relative Location: no port digits in it that could contain "307". The body
            # is what aiohttp.web sends with a redirect.
            respond(
                "HTTP/1.1 307 Temporary Redirect",
                b"307: Temporary Redirect",
                {"Location": "/v2/personas/p1", "Content-Type": "text/plain"},
            ),
            APIStatusError,
            get_requests=1,  # a redirect is an answer: nothing to retry
            post_applied=None,
            status=307,
            message=_reads_well_for_a_redirect,
        ),
        id="redirect-307",
    ),
    pytest.param(
        Case(
            "huge-body-50MB",
            huge_json(HUGE),
            ResponseValidationError,
            get_requests=None,
            post_applied=None,
            timeout=Timeout(total=2.0, connect=0.5),
            message=_mentions_the_size_limit,
        ),
        id="huge-body-50MB",
    ),
    pytest.param(
        Case(
            "huge-body-chunked",
            huge_json(HUGE, chunked=True),
            ResponseValidationError,
            get_requests=None,
            post_applied=None,
            timeout=Timeout(total=2.0, connect=0.5),
            message=_mentions_the_size_limit,
        ),
        id="huge-body-chunked",
    ),
]


def _client(server: RawServer, timeout: Timeout) -> AsyncBlandClient:
    return AsyncBlandClient(
        api_key=KEY,
        base_url=server.url,
        timeout=timeout,
        max_retries=MAX_RETRIES,
        retry_policy=FAST_RETRIES,  # millisecond backoffs
    )


async def _call(client: AsyncBlandClient, method: str) -> BaseException:
    """Run the call; return what it raised (fail if it returned)."""
    try:
        if method == "GET":
            await client.personas.get("p1")
        else:
            await client.personas.create(name="x")
    except Exception as exc:
        return exc
    pytest.fail(f"{method} succeeded against a misbehaving server")


def _texts_showing(err: BaseException, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Every rendering of the error and the logs a user could end up pasting somewhere."""
    pickled = pickle.dumps(err)
    copy = pickle.loads(pickled)
    texts = {
        "str(err)": str(err),
        "repr(err)": repr(err),
        "pickle.dumps(err)": pickled.decode("latin-1"),
        "str(unpickled)": str(copy),
        "repr(unpickled)": repr(copy),
        "format_exception(err)": "".join(traceback.format_exception(err)),
        "caplog.text": caplog.text,
    }
    for i, record in enumerate(caplog.records):
        texts[f"log record {i} ({record.levelname})"] = record.getMessage()
    return texts


def _assert_no_key(err: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    leaks = [
        where
        for where, text in _texts_showing(err, caplog).items()
        if KEY in text or KEY_FRAGMENT in text
    ]
    assert not leaks, f"the API key shows in: {', '.join(leaks)}"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("case", CASES)
async def test_fault_raises_a_clean_bland_error(
    case: Case, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bland_async")
    bound = case.timeout.total * ATTEMPTS + 2
    async with RawServer(case.behaviour) as server:
        client = _client(server, case.timeout)
        try:
            with anyio.fail_after(bound):
                err = await _call(client, method)
        finally:
            await client.aclose()
        all_closed = await server.wait_all_closed(CLOSE_GRACE)
        open_left, accepted = server.open, server.connections
        requests = list(server.requests)
        server_errors = list(server.errors)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()

    assert not server_errors, f"the raw server itself failed: {server_errors!r}"
    # The key really went out on the wire, so the leak checks below mean something.
    assert requests, "the server saw no request"
    assert all(r.headers.get("authorization") == KEY for r in requests)

    # (a) a BlandError, never an aiohttp exception or a bare built-in one.
    assert isinstance(err, BlandError), (
        f"{type(err).__module__}.{type(err).__qualname__} escaped: {err}"
    )
    # (b) the expected class.
    assert isinstance(err, case.expect), f"{type(err).__name__}: {err}"
    if case.not_expect is not None:
        assert not isinstance(err, case.not_expect), f"{type(err).__name__}: {err}"
    if case.status is not None:
        assert isinstance(err, APIStatusError)
        assert err.status == case.status
    if method == "POST" and case.post_applied is not None:
        assert getattr(err, "may_have_been_applied", None) is case.post_applied, (
            f"{type(err).__name__}: {err}"
        )
    if case.message is not None:
        case.message(str(err))

    # (c) no key anywhere a user could see it.
    _assert_no_key(err, caplog)

    # (d) every connection closed once the client was; nothing left for the GC to warn about.
    assert all_closed, f"{open_left} of {accepted} connections still open after aclose()"
    resource = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not resource, resource

    # (e) the retry count max_retries implies (a POST that was sent is never resent).
    if method == "POST":
        assert len(requests) == 1, [r.method for r in requests]
    elif case.get_requests is None:
        assert 1 <= len(requests) <= ATTEMPTS
    else:
        assert len(requests) == case.get_requests
    assert {(r.method, r.target) for r in requests} == {
        ("GET", "/v1/personas/p1") if method == "GET" else ("POST", "/v1/personas")
    }


async def test_raw_server_harness_answers_a_well_formed_error() -> None:
    """The harness itself: a correct 404 JSON error maps to its class, one request."""
    body = b'{"errors": [{"error": "PERSONA_NOT_FOUND", "message": "no such persona"}]}'
    behaviour = respond("HTTP/1.1 404 Not Found", body, {"Content-Type": "application/json"})
    async with RawServer(behaviour) as server:
        async with _client(server, SHORT) as client:
            with pytest.raises(PersonaNotFoundError, match="no such persona"):
                await client.personas.get("p1")
        assert await server.wait_all_closed(CLOSE_GRACE)
        assert [(r.method, r.target) for r in server.requests] == [("GET", "/v1/personas/p1")]
        assert server.requests[0].headers["authorization"] == KEY
        assert server.connections == 1


async def test_a_chunked_body_under_the_limit_is_read_whole() -> None:
    """No Content-Length: read piece by piece up to the cap, then parsed as usual."""
    async with RawServer(huge_json(3 * 2**20, chunk=64 * 1024, chunked=True)) as server:
        async with _client(server, Timeout(total=5.0, connect=0.5)) as client:
            with pytest.raises(ResponseValidationError, match="does not fit Persona"):
                await client.personas.get("p1")  # the JSON is whole: only the shape is wrong
        assert await server.wait_all_closed(CLOSE_GRACE)


@pytest.mark.parametrize("key", ["abc\x00def", "abc\x7fdef", "abc\tdef"], ids=["nul", "del", "tab"])
async def test_api_key_with_control_characters_is_refused_at_construction(key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncBlandClient(api_key=key, base_url="http://127.0.0.1:9")
    assert key not in str(info.value)
