"""Client configuration: frozen options resolved as argument > ``BLAND_*`` env > default."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any, Final, TypedDict

import attrs

from bland_async._errors import ConfigurationError, InvalidRequestError
from bland_async._retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "ClientOptions",
    "PollOptions",
    "RequestOptions",
    "Timeout",
    "check_request_options",
    "resolve_options",
    "with_call_options",
]

DEFAULT_BASE_URL: Final = "https://api.bland.ai"
DEFAULT_MAX_RETRIES: Final = 2


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not (value > 0 and math.isfinite(value)):
        raise ConfigurationError(f"Timeout.{attribute.name} must be a positive number of seconds")


@attrs.frozen(kw_only=True)
class Timeout:
    """Timeouts in seconds.

    Attributes:
        total: Cap on one attempt, from sending to the last byte of the response.
            Default 60.
        connect: Cap on getting a connection (pool wait + TCP/TLS connect). Default 10.
        read: Cap on waiting for each chunk of the response (``None``: only ``total``).
        deadline: Cap on one call across all its attempts and retry waits
            (``None``: ``total`` times the number of attempts, plus the waits).
    """

    total: float = attrs.field(default=60.0, validator=_positive)
    connect: float = attrs.field(default=10.0, validator=_positive)
    read: float | None = attrs.field(default=None, validator=_positive)
    deadline: float | None = attrs.field(default=None, validator=_positive)


def _coerce_timeout(value: float | Timeout) -> Timeout:
    if isinstance(value, Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError("timeout must be a number of seconds or a Timeout")
    return Timeout(total=float(value), connect=min(10.0, float(value)))


def _check_base_url(url: str) -> str:
    from yarl import URL  # noqa: PLC0415 (construction-time only)

    try:
        parsed = URL(url)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url {url!r} is not a valid URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host or any(c.isspace() for c in url):
        raise ConfigurationError(
            f"base_url {url!r} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}"
        )
    if parsed.query_string or parsed.fragment:
        raise ConfigurationError(f"base_url {url!r} must not have a query or fragment")
    url = url.rstrip("/")
    # Routes carry their own /v1: a base URL copied with it would request /v1/v1/...
    return url.removesuffix("/v1") if parsed.path.rstrip("/").endswith("/v1") else url


@attrs.frozen(kw_only=True)
class ClientOptions:
    """Resolved, validated client configuration (internal)."""

    api_key: str = attrs.field(repr=lambda _: "'***'")
    base_url: str
    timeout: Timeout
    max_retries: int
    max_concurrency: int | None
    retry_policy: RetryPolicy = attrs.Factory(RetryPolicy)


def _resolve_retry_policy(policy: RetryPolicy | None, base: ClientOptions | None) -> RetryPolicy:
    if policy is None:
        return base.retry_policy if base else RetryPolicy()
    if not isinstance(policy, RetryPolicy):
        raise ConfigurationError("retry_policy must be a RetryPolicy")
    return policy


def resolve_options(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float | Timeout | None,
    max_retries: int | None,
    max_concurrency: int | None,
    retry_policy: RetryPolicy | None = None,
    base: ClientOptions | None = None,
) -> ClientOptions:
    """Build options from arguments, then ``BLAND_*`` environment variables, then defaults.

    With ``base`` (``with_options``), unspecified values come from ``base`` instead of the
    environment.
    """
    if api_key is None:
        api_key = base.api_key if base else os.environ.get("BLAND_API_KEY")
    if not api_key or not isinstance(api_key, str) or not api_key.strip():
        raise ConfigurationError(
            "No API key: pass api_key=... or set the BLAND_API_KEY environment variable"
        )
    if not api_key.isascii() or any(ch < " " or ch == "\x7f" for ch in api_key.strip()):
        # An HTTP header carries neither; aiohttp would fail every request with a bare error.
        raise ConfigurationError(
            "api_key must be printable ASCII (no control characters, tabs or line breaks)"
        )
    if base_url is None:
        base_url = base.base_url if base else os.environ.get("BLAND_BASE_URL") or DEFAULT_BASE_URL
    resolved_timeout = (
        _coerce_timeout(timeout) if timeout is not None else (base.timeout if base else Timeout())
    )
    if max_retries is None:
        max_retries = base.max_retries if base else DEFAULT_MAX_RETRIES
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError("max_retries must be an integer >= 0")
    if max_concurrency is None and base is not None:
        max_concurrency = base.max_concurrency
    if max_concurrency is not None and (
        isinstance(max_concurrency, bool)
        or not isinstance(max_concurrency, int)
        or max_concurrency < 1
    ):
        raise ConfigurationError("max_concurrency must be an integer >= 1 or None")
    return ClientOptions(
        api_key=api_key.strip(),
        base_url=_check_base_url(base_url),
        timeout=resolved_timeout,
        max_retries=max_retries,
        max_concurrency=max_concurrency,
        retry_policy=_resolve_retry_policy(retry_policy, base),
    )


class PollOptions(TypedDict, total=False):
    """The per-call options of ``evals.runs.wait``, whose own ``timeout`` is its deadline.

    Attributes:
        max_retries: Retries after the first attempt (0 = one request).
        extra_headers: Headers to add (or replace) on each request of the call.
        extra_query: Query parameters to add to each request (booleans as
            ``true``/``false``).
        extra_body: JSON fields to merge into the body of each request that is not a read
            (a POST without a body gets one; a GET is sent without).
    """

    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, object]
    extra_body: Mapping[str, object]


class RequestOptions(PollOptions, total=False):
    """Per-call options: keyword arguments every method of both clients takes last.

    ``timeout`` and ``max_retries`` replace the client's for this call (every request
    it makes, re-reads included); the ``extra_*`` ones add to what the SDK sends, for
    API fields and headers the SDK does not model yet. ``evals.runs.wait`` takes all
    but ``timeout`` (:class:`PollOptions`): its ``timeout`` is the wait's deadline.

    Attributes:
        timeout: Seconds per attempt (float) or a :class:`Timeout`.
        max_retries: Retries after the first attempt (0 = one request).
        extra_headers: Headers to add (or replace) on each request of the call.
        extra_query: Query parameters to add to each request (booleans as
            ``true``/``false``).
        extra_body: JSON fields to merge into the body of each request that is not a read
            (a POST without a body gets one; a GET is sent without).
    """

    timeout: float | Timeout


_OPTION_NAMES: Final = RequestOptions.__optional_keys__


def check_request_options(options: Mapping[str, object]) -> None:
    """Refuse unknown or ill-typed per-call options before anything is sent.

    Raises:
        InvalidRequestError: An option name is unknown or its value has the wrong type.
    """
    unknown = sorted(set(options) - _OPTION_NAMES)
    if unknown:
        raise InvalidRequestError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}; the per-call "
            f"options are {', '.join(sorted(_OPTION_NAMES))}"
        )
    timeout = options.get("timeout")
    if timeout is not None:
        try:
            _coerce_timeout(timeout)  # type: ignore[arg-type]
        except ConfigurationError as exc:
            raise InvalidRequestError(str(exc)) from None
    retries = options.get("max_retries")
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
    ):
        raise InvalidRequestError(f"max_retries must be an integer >= 0, got {retries!r}")
    for name in ("extra_headers", "extra_query", "extra_body"):
        value = options.get(name)
        if value is not None and not isinstance(value, Mapping):
            raise InvalidRequestError(f"{name} must be a mapping, got {type(value).__name__}")
    for key, value in (options.get("extra_headers") or {}).items():  # type: ignore[attr-defined]
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidRequestError("extra_headers must map header names to strings")
        if any(ch < " " or ch == "\x7f" for ch in key + value) or not key.isascii():
            raise InvalidRequestError(f"extra_headers[{key!r}] has characters a header can't carry")


def with_call_options(options: ClientOptions, call: RequestOptions) -> ClientOptions:
    """The client's options with this call's ``timeout``/``max_retries`` in their place."""
    timeout = call.get("timeout")
    retries = call.get("max_retries")
    return attrs.evolve(
        options,
        timeout=options.timeout if timeout is None else _coerce_timeout(timeout),
        max_retries=options.max_retries if retries is None else retries,
    )
