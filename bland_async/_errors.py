"""The exception hierarchy and the registries that map HTTP statuses and API codes to it.

Every error the SDK raises is a :class:`BlandError`. Status classes register themselves
with a class keyword (``class NotFoundError(APIStatusError, status=404)``) and domain
classes with ``code=...``; :func:`make_status_error` picks the most specific class.
Exceptions carry plain data only, so they pickle and never hold a live connection.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bland_async._retry import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BlandError",
    "ConfigurationError",
    "ConflictError",
    "EvalsDisabledError",
    "InternalServerError",
    "InvalidRequestError",
    "NoDraftVersionError",
    "NotFoundError",
    "PermissionDeniedError",
    "PersonaInUseError",
    "PersonaNotFoundError",
    "RateLimitError",
    "ResponseValidationError",
    "UnprocessableEntityError",
    "VersionNotEditableError",
    "VersionNotFoundError",
    "make_status_error",
]


class BlandError(Exception):
    """Base class of every error raised by ``bland_async``."""


class ConfigurationError(BlandError):
    """The client was configured wrongly (missing API key, malformed base URL, ...)."""


class InvalidRequestError(BlandError, ValueError):
    """An argument breaks a documented API rule; raised before anything is sent."""


class _FailedRequestError(BlandError):
    """A failed request: its message, where it went, and whether it may have been applied.

    The base of :class:`APIConnectionError`, :class:`APIStatusError` and
    :class:`ResponseValidationError` (not exported).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        route: str = "",
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.route = route
        self.may_have_been_applied = may_have_been_applied

    def __str__(self) -> str:
        return _flag_applied(self.message, self.may_have_been_applied)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.message,), dict(self.__dict__)))


class APIConnectionError(_FailedRequestError):
    """The request could not be completed: the connection failed, broke or timed out.

    Attributes:
        method: HTTP method of the failed request.
        route: The route template, e.g. ``/v1/personas/{persona_id}``.
        may_have_been_applied: ``True`` when the request had been sent before it failed
            (a read timeout, a connection reset), so the server may have applied it;
            ``False`` when it never left (connect error, pool timeout).
    """


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, reading, or the per-call deadline passed)."""


def _flag_applied(text: str, applied: bool) -> str:
    return f"{text} [may have been applied]" if applied else text


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    exc = cls.__new__(cls)
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class APIStatusError(_FailedRequestError):
    """The API answered with a non-2xx status.

    Attributes:
        status: The HTTP status code.
        code: The API's machine-readable error code (e.g. ``"PERSONA_IN_USE"``), or ``None``.
        message: The API's human-readable message (or the raw body when it had none).
        details: The error's ``details`` object (empty when absent).
        request_id: The ``x-request-id`` response header, or ``None``.
        headers: Response headers with lowercased names.
        body: The parsed JSON body, or the raw text when it was not JSON.
        method: HTTP method of the request.
        route: The route template of the request.
        may_have_been_applied: ``True`` when the request (or an earlier attempt of the same
            call) may have taken effect although this error was the answer: a gateway's
            502/504 or a server failure on a request that is not safe to repeat, or a
            ``promote`` whose outcome could not be confirmed. ``False`` when the server
            settled it (a 4xx, a 429 refusal).
    """

    status_code: ClassVar[int | None] = None
    error_code: ClassVar[str | None] = None
    _by_status: ClassVar[dict[int, type[APIStatusError]]] = {}
    _by_code: ClassVar[dict[str, type[APIStatusError]]] = {}

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
            APIStatusError._by_status[status] = cls
        if code is not None:
            cls.error_code = code
            APIStatusError._by_code[code] = cls

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
        body: object = None,
        method: str = "",
        route: str = "",
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(
            message, method=method, route=route, may_have_been_applied=may_have_been_applied
        )
        self.status = status
        self.code = code
        self.details: dict[str, Any] = details or {}
        self.request_id = request_id
        self.headers: dict[str, str] = headers or {}
        self.body = body

    def __str__(self) -> str:
        where = f" ({self.method} {self.route})" if self.route else ""
        code = f" {self.code}" if self.code else ""
        rid = f" [request_id={self.request_id}]" if self.request_id else ""
        return _flag_applied(
            f"{self.status}{code}: {self.message}{where}{rid}", self.may_have_been_applied
        )

    def __reduce__(self) -> tuple[Any, ...]:
        state = dict(self.__dict__)
        bases = _BOTH_BASES.get(type(self))
        if bases is not None:  # a class made for an unexpected status: rebuilt, not imported
            return (_rebuild_both, (*bases, (self.message,), state))
        return (_rebuild, (type(self), (self.message,), state))


class BadRequestError(APIStatusError, status=400):
    """400: the API rejected the request as malformed or invalid."""


class AuthenticationError(APIStatusError, status=401):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIStatusError, status=403):
    """403: the key may not do this."""


class NotFoundError(APIStatusError, status=404):
    """404: the resource does not exist (or belongs to another organization)."""


class ConflictError(APIStatusError, status=409):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError, status=422):
    """422: the request was understood but breaks a rule (e.g. publish preconditions)."""


class RateLimitError(APIStatusError, status=429):
    """429: too many requests.

    Attributes:
        retry_after: Seconds the server asked us to wait, or ``None``.
    """

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before retrying, from ``Retry-After``/``retry-after-ms``."""
        return parse_retry_after(self.headers)


class InternalServerError(APIStatusError, status=500):
    """5xx: the server failed."""


class PersonaNotFoundError(NotFoundError, code="PERSONA_NOT_FOUND"):
    """The persona does not exist or is not accessible."""


class VersionNotFoundError(NotFoundError, code="VERSION_NOT_FOUND"):
    """The persona version does not exist; ``details`` lists the available versions."""


class PersonaInUseError(ConflictError, code="PERSONA_IN_USE"):
    """Phone numbers still use the persona; ``details["phone_numbers_using"]`` lists them.

    Delete with ``force=True`` to delete it anyway.
    """


class NoDraftVersionError(ConflictError, code="NO_DRAFT_VERSION"):
    """The persona has no draft version to promote."""


class VersionNotEditableError(ConflictError, code="VERSION_NOT_EDITABLE"):
    """Only ``editable`` versions can be updated; fork the archived version first."""


class EvalsDisabledError(NotFoundError):
    """Evals is not enabled for this organization, so every Evals route answers 404.

    ``reason`` carries the explanation from ``GET /v1/evals/status`` when available.
    """

    def __init__(self, message: str, *, reason: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


class ResponseValidationError(_FailedRequestError):
    """A 2xx response body did not have the documented shape.

    Attributes:
        body: The decoded body (or raw text) that failed.
        request_id: The ``x-request-id`` response header, or ``None``.
        may_have_been_applied: ``True`` when the request changes state: the server
            answered 2xx, so it was applied, but its answer could not be read.
    """

    def __init__(
        self,
        message: str,
        *,
        body: object = None,
        request_id: str | None = None,
        may_have_been_applied: bool = False,
    ) -> None:
        super().__init__(message, may_have_been_applied=may_have_been_applied)
        self.body = body
        self.request_id = request_id


def status_error_class(status: int, code: str | None) -> type[APIStatusError]:
    """Pick the most specific class for a status and an API error code.

    The API documents its error codes but not the statuses that carry them, so the
    code's class does not depend on the status the SDK assumed: ``NO_DRAFT_VERSION``
    answered with 400 is a :class:`NoDraftVersionError` that is also a
    :class:`BadRequestError`.
    """
    by_code = APIStatusError._by_code.get(code) if code else None
    by_status = APIStatusError._by_status.get(status)
    if by_status is None and status >= 500:
        by_status = InternalServerError
    if by_code is None:
        return by_status or APIStatusError
    if by_status is None or issubclass(by_code, by_status):
        return by_code
    return _both(by_code, by_status)


#: Classes made by :func:`_both`, and the two classes each was made from.
_BOTH: dict[tuple[type[APIStatusError], type[APIStatusError]], type[APIStatusError]] = {}
_BOTH_BASES: dict[type[APIStatusError], tuple[type[APIStatusError], type[APIStatusError]]] = {}


def _both(by_code: type[APIStatusError], by_status: type[APIStatusError]) -> type[APIStatusError]:
    """A subclass of both ``by_code`` and ``by_status`` (made once per pair)."""
    cls = _BOTH.get((by_code, by_status))
    if cls is None:
        cls = type(
            by_code.__name__,
            (by_code, by_status),
            {
                "__doc__": by_code.__doc__,
                "__module__": by_code.__module__,
                "__qualname__": by_code.__qualname__,
                "status_code": by_status.status_code,
            },
        )
        _BOTH[by_code, by_status] = cls
        _BOTH_BASES[cls] = (by_code, by_status)
    return cls


def _rebuild_both(
    by_code: type[APIStatusError],
    by_status: type[APIStatusError],
    args: tuple[Any, ...],
    state: dict[str, Any],
) -> Any:
    return _rebuild(_both(by_code, by_status), args, state)


def make_status_error(
    status: int,
    body: object,
    *,
    headers: dict[str, str],
    method: str = "",
    route: str = "",
) -> APIStatusError:
    """Build the exception for an error response, accepting every documented error shape.

    Shapes, in order: ``{"errors": [{"error", "message", "details"}]}``, the variant
    ``{"error": {"code", "message", "details"}}``, the legacy
    ``{"status": "error", "message", "errors": [str, ...]}``, then raw text.
    """
    code, message, details = _parse_error_body(body)
    if 300 <= status < 400:  # redirects are not followed: say where it pointed, once
        location = headers.get("location")
        target = f" to {location!r}" if location else ""
        message = (
            f"the API answered a redirect ({_default_message(status)}){target}; "
            "base_url should be the API root, e.g. 'https://api.bland.ai'"
        )
    elif message is None:
        message = _default_message(status)
    if status == 401:
        message = f"{message} (check the API key: api_key=... or BLAND_API_KEY)"
    cls = status_error_class(status, code)
    return cls(
        message,
        status=status,
        code=code,
        details=details,
        request_id=headers.get("x-request-id"),
        headers=headers,
        body=body,
        method=method,
        route=route,
    )


def _entry(
    entry: dict[str, Any], *, code_keys: tuple[str, str]
) -> tuple[str | None, str | None, dict[str, Any]]:
    """Code, message and details of one error object (the code under either key)."""
    code = entry.get(code_keys[0]) or entry.get(code_keys[1])
    return (
        _str_or_none(code),
        _str_or_none(entry.get("message")),
        _dict_or_empty(entry.get("details")),
    )


def _parse_error_body(body: object) -> tuple[str | None, str | None, dict[str, Any]]:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict):
                return _entry(first, code_keys=("error", "code"))
            if isinstance(first, str):
                message = _str_or_none(body.get("message")) or "; ".join(map(str, errors))
                return None, message, {}
        error = body.get("error")
        if isinstance(error, dict):
            return _entry(error, code_keys=("code", "error"))
        if isinstance(error, str):
            return error, _str_or_none(body.get("message")), {}
        return None, _str_or_none(body.get("message")), {}
    if isinstance(body, str) and body.strip():
        return None, body.strip()[:500], {}
    return None, None, {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dict_or_empty(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _default_message(status: int) -> str:
    from http import HTTPStatus  # noqa: PLC0415 (only on the error path)

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
