"""The fake's in-memory state (plain JSON dicts, inspectable from tests), and handlers' way in."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, Final

import attrs
from aiohttp import web

from ._common import ApiError, JSONObject, ok, read_body

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["STATE_KEY", "FakeState", "apply_body", "seeding", "state_of"]

_ONE_MS: Final = dt.timedelta(milliseconds=1)

DISABLED_REASON: Final = "Evals is not enabled for this organization."


def _uuid() -> str:
    return str(uuid.uuid4())


@attrs.define(eq=False)
class FakeState:
    """Everything the fake Bland server knows, as plain JSON dicts.

    Handlers mutate it; tests may read it (and arrange odd cases by editing it)
    between requests. Every dict below preserves insertion (creation) order.
    Records are stored exactly as the API serialises the resource, minus the
    derived parts (embedded versions, inbound numbers, list-item counts).

    Attributes:
        user_id: the API key's user (`user_id` on personas, `promoted_by`,
            `created_by` on Evals versions).
        org_id: the organization (`org_id` on Evals objects).
        personas: persona id -> persona record: `id, name, role, description,
            tags, image_url, created_at, updated_at, deleted_at, user_id,
            current_production_version_id, current_draft_version_id` (a deleted
            persona is removed, with its versions).
        persona_versions: version id -> full PersonaVersion JSON (`persona_id`,
            `version_type` production/draft/archived, `version_number`, ...).
        phone_numbers: E.164 number -> inbound number record: `id` (int),
            `phone_number`, `label`, `persona_id` (None when unattached),
            `persona_settings` (dict or None), `updated_at`. Only numbers in
            here can be attached.
        evals_enabled: when False, every `/v1/evals` route except
            `GET /v1/evals/status` answers 404 `NOT_FOUND`.
        evals_disabled_reason: the `reason` `/v1/evals/status` gives while disabled.
        workbench_setups: setup id -> full WorkbenchSetup JSON, including
            soft-deleted ones (`deleted_at` set; the API answers 404 for them).
        workbench_setup_versions: version id -> full WorkbenchSetupVersion JSON.
        eval_agents: agent id -> full EvalAgent JSON, including soft-deleted
            ones (`deleted_at` set; the API answers 404 for them).
        eval_agent_versions: version id -> full EvalAgentVersion JSON.
        eval_user_templates: id -> full UserTemplate JSON plus a `deleted_at`
            key (not served) for soft deletes.
        hold_runs: when True, polling a run (`GET /v1/evals/runs/{run_id}`)
            no longer advances it; `FakeBland.advance_runs` / `complete_run`
            still do.
        eval_runs: run id -> full EvalRun JSON.
        eval_run_agent_snapshots: snapshot id -> AgentSnapshot JSON, one per
            roster agent of a run, frozen at submission.
        eval_run_call_results: call result id -> CallResult JSON without its
            derived `agent_results` (created with the run, status PENDING).
        eval_run_agent_results: agent result id -> AgentResult JSON (one per
            finished call x in-scope agent).
    """

    user_id: str = attrs.field(factory=_uuid)
    org_id: str = attrs.field(factory=_uuid)
    # Personas.
    personas: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    persona_versions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    phone_numbers: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    # Evals: the gate, then the versioned resources and templates, then runs.
    evals_enabled: bool = True
    evals_disabled_reason: str = DISABLED_REASON
    workbench_setups: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    workbench_setup_versions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_agents: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_agent_versions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_user_templates: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    hold_runs: bool = False
    eval_runs: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_run_agent_snapshots: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_run_call_results: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    eval_run_agent_results: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    _last_time: dt.datetime | None = attrs.field(default=None, alias="_last_time")
    _next_number_id: int = attrs.field(default=1, alias="_next_number_id")

    def now(self) -> str:
        """Return the current time as the API writes it (`2025-09-23T15:13:36.348Z`).

        The clock is strictly increasing, one millisecond at least per call, so
        "created later" and "updated after" are always visible in timestamps.
        It rounds the wall clock up to the millisecond, so a timestamp is never
        earlier than the moment the change happened.
        """
        wall = dt.datetime.now(dt.UTC)
        current = wall + dt.timedelta(microseconds=-wall.microsecond % 1000)
        if self._last_time is not None and current <= self._last_time:
            current = self._last_time + _ONE_MS
        self._last_time = current
        return current.strftime("%Y-%m-%dT%H:%M:%S.") + f"{current.microsecond // 1000:03d}Z"

    @staticmethod
    def new_id() -> str:
        """Return a new object id (a uuid4 string)."""
        return _uuid()

    def next_number_id(self) -> int:
        """Return the next integer id for an inbound number record."""
        value = self._next_number_id
        self._next_number_id += 1
        return value


STATE_KEY: Final = web.AppKey("state", FakeState)


def state_of(request: web.Request) -> FakeState:
    """The state of the fake serving `request`: how a route handler reaches it."""
    return request.app[STATE_KEY]


async def apply_body(
    request: web.Request,
    rule: Callable[[FakeState, str, JSONObject], object],
    param: str,
    *,
    status: int = 200,
) -> web.Response:
    """Answer `rule(state, value, body)` in the success envelope.

    `value` is the path parameter `param`, `body` the request's JSON body. The
    body is read first, so a body that is not JSON is a 400 before any 404.
    """
    body = await read_body(request)
    return ok(rule(state_of(request), request.match_info[param], body), status=status)


@contextlib.contextmanager
def seeding(state: FakeState) -> Iterator[None]:
    """Make a seed all-or-nothing, and report API validation errors as ValueError."""
    tables = {
        field.name: getattr(state, field.name)
        for field in attrs.fields(FakeState)
        if isinstance(getattr(state, field.name), dict)
    }
    # Seeds add records; the only records they change in place are phone numbers (a small
    # table), so a shallow copy of the rest restores them. A deep copy of everything made
    # seeding n personas O(n^2): 1,000 seeds took 15 s.
    snapshot = {
        name: copy.deepcopy(table) if name == "phone_numbers" else dict(table)
        for name, table in tables.items()
    }

    def rollback() -> None:
        for name, table in tables.items():
            table.clear()
            table.update(snapshot[name])

    try:
        yield
    except ApiError as exc:
        rollback()
        details = f" ({exc.details})" if exc.details else ""
        raise ValueError(f"{exc.code}: {exc.message}{details}") from exc
    except BaseException:
        rollback()
        raise
