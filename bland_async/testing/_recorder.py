"""What the fake remembers about each request it received."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["RecordedRequest", "record_request"]


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as the fake received it, and the status it answered.

    Attributes:
        method: the HTTP method, upper case.
        path: the raw (still percent-encoded) path, without the query string,
            e.g. `/v1/personas/p1/inbound/%2B14155551234/settings`.
        route: the matched route template, e.g.
            `/v1/personas/{persona_id}/versions/promote`; None when no route
            matched (404/405).
        query: the query parameters (the last value wins on repeats).
        headers: the request headers with lower-cased names (repeats joined by ", ").
        json: the parsed JSON body, or None when the body is empty or not JSON.
            Typed `Any` so tests can index into it directly.
        body: the raw body bytes.
        status: the status answered; None if the connection was dropped (or
            while the request is still in flight).
        request_id: the `x-request-id` the response carried (`req_` + hex).
    """

    method: str
    path: str
    route: str | None
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    body: bytes
    status: int | None
    request_id: str


def record_request(
    request: web.Request, *, route: str | None, body: bytes, request_id: str
) -> RecordedRequest:
    """Build the arrival record of `request` (status still None)."""
    parsed: Any = None
    if body.strip():
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return RecordedRequest(
        method=request.method,
        path=request.rel_url.raw_path,
        route=route,
        query=dict(request.query.items()),
        headers=headers,
        json=parsed,
        body=body,
        status=None,
        request_id=request_id,
    )
