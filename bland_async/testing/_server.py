"""`FakeBland`: the fake server's lifecycle, request pipeline and test-facing helpers."""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import random
import uuid
from typing import TYPE_CHECKING, Any, Final, Self

import attrs
from aiohttp import web
from multidict import CIMultiDict

from . import (
    _eval_agents,
    _eval_runs,
    _eval_templates,
    _evals_status,
    _personas,
    _workbench,
)
from ._common import ApiError, default_code, dumps, error_envelope
from ._eval_seeds import EvalSeeds
from ._faults import (
    WILDCARD,
    Fault,
    FaultHandle,
    FaultRegistry,
    check_seconds,
    parse_route_spec,
    route_matches,
)
from ._recorder import RecordedRequest, record_request
from ._state import STATE_KEY, FakeState, seeding

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

    from aiohttp.typedefs import Handler

__all__ = ["ROUTE_TABLES", "FakeBland"]

logger = logging.getLogger("bland_async.testing")

# Every area's routes. A new area (eval agents, runs, ...) adds its table here.
ROUTE_TABLES: Final[tuple[web.RouteTableDef, ...]] = (
    _personas.routes,
    _evals_status.routes,
    _workbench.routes,
    _eval_agents.routes,
    _eval_runs.routes,
    _eval_templates.routes,
)

_CLIENT_MAX_SIZE: Final = 16 * 2**20
_SHUTDOWN_TIMEOUT: Final = 1.0


class FakeBland(EvalSeeds):
    """A stateful, in-process fake of the Bland Personas and Evals API.

    Start it with `async with FakeBland() as fake:` (or `await fake.start()` /
    `await fake.aclose()`), then point a client at `fake.url` with
    `fake.api_key`. It checks the `authorization` header, validates bodies and
    query parameters, applies the documented state rules, answers the API's
    envelopes, records every request (`requests`, `wait_for_requests`) and can
    inject faults (`inject`); `promotion_count` tells how many promotes a
    persona's state shows.

    Request pipeline, in order: record the request (and wake
    `wait_for_requests`) → injected faults (latency, then an answering fault,
    which pre-empts everything below) → auth (401 `AUTH_FAILURE`) → the Evals
    gate (404 `NOT_FOUND` while `evals_enabled` is False) → routing (404
    `NOT_FOUND`, 405 `METHOD_NOT_ALLOWED`) → the handler. Every answer carries
    an `x-request-id` header.

    Every random fault decision (`inject(..., probability=)`,
    `Fault.latency(..., jitter=)`) draws from one `random.Random(seed)` owned
    by the fake, in the order requests are recorded, so a given `seed` and
    request order always give the same faults.

    Evals helpers (from `EvalSeeds`): `seed_eval_agent`, `seed_workbench_setup`,
    `seed_user_template`, `seed_run`, `advance_runs`, `complete_run` and the
    `hold_runs` switch.

    Args:
        api_key: the only accepted `authorization` header value (raw, no scheme).
        host: interface to listen on.
        port: TCP port; 0 picks a free one (read it back from `url` / `port`).
        evals_enabled: initial value of `evals_enabled`.
        seed: seed of the fake's random generator (see above); None (default)
            seeds it from the OS, so runs differ. Read it back from `seed`.
    """

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        host: str = "127.0.0.1",
        port: int = 0,
        evals_enabled: bool = True,
        seed: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self._seed = seed
        self._state = FakeState(evals_enabled=evals_enabled)
        self._faults = FaultRegistry(random.Random(seed))
        self._requests: list[RecordedRequest] = []
        # Replaced (after being set) each time a request is recorded; see wait_for_requests.
        self._arrival = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._closed = False
        self._closing = asyncio.Event()
        self._app = web.Application(middlewares=[_pipeline], client_max_size=_CLIENT_MAX_SIZE)
        self._app[_FAKE_KEY] = self
        self._app[STATE_KEY] = self._state
        for table in ROUTE_TABLES:
            self._app.add_routes(table)
        self._routes = {
            (route.method, route.resource.canonical)
            for route in self._app.router.routes()
            if route.resource is not None
        }

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Start listening. A FakeBland starts once; make a new one to restart.

        Raises:
            RuntimeError: it was already started.
        """
        if self._runner is not None or self._closed:
            raise RuntimeError("FakeBland can only be started once")
        runner = web.AppRunner(
            self._app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        self._runner = runner
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await self.aclose()
            raise
        self.port = int(runner.addresses[0][1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{self.port}"

    async def aclose(self) -> None:
        """Stop listening and close open connections (idempotent).

        Requests waiting on a latency fault are released and finish first.
        """
        self._closed = True
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321` (no trailing slash).

        Raises:
            RuntimeError: the server is not running.
        """
        if self._url is None or self._runner is None:
            raise RuntimeError("FakeBland is not running; use 'async with FakeBland() as fake'")
        return self._url

    @property
    def seed(self) -> int | None:
        """The seed the fault random generator was created with (None: from the OS)."""
        return self._seed

    # --- state -----------------------------------------------------------------

    @property
    def state(self) -> FakeState:
        """The server's state (plain JSON dicts); see `FakeState` for its shape."""
        return self._state

    @property
    def evals_enabled(self) -> bool:
        """Whether Evals is on. When False every `/v1/evals` route but the status answers 404."""
        return self._state.evals_enabled

    @evals_enabled.setter
    def evals_enabled(self, value: bool) -> None:
        self._state.evals_enabled = value

    def add_phone_number(self, phone_number: str, label: str | None = None) -> dict[str, Any]:
        """Register an E.164 number the account owns, so it can be attached to personas.

        Adding a number that exists already only updates its label (when given).

        Returns:
            The inbound number record (see `FakeState.phone_numbers`).

        Raises:
            ValueError: `phone_number` is not E.164 (e.g. `+14155551234`).
        """
        return _personas.add_phone_number(self._state, phone_number, label)

    def seed_persona(
        self,
        name: str = "Test Persona",
        *,
        draft_changes: Mapping[str, Any] | None = None,
        with_draft: bool = True,
        inbound_numbers: Iterable[str] = (),
        **persona_fields: Any,
    ) -> dict[str, Any]:
        """Create a persona directly, as `POST /v1/personas` would.

        Args:
            name: the persona's name.
            draft_changes: version-level fields (`personality_prompt`,
                `call_config`, `kb_ids`, ...) written to the draft only (its
                `updated_at` moves), so there is something to promote.
            with_draft: False makes a persona with no draft version (promote
                then answers 409 `NO_DRAFT_VERSION`).
            inbound_numbers: E.164 numbers to attach (registered with
                `add_phone_number` first if the account does not own them).
            **persona_fields: any other create-body field (`role`, `tags`,
                `call_config`, `personality_prompt`, ...), validated as the API
                validates them.

        Returns:
            The persona JSON as `GET /v1/personas/{id}` answers it.

        Raises:
            ValueError: a field breaks the API's validation, or `draft_changes`
                holds a field that is not version-level.
        """
        numbers = list(inbound_numbers)
        with seeding(self._state):
            persona_id = _personas.create_persona(
                self._state, {"name": name, **persona_fields}, with_draft=with_draft
            )
            if draft_changes:
                unknown = sorted(set(draft_changes) - set(_personas.VERSION_FIELDS))
                if unknown:
                    raise ValueError(f"draft_changes may only hold version fields, not {unknown}")
                fields = _personas.parse_version_fields(dict(draft_changes))
                _personas.update_draft(self._state, persona_id, fields)
            if numbers:
                for number in numbers:
                    self.add_phone_number(number)
                _personas.attach_numbers(self._state, persona_id, {"inbound_numbers": numbers})
            return _personas.persona_json(self._state, persona_id)

    # --- requests and faults ---------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._requests.clear()

    async def wait_for_requests(
        self,
        n: int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (the contract; one deadline over many arrivals)
        route: str | None = None,
    ) -> list[RecordedRequest]:
        """Wait until at least `n` requests (to `route`, if given) have been received.

        A request counts as soon as the fake records it, on arrival: before
        faults, latency and the handler, so the returned records may still be
        in flight (`status` None); read `requests` again later for their final
        status. It counts the requests in `requests`, so `clear_requests()`
        starts the count again. It wakes on each arrival (no polling), and
        returns at once if enough requests are already there.

        Args:
            n: how many requests to wait for (>= 0).
            timeout: seconds to wait at most (finite, >= 0).
            route: only count requests to this route, a spec as `inject` takes
                it: `"POST /v1/personas/{persona_id}/versions/promote"`, a bare
                template (any method), `"*"` or `"GET *"`.

        Returns:
            Every matching recorded request at that moment (at least `n`), in
            arrival order.

        Raises:
            TimeoutError: fewer than `n` matching requests arrived within `timeout`.
            ValueError: `n` or `timeout` is invalid, or `route` is not a route
                of the fake.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        check_seconds("timeout", timeout)
        method, template = (None, None) if route is None else self._known_route(route)

        def matching() -> list[RecordedRequest]:
            if template is None:
                return list(self._requests)
            return [
                r
                for r in self._requests
                if route_matches(method, template, method=r.method, route=r.route, path=r.path)
            ]

        found = matching()
        if len(found) >= n:
            return found
        try:
            async with asyncio.timeout(timeout):
                # No await between the count and the wait, so no arrival is missed.
                while len(found := matching()) < n:
                    await self._arrival.wait()
        except TimeoutError:
            found = matching()
            if len(found) >= n:
                return found
            which = "requests" if route is None else f"requests to {route!r}"
            raise TimeoutError(
                f"timed out after {timeout:g}s waiting for {n} {which}; only {len(found)} arrived"
            ) from None
        return found

    def promotion_count(self, persona_id: str) -> int:
        """How many times `persona_id` has been promoted, according to the fake's state.

        Counts the production versions (current or since archived) that the
        promote endpoint (`POST /v1/personas/{persona_id}/versions/promote`)
        created for the persona; version 1, made by the create, does not count.
        It reads `state`, not the request log, so promotes whose answer was
        lost (`Fault.apply_then_fail`) count and promotes pre-empted by a fault
        (`Fault.status`, `Fault.drop`) or refused (409 `NO_DRAFT_VERSION`) do not.

        Raises:
            KeyError: the fake holds no such persona (never created, or deleted:
                deleting a persona removes its versions).
        """
        return _personas.promotion_count(self._state, persona_id)

    def inject(
        self,
        route: str,
        fault: Fault,
        *,
        times: int | None = None,
        every: int | None = None,
        after: int = 0,
        probability: float | None = None,
    ) -> FaultHandle:
        """Make requests to `route` go wrong.

        Faults are tried in installation order on each request: every firing
        latency fault adds its wait, and the first firing answering fault
        (status, drop, malformed, apply_then_fail) decides the answer; faults
        installed after it do not see that request (see `FaultHandle.matches`).

        Args:
            route: `"METHOD /v1/template/{param}"` or just the template (any
                method), e.g. `"POST /v1/personas/{persona_id}/versions/promote"`;
                `"*"` for every request to every route the fake serves, or
                `"GET *"` / `"POST *"` / ... for every route with that method.
                Requests that match no route (404, 405) match no wildcard and
                are answered as usual.
            fault: what happens, e.g. `Fault.status(429, headers={"Retry-After": "1"})`.
            times: fire at most this many times; None (default) for ever.
            every: fire only on every Nth eligible match (the Nth, 2Nth, ...).
            after: let the first `after` matching requests through untouched.
            probability: fire on each eligible match (after `after` and
                `every`) only with this probability, in (0, 1], drawn from the
                fake's seeded generator; `times` caps the actual firings.
                None (default): fire on every eligible match.

        Returns:
            A handle with `hits`, `matches` and `remove()`.

        Raises:
            ValueError: the route is not one the fake serves, a count is
                invalid, or `probability` is not in (0, 1].
        """
        handle = FaultHandle(
            route,
            fault,
            times=times,
            every=every,
            after=after,
            probability=probability,
            registry=self._faults,
        )
        self._known_route(route)
        self._faults.add(handle)
        return handle

    def _known_route(self, route: str) -> tuple[str | None, str]:
        """Parse a route spec and check that it names at least one route of the fake."""
        method, template = parse_route_spec(route)
        known = any(
            (method is None or method == m) and template in (WILDCARD, t) for m, t in self._routes
        )
        if not known:
            templates = sorted({f"{m} {t}" for m, t in self._routes if m != "HEAD"})
            raise ValueError(
                f"{route!r} is not a route of the fake; known routes: {', '.join(templates)}"
            )
        return method, template

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    def __repr__(self) -> str:
        where = self._url or "not running"
        return f"<FakeBland {where}>"

    # --- the pipeline ------------------------------------------------------------

    async def _process(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = f"req_{uuid.uuid4().hex}"
        match_info = request.match_info
        template = (
            match_info.route.resource.canonical
            if match_info.http_exception is None and match_info.route.resource is not None
            else None
        )
        try:
            body = await request.read()
        except web.HTTPException as exc:  # e.g. 413: the body is too large
            body = b""
            early: web.StreamResponse | None = ApiError(
                exc.status, default_code(exc.status), exc.reason
            ).response()
        else:
            early = None
        record = record_request(request, route=template, body=body, request_id=request_id)
        self._requests.append(record)
        arrival, self._arrival = self._arrival, asyncio.Event()
        arrival.set()

        if early is not None:
            response = early
        else:
            delay, fault = self._faults.select(request.method, template, request.path)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), delay)
            if fault is None:
                response = await self._serve(request, handler)
            elif fault.kind == "apply_then_fail":
                await self._serve(request, handler)
                if fault.http_status is None:
                    return self._drop(request, record)
                response = _fault_response(fault, fault.http_status)
            elif fault.kind == "drop":
                return self._drop(request, record)
            else:
                response = _fault_response(fault, fault.http_status or 500)
        response.headers["x-request-id"] = request_id
        self._finish(record, response.status)
        return response

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            self._check_access(request)
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except web.HTTPException as exc:
            return ApiError(exc.status, default_code(exc.status), exc.reason).response()
        except Exception:
            logger.exception("fake Bland handler failed on %s %s", request.method, request.path)
            return ApiError(500, "INTERNAL_ERROR", "Internal server error").response()

    def _check_access(self, request: web.Request) -> None:
        """Auth, then the Evals gate, then routing errors (404/405)."""
        if request.headers.get("authorization") != self.api_key:
            raise ApiError(401, "AUTH_FAILURE", "Unauthorized")
        if not self._state.evals_enabled and _evals_status.is_gated(request.method, request.path):
            raise ApiError(404, "NOT_FOUND", "Not found")
        routing_error = request.match_info.http_exception
        if routing_error is None:
            return
        if routing_error.status == 405:
            raise ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                f"Method {request.method} is not allowed on {request.path}",
                headers={"Allow": routing_error.headers.get("Allow", "")},
            )
        raise ApiError(
            routing_error.status,
            default_code(routing_error.status),
            f"No route for {request.method} {request.path}",
        )

    def _drop(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        # Close the socket without a byte of response. aiohttp then fails to
        # write the response returned below, counts it as a client disconnect
        # and ends the connection quietly (see RequestHandler.finish_response).
        self._finish(record, None)
        request.protocol.force_close()
        return web.Response(status=500)

    def _finish(self, record: RecordedRequest, status: int | None) -> None:
        for index in range(len(self._requests) - 1, -1, -1):
            if self._requests[index] is record:
                self._requests[index] = attrs.evolve(record, status=status)
                return


def _fault_response(fault: Fault, status: int) -> web.Response:
    headers: CIMultiDict[str] = CIMultiDict(fault.headers)
    if status in (204, 304):
        return web.Response(status=status, headers=headers)
    if fault.body is not None:
        body = fault.body
    elif status >= 400:
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Injected fault"
        body = dumps(error_envelope(default_code(status), phrase))
    else:
        body = dumps({"data": None, "errors": None})
    headers.setdefault("Content-Type", "application/json")
    return web.Response(status=status, headers=headers, body=body)


_FAKE_KEY: Final = web.AppKey("fake", FakeBland)


@web.middleware
async def _pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    return await request.app[_FAKE_KEY]._process(request, handler)
