"""Eval agents and their versions (E1-E10): validation, state rules, routes.

An agent has an editable draft (`current_version_id`) and optionally a
published version (`active_version_id`, state `archived`). Publishing
validates the draft (0 levels and no targets, or 2-5 levels whose targets
exist), archives it as the active version and opens a new draft copied from
it. Forking creates another editable version but does not move
`current_version_id`. PATCH on the agent repoints or (null) unpublishes the
active version. Deletes are soft.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_number,
    check_str,
    check_string_map,
    cursor_page,
    no_content,
    ok,
    read_body,
    require,
    unique_slug,
    validation_error,
)
from ._eval_content import (
    CONTENT_FIELDS,
    MODALITIES,
    check_name,
    find_agent,
    find_agent_version,
    parse_content,
)
from ._eval_lifecycle import latest_agent_run, latest_agent_version_run
from ._eval_templates import seed_content
from ._state import STATE_KEY

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = [
    "agent_bundle",
    "create_agent",
    "fork_version",
    "publish_agent",
    "routes",
    "update_agent",
    "update_version",
]

MAX_AGENT_PROMPT: Final = 8000
MAX_LEVELS: Final = 5
DEFAULT_WEIGHT: Final = 100
_COPIED: Final = (*CONTENT_FIELDS, "weight")

routes = web.RouteTableDef()


# --- lookups and serialisation -----------------------------------------------------


def _versions_of(state: FakeState, agent_id: str) -> list[JSONObject]:
    versions = [v for v in state.eval_agent_versions.values() if v["eval_agent_id"] == agent_id]
    return sorted(versions, key=lambda v: v["version_number"], reverse=True)


def agent_bundle(state: FakeState, agent_id: str) -> JSONObject:
    """Serialise `{"agent": EvalAgent, "current_version": EvalAgentVersion}`."""
    agent = find_agent(state, agent_id)
    return {
        "agent": copy.deepcopy(agent),
        "current_version": copy.deepcopy(state.eval_agent_versions[agent["current_version_id"]]),
    }


def _agent_list_item(state: FakeState, agent: JSONObject) -> JSONObject:
    draft = state.eval_agent_versions[agent["current_version_id"]]
    active_id = agent["active_version_id"]
    return {
        "id": agent["id"],
        "name": agent["name"],
        "description": agent["description"],
        "current_version_id": agent["current_version_id"],
        "active_version_id": active_id,
        "active_version_number": (
            state.eval_agent_versions[active_id]["version_number"] if active_id else None
        ),
        "enabled": True,
        "modality": draft["modality"],
        "latest_run": latest_agent_run(state, agent["id"]),
        "metadata": dict(agent["metadata"]),
        "created_at": agent["created_at"],
        "updated_at": agent["updated_at"],
    }


def _version_list_item(state: FakeState, version: JSONObject) -> JSONObject:
    return {
        "id": version["id"],
        "eval_agent_id": version["eval_agent_id"],
        "version_number": version["version_number"],
        "name": version["name"],
        "state": version["state"],
        "created_by": version["created_by"],
        "created_at": version["created_at"],
        "latest_run": latest_agent_version_run(state, version["id"]),
    }


# --- state rules -------------------------------------------------------------------


def _new_version(
    state: FakeState,
    agent_id: str,
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
        "eval_agent_id": agent_id,
        "version_number": version_number,
        "name": name,
        "description": description,
        "state": "editable",
        **{key: copy.deepcopy(content[key]) for key in _COPIED},
        "created_from_version_id": created_from_version_id,
        "created_by": state.user_id,
        "created_at": now,
        "updated_at": now,
    }
    state.eval_agent_versions[version["id"]] = version
    return version


def create_agent(state: FakeState, body: JSONObject) -> str:
    """E2: create an agent with an editable draft (version 1); return its id.

    The draft's content comes from `user_template_id` (which wins) or
    `template_key`, else it is an empty text pass/fail judge; `modality`
    overrides the template's.
    """
    name = check_name(require(body, "name"))
    description = check_str(body.get("description"), "description", nullable=True)
    template_key = check_str(body.get("template_key"), "template_key", nullable=True)
    user_template_id = check_str(body.get("user_template_id"), "user_template_id", nullable=True)
    modality = check_enum(body["modality"], "modality", MODALITIES) if "modality" in body else None
    content: JSONObject = seed_content(state, template_key, user_template_id) or {
        "modality": "text",
        "system_prompt_md": "",
        "prompt_md": "",
        "levels": [],
        "target_level_keys": [],
    }
    if modality is not None:
        content["modality"] = modality
    content["weight"] = DEFAULT_WEIGHT
    agent_id = state.new_id()
    draft = _new_version(
        state,
        agent_id,
        version_number=1,
        name=name,
        description=description,
        content=content,
        created_from_version_id=None,
    )
    state.eval_agents[agent_id] = {
        "id": agent_id,
        "org_id": state.org_id,
        "key": unique_slug(name, {a["key"] for a in state.eval_agents.values()}, fallback="agent"),
        "name": name,
        "description": description,
        "current_version_id": draft["id"],
        "active_version_id": None,
        "metadata": {},
        "created_at": draft["created_at"],
        "updated_at": draft["created_at"],
        "deleted_at": None,
    }
    return agent_id


def update_agent(state: FakeState, agent_id: str, body: JSONObject) -> None:
    """E4: name, description, active_version_id (archived or null), metadata (replaces)."""
    agent = find_agent(state, agent_id)
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_name(body["name"])
    if "description" in body:
        fields["description"] = check_str(body["description"], "description", nullable=True)
    if "metadata" in body:
        fields["metadata"] = check_string_map(body["metadata"], "metadata")
    if "active_version_id" in body:
        active_id = check_str(body["active_version_id"], "active_version_id", nullable=True)
        version = None if active_id is None else find_agent_version(state, agent, active_id)
        if version is not None and version["state"] != "archived":
            raise validation_error(
                "active_version_id",
                "active_version_id must be a published (archived) version of this agent",
            )
        fields["active_version_id"] = active_id
    agent.update(fields)
    agent["updated_at"] = state.now()


def delete_agent(state: FakeState, agent_id: str) -> None:
    """E5: soft delete (then 404 everywhere, absent from lists; runs keep their results)."""
    agent = find_agent(state, agent_id)
    now = state.now()
    agent["deleted_at"] = now
    agent["updated_at"] = now


def _publish_reasons(draft: JSONObject) -> list[str]:
    levels, targets = draft["levels"], draft["target_level_keys"]
    if not levels:
        if targets:
            return ["A pass/fail agent (no levels) must have no target_level_keys."]
        return []
    reasons: list[str] = []
    if not 2 <= len(levels) <= MAX_LEVELS:
        reasons.append(
            f"A graded agent needs 2 to {MAX_LEVELS} levels; the draft has {len(levels)}."
        )
    keys = {level["level_key"] for level in levels}
    unknown = [key for key in targets if key not in keys]
    if unknown:
        reasons.append(f"target_level_keys {unknown} do not match any level_key.")
    return reasons


def publish_agent(state: FakeState, agent_id: str) -> JSONObject:
    """E6: archive the draft as the active version and open a new draft from it.

    Raises:
        ApiError: 422 `PUBLISH_VALIDATION_FAILED` (details `reasons`) when the
            draft has 1 or more than 5 levels, or targets that are not levels
            (or any targets without levels).
    """
    agent = find_agent(state, agent_id)
    draft = state.eval_agent_versions[agent["current_version_id"]]
    reasons = _publish_reasons(draft)
    if reasons:
        raise ApiError(
            422,
            "PUBLISH_VALIDATION_FAILED",
            "The eval agent draft cannot be published",
            {"reasons": reasons},
        )
    new_draft = _new_version(
        state,
        agent_id,
        version_number=_versions_of(state, agent_id)[0]["version_number"] + 1,
        name=draft["name"],
        description=draft["description"],
        content=draft,
        created_from_version_id=draft["id"],
    )
    draft["state"] = "archived"
    draft["updated_at"] = new_draft["created_at"]
    agent["current_version_id"] = new_draft["id"]
    agent["active_version_id"] = draft["id"]
    agent["updated_at"] = new_draft["created_at"]
    return {
        "eval_agent_id": agent_id,
        "current_version_id": new_draft["id"],
        "active_version_id": draft["id"],
        "published_version": _version_list_item(state, draft),
    }


def fork_version(state: FakeState, agent_id: str, body: JSONObject) -> JSONObject:
    """E8: a new editable version copied from `from_version_id` (default: the draft)."""
    agent = find_agent(state, agent_id)
    from_id = check_str(body.get("from_version_id"), "from_version_id", nullable=True)
    name = description = None
    if "name" in body:
        name = check_name(body["name"])
    if "description" in body:
        description = check_str(body["description"], "description", nullable=True)
    source = find_agent_version(state, agent, from_id or agent["current_version_id"])
    return copy.deepcopy(
        _new_version(
            state,
            agent_id,
            version_number=_versions_of(state, agent_id)[0]["version_number"] + 1,
            name=source["name"] if name is None else name,
            description=description if "description" in body else source["description"],
            content=source,
            created_from_version_id=source["id"],
        )
    )


def update_version(
    state: FakeState, agent_id: str, version_id: str, body: JSONObject
) -> JSONObject:
    """E10: update an editable version (arrays replace); archived ones are 409."""
    agent = find_agent(state, agent_id)
    version = find_agent_version(state, agent, version_id)
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_name(body["name"])
    if "description" in body:
        fields["description"] = check_str(body["description"], "description", nullable=True)
    fields |= parse_content(body, version, max_prompt=MAX_AGENT_PROMPT, max_levels=MAX_LEVELS)
    if "weight" in body:
        fields["weight"] = check_number(body["weight"], "weight", lo=0, hi=100)
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


# --- routes --------------------------------------------------------------------------


def _state(request: web.Request) -> FakeState:
    return request.app[STATE_KEY]


@routes.get("/v1/evals/agents")
async def list_agents(request: web.Request) -> web.Response:
    """E1: cursor list of agents, newest first."""
    state = _state(request)
    live = [agent for agent in state.eval_agents.values() if agent["deleted_at"] is None]
    return ok(
        cursor_page(
            request.query,
            live[::-1],
            id_of=lambda agent: agent["id"],
            render=lambda agent: _agent_list_item(state, agent),
        )
    )


@routes.post("/v1/evals/agents")
async def create_agent_route(request: web.Request) -> web.Response:
    """E2: create an agent (200)."""
    state = _state(request)
    agent_id = create_agent(state, await read_body(request))
    return ok(agent_bundle(state, agent_id))


@routes.get("/v1/evals/agents/{eval_agent_id}")
async def get_agent(request: web.Request) -> web.Response:
    """E3: the agent and its draft."""
    return ok(agent_bundle(_state(request), request.match_info["eval_agent_id"]))


@routes.patch("/v1/evals/agents/{eval_agent_id}")
async def update_agent_route(request: web.Request) -> web.Response:
    """E4: update agent-level fields."""
    state = _state(request)
    body = await read_body(request)
    agent_id = request.match_info["eval_agent_id"]
    update_agent(state, agent_id, body)
    return ok(agent_bundle(state, agent_id))


@routes.delete("/v1/evals/agents/{eval_agent_id}")
async def delete_agent_route(request: web.Request) -> web.Response:
    """E5: soft delete (204)."""
    delete_agent(_state(request), request.match_info["eval_agent_id"])
    return no_content()


@routes.post("/v1/evals/agents/{eval_agent_id}/publications")
async def publish_route(request: web.Request) -> web.Response:
    """E6: publish the draft."""
    return ok(publish_agent(_state(request), request.match_info["eval_agent_id"]))


@routes.get("/v1/evals/agents/{eval_agent_id}/versions")
async def list_versions(request: web.Request) -> web.Response:
    """E7: cursor list of versions, highest `version_number` first."""
    state = _state(request)
    agent = find_agent(state, request.match_info["eval_agent_id"])
    return ok(
        cursor_page(
            request.query,
            _versions_of(state, agent["id"]),
            id_of=lambda version: version["id"],
            render=lambda version: _version_list_item(state, version),
        )
    )


@routes.post("/v1/evals/agents/{eval_agent_id}/versions")
async def fork_route(request: web.Request) -> web.Response:
    """E8: fork a version (200)."""
    body = await read_body(request)
    return ok(fork_version(_state(request), request.match_info["eval_agent_id"], body))


@routes.get("/v1/evals/agents/{eval_agent_id}/versions/{version_id}")
async def get_version(request: web.Request) -> web.Response:
    """E9: one full version."""
    state = _state(request)
    agent = find_agent(state, request.match_info["eval_agent_id"])
    return ok(copy.deepcopy(find_agent_version(state, agent, request.match_info["version_id"])))


@routes.patch("/v1/evals/agents/{eval_agent_id}/versions/{version_id}")
async def update_version_route(request: web.Request) -> web.Response:
    """E10: update an editable version."""
    body = await read_body(request)
    return ok(
        update_version(
            _state(request),
            request.match_info["eval_agent_id"],
            request.match_info["version_id"],
            body,
        )
    )
