"""Fault injection: what can go wrong, and on which requests."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final, Literal

import attrs

from ._common import dumps

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

__all__ = [
    "WILDCARD",
    "Fault",
    "FaultHandle",
    "FaultKind",
    "FaultRegistry",
    "check_seconds",
    "parse_route_spec",
    "route_matches",
]

FaultKind = Literal["latency", "status", "drop", "malformed", "apply_then_fail"]

_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

#: The route template that matches every route the fake serves.
WILDCARD: Final = "*"


def check_seconds(name: str, value: float) -> float:
    """Return `value` as a float if it is a finite number of seconds >= 0, else ValueError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_probability(probability: float | None) -> float | None:
    if probability is None:
        return None
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 < probability <= 1  # also refuses NaN
    ):
        raise ValueError(f"probability must be a number in (0, 1] or None, got {probability!r}")
    return float(probability)


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
        delay: seconds to wait first (`latency` only); the shortest wait when
            `jitter` is set.
        http_status: the status answered (`status`, `malformed`, `apply_then_fail`;
            None for `apply_then_fail` means drop the connection instead).
        headers: extra response headers, as (name, value) pairs.
        body: the exact response body, or None for the standard error envelope.
        jitter: extra random wait on top of `delay` (`latency` only): each
            firing waits a uniform draw from `[delay, delay + jitter]`.
    """

    kind: FaultKind
    delay: float = 0.0
    http_status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    jitter: float = 0.0

    @classmethod
    def latency(cls, seconds: float, jitter: float = 0.0) -> Fault:
        """Wait `seconds` (plus up to `jitter` more), then handle the request normally.

        Latency faults add up and combine with one answering fault on the same
        request (e.g. a slow 429).

        Args:
            seconds: the wait, a finite number >= 0.
            jitter: when > 0, each firing waits a uniform random time in
                `[seconds, seconds + jitter]` instead, drawn from the fake's
                random generator (reproducible with `FakeBland(seed=...)`).
                0 (default) waits exactly `seconds` and draws nothing.

        Raises:
            ValueError: `seconds` or `jitter` is negative, infinite or NaN.
        """
        return cls(
            kind="latency",
            delay=check_seconds("seconds", seconds),
            jitter=check_seconds("jitter", jitter),
        )

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

        Works on every route, reads (GET) included: the handler runs with all
        its side effects (a promote creates the production version, a
        `GET /v1/evals/runs/{run_id}` moves the run a step), then the client
        gets no answer or the error. Note that some HTTP clients (aiohttp's
        among them) silently resend an idempotent request (GET, PUT, DELETE)
        once after a dropped connection; the fake then records, and the fault
        may see, both.

        Args:
            status: None drops the connection after applying; a status answers
                it with the standard error envelope instead of the real response.
        """
        return cls(
            kind="apply_then_fail",
            http_status=None if status is None else _check_status(status),
        )


def parse_route_spec(spec: str) -> tuple[str | None, str]:
    """Split `"METHOD /template"` (or just `"/template"`) into (method or None, template).

    The method `*` means any method; the template `*` (`WILDCARD`) means every
    route the fake serves, e.g. `"*"`, `"GET *"`.
    """
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
        raise ValueError(
            f"route spec must be 'METHOD /path/{{param}}', '/path', '*' or 'METHOD *', got {spec!r}"
        )
    if template != WILDCARD and not template.startswith("/"):
        raise ValueError(f"route template must start with '/' (or be '*'), got {template!r}")
    return method, template


def route_matches(
    method_filter: str | None,
    template_filter: str,
    *,
    method: str,
    route: str | None,
    path: str,
) -> bool:
    """Whether a request (`method`, matched `route` template or None, raw `path`) matches.

    A filter template matches the request's route template or its exact path;
    `WILDCARD` matches any request that was routed to one of the fake's routes
    (not 404/405 requests, whose `route` is None).
    """
    if method_filter is not None and method_filter != method:
        return False
    if template_filter == WILDCARD:
        return route is not None
    return template_filter in (route, path)


class FaultHandle:
    """A fault installed with `FakeBland.inject`; counts its hits and can be removed.

    Attributes:
        route: the route spec it was installed for.
        method: the HTTP method it matches, or None for any.
        template: the route template it matches (`"*"` for every route).
        fault: what happens when it fires.
        times: how many times it fires at most (None: no limit).
        every: fire only on every Nth eligible match (None: every match).
        after: skip this many matches before any can fire.
        probability: fire on an eligible match only with this probability
            (None: always).
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
        probability: float | None = None,
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
        self.probability = _check_probability(probability)
        self._registry = registry
        self._matches = 0
        self._hits = 0
        self._removed = False

    @property
    def hits(self) -> int:
        """How many requests this fault has been applied to (fired on)."""
        return self._hits

    @property
    def matches(self) -> int:
        """How many requests matched its route and reached it (fired or not).

        A request answered by an earlier-installed fault never reaches it.
        """
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
        return route_matches(self.method, self.template, method=method, route=template, path=path)

    def _offer(self, rng: random.Random) -> bool:
        """Count a matching request; return whether the fault fires on it.

        Order: count the match; an inactive fault (removed, `times` used up)
        stops here; `after` then `every` pick the eligible matches; with a
        `probability`, each eligible match draws one number from `rng`.
        """
        self._matches += 1
        if not self.active:
            return False
        eligible = self._matches - self.after
        if eligible <= 0 or (self.every is not None and eligible % self.every != 0):
            return False
        if self.probability is not None and not rng.random() < self.probability:
            return False
        self._hits += 1
        return True

    def __repr__(self) -> str:
        return (
            f"FaultHandle(route={self.route!r}, fault={self.fault!r}, times={self.times!r}, "
            f"every={self.every!r}, after={self.after!r}, probability={self.probability!r}, "
            f"hits={self._hits})"
        )


class FaultRegistry:
    """The installed faults, in installation order, and the random generator they draw from."""

    def __init__(self, rng: random.Random) -> None:
        self._handles: list[FaultHandle] = []
        self._rng = rng

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
        outcome, and faults after it do not see the request (their `matches`
        do not count it and they draw nothing). A fault that matches but does
        not fire (`after`, `every`, a lost `probability` draw, `times` used
        up) lets the request on to the next one.

        Random draws (a `probability`, then a firing latency's `jitter`) come
        from the registry's generator in that same order, so one seed and one
        request order give the same outcomes.

        Returns:
            (total delay in seconds, the answering fault or None).
        """
        delay = 0.0
        for handle in list(self._handles):
            if not handle._matches_request(method, template, path) or not handle._offer(self._rng):
                continue
            fault = handle.fault
            if fault.kind == "latency":
                delay += fault.delay
                if fault.jitter > 0:
                    delay += self._rng.uniform(0.0, fault.jitter)
            else:
                return delay, fault
        return delay, None
