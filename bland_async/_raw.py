"""Raw responses: ``client.with_raw_response.<tree>`` returns :class:`RawResponse` objects.

A call made through the raw view runs exactly as usual, while the transport notes each
successful HTTP exchange in a context variable that only the raw view sets; the call's
result comes back wrapped with the status, headers, request id and latency of its last
exchange. The views themselves (one per resource, for both clients) are generated into
``bland_async/_sync/_raw.py`` by ``tools/gen_sync.py``.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

import attrs

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bland_async._sync_runtime import SyncRuntime

__all__ = ["Exchange", "RawResponse", "note_exchange", "raw_async", "raw_sync"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


@attrs.frozen
class Exchange:
    """One successful HTTP exchange, as the raw view reports it."""

    method: str
    route: str
    status: int
    headers: Mapping[str, str]
    request_id: str | None
    elapsed: float


#: The exchanges of the raw call running in this context (``None``: not a raw call).
_EXCHANGES: contextvars.ContextVar[list[Exchange] | None] = contextvars.ContextVar(
    "bland_async_raw_exchanges", default=None
)


def note_exchange(
    method: str,
    route: str,
    status: int,
    headers: Mapping[str, str],
    *,
    request_id: str | None,
    elapsed: float,
) -> None:
    """Record a successful exchange when a raw call is running (else nothing)."""
    exchanges = _EXCHANGES.get()
    if exchanges is not None:
        exchanges.append(Exchange(method, route, status, headers, request_id, elapsed))


class RawResponse(Generic[_T]):
    """A call's result with the HTTP details of its last exchange.

    A method that sends several requests (``promote`` re-reading the persona,
    ``update`` reading the name first, a bulk job) reports the last one that succeeded.

    Attributes:
        status: The HTTP status, e.g. 200 or 204.
        headers: The response headers (case-insensitive names), rate-limit ones included.
        request_id: The ``x-request-id`` header, or ``None``.
        elapsed: Time from sending the request to reading the whole response.
        method: The HTTP method.
        route: The route template, e.g. ``/v1/personas/{persona_id}``.
    """

    __slots__ = ("_result", "elapsed", "headers", "method", "request_id", "route", "status")

    def __init__(self, result: _T, exchange: Exchange) -> None:
        self._result = result
        self.status = exchange.status
        self.headers = exchange.headers
        self.request_id = exchange.request_id
        self.elapsed = timedelta(seconds=exchange.elapsed)
        self.method = exchange.method
        self.route = exchange.route

    def parse(self) -> _T:
        """The value the method returns without ``with_raw_response`` (already structured)."""
        return self._result

    def __repr__(self) -> str:
        return (
            f"<RawResponse {self.method} {self.route} {self.status} "
            f"request_id={self.request_id!r} elapsed={self.elapsed.total_seconds() * 1000:.1f}ms>"
        )


def raw_async(fn: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[RawResponse[_T]]]:
    """``fn`` returning a :class:`RawResponse` around its result."""

    @functools.wraps(fn)
    async def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        exchanges: list[Exchange] = []
        token = _EXCHANGES.set(exchanges)
        try:
            result = await fn(*args, **kwargs)
        finally:
            _EXCHANGES.reset(token)
        if not exchanges:  # pragma: no cover (every method sends at least one request)
            raise AssertionError(f"{fn.__qualname__} made no request to report")
        return RawResponse(result, exchanges[-1])

    return call


def raw_sync(
    runtime: SyncRuntime, fn: Callable[_P, Awaitable[_T]]
) -> Callable[_P, RawResponse[_T]]:
    """The blocking twin of ``raw_async(fn)``: one hop to the client's loop thread."""
    raw = raw_async(fn)

    @functools.wraps(fn)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        return runtime.call(raw, *args, **kwargs)

    return call
