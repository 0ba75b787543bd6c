"""HTTP transport: the only client-side module that imports aiohttp.

It owns the session (created lazily inside the running loop, or borrowed), sends JSON,
unwraps the ``{"data", "errors"}`` envelope, maps errors onto the hierarchy, and retries
according to whether a failed request may have been applied (docs/architecture.md). aiohttp
exceptions never leave this module.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import random
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlencode

import aiohttp
import attrs
from yarl import URL

from bland_async import _json
from bland_async._converter import to_json_value
from bland_async._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BlandError,
    InvalidRequestError,
    ResponseValidationError,
    make_status_error,
)
from bland_async._logging import logger
from bland_async._options import RequestOptions, check_request_options, with_call_options
from bland_async._ratelimit import RateLimitGate
from bland_async._raw import note_exchange
from bland_async._retry import Outcome, decide, parse_retry_after
from bland_async._stats import CallCounters

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping

    from bland_async._options import ClientOptions

__all__ = [
    "READ_ONLY_METHODS",
    "ApiResponse",
    "InFlightCap",
    "SessionHolder",
    "Shared",
    "Transport",
    "user_agent",
]


_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
#: Methods that change nothing on the server: never "may have been applied".
READ_ONLY_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_JSON_CONTENT_TYPE: Final = {"content-type": "application/json"}
#: A path segment made only of RFC 3986 unreserved characters (percent-encoding keeps it).
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9._~-]+").fullmatch


#: Largest response body read, in bytes; a larger one raises ResponseValidationError
#: (it is never buffered whole). The largest documented responses are far below this.
MAX_RESPONSE_BYTES: Final = 16 * 2**20


class _AttemptFailedError(Exception):
    """One attempt failed without an HTTP status: how, and a message safe to show."""

    def __init__(self, message: str, outcome: Outcome, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.timeout = timeout


class ApiResponse:
    """A successful (2xx) response: the decoded body and what callers need from headers.

    A plain slotted class (one is built per request; an ``attrs.frozen`` one costs three
    times as much to build, ~4,800 instructions against ~1,500). Read-only by convention.
    """

    __slots__ = ("body", "request_id", "status")

    def __init__(self, status: int, body: Any, request_id: str | None) -> None:
        self.status = status
        self.body = body
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"ApiResponse(status={self.status!r}, request_id={self.request_id!r})"

    @property
    def data(self) -> Any:
        """The payload under ``"data"`` (``None`` for 204 / empty bodies)."""
        body = self.body
        if isinstance(body, dict):
            return body.get("data")
        return None


_user_agent: str | None = None


def user_agent() -> str:
    """``bland-async/<v> python/<v> aiohttp/<v>``, computed once."""
    global _user_agent
    if _user_agent is None:
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            ours = version("bland-async")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            ours = "0+unknown"
        _user_agent = (
            f"bland-async/{ours} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
        )
    return _user_agent


def client_headers(api_key: str) -> dict[str, str]:
    """The headers every request of a client carries: the raw key, User-Agent, Accept."""
    return {"authorization": api_key, "user-agent": user_agent(), "accept": "application/json"}


class _Request(aiohttp.ClientRequest):
    """aiohttp's request, less the ``Content-Type`` it invents for a body-less write.

    aiohttp sends ``application/octet-stream`` with every POST/PUT/PATCH that has no
    content type; body-less API calls (promote, publish, cancel) send none
    (docs/api-notes.md), and requests with a body set ``application/json`` themselves.
    ``POST_METHODS`` gates only that default, so emptying it does what
    ``skip_auto_headers=("Content-Type",)`` did, without the multidict that option
    builds and the headers it copies on every request (~13,000 instructions each;
    benchmarks/README.md).
    """

    POST_METHODS = set[str]()  # noqa: RUF012 (aiohttp declares it a plain class attribute)


class SessionHolder:
    """The client's aiohttp session: borrowed, or owned and created on first use.

    An owned session is bound to the event loop it was created on. If the client is used
    from a new loop after the old one closed (two ``asyncio.run()`` calls in a row), the
    stale session is retired and a new one made.
    """

    __slots__ = (
        "_borrowed",
        "_closed",
        "_default_headers",
        "_guard",
        "_limiter",
        "_loop",
        "_max_concurrency",
        "_session",
    )

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        max_concurrency: int | None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._borrowed = session
        # Headers an owned session sends by default (set once, not merged per request).
        self._default_headers = dict(default_headers or {})
        self._session: aiohttp.ClientSession | None = session
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._max_concurrency = max_concurrency
        self._limiter: asyncio.Semaphore | None = None
        self._guard: AsyncGenerator[None, None] | None = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def sends_by_default(self, headers: Mapping[str, str]) -> bool:
        """Whether an owned session already sends exactly ``headers`` on every request."""
        return self._borrowed is None and self._default_headers == headers

    @property
    def limiter(self) -> asyncio.Semaphore | None:
        """The client-wide in-flight cap for the current loop, if one is set."""
        return self._limiter

    def ready(self) -> aiohttp.ClientSession | None:
        """The session, when it can be used on the running loop as it is (else ``None``).

        The per-request check, without a coroutine: :meth:`get` does the rest.
        """
        session = self._session
        if session is None or self._closed:
            return None
        if self._borrowed is not None or _is_running(self._loop):
            return session
        return None

    async def get(self) -> aiohttp.ClientSession:
        """The session to use on the running loop."""
        if self._closed:
            raise BlandError("this client is closed; create a new one")
        session = self.ready()
        if session is not None:
            return session
        loop = asyncio.get_running_loop()
        if self._session is not None:
            await self._retire(self._session)
        session = aiohttp.ClientSession(
            headers=self._default_headers,
            timeout=aiohttp.ClientTimeout(total=None),
            connector=aiohttp.TCPConnector(limit=100, limit_per_host=0),
            request_class=_Request,
        )
        self._session = session
        self._loop = loop
        # asyncio.run() (and anyio's runner) aclose() every live async generator before
        # closing the loop: this one closes the session there, on its own loop, so a
        # client that outlives an asyncio.run() leaves no sockets behind.
        self._guard = _close_at_loop_shutdown(session)
        await anext(self._guard)
        if self._max_concurrency is not None:
            self._limiter = asyncio.Semaphore(self._max_concurrency)
        return session

    async def _retire(self, session: aiohttp.ClientSession) -> None:
        old_loop = self._loop
        if old_loop is not None and old_loop.is_running():
            raise BlandError(
                "this client's session belongs to another running event loop; "
                "create one client per event loop"
            )
        self._session = None
        self._guard = None
        if old_loop is None or old_loop.is_closed():
            # Normally already closed by the guard at loop shutdown; this only marks it.
            await session.close()
        else:  # pragma: no cover - a loop left open but not running: drop the reference
            session.detach()

    async def close(self) -> None:
        """Close an owned session (idempotent). A borrowed session is left open."""
        if self._closed:
            return
        self._closed = True
        session, self._session = self._session, None
        guard, self._guard = self._guard, None
        if session is None or session is self._borrowed:
            return
        loop = asyncio.get_running_loop()
        if self._loop is loop or self._loop is None or self._loop.is_closed():
            await session.close()
            if guard is not None:
                await guard.aclose()
        else:  # pragma: no cover - closed from a different loop than it was made on
            session.detach()

    def forget_after_fork(self) -> list[object]:
        """In a forked child: drop the inherited session without closing anything.

        The inherited connector is marked closed *without* closing its transports (their
        sockets, and the epoll set they are registered in, are shared with the parent;
        closing them would break the parent's keep-alive connections). Returns the
        inherited objects, which the caller must keep alive so no finalizer ever runs.
        The next call on a new loop creates a new session.
        """
        keep: list[object] = []
        session = self.owned_session()
        if session is not None:
            keep.append(session)
            connector = session.connector
            if connector is not None:
                # Private aiohttp attribute (pinned by tests/sync/test_sync_fork.py): with it set,
                # neither the connector's __del__ nor _close() touches any transport.
                connector._closed = True
        if self._guard is not None:
            keep.append(self._guard)
        self._session = None
        self._loop = None
        self._guard = None
        self._limiter = None
        return keep

    def owned_session(self) -> aiohttp.ClientSession | None:
        """The session this holder created (``None`` when none, or when borrowed)."""
        if self._session is None or self._session is self._borrowed:
            return None
        return self._session


def _is_running(loop: asyncio.AbstractEventLoop | None) -> bool:
    """Whether ``loop`` is the event loop running this code (checked on every request).

    A thread runs one loop at a time: if ``loop`` runs in this thread, it is the running
    loop. asyncio's loops record that thread (``_thread_id``), and reading it spares
    ``get_running_loop()``'s ``getpid()`` system call; other loops (uvloop) are asked the
    usual way.
    """
    if loop is None:
        return False
    return getattr(loop, "_thread_id", None) == threading.get_ident() or (
        loop is asyncio.get_running_loop()
    )


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


class InFlightCap:
    """A cap on one client copy's requests in flight: one semaphore per event loop."""

    __slots__ = ("_limit", "_loop", "_semaphore")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(limit)

    @property
    def limit(self) -> int:
        """The most requests in flight."""
        return self._limit

    def semaphore(self) -> asyncio.Semaphore:
        """The semaphore of the running loop (a new loop gets a fresh one)."""
        if not _is_running(self._loop):
            self._loop, self._semaphore = asyncio.get_running_loop(), asyncio.Semaphore(self._limit)
        return self._semaphore


@attrs.frozen
class Shared:
    """What a client and its ``with_options`` copies share: session, 429 pause, counters."""

    holder: SessionHolder
    gate: RateLimitGate
    counters: CallCounters


class Transport:
    """Sends requests for one client configuration over a shared session and gate."""

    __slots__ = (
        "_base_path",
        "_base_url",
        "_budget",
        "_cap",
        "_closed",
        "_headers",
        "_holder",
        "_json_headers",
        "_options",
        "_rng",
        "_shared",
        "_timeout",
        "counters",
        "gate",
    )

    def __init__(
        self, options: ClientOptions, shared: Shared, *, cap: InFlightCap | None = None
    ) -> None:
        self._options = options
        self._shared = shared
        #: A ``with_options(max_concurrency=...)`` copy's own cap (the holder's still applies).
        self._cap = cap
        holder = self._holder = shared.holder
        self.gate = shared.gate
        self.counters = shared.counters
        self._closed = False
        self._rng = random.Random()
        headers = client_headers(options.api_key)
        if holder.sends_by_default(headers):
            # The session sends them already: per request only what differs.
            self._headers: Mapping[str, str] | None = None
            self._json_headers: Mapping[str, str] = _JSON_CONTENT_TYPE
        else:
            self._headers = headers
            self._json_headers = {**headers, **_JSON_CONTENT_TYPE}
        # The base URL parsed once, as given (already encoded), and its path prefix.
        self._base_url = URL(options.base_url, encoded=True)
        self._base_path = self._base_url.raw_path.rstrip("/")
        t = options.timeout
        self._timeout = aiohttp.ClientTimeout(total=t.total, connect=t.connect, sock_read=t.read)
        # A call's deadline: Timeout.deadline, else every attempt at its full length plus
        # room for the waits between them (one server-requested wait at its cap).
        self._budget = (
            t.deadline
            if t.deadline is not None
            else t.total * (options.max_retries + 1) + options.retry_policy.retry_after_max
        )

    @property
    def options(self) -> ClientOptions:
        """The configuration this transport sends with."""
        return self._options

    @property
    def cap(self) -> InFlightCap | None:
        """This copy's own in-flight cap (``with_options(max_concurrency=...)``), if any."""
        return self._cap

    def url(
        self,
        route: str,
        path_params: Mapping[str, str] | None,
        params: Mapping[str, object] | None = None,
    ) -> URL:
        """The request's URL: the route filled with percent-encoded path parameters, the query.

        Raises:
            InvalidRequestError: A path parameter is empty or not a string.
        """
        path = route
        if path_params:
            quoted = {name: _path_segment(name, value) for name, value in path_params.items()}
            path = route.format_map(quoted)
        query = _encode_query(params) if params else None
        if query:
            return URL(f"{self._options.base_url}{path}?{query}", encoded=True)
        # The parsed base URL with the path swapped in: nothing is parsed again (a third of
        # what URL(str, encoded=True) costs on a string it has not seen).
        return self._base_url.with_path(self._base_path + path, encoded=True)

    def for_call(self, options: RequestOptions | None) -> Transport:
        """This transport, or a twin with the call's ``timeout``/``max_retries`` in place.

        Raises:
            InvalidRequestError: An option is unknown or ill-typed.
        """
        if not options:
            return self
        check_request_options(options)
        if "timeout" not in options and "max_retries" not in options:
            return self
        twin = Transport(with_call_options(self._options, options), self._shared, cap=self._cap)
        twin._closed = self._closed
        return twin

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called on this transport (a client copy's)."""
        return self._closed

    def close(self) -> None:
        """Refuse every further request (the shared session is left to its owner)."""
        self._closed = True

    async def request(
        self,
        method: str,
        route: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
        json: object = None,
        idempotent: bool | None = None,
        options: RequestOptions | None = None,
    ) -> ApiResponse:
        """Send a request with retries and return the 2xx response.

        Args:
            method: HTTP method.
            route: Route template, e.g. ``/v1/personas/{persona_id}``.
            path_params: Values for the template's placeholders (percent-encoded here).
            params: Query parameters; ``None`` values are dropped, booleans sent as
                ``true``/``false``.
            json: JSON body (``None``: no body).
            idempotent: Whether repeating the request is safe after it may have been
                applied. Defaults to ``True`` for GET/PATCH/DELETE, ``False`` for POST.
            options: The call's options: ``timeout``/``max_retries`` replace this
                transport's, ``extra_*`` add to the request.

        Raises:
            InvalidRequestError: An option is unknown or ill-typed, or ``extra_body``
                was given for a body that is not a JSON object.
            APIStatusError: The API answered with an error status (after retries).
            APIConnectionError: The request could not be completed (after retries).
            ResponseValidationError: A 2xx body was not JSON or not the envelope.
        """
        transport, extra_headers = self, None
        if options:
            transport = self.for_call(options)
            params, json = _with_extras(options, method, params, json)
            extra_headers = options.get("extra_headers")
        if transport._closed:
            raise BlandError("this client is closed; create a new one")
        url = self.url(route, path_params, params)
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        headers = self._headers
        data: bytes | None = None
        if json is not None:
            data = _json.dumps(json)
            headers = self._json_headers
        if extra_headers:
            headers = {**(headers or {}), **extra_headers}
        cap = transport._cap.semaphore() if transport._cap is not None else None
        if cap is not None:  # a with_options copy's own in-flight cap
            await _acquire(cap, transport._options.timeout.connect)
        try:
            return await transport._send_with_retries(
                method,
                route,
                url=url,
                headers=headers,
                data=data,
                idempotent=idempotent,
            )
        except ResponseValidationError as exc:  # it was answered, so it may well have applied
            exc.may_have_been_applied = method not in READ_ONLY_METHODS
            raise
        finally:
            if cap is not None:
                cap.release()

    async def _send_with_retries(
        self,
        method: str,
        route: str,
        *,
        url: URL,
        headers: Mapping[str, str] | None,
        data: bytes | None,
        idempotent: bool,
    ) -> ApiResponse:
        """Attempts until one succeeds or :func:`~bland_async._retry.decide` says stop."""
        options = self._options
        attempts = options.max_retries + 1
        start = time.monotonic()
        deadline = start + self._budget
        gate = self.gate
        holder = self._holder
        session = holder.ready() or await holder.get()
        limiter = holder.limiter
        debug = logger.isEnabledFor(logging.DEBUG)
        applied = False
        error: APIConnectionError | APIStatusError | None = None
        attempt = 0
        while True:
            if attempt and holder.closed:  # closed while this call was failing
                raise BlandError("this client was closed during the call") from error
            if gate.is_paused() and not await gate.wait(deadline):
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.counters.count_attempt(retry=attempt > 0)
            if debug:
                logger.debug("-> %s %s attempt=%d", method, route, attempt + 1)
            sent_at = time.monotonic()
            status: int | None = None
            retry_after: float | None = None
            try:
                if limiter is not None:  # a free slot, within the connect timeout
                    await _acquire(limiter, min(options.timeout.connect, remaining))
                try:
                    status, resp_headers, raw = await self._attempt(
                        session,
                        method,
                        url=url,
                        headers=headers,
                        data=data,
                        client_timeout=self._client_timeout(remaining),
                    )
                finally:
                    if limiter is not None:
                        limiter.release()
            except _AttemptFailedError as exc:
                outcome = exc.outcome
                error = self._connection_error(exc, method, route)
                error.__cause__ = exc.__cause__
                if debug:
                    logger.debug("<- %s %s %s: %s", method, route, outcome.value, error)
            else:
                outcome = Outcome.ANSWERED
                request_id = resp_headers.get("x-request-id")
                if debug:
                    logger.debug(
                        "<- %s %s %d %.1fms request_id=%s attempt=%d",
                        method,
                        route,
                        status,
                        (time.monotonic() - sent_at) * 1000,
                        request_id,
                        attempt + 1,
                    )
                if 200 <= status < 300:
                    body = _decode_success(raw, request_id)
                    if body is None or not body.get("errors") or body.get("data") is not None:
                        note_exchange(
                            method,
                            route,
                            status,
                            resp_headers,
                            request_id=request_id,
                            elapsed=time.monotonic() - sent_at,
                        )
                        return ApiResponse(status, body, request_id)
                    raise self._status_error(status, body, _lowered(resp_headers), method, route)
                lowered = _lowered(resp_headers)
                error = self._status_error(status, _decode_error(raw), lowered, method, route)
                retry_after = parse_retry_after(lowered)
            decision = decide(
                options.retry_policy,
                outcome=outcome,
                status=status,
                retry_after=retry_after,
                attempt=attempt,
                attempts=attempts,
                idempotent=idempotent,
                remaining=deadline - time.monotonic(),
                applied_before=applied,
                read_only=method in READ_ONLY_METHODS,
                rng=self._rng,
            )
            applied = decision.may_have_been_applied
            error.may_have_been_applied = applied
            if decision.pause:
                gate.pause(decision.pause)
            if not decision.retry:
                if attempt and logger.isEnabledFor(logging.WARNING):
                    logger.warning(
                        "%s %s failed after %d attempts: %s", method, route, attempt + 1, error
                    )
                raise error
            if logger.isEnabledFor(logging.INFO):
                wait = decision.pause or decision.delay
                logger.info(
                    "%s %s: %s; retrying in %.2fs%s (attempt %d of %d)",
                    method,
                    route,
                    error,
                    wait,
                    " (client-wide pause)" if decision.pause else "",
                    attempt + 2,
                    attempts,
                )
            if decision.delay:
                await asyncio.sleep(decision.delay)
            attempt += 1
        if error is None:
            error = APITimeoutError(
                f"deadline of {deadline - start:.1f}s passed before the request could be sent",
                method=method,
                route=route,
            )
        raise error

    def _client_timeout(self, remaining: float) -> aiohttp.ClientTimeout:
        """The attempt's timeouts, shortened when the call's deadline is nearer."""
        timeout = self._options.timeout
        if remaining >= timeout.total:
            return self._timeout
        return aiohttp.ClientTimeout(
            total=remaining, connect=min(timeout.connect, remaining), sock_read=timeout.read
        )

    def _redact(self, text: str) -> str:
        """``text`` with the API key replaced, wherever a library put it."""
        key = self._options.api_key
        return text.replace(key, "***") if key in text else text

    def _connection_error(
        self, exc: _AttemptFailedError, method: str, route: str
    ) -> APIConnectionError:
        base_url = self._options.base_url
        if exc.outcome is Outcome.NOT_SENT:
            if exc.timeout:
                message = f"timed out connecting to {base_url} ({exc})"
                return APITimeoutError(message, method=method, route=route)
            message = f"could not connect to {base_url}: {self._redact(str(exc))}"
            return APIConnectionError(message, method=method, route=route)
        cls = APITimeoutError if exc.timeout else APIConnectionError
        message = f"{self._redact(str(exc))} ({method} {route})"
        return cls(message, method=method, route=route, may_have_been_applied=True)

    def _status_error(
        self, status: int, body: object, headers: dict[str, str], method: str, route: str
    ) -> APIStatusError:
        error = make_status_error(status, body, headers=headers, method=method, route=route)
        error.message = self._redact(error.message)
        error.args = (error.message,)
        return error

    @staticmethod
    async def _attempt(
        session: aiohttp.ClientSession,
        method: str,
        *,
        url: URL,
        headers: Mapping[str, str] | None,
        data: bytes | None,
        client_timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange; classifies failures by whether the request may have landed.

        Messages are written here from what is safe to show: never an aiohttp
        exception's ``repr`` (a ``ClientResponseError``'s carries the request headers,
        the key among them).
        """
        try:
            async with session.request(
                method,
                url,
                headers=headers,
                data=data,
                timeout=client_timeout,
                allow_redirects=False,
            ) as resp:
                length = resp.content_length
                if length is not None and length > MAX_RESPONSE_BYTES:
                    resp.close()  # the connection is not reused with a body left unread
                    raise _too_large(resp.status, length, resp.headers)
                raw = await (resp.read() if length is not None else _read_capped(resp))
                return resp.status, resp.headers, raw
        except aiohttp.ConnectionTimeoutError as exc:
            raise _AttemptFailedError(
                "timed out getting a connection", Outcome.NOT_SENT, timeout=True
            ) from exc
        except aiohttp.ClientSSLError as exc:
            # Not retryable in practice, but it was never sent: surface it as not-sent.
            raise _AttemptFailedError(f"TLS error: {_describe(exc)}", Outcome.NOT_SENT) from exc
        except (aiohttp.ClientConnectorError, aiohttp.InvalidURL) as exc:
            raise _AttemptFailedError(_describe(exc), Outcome.NOT_SENT) from exc
        except (TimeoutError, aiohttp.SocketTimeoutError) as exc:
            raise _AttemptFailedError(
                "timed out waiting for the response", Outcome.LOST, timeout=True
            ) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise _AttemptFailedError("server closed the connection", Outcome.LOST) from exc
        except aiohttp.ClientPayloadError as exc:
            message = f"the response body was cut short ({_describe(exc)})"
            raise _AttemptFailedError(message, Outcome.LOST) from exc
        except aiohttp.ClientResponseError as exc:
            message = f"the response was not valid HTTP ({_describe(exc)})"
            raise _AttemptFailedError(message, Outcome.LOST) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _AttemptFailedError(f"connection failed: {_describe(exc)}", Outcome.LOST) from exc


def _path_segment(name: str, value: object) -> str:
    """``value`` as one percent-encoded path segment.

    Raises:
        InvalidRequestError: ``value`` is empty, blank, ``.``/``..`` or not a string.
    """
    if not isinstance(value, str) or not value.strip() or value in (".", ".."):
        raise InvalidRequestError(f"{name} must be a non-empty string, got {value!r}")
    # Ids are usually plain (a UUID): nothing to quote.
    return value if _UNRESERVED(value) else quote(value, safe="")


def _with_extras(
    options: RequestOptions, method: str, params: Mapping[str, object] | None, json: object
) -> tuple[Mapping[str, object] | None, object]:
    """The query and body with the call's ``extra_query``/``extra_body`` merged in.

    ``extra_body`` goes into every request that may carry a body (a bodiless POST gets
    one); reads (GET) are sent without, so a composite call's re-reads stay plain GETs.
    """
    extra_query = options.get("extra_query")
    if extra_query:
        params = {**(params or {}), **extra_query}
    extra_body = options.get("extra_body")
    if extra_body and method not in READ_ONLY_METHODS:
        if json is not None and not isinstance(json, dict):
            raise InvalidRequestError("extra_body needs a request whose body is an object")
        json = {**(json or {}), **to_json_value(extra_body)}
    return params, json


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers as a plain dict with lowercased names (only on the error path)."""
    return {k.lower(): v for k, v in headers.items()}


def _describe(exc: BaseException) -> str:
    """A one-line account of an aiohttp/OS error with no request headers in it."""
    if isinstance(exc, aiohttp.ClientResponseError):
        # Its str()/repr() embed the request's details; the parser's message is enough.
        return f"{type(exc).__name__}: {exc.message}"[:300]
    text = str(exc) or "no detail"
    return f"{type(exc).__name__}: {text}"[:300]


def _too_large(
    status: int, size: int | None, headers: Mapping[str, str]
) -> ResponseValidationError:
    got = f"{size} bytes" if size is not None else "more"
    return ResponseValidationError(
        f"the response body ({got}, status {status}) is larger than the SDK reads "
        f"({MAX_RESPONSE_BYTES} bytes); it was not read",
        request_id=headers.get("x-request-id"),
    )


async def _read_capped(resp: aiohttp.ClientResponse) -> bytes:
    """Read a body of unknown length (chunked or close-delimited), up to the cap."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            resp.close()
            raise _too_large(resp.status, None, resp.headers)
        chunks.append(chunk)
    return b"".join(chunks)


def _encode_query(params: Mapping[str, object]) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs, quote_via=quote)


async def _acquire(limiter: asyncio.Semaphore, wait: float) -> None:
    """Take a slot of the client-wide in-flight cap, waiting at most ``wait`` seconds."""
    if not limiter.locked():
        await limiter.acquire()  # a free slot: no wait, no timer
        return
    try:
        async with asyncio.timeout(wait):
            await limiter.acquire()
    except TimeoutError as exc:
        raise _AttemptFailedError(
            "timed out waiting for a free request slot", Outcome.NOT_SENT, timeout=True
        ) from exc


def _decode_success(raw: bytes, request_id: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        body = _json.loads(raw)
    except ValueError as exc:
        raise ResponseValidationError(
            f"response body is not valid JSON: {raw[:200]!r}",
            body=raw.decode("utf-8", "replace"),
            request_id=request_id,
        ) from exc
    if not isinstance(body, dict) or "data" not in body:
        raise ResponseValidationError(
            'response body is not the {"data": ..., "errors": ...} envelope',
            body=body,
            request_id=request_id,
        )
    return body


def _decode_error(raw: bytes) -> object:
    if not raw:
        return None
    try:
        return _json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
