"""Fault injection: what can go wrong, and on which requests."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal

import attrs

from ._common import dumps

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Fault", "FaultHandle", "FaultKind", "FaultRegistry", "parse_route_spec"]

FaultKind = Literal["latency", "status", "drop", "malformed", "apply_then_fail"]

_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _check_status(status: int) -> int:
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code (100-599), got {status!r}")
    return status


def _to_bytes(body: bytes | str | Mapping[str, object] | list[object]) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return dumps(body)


@attrs.frozen
class Fault:
    """One thing that goes wrong with a request. Build it with a constructor below.

    Attributes:
        kind: `latency`, `status`, `drop`, `malformed` or `apply_then_fail`.
        delay: seconds to wait first (`latency` only).
        http_status: the status answered (`status`, `malformed`, `apply_then_fail`;
            None for `apply_then_fail` means drop the connection instead).
        headers: extra response headers, as (name, value) pairs.
        body: the exact response body, or None for the standard error envelope.
    """

    kind: FaultKind
    delay: float = 0.0
    http_status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Wait `seconds`, then handle the request normally.

        Latency faults add up and combine with one answering fault on the same
        request (e.g. a slow 429).
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        return cls(kind="latency", delay=float(seconds))

    @classmethod
    def status(
        cls,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | Mapping[str, object] | list[object] | None = None,
    ) -> Fault:
        """Answer `status` without handling the request (nothing is applied).

        Args:
            status: the HTTP status, e.g. 429 or 503.
            headers: extra headers, e.g. `{"Retry-After": "0.05"}`.
            body: the response body (bytes/str sent as is, a dict/list as JSON).
                Default: the standard error envelope with a code derived from
                the status (429 `TOO_MANY_REQUESTS`, 5xx `INTERNAL_ERROR`, 404
                `NOT_FOUND`, ...).
        """
        return cls(
            kind="status",
            http_status=_check_status(status),
            headers=tuple((headers or {}).items()),
            body=None if body is None else _to_bytes(body),
        )

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering (nothing is applied)."""
        return cls(kind="drop")

    @classmethod
    def malformed(cls, body: bytes | str = b'{"data": ', status: int = 200) -> Fault:
        """Answer `status` with a body that is not valid JSON / not the envelope.

        Nothing is applied. The response claims `Content-Type: application/json`.
        """
        return cls(kind="malformed", http_status=_check_status(status), body=_to_bytes(body))

    @classmethod
    def apply_then_fail(cls, status: int | None = None) -> Fault:
        """Run the real handler (state changes), then lose its response.

        Args:
            status: None drops the connection after applying; a status answers
                it with the standard error envelope instead of the real response.
        """
        return cls(
            kind="apply_then_fail",
            http_status=None if status is None else _check_status(status),
        )


def parse_route_spec(spec: str) -> tuple[str | None, str]:
    """Split `"METHOD /template"` (or just `"/template"`) into (method or None, template)."""
    parts = spec.split()
    if len(parts) == 1:
        method, template = None, parts[0]
    elif len(parts) == 2:
        method, template = parts[0].upper(), parts[1]
        if method == "*":
            method = None
        elif method not in _METHODS:
            raise ValueError(f"unknown HTTP method {parts[0]!r} in route spec {spec!r}")
    else:
        raise ValueError(f"route spec must be 'METHOD /path/{{param}}' or '/path', got {spec!r}")
    if not template.startswith("/"):
        raise ValueError(f"route template must start with '/', got {template!r}")
    return method, template


class FaultHandle:
    """A fault installed with `FakeBland.inject`; counts its hits and can be removed.

    Attributes:
        route: the route spec it was installed for.
        method: the HTTP method it matches, or None for any.
        template: the route template it matches.
        fault: what happens when it fires.
        times: how many times it fires at most (None: no limit).
        every: fire only on every Nth eligible match (None: every match).
        after: skip this many matches before any can fire.
    """

    def __init__(
        self,
        route: str,
        fault: Fault,
        *,
        times: int | None,
        every: int | None,
        after: int,
        registry: FaultRegistry,
    ) -> None:
        self.method, self.template = parse_route_spec(route)
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times!r}")
        if every is not None and every < 1:
            raise ValueError(f"every must be >= 1 or None, got {every!r}")
        if after < 0:
            raise ValueError(f"after must be >= 0, got {after!r}")
        self.route = route
        self.fault = fault
        self.times = times
        self.every = every
        self.after = after
        self._registry = registry
        self._matches = 0
        self._hits = 0
        self._removed = False

    @property
    def hits(self) -> int:
        """How many requests this fault has been applied to."""
        return self._hits

    @property
    def matches(self) -> int:
        """How many requests matched its route (fired or not)."""
        return self._matches

    @property
    def active(self) -> bool:
        """Whether it can still fire (not removed, `times` not used up)."""
        return not self._removed and (self.times is None or self._hits < self.times)

    def remove(self) -> None:
        """Uninstall it (idempotent); requests already delayed by it are unaffected."""
        self._removed = True
        self._registry.discard(self)

    def _matches_request(self, method: str, template: str | None, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.template in (template, path)

    def _offer(self) -> bool:
        """Count a matching request; return whether the fault fires on it."""
        self._matches += 1
        if not self.active:
            return False
        eligible = self._matches - self.after
        if eligible <= 0 or (self.every is not None and eligible % self.every != 0):
            return False
        self._hits += 1
        return True

    def __repr__(self) -> str:
        return (
            f"FaultHandle(route={self.route!r}, fault={self.fault!r}, times={self.times!r}, "
            f"every={self.every!r}, after={self.after!r}, hits={self._hits})"
        )


class FaultRegistry:
    """The installed faults, in installation order."""

    def __init__(self) -> None:
        self._handles: list[FaultHandle] = []

    def add(self, handle: FaultHandle) -> None:
        """Install `handle` after the existing ones."""
        self._handles.append(handle)

    def discard(self, handle: FaultHandle) -> None:
        """Uninstall `handle` if installed."""
        if handle in self._handles:
            self._handles.remove(handle)

    def clear(self) -> None:
        """Uninstall every fault."""
        for handle in list(self._handles):
            handle.remove()

    def select(self, method: str, template: str | None, path: str) -> tuple[float, Fault | None]:
        """Decide what happens to a request.

        Every installed fault matching the request counts it, in installation
        order. Firing latency faults add up their delays; the first firing
        answering fault (status, drop, malformed, apply_then_fail) is the
        outcome, and faults after it do not see the request.

        Returns:
            (total delay in seconds, the answering fault or None).
        """
        delay = 0.0
        for handle in list(self._handles):
            if not handle._matches_request(method, template, path) or not handle._offer():
                continue
            if handle.fault.kind == "latency":
                delay += handle.fault.delay
            else:
                return delay, handle.fault
        return delay, None
