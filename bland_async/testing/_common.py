"""Shared machinery of the fake Bland server.

Everything here works on plain JSON values (dicts, lists, strings, numbers),
never on the SDK's models: the fake is an independent implementation of the
server. Route modules (`_personas`, `_workbench`, ...) build on:

- `ApiError`, raised anywhere in a handler and turned into the error envelope;
- `ok` / `no_content` for success envelopes;
- the `check_*` validators, which raise `VALIDATION_ERROR` naming the field;
- `query_int` / `query_bool` for query parameters;
- `cursor_page`, the one cursor paginator every Evals list uses.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final, TypedDict, TypeVar, Unpack

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

__all__ = [
    "ApiError",
    "JSONObject",
    "ListLimits",
    "check_bool",
    "check_enum",
    "check_list",
    "check_number",
    "check_object",
    "check_str",
    "check_str_list",
    "check_string_map",
    "cursor_page",
    "default_code",
    "dumps",
    "error_envelope",
    "is_e164",
    "json_response",
    "no_content",
    "ok",
    "query_bool",
    "query_int",
    "read_body",
    "require",
    "unique_slug",
    "validation_error",
]

# A JSON object as the fake stores and answers it. `Any` because request
# bodies and stored resources are arbitrary JSON, checked field by field.
JSONObject = dict[str, Any]

_T = TypeVar("_T")

_SLUG_JUNK: Final = re.compile(r"[^a-z0-9]+")
_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")

_DEFAULT_CODES: Final[Mapping[int, str]] = {
    400: "BAD_REQUEST",
    401: "AUTH_FAILURE",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


def default_code(status: int) -> str:
    """Return the error code the fake uses for `status` when nothing more specific applies."""
    if status >= 500:
        return "INTERNAL_ERROR"
    return _DEFAULT_CODES.get(status, f"HTTP_{status}")


def dumps(value: object) -> bytes:
    """Serialize `value` as compact UTF-8 JSON."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(
    payload: object, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Answer `payload` serialized as JSON, with `status`."""
    return web.Response(
        body=dumps(payload), status=status, headers=headers, content_type="application/json"
    )


def ok(data: object, *, status: int = 200) -> web.Response:
    """Answer the success envelope `{"data": data, "errors": null}`."""
    return json_response({"data": data, "errors": None}, status=status)


def no_content() -> web.Response:
    """Answer 204 with an empty body."""
    return web.Response(status=204)


def error_envelope(
    code: str, message: str, details: Mapping[str, object] | None = None
) -> JSONObject:
    """Build the dominant error envelope `{"data": null, "errors": [...]}`."""
    error: JSONObject = {"error": code, "message": message}
    if details is not None:
        error["details"] = dict(details)
    return {"data": None, "errors": [error]}


class ApiError(Exception):
    """An API error: raise it from a handler and the client gets its envelope.

    Args:
        status: HTTP status to answer.
        code: the machine code (`errors[0].error`).
        message: human-readable text.
        details: optional `details` object; omitted from the body when None.
        headers: extra response headers (e.g. `Allow` on a 405).
        variant: answer the one-off `{"error": {"code", "message", "details"}}`
            shape instead of the standard envelope (P10's `VERSION_NOT_FOUND`).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, object] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        variant: bool = False,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details) if details is not None else None
        self.headers = dict(headers) if headers is not None else {}
        self.variant = variant

    def body(self) -> JSONObject:
        """Return the JSON body this error is answered with."""
        if self.variant:
            inner: JSONObject = {"code": self.code, "message": self.message}
            if self.details is not None:
                inner["details"] = self.details
            return {"error": inner}
        return error_envelope(self.code, self.message, self.details)

    def response(self) -> web.Response:
        """Return the aiohttp response for this error."""
        return json_response(self.body(), status=self.status, headers=self.headers)


def validation_error(field: str, message: str) -> ApiError:
    """Build a 400 `VALIDATION_ERROR` naming `field` (a JSON path such as `a.b[0].c`)."""
    return ApiError(400, "VALIDATION_ERROR", message, {"field": field})


async def read_body(request: web.Request) -> JSONObject:
    """Parse the request body as a JSON object.

    An empty body reads as `{}` (endpoints whose fields are all optional accept
    no body at all). Invalid JSON is 400 `INVALID_JSON`; valid JSON that is not
    an object is 400 `VALIDATION_ERROR` on field `body`.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "INVALID_JSON", f"Request body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise validation_error("body", "body must be a JSON object")
    return value


# --- field validators --------------------------------------------------------
#
# Each takes the raw JSON value and its path, and returns the value (normalised
# where useful) or raises VALIDATION_ERROR. `nullable=True` lets JSON null
# through as None.


def require(body: Mapping[str, Any], key: str, path: str | None = None) -> Any:
    """Return `body[key]`, or raise `VALIDATION_ERROR` if the key is missing."""
    if key not in body:
        field = path or key
        raise validation_error(field, f"{field} is required")
    return body[key]


def _typed(
    value: object, path: str, kind: type[_T] | tuple[type[_T], ...], noun: str, nullable: bool
) -> _T | None:
    """Return `value` if it is a `kind` (`noun` in the message), None if it is an allowed null.

    A JSON boolean is never a number: `true` is refused where an integer is due.
    """
    if value is None:
        if nullable:
            return None
        raise validation_error(path, f"{path} must not be null")
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise validation_error(path, f"{path} must be {noun}")
    return value


def _check_size(size: int, path: str, lo: int, hi: int | None, *, verb: str, unit: str) -> None:
    """A string's or an array's size within `[lo, hi]`; below a minimum of 1 reads "empty"."""
    if size < lo:
        if lo == 1:
            raise validation_error(path, f"{path} must not be empty")
        raise validation_error(path, f"{path} must {verb} at least {lo} {unit}")
    if hi is not None and size > hi:
        raise validation_error(path, f"{path} must {verb} at most {hi} {unit}")


def check_str(
    value: object,
    path: str,
    *,
    nullable: bool = False,
    min_len: int = 0,
    max_len: int | None = None,
) -> str | None:
    """Check a string, with an optional length range (in characters)."""
    text = _typed(value, path, str, "a string", nullable)
    if text is not None:
        _check_size(len(text), path, min_len, max_len, verb="be", unit="characters")
    return text


def check_bool(value: object, path: str, *, nullable: bool = False) -> bool | None:
    """Check a JSON boolean."""
    return _typed(value, path, bool, "a boolean", nullable)


def check_number(
    value: object,
    path: str,
    *,
    nullable: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
) -> float | int | None:
    """Check a JSON number (not a boolean) within `[lo, hi]`; `integer=True` refuses floats."""
    kinds: tuple[type[float], ...] = (int,) if integer else (int, float)
    number = _typed(value, path, kinds, "an integer" if integer else "a number", nullable)
    if number is None:
        return None
    too_low = lo is not None and number < lo
    if too_low or (hi is not None and number > hi):
        if lo is not None and hi is not None:
            raise validation_error(path, f"{path} must be between {lo} and {hi}")
        bound = f"at least {lo}" if too_low else f"at most {hi}"
        raise validation_error(path, f"{path} must be {bound}")
    return number


def check_enum(value: object, path: str, choices: Sequence[str]) -> str:
    """Check that `value` is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise validation_error(path, f"{path} must be one of: {', '.join(choices)}")
    return value


class ListLimits(TypedDict, total=False):
    """What `check_list` and `check_str_list` accept of an array.

    Attributes:
        nullable: let JSON null through as None (default False).
        min_items: the fewest items (default 0).
        max_items: the most items (default None, no limit).
    """

    nullable: bool
    min_items: int
    max_items: int | None


def check_list(value: object, path: str, **limits: Unpack[ListLimits]) -> list[Any] | None:
    """Check a JSON array and its length (`limits`: see `ListLimits`)."""
    items = _typed(value, path, list, "an array", limits.get("nullable", False))
    if items is not None:
        lo, hi = limits.get("min_items", 0), limits.get("max_items")
        _check_size(len(items), path, lo, hi, verb="have", unit="items")
    return items


def check_str_list(
    value: object, path: str, *, item_min_len: int = 0, **limits: Unpack[ListLimits]
) -> list[str] | None:
    """Check a JSON array of strings, each at least `item_min_len` long (`limits`: `ListLimits`)."""
    items = check_list(value, path, **limits)
    if items is None:
        return None
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise validation_error(f"{path}[{index}]", f"{path}[{index}] must be a string")
        if item_min_len:
            check_str(item, f"{path}[{index}]", min_len=item_min_len)
    return list(items)


def check_object(value: object, path: str, *, nullable: bool = False) -> JSONObject | None:
    """Check a JSON object."""
    return _typed(value, path, dict, "an object", nullable)


def check_string_map(value: object, path: str) -> dict[str, str]:
    """Check an object whose values are all strings (Evals `metadata`)."""
    if not isinstance(value, dict):
        raise validation_error(path, f"{path} must be an object")
    for key, item in value.items():
        if not isinstance(item, str):
            raise validation_error(f"{path}.{key}", f"{path}.{key} must be a string")
    return dict(value)


def is_e164(value: object) -> bool:
    """Return whether `value` is an E.164 phone number string such as `+14155551234`."""
    return isinstance(value, str) and _E164.fullmatch(value) is not None


def unique_slug(name: str, taken: Collection[str], *, sep: str = "-", fallback: str) -> str:
    """Slug `name` (lower case, runs of other characters become `sep`), unique among `taken`.

    A clash appends `{sep}2`, `{sep}3`, ... (`empathy-check-2`); a name with no
    letters or digits slugs to `fallback`.
    """
    base = _SLUG_JUNK.sub(sep, name.lower()).strip(sep) or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{sep}{n}", n + 1
    return key


# --- query parameters --------------------------------------------------------


def query_int(query: Mapping[str, str], name: str, *, default: int, lo: int, hi: int) -> int:
    """Read an integer query parameter within `[lo, hi]`, or `default` when absent."""
    raw = query.get(name)
    if raw is None:
        return default
    if _INTEGER.fullmatch(raw) is None:
        raise validation_error(name, f"{name} must be an integer")
    value = int(raw)
    if not lo <= value <= hi:
        raise validation_error(name, f"{name} must be between {lo} and {hi}")
    return value


def query_bool(query: Mapping[str, str], name: str, *, default: bool) -> bool:
    """Read a boolean query parameter (`true`/`false`, also `1`/`0`)."""
    raw = query.get(name)
    if raw is None:
        return default
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise validation_error(name, f"{name} must be true or false")


# --- cursor pagination (every Evals list) -------------------------------------


def cursor_page(
    query: Mapping[str, str],
    items: Sequence[_T],
    *,
    id_of: Callable[[_T], str],
    render: Callable[[_T], object],
) -> JSONObject:
    """Cut one page out of `items` (already in list order) per the cursor query.

    Query: `limit` (1..100, default 25), `starting_after` (the items after that
    id), `ending_before` (the `limit` items immediately before that id); the two
    cursors are mutually exclusive, and an id not in `items` is a 400.

    `has_more` and `next_cursor` always describe the forward direction:
    `has_more` is true when items follow the page, and `next_cursor` (the last
    item's id, or null) is what to send as `starting_after` next. So an
    `ending_before` page has `has_more: true` (the cursor item follows it).

    Returns:
        `{"object": "list", "data": [...], "has_more": bool, "next_cursor": str|null}`.
    """
    limit = query_int(query, "limit", default=25, lo=1, hi=100)
    starting_after = query.get("starting_after")
    ending_before = query.get("ending_before")
    if starting_after is not None and ending_before is not None:
        raise validation_error(
            "starting_after", "starting_after and ending_before cannot be used together"
        )
    ids = [id_of(item) for item in items]

    def position(name: str, cursor: str) -> int:
        try:
            return ids.index(cursor)
        except ValueError:
            raise validation_error(name, f"{name} {cursor!r} does not match any object") from None

    if ending_before is not None:
        end = position("ending_before", ending_before)
        start = max(0, end - limit)
    else:
        start = 0 if starting_after is None else position("starting_after", starting_after) + 1
        end = min(len(items), start + limit)
    page = items[start:end]
    has_more = bool(page) and end < len(items)
    return {
        "object": "list",
        "data": [render(item) for item in page],
        "has_more": has_more,
        "next_cursor": id_of(page[-1]) if has_more else None,
    }
