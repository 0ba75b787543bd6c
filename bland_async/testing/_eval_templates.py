"""Eval agent templates: the shipped library (E29/E30) and user templates (E31-E35).

A user template is made inline (name and content in the body) or by
snapshotting an eval agent (`from_agent_id`, optionally `from_version_id`,
default the agent's draft); inline fields override the snapshot. Its
`modality` and source pointers are fixed once created. Deletes are soft.
"""

from __future__ import annotations

import copy
from typing import Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_str,
    cursor_page,
    no_content,
    ok,
    read_body,
    unique_slug,
    validation_error,
)
from ._eval_content import CONTENT_FIELDS, find_agent, find_agent_version, parse_content
from ._eval_library import SHIPPED_TEMPLATES
from ._state import FakeState, apply_body, state_of

__all__ = [
    "create_user_template",
    "routes",
    "seed_content",
    "shipped_template",
    "update_user_template",
    "user_template_json",
]

VISIBILITIES: Final = ("private", "org", "public")
MAX_TEMPLATE_NAME: Final = 120
MAX_TEMPLATE_DESCRIPTION: Final = 4000
MAX_TEMPLATE_CATEGORY: Final = 64
MAX_TEMPLATE_PROMPT: Final = 50000
_EMPTY_CONTENT: Final[JSONObject] = {
    "modality": "text",
    "system_prompt_md": "",
    "prompt_md": "",
    "levels": [],
    "target_level_keys": [],
}

routes = web.RouteTableDef()


# --- lookups -----------------------------------------------------------------------


def shipped_template(template_key: str) -> JSONObject:
    """Return a copy of a shipped template, or 404 `EVAL_AGENT_TEMPLATE_NOT_FOUND`."""
    for template in SHIPPED_TEMPLATES:
        if template["key"] == template_key:
            return copy.deepcopy(template)
    raise ApiError(
        404,
        "EVAL_AGENT_TEMPLATE_NOT_FOUND",
        "Eval agent template not found",
        {"template_key": template_key},
    )


def _user_template(state: FakeState, template_id: str) -> JSONObject:
    template = state.eval_user_templates.get(template_id)
    if template is None or template["deleted_at"] is not None:
        raise ApiError(
            404, "USER_TEMPLATE_NOT_FOUND", "User template not found", {"id": template_id}
        )
    return template


def seed_content(
    state: FakeState, template_key: str | None, user_template_id: str | None
) -> JSONObject | None:
    """The content an agent is seeded with (E2): the user template wins over the key."""
    if user_template_id is not None:
        source = _user_template(state, user_template_id)
    elif template_key is not None:
        source = shipped_template(template_key)
    else:
        return None
    return {name: copy.deepcopy(source[name]) for name in CONTENT_FIELDS}


def user_template_json(state: FakeState, template_id: str) -> JSONObject:
    """Serialise a live user template (E33 shape)."""
    template = _user_template(state, template_id)
    return {key: copy.deepcopy(value) for key, value in template.items() if key != "deleted_at"}


def _list_item(template: JSONObject) -> JSONObject:
    return {
        "id": template["id"],
        "key": template["key"],
        "name": template["name"],
        "description": template["description"],
        "category": template["category"],
        "modality": template["modality"],
        "visibility": template["visibility"],
        "level_count": len(template["levels"]),
        "source_agent_id": template["source_agent_id"],
        "created_by": template["created_by"],
        "created_at": template["created_at"],
        "updated_at": template["updated_at"],
    }


# --- state rules -------------------------------------------------------------------


def _parse_meta(body: JSONObject) -> JSONObject:
    """The non-content fields of E32/E34 that are present in `body`."""
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_str(body["name"], "name", min_len=1, max_len=MAX_TEMPLATE_NAME)
    if "description" in body:
        fields["description"] = check_str(
            body["description"], "description", nullable=True, max_len=MAX_TEMPLATE_DESCRIPTION
        )
    if "category" in body:
        fields["category"] = check_str(
            body["category"], "category", nullable=True, max_len=MAX_TEMPLATE_CATEGORY
        )
    if "visibility" in body:
        fields["visibility"] = check_enum(body["visibility"], "visibility", VISIBILITIES)
    return fields


def create_user_template(state: FakeState, body: JSONObject) -> JSONObject:
    """E32: create a user template inline or from an agent snapshot; return it (E33 shape)."""
    fields = _parse_meta(body)
    from_agent_id = check_str(body.get("from_agent_id"), "from_agent_id", nullable=True)
    from_version_id = check_str(body.get("from_version_id"), "from_version_id", nullable=True)
    if from_version_id is not None and from_agent_id is None:
        raise validation_error("from_version_id", "from_version_id needs from_agent_id")
    base: JSONObject = dict(_EMPTY_CONTENT)
    source_version_id: str | None = None
    if from_agent_id is None:
        if "name" not in fields:
            raise validation_error("name", "name is required (or snapshot an agent)")
    else:
        agent = find_agent(state, from_agent_id)
        version = find_agent_version(state, agent, from_version_id or agent["current_version_id"])
        source_version_id = version["id"]
        base = {name: copy.deepcopy(version[name]) for name in CONTENT_FIELDS}
        fields.setdefault("name", agent["name"][:MAX_TEMPLATE_NAME])
        fields.setdefault("description", agent["description"])
    content = base | parse_content(body, base, max_prompt=MAX_TEMPLATE_PROMPT, max_levels=None)
    now = state.now()
    template_id = state.new_id()
    taken = {template["key"] for template in state.eval_user_templates.values()}
    state.eval_user_templates[template_id] = {
        "id": template_id,
        "org_id": state.org_id,
        "key": unique_slug(fields["name"], taken, sep="_", fallback="template"),
        "name": fields["name"],
        "description": fields.get("description"),
        "category": fields.get("category"),
        **{name: content[name] for name in CONTENT_FIELDS},
        "visibility": fields.get("visibility", "private"),
        "source_agent_id": from_agent_id,
        "source_version_id": source_version_id,
        "created_by": state.user_id,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    return user_template_json(state, template_id)


def update_user_template(state: FakeState, template_id: str, body: JSONObject) -> JSONObject:
    """E34: update a user template (`modality` and the source pointers are fixed); return it."""
    template = _user_template(state, template_id)
    for fixed in ("source_agent_id", "source_version_id"):
        if fixed in body:
            raise validation_error(fixed, f"{fixed} cannot be changed")
    fields = _parse_meta(body)
    fields |= parse_content(
        body, template, max_prompt=MAX_TEMPLATE_PROMPT, max_levels=None, allow_modality=False
    )
    template.update(fields)
    template["updated_at"] = state.now()
    return user_template_json(state, template_id)


def _delete_user_template(state: FakeState, template_id: str) -> None:
    template = _user_template(state, template_id)
    now = state.now()
    template["deleted_at"] = now
    template["updated_at"] = now


# --- routes ------------------------------------------------------------------------


@routes.get("/v1/evals/agent-templates")
async def list_templates(request: web.Request) -> web.Response:
    """E29: every shipped template, in one page."""
    del request
    return ok(
        {
            "object": "list",
            "data": [copy.deepcopy(template) for template in SHIPPED_TEMPLATES],
            "has_more": False,
            "next_cursor": None,
        }
    )


@routes.get("/v1/evals/agent-templates/{template_key}")
async def get_template(request: web.Request) -> web.Response:
    """E30: one shipped template by key."""
    return ok(shipped_template(request.match_info["template_key"]))


@routes.get("/v1/evals/user-templates")
async def list_user_templates(request: web.Request) -> web.Response:
    """E31: cursor list of user templates, newest first."""
    state = state_of(request)
    live = [t for t in state.eval_user_templates.values() if t["deleted_at"] is None]
    return ok(cursor_page(request.query, live[::-1], id_of=lambda t: t["id"], render=_list_item))


@routes.post("/v1/evals/user-templates")
async def create_user_template_route(request: web.Request) -> web.Response:
    """E32: create a user template."""
    return ok(create_user_template(state_of(request), await read_body(request)))


@routes.get("/v1/evals/user-templates/{id}")
async def get_user_template(request: web.Request) -> web.Response:
    """E33: one user template."""
    return ok(user_template_json(state_of(request), request.match_info["id"]))


@routes.patch("/v1/evals/user-templates/{id}")
async def update_user_template_route(request: web.Request) -> web.Response:
    """E34: update a user template."""
    return await apply_body(request, update_user_template, "id")


@routes.delete("/v1/evals/user-templates/{id}")
async def delete_user_template_route(request: web.Request) -> web.Response:
    """E35: soft delete (204)."""
    _delete_user_template(state_of(request), request.match_info["id"])
    return no_content()
