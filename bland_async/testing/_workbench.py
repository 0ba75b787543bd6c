"""Evals workbench setups and their versions (E11-E20): validation, state rules, routes.

A setup has an editable draft (`current_version_id`) and optionally a published
version (`active_version_id`, state `archived`). Publishing archives the draft,
makes it the active version and opens a new draft copied from it. Forking
creates another editable version but does not move `current_version_id`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_int,
    check_number,
    check_object,
    check_str,
    check_str_list,
    check_string_map,
    cursor_page,
    no_content,
    ok,
    read_body,
    require,
    unique_slug,
    validation_error,
)
from ._eval_content import check_name, check_targets, find_agent, find_agent_version
from ._eval_lifecycle import latest_setup_run, latest_setup_version_run
from ._state import STATE_KEY

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = [
    "create_setup",
    "find_setup",
    "find_version",
    "fork_version",
    "parse_version_patch",
    "publish_setup",
    "routes",
    "setup_bundle",
    "update_setup",
    "update_version",
]

RUN_MODES: Final = ("text", "audio", "full")
MAX_ATTACHED_AGENTS: Final = 20
MAX_DEFAULT_CALL_IDS: Final = 5000
# Fields a fork copies from its source version.
_INHERITED: Final = (
    "attached_agents",
    "pass_threshold_pct",
    "run_mode",
    "default_test_config_id",
    "default_call_ids",
)

routes = web.RouteTableDef()


# --- validation ----------------------------------------------------------------


def _parse_attached_agent(value: object, path: str) -> JSONObject:
    obj = check_object(value, path) or {}

    def field(name: str) -> tuple[str, object]:
        sub = f"{path}.{name}"
        return sub, require(obj, name, sub)

    sub, raw = field("eval_agent_id")
    eval_agent_id = check_str(raw, sub, min_len=1)
    sub, raw = field("eval_agent_version_id")
    eval_agent_version_id = check_str(raw, sub, min_len=1)
    sub, raw = field("weight")
    weight = check_number(raw, sub, lo=0, hi=100)
    sub, raw = field("target_level_keys")
    target_level_keys = check_str_list(raw, sub, min_items=1, item_min_len=1)
    return {
        "eval_agent_id": eval_agent_id,
        "eval_agent_version_id": eval_agent_version_id,
        "weight": weight,
        "target_level_keys": target_level_keys,
    }


def parse_version_patch(body: JSONObject) -> JSONObject:
    """Validate a setup-version PATCH body (E20); returns only the fields present."""
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_name(body["name"])
    if "description" in body:
        fields["description"] = check_str(body["description"], "description", nullable=True)
    if "attached_agents" in body:
        agents = check_list_of_agents(body["attached_agents"])
        fields["attached_agents"] = agents
    if "pass_threshold_pct" in body:
        fields["pass_threshold_pct"] = check_int(
            body["pass_threshold_pct"], "pass_threshold_pct", nullable=True, lo=0, hi=100
        )
    if "run_mode" in body:
        fields["run_mode"] = check_enum(body["run_mode"], "run_mode", RUN_MODES)
    if "default_test_config_id" in body:
        fields["default_test_config_id"] = check_str(
            body["default_test_config_id"], "default_test_config_id", nullable=True
        )
    if "default_call_ids" in body:
        fields["default_call_ids"] = check_str_list(
            body["default_call_ids"], "default_call_ids", max_items=MAX_DEFAULT_CALL_IDS
        )
    return fields


def check_list_of_agents(value: object, path: str = "attached_agents") -> list[JSONObject]:
    """Validate an `attached_agents` array (at most 20 complete items)."""
    if not isinstance(value, list):
        raise validation_error(path, f"{path} must be an array")
    if len(value) > MAX_ATTACHED_AGENTS:
        raise validation_error(path, f"{path} must have at most {MAX_ATTACHED_AGENTS} items")
    return [_parse_attached_agent(item, f"{path}[{i}]") for i, item in enumerate(value)]


# --- lookups and serialisation ---------------------------------------------------


def find_setup(state: FakeState, setup_id: str) -> JSONObject:
    """Return a live setup, or raise 404 `WORKBENCH_SETUP_NOT_FOUND` (also when deleted)."""
    setup = state.workbench_setups.get(setup_id)
    if setup is None or setup["deleted_at"] is not None:
        raise ApiError(
            404,
            "WORKBENCH_SETUP_NOT_FOUND",
            "Workbench setup not found",
            {"workbench_setup_id": setup_id},
        )
    return setup


def find_version(state: FakeState, setup: JSONObject, version_id: str) -> JSONObject:
    """Return a version of `setup`, or 404 `WORKBENCH_SETUP_VERSION_NOT_FOUND`."""
    version = state.workbench_setup_versions.get(version_id)
    if version is None or version["workbench_setup_id"] != setup["id"]:
        raise ApiError(
            404,
            "WORKBENCH_SETUP_VERSION_NOT_FOUND",
            "Workbench setup version not found",
            {"workbench_setup_id": setup["id"], "version_id": version_id},
        )
    return version


def _versions_of(state: FakeState, setup_id: str) -> list[JSONObject]:
    versions = [
        v for v in state.workbench_setup_versions.values() if v["workbench_setup_id"] == setup_id
    ]
    return sorted(versions, key=lambda v: v["version_number"], reverse=True)


def setup_bundle(state: FakeState, setup_id: str) -> JSONObject:
    """Serialise `{"setup": WorkbenchSetup, "current_version": WorkbenchSetupVersion}`."""
    setup = find_setup(state, setup_id)
    return {
        "setup": copy.deepcopy(setup),
        "current_version": copy.deepcopy(
            state.workbench_setup_versions[setup["current_version_id"]]
        ),
    }


def _setup_list_item(state: FakeState, setup: JSONObject) -> JSONObject:
    draft = state.workbench_setup_versions[setup["current_version_id"]]
    active_id = setup["active_version_id"]
    active_number = (
        state.workbench_setup_versions[active_id]["version_number"] if active_id else None
    )
    return {
        "id": setup["id"],
        "name": setup["name"],
        "description": setup["description"],
        "current_version_id": setup["current_version_id"],
        "active_version_id": active_id,
        "active_version_number": active_number,
        "attached_agent_count": len(draft["attached_agents"]),
        "latest_run": latest_setup_run(state, setup["id"]),
        "metadata": dict(setup["metadata"]),
        "created_at": setup["created_at"],
        "updated_at": setup["updated_at"],
    }


def _version_list_item(state: FakeState, version: JSONObject) -> JSONObject:
    return {
        "id": version["id"],
        "workbench_setup_id": version["workbench_setup_id"],
        "version_number": version["version_number"],
        "name": version["name"],
        "state": version["state"],
        "attached_agent_count": len(version["attached_agents"]),
        "created_by": version["created_by"],
        "created_at": version["created_at"],
        "latest_run": latest_setup_version_run(state, version["id"]),
    }


def _unique_key(state: FakeState, name: str) -> str:
    taken = {setup["key"] for setup in state.workbench_setups.values()}
    return unique_slug(name, taken, fallback="setup")


# --- state rules -----------------------------------------------------------------


def _new_version(
    state: FakeState,
    setup_id: str,
    *,
    version_number: int,
    name: str,
    description: str | None,
    content: JSONObject,
    created_from_version_id: str | None,
) -> JSONObject:
    now = state.now()
    version: JSONObject = {
        "id": state.new_id(),
        "org_id": state.org_id,
        "workbench_setup_id": setup_id,
        "version_number": version_number,
        "name": name,
        "description": description,
        "state": "editable",
        **{key: copy.deepcopy(content[key]) for key in _INHERITED},
        "created_from_version_id": created_from_version_id,
        "created_by": state.user_id,
        "created_at": now,
        "updated_at": now,
    }
    state.workbench_setup_versions[version["id"]] = version
    return version


def create_setup(state: FakeState, body: JSONObject) -> str:
    """E12: create a setup with an empty editable draft (version 1); return its id."""
    name = check_name(require(body, "name"))
    description = check_str(body.get("description"), "description", nullable=True)
    setup_id = state.new_id()
    draft = _new_version(
        state,
        setup_id,
        version_number=1,
        name=name,
        description=description,
        content={
            "attached_agents": [],
            "pass_threshold_pct": None,
            "run_mode": "text",
            "default_test_config_id": None,
            "default_call_ids": [],
        },
        created_from_version_id=None,
    )
    state.workbench_setups[setup_id] = {
        "id": setup_id,
        "org_id": state.org_id,
        "key": _unique_key(state, name),
        "name": name,
        "description": description,
        "current_version_id": draft["id"],
        "active_version_id": None,
        "metadata": {},
        "created_at": draft["created_at"],
        "updated_at": draft["created_at"],
        "deleted_at": None,
    }
    return setup_id


def update_setup(state: FakeState, setup_id: str, body: JSONObject) -> None:
    """E14: name, description, active_version_id (archived or null), metadata (replaces)."""
    setup = find_setup(state, setup_id)
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_name(body["name"])
    if "description" in body:
        fields["description"] = check_str(body["description"], "description", nullable=True)
    if "active_version_id" in body:
        active_id = check_str(body["active_version_id"], "active_version_id", nullable=True)
        if active_id is not None:
            version = find_version(state, setup, active_id)
            if version["state"] != "archived":
                raise validation_error(
                    "active_version_id",
                    "active_version_id must be a published (archived) version of this setup",
                )
        fields["active_version_id"] = active_id
    if "metadata" in body:
        fields["metadata"] = check_string_map(body["metadata"], "metadata")
    setup.update(fields)
    setup["updated_at"] = state.now()


def delete_setup(state: FakeState, setup_id: str) -> None:
    """E15: soft delete (then 404 everywhere, absent from lists)."""
    setup = find_setup(state, setup_id)
    now = state.now()
    setup["deleted_at"] = now
    setup["updated_at"] = now


def _roster_reason(state: FakeState, item: JSONObject, where: str) -> str | None:
    """Why an attached agent does not resolve (to be published), or None when it does.

    The agent must be live, the version one of its versions, and every target
    a `level_key` of that version (so a pass/fail version takes no targets).
    """
    agent_id, version_id = item["eval_agent_id"], item["eval_agent_version_id"]
    try:
        agent = find_agent(state, agent_id)
    except ApiError:
        return f"{where}.eval_agent_id {agent_id!r} is not an eval agent (or it was deleted)."
    try:
        version = find_agent_version(state, agent, version_id)
    except ApiError:
        return f"{where}.eval_agent_version_id {version_id!r} is not a version of {agent_id!r}."
    try:
        check_targets(item["target_level_keys"], version["levels"], f"{where}.target_level_keys")
    except ApiError as error:
        return f"{error.message} (eval agent version {version_id!r})."
    return None


def publish_setup(state: FakeState, setup_id: str) -> JSONObject:
    """E16: archive the draft as the active version and open a new draft from it.

    Raises:
        ApiError: 422 `PUBLISH_VALIDATION_FAILED` (details `reasons`) unless the
            draft has at least one attached agent and each has a target level key,
            names a live eval agent and one of its versions, and targets only
            `level_key`s of that version.
    """
    setup = find_setup(state, setup_id)
    draft = state.workbench_setup_versions[setup["current_version_id"]]
    reasons: list[str] = []
    if not draft["attached_agents"]:
        reasons.append("The draft has no attached agents; attach at least one.")
    for index, agent in enumerate(draft["attached_agents"]):
        if not agent.get("target_level_keys"):
            reasons.append(
                f"attached_agents[{index}] ({agent.get('eval_agent_id')}) has no target level keys."
            )
        reason = _roster_reason(state, agent, f"attached_agents[{index}]")
        if reason is not None:
            reasons.append(reason)
    if reasons:
        raise ApiError(
            422,
            "PUBLISH_VALIDATION_FAILED",
            "The workbench setup draft cannot be published",
            {"reasons": reasons},
        )
    new_draft = _new_version(
        state,
        setup_id,
        version_number=_versions_of(state, setup_id)[0]["version_number"] + 1,
        name=draft["name"],
        description=draft["description"],
        content=draft,
        created_from_version_id=draft["id"],
    )
    draft["state"] = "archived"
    draft["updated_at"] = new_draft["created_at"]
    setup["current_version_id"] = new_draft["id"]
    setup["active_version_id"] = draft["id"]
    setup["updated_at"] = new_draft["created_at"]
    return {
        "workbench_setup_id": setup_id,
        "current_version_id": new_draft["id"],
        "active_version_id": draft["id"],
        "published_version": _version_list_item(state, draft),
    }


def fork_version(state: FakeState, setup_id: str, body: JSONObject) -> JSONObject:
    """E18: a new editable version copied from `from_version_id` (default: the draft)."""
    setup = find_setup(state, setup_id)
    from_id = check_str(body.get("from_version_id"), "from_version_id", nullable=True)
    source = find_version(state, setup, from_id or setup["current_version_id"])
    name = source["name"]
    if "name" in body:
        name = check_name(body["name"])
    description = source["description"]
    if "description" in body:
        description = check_str(body["description"], "description", nullable=True)
    return copy.deepcopy(
        _new_version(
            state,
            setup_id,
            version_number=_versions_of(state, setup_id)[0]["version_number"] + 1,
            name=name,
            description=description,
            content=source,
            created_from_version_id=source["id"],
        )
    )


def update_version(
    state: FakeState, setup_id: str, version_id: str, body: JSONObject
) -> JSONObject:
    """E20: update an editable version; archived ones are 409 `VERSION_NOT_EDITABLE`."""
    setup = find_setup(state, setup_id)
    version = find_version(state, setup, version_id)
    fields = parse_version_patch(body)
    if version["state"] != "editable":
        raise ApiError(
            409,
            "VERSION_NOT_EDITABLE",
            "Only editable versions can be updated; fork this version first",
            {"version_id": version_id, "state": version["state"]},
        )
    version.update(fields)
    version["updated_at"] = state.now()
    return copy.deepcopy(version)


# --- routes --------------------------------------------------------------------


def _state(request: web.Request) -> FakeState:
    return request.app[STATE_KEY]


@routes.get("/v1/evals/workbench-setups")
async def list_setups(request: web.Request) -> web.Response:
    """E11: cursor list of setups, newest first."""
    state = _state(request)
    live = [
        (index, setup)
        for index, setup in enumerate(state.workbench_setups.values())
        if setup["deleted_at"] is None
    ]
    live.sort(key=lambda pair: (pair[1]["created_at"], pair[0]), reverse=True)
    return ok(
        cursor_page(
            request.query,
            [setup for _, setup in live],
            id_of=lambda setup: setup["id"],
            render=lambda setup: _setup_list_item(state, setup),
        )
    )


@routes.post("/v1/evals/workbench-setups")
async def create_setup_route(request: web.Request) -> web.Response:
    """E12: create a setup (201)."""
    state = _state(request)
    setup_id = create_setup(state, await read_body(request))
    return ok(setup_bundle(state, setup_id), status=201)


@routes.get("/v1/evals/workbench-setups/{setup_id}")
async def get_setup(request: web.Request) -> web.Response:
    """E13: the setup and its draft."""
    return ok(setup_bundle(_state(request), request.match_info["setup_id"]))


@routes.patch("/v1/evals/workbench-setups/{setup_id}")
async def update_setup_route(request: web.Request) -> web.Response:
    """E14: update setup-level fields."""
    state = _state(request)
    body = await read_body(request)
    setup_id = request.match_info["setup_id"]
    update_setup(state, setup_id, body)
    return ok(setup_bundle(state, setup_id))


@routes.delete("/v1/evals/workbench-setups/{setup_id}")
async def delete_setup_route(request: web.Request) -> web.Response:
    """E15: soft delete (204)."""
    delete_setup(_state(request), request.match_info["setup_id"])
    return no_content()


@routes.post("/v1/evals/workbench-setups/{setup_id}/publications")
async def publish_route(request: web.Request) -> web.Response:
    """E16: publish the draft."""
    return ok(publish_setup(_state(request), request.match_info["setup_id"]))


@routes.get("/v1/evals/workbench-setups/{setup_id}/versions")
async def list_versions(request: web.Request) -> web.Response:
    """E17: cursor list of versions, highest `version_number` first."""
    state = _state(request)
    setup = find_setup(state, request.match_info["setup_id"])
    return ok(
        cursor_page(
            request.query,
            _versions_of(state, setup["id"]),
            id_of=lambda version: version["id"],
            render=lambda version: _version_list_item(state, version),
        )
    )


@routes.post("/v1/evals/workbench-setups/{setup_id}/versions")
async def fork_route(request: web.Request) -> web.Response:
    """E18: fork a version (201)."""
    body = await read_body(request)
    return ok(fork_version(_state(request), request.match_info["setup_id"], body), status=201)


@routes.get("/v1/evals/workbench-setups/{setup_id}/versions/{version_id}")
async def get_version(request: web.Request) -> web.Response:
    """E19: one full version."""
    state = _state(request)
    setup = find_setup(state, request.match_info["setup_id"])
    return ok(copy.deepcopy(find_version(state, setup, request.match_info["version_id"])))


@routes.patch("/v1/evals/workbench-setups/{setup_id}/versions/{version_id}")
async def update_version_route(request: web.Request) -> web.Response:
    """E20: update an editable version."""
    body = await read_body(request)
    return ok(
        update_version(
            _state(request),
            request.match_info["setup_id"],
            request.match_info["version_id"],
            body,
        )
    )
