"""``AsyncBlandClient``: configuration, the resource tree, and the session's lifecycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from bland_async._logging import configure_from_env
from bland_async._options import ClientOptions, Timeout, resolve_options
from bland_async._ratelimit import RateLimitGate
from bland_async._resources._evals import AsyncEvals
from bland_async._resources._personas import AsyncPersonas
from bland_async._stats import CallCounters, ClientStats
from bland_async._transport import InFlightCap, SessionHolder, Shared, Transport, client_headers

if TYPE_CHECKING:
    from types import TracebackType

    import aiohttp

    from bland_async._retry import RetryPolicy
    from bland_async._sync._raw import RawAsyncBlandClient

__all__ = ["AsyncBlandClient"]


class AsyncBlandClient:
    """Async client for the Bland AI Personas and Evals APIs.

    One aiohttp session per client, created on first use inside the running event
    loop. Use it as an async context manager, or call :meth:`aclose` when done::

        async with AsyncBlandClient() as bland:
            persona = await bland.personas.promote("persona-uuid")

    Args:
        api_key: The API key (sent raw in the ``authorization`` header). Defaults to the
            ``BLAND_API_KEY`` environment variable, read when the client is built.
        base_url: API root. Defaults to ``BLAND_BASE_URL``, then ``https://api.bland.ai``.
        timeout: Seconds per attempt (float) or a :class:`Timeout` (default: 60 s total,
            10 s to connect).
        max_retries: Retries after the first attempt (0 = one request). Default 2.
        max_concurrency: Optional cap on requests in flight across the whole client.
        retry_policy: The waits between attempts (backoff, the cap on ``Retry-After``);
            default ``RetryPolicy()``.
        session: An aiohttp ``ClientSession`` to borrow; it is never closed by the client.

    Raises:
        ConfigurationError: No API key, a malformed ``base_url``/``timeout``, or a
            ``BLAND_LOG`` other than ``debug``, ``info``, ``warning`` or empty.

    Logging: set ``BLAND_LOG=debug`` or ``info`` (read here) to see the SDK's log on
    stderr without configuring logging.
    """

    personas: AsyncPersonas
    """Personas, their versions and inbound numbers."""
    evals: AsyncEvals
    """Evals: agents, workbench setups, runs, templates."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        max_concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        configure_from_env()
        options = resolve_options(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
            retry_policy=retry_policy,
        )
        self._setup(options, _new_shared(options, session))

    def _setup(
        self,
        options: ClientOptions,
        shared: Shared,
        *,
        owner: bool = True,
        cap: InFlightCap | None = None,
    ) -> None:
        self._options = options
        self._shared = shared
        #: The client that made the session owns it; a ``with_options`` copy only uses it.
        self._owner = owner
        transport = Transport(options, shared, cap=cap)
        self._transport = transport
        self.personas = AsyncPersonas(transport)
        self.evals = AsyncEvals(transport)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        max_concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> AsyncBlandClient:
        """Return a copy with some options changed, sharing this client's session.

        The copy also shares the rate-limit pause and counters. ``max_concurrency``
        caps the copy's own requests in flight (a cap this client has still applies to
        all of them together). Closing the copy only makes the copy unusable: the
        session belongs to this client, and closing this client closes it for every
        copy.
        """
        options = resolve_options(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
            retry_policy=retry_policy,
            base=self._options,
        )
        cap = self._transport.cap
        if max_concurrency is not None:
            cap = InFlightCap(max_concurrency)
        clone = object.__new__(type(self))
        clone._setup(options, self._shared, owner=False, cap=cap)
        return clone

    @property
    def with_raw_response(self) -> RawAsyncBlandClient:
        """The same resource tree, whose methods return a ``RawResponse[T]``.

        ``await bland.with_raw_response.personas.get(persona_id)`` gives the status,
        headers (rate-limit ones included), request id and latency of the response, and
        ``.parse()`` returns the ``Persona``. Methods that return an iterator
        (``iterate``, ``promote_each``) have no raw twin.
        """
        from bland_async._sync._raw import RawAsyncBlandClient  # noqa: PLC0415 (import cycle)

        return RawAsyncBlandClient(self)

    @property
    def base_url(self) -> str:
        """The API root this client sends to."""
        return self._options.base_url

    @property
    def timeout(self) -> Timeout:
        """The client's timeouts."""
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._options.max_retries

    @property
    def stats(self) -> ClientStats:
        """Counters: requests, retries, 429s, time spent waiting on rate-limit pauses."""
        return self._shared.counters.snapshot(self._shared.gate)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has been called (on this client, or on the one it copies)."""
        return self._transport.closed or self._shared.holder.closed

    def _forget_session_after_fork(self) -> list[object]:
        """In a forked child: drop the inherited session untouched (see SessionHolder)."""
        return self._shared.holder.forget_after_fork()

    def _release_copy(self) -> bool:
        """Close a ``with_options`` copy (it owns nothing); ``False`` for the original."""
        if self._owner:
            return False
        self._transport.close()
        return True

    async def aclose(self) -> None:
        """Close the client's own session (a borrowed one stays open). Idempotent.

        On a copy made with :meth:`with_options` this closes only the copy.
        """
        if not self._release_copy():
            await self._shared.holder.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as configuration: the copy opens a session of its own on first use.

        The pickle holds the options, the API key among them (treat it as a secret).
        A borrowed ``session=`` is not carried over, and a ``with_options`` copy
        unpickles as an independent client with the copy's options.
        """
        return (_from_options, (type(self), self._options))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._options.base_url!r}, "
            f"max_retries={self._options.max_retries}, timeout={self._options.timeout!r})"
        )


def _new_shared(options: ClientOptions, session: aiohttp.ClientSession | None) -> Shared:
    """What a client and its ``with_options`` copies share: session, 429 pause, counters."""
    holder = SessionHolder(
        session,
        max_concurrency=options.max_concurrency,
        default_headers=client_headers(options.api_key),
    )
    return Shared(holder, RateLimitGate(), CallCounters())


def _from_options(cls: type[AsyncBlandClient], options: ClientOptions) -> AsyncBlandClient:
    """Unpickle a client: a new one from ``options``, with nothing shared."""
    client = object.__new__(cls)
    client._setup(options, _new_shared(options, None))
    return client
