"""Personas (P1-P11): validation, state rules and routes.

The pure functions (`create_persona`, `update_persona`, `promote_persona`, ...)
work on a `FakeState` and plain JSON and raise `ApiError`; the route handlers
only read the request and serialise the result. Seeding helpers on `FakeBland`
reuse the same functions, so seeded state obeys the same rules.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_bool,
    check_list,
    check_number,
    check_object,
    check_str,
    check_str_list,
    is_e164,
    ok,
    query_bool,
    query_int,
    read_body,
    require,
)
from ._state import STATE_KEY

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = [
    "PERSONA_FIELDS",
    "VERSION_FIELDS",
    "add_phone_number",
    "attach_numbers",
    "create_persona",
    "delete_persona",
    "detach_numbers",
    "parse_version_fields",
    "persona_json",
    "promote_persona",
    "promotion_count",
    "routes",
    "update_number_settings",
    "update_persona",
]

PERSONA_FIELDS: Final = ("name", "role", "description", "tags", "image_url")
VERSION_FIELDS: Final = (
    "orchestration_prompt",
    "personality_prompt",
    "pathway_conditions",
    "kb_ids",
    "call_config",
    "default_tools",
)
DEFAULT_PERSONALITY_PROMPT: Final = "You are a helpful assistant"

# CallConfig sub-fields and their JSON types (all optional, no ranges documented).
_CALL_CONFIG_FIELDS: Final = {
    "voice": "string",
    "record": "boolean",
    "language": "string",
    "background": "string",
    "max_duration": "number",
    "wait_for_greeting": "boolean",
    "interruption_threshold": "number",
}
_PATHWAY_CONDITION_FIELDS: Final = (
    "name",
    "prompt",
    "pathway_id",
    "pathway_version",
    "start_node_id",
)

routes = web.RouteTableDef()


# --- validation ----------------------------------------------------------------


def _check_typed(value: object, path: str, kind: str) -> object:
    if kind == "string":
        return check_str(value, path)
    if kind == "boolean":
        return check_bool(value, path)
    return check_number(value, path)


def parse_call_config(value: object, path: str = "call_config") -> JSONObject | None:
    """Validate a CallConfig object (or null); unknown keys are dropped."""
    obj = check_object(value, path, nullable=True)
    if obj is None:
        return None
    return {
        key: _check_typed(obj[key], f"{path}.{key}", kind)
        for key, kind in _CALL_CONFIG_FIELDS.items()
        if key in obj
    }


def _parse_pathway_conditions(value: object, path: str) -> list[JSONObject] | None:
    items = check_list(value, path, nullable=True)
    if items is None:
        return None
    conditions: list[JSONObject] = []
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        obj = check_object(item, item_path) or {}
        conditions.append(
            {
                key: check_str(require(obj, key, f"{item_path}.{key}"), f"{item_path}.{key}")
                for key in _PATHWAY_CONDITION_FIELDS
            }
        )
    return conditions


def _parse_persona_settings(value: object, path: str = "persona_settings") -> JSONObject | None:
    obj = check_object(value, path, nullable=True)
    if obj is None:
        return None
    settings: JSONObject = {}
    if "pathway_id" in obj:
        settings["pathway_id"] = check_str(obj["pathway_id"], f"{path}.pathway_id")
    if "pathway_version" in obj:
        settings["pathway_version"] = check_number(
            obj["pathway_version"], f"{path}.pathway_version"
        )
    if "start_node_id" in obj:
        settings["start_node_id"] = check_str(obj["start_node_id"], f"{path}.start_node_id")
    return settings


def parse_persona_fields(body: JSONObject) -> JSONObject:
    """Validate the persona-level fields; `name` is required (also on PATCH)."""
    fields: JSONObject = {"name": check_str(require(body, "name"), "name", min_len=1)}
    for key in ("role", "description", "image_url"):
        if key in body:
            fields[key] = check_str(body[key], key, nullable=True)
    if "tags" in body:
        # `tags` is never null in responses: an explicit null clears it to [].
        fields["tags"] = check_str_list(body["tags"], "tags", nullable=True) or []
    return fields


def parse_version_fields(body: JSONObject) -> JSONObject:
    """Validate the version-level fields present in `body` (they go to the draft)."""
    fields: JSONObject = {}
    for key in ("orchestration_prompt", "personality_prompt"):
        if key in body:
            fields[key] = check_str(body[key], key, nullable=True)
    if "pathway_conditions" in body:
        fields["pathway_conditions"] = _parse_pathway_conditions(
            body["pathway_conditions"], "pathway_conditions"
        )
    if "kb_ids" in body:
        # Documented as never null (`[]`): an explicit null clears it to [].
        fields["kb_ids"] = check_str_list(body["kb_ids"], "kb_ids", nullable=True) or []
    if "call_config" in body:
        fields["call_config"] = parse_call_config(body["call_config"])
    if "default_tools" in body:
        fields["default_tools"] = check_list(body["default_tools"], "default_tools", nullable=True)
        if fields["default_tools"] is None:
            fields["default_tools"] = []
    return fields


# --- state rules -----------------------------------------------------------------


def _persona(state: FakeState, persona_id: str) -> JSONObject:
    persona = state.personas.get(persona_id)
    if persona is None:
        raise ApiError(
            404,
            "PERSONA_NOT_FOUND",
            "Persona not found or access denied",
            {"persona_id": persona_id},
        )
    return persona


def _versions_of(state: FakeState, persona_id: str) -> list[JSONObject]:
    versions = [v for v in state.persona_versions.values() if v["persona_id"] == persona_id]
    return sorted(versions, key=lambda v: v["version_number"], reverse=True)


def _new_version(
    state: FakeState,
    persona_id: str,
    *,
    version_type: str,
    version_number: int,
    config: JSONObject,
    promoted_from_version_id: str | None,
    promoted_at: str | None,
    promoted_by: str | None,
    now: str,
) -> JSONObject:
    version: JSONObject = {
        "id": state.new_id(),
        "persona_id": persona_id,
        "version_type": version_type,
        "version_number": version_number,
        **{key: copy.deepcopy(config[key]) for key in VERSION_FIELDS},
        "promoted_from_version_id": promoted_from_version_id,
        "promoted_at": promoted_at,
        "promoted_by": promoted_by,
        "created_at": now,
        "updated_at": now,
    }
    state.persona_versions[version["id"]] = version
    return version


def _inbound_numbers(state: FakeState, persona_id: str) -> list[JSONObject]:
    return [
        {
            "phone_number": number["phone_number"],
            "label": number["label"],
            "persona_id": number["persona_id"],
            "persona_settings": copy.deepcopy(number["persona_settings"]),
        }
        for number in state.phone_numbers.values()
        if number["persona_id"] == persona_id
    ]


def persona_json(state: FakeState, persona_id: str, *, include_inbound: bool = True) -> JSONObject:
    """Serialise a persona as GET answers it (create and promote omit `inbound_numbers`)."""
    persona = _persona(state, persona_id)
    data = copy.deepcopy(persona)
    if include_inbound:
        data["inbound_numbers"] = _inbound_numbers(state, persona_id)
    for pointer, embedded in (
        ("current_production_version_id", "current_production_version"),
        ("current_draft_version_id", "current_draft_version"),
    ):
        version_id = persona[pointer]
        data[embedded] = (
            copy.deepcopy(state.persona_versions[version_id]) if version_id is not None else None
        )
    return data


def _partial_persona(state: FakeState, persona_id: str) -> JSONObject:
    persona = state.personas[persona_id]
    return {
        "id": persona["id"],
        "name": persona["name"],
        "user_id": persona["user_id"],
        "inbound_numbers": _inbound_numbers(state, persona_id),
        "created_at": persona["created_at"],
        "updated_at": persona["updated_at"],
    }


def create_persona(state: FakeState, body: JSONObject, *, with_draft: bool = True) -> str:
    """Create a persona: production version 1 and (unless `with_draft=False`) draft 2.

    Returns:
        The new persona's id.
    """
    persona_fields = parse_persona_fields(body)
    config: JSONObject = {
        "orchestration_prompt": None,
        "personality_prompt": DEFAULT_PERSONALITY_PROMPT,
        "pathway_conditions": None,
        "kb_ids": [],
        "call_config": None,
        "default_tools": [],
        **parse_version_fields(body),
    }
    now = state.now()
    persona_id = state.new_id()
    production = _new_version(
        state,
        persona_id,
        version_type="production",
        version_number=1,
        config=config,
        promoted_from_version_id=None,
        promoted_at=now,
        promoted_by=None,
        now=now,
    )
    draft_id: str | None = None
    if with_draft:
        draft_id = _new_version(
            state,
            persona_id,
            version_type="draft",
            version_number=2,
            config=config,
            promoted_from_version_id=production["id"],
            promoted_at=None,
            promoted_by=None,
            now=now,
        )["id"]
    state.personas[persona_id] = {
        "id": persona_id,
        "name": persona_fields["name"],
        "role": persona_fields.get("role"),
        "description": persona_fields.get("description"),
        "tags": persona_fields.get("tags", []),
        "image_url": persona_fields.get("image_url"),
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "user_id": state.user_id,
        "current_production_version_id": production["id"],
        "current_draft_version_id": draft_id,
    }
    return persona_id


def _no_draft(persona_id: str) -> ApiError:
    return ApiError(
        409, "NO_DRAFT_VERSION", "Persona has no draft version", {"persona_id": persona_id}
    )


def update_draft(state: FakeState, persona_id: str, version_fields: JSONObject) -> None:
    """Write already-validated version-level fields to the persona's draft."""
    persona = _persona(state, persona_id)
    draft_id = persona["current_draft_version_id"]
    if draft_id is None:
        raise _no_draft(persona_id)
    draft = state.persona_versions[draft_id]
    draft.update(copy.deepcopy(version_fields))
    draft["updated_at"] = state.now()


def update_persona(state: FakeState, persona_id: str, body: JSONObject) -> None:
    """PATCH: persona-level fields apply now, version-level fields go to the draft."""
    persona = _persona(state, persona_id)
    persona_fields = parse_persona_fields(body)
    version_fields = parse_version_fields(body)
    if version_fields:
        update_draft(state, persona_id, version_fields)
    persona.update(persona_fields)
    persona["updated_at"] = state.now()


def promote_persona(state: FakeState, persona_id: str) -> None:
    """Copy the draft into a new production version; archive the old production one."""
    persona = _persona(state, persona_id)
    draft_id = persona["current_draft_version_id"]
    if draft_id is None:
        raise _no_draft(persona_id)
    draft = state.persona_versions[draft_id]
    versions = _versions_of(state, persona_id)
    now = state.now()
    old_id = persona["current_production_version_id"]
    if old_id is not None:
        old = state.persona_versions[old_id]
        old["version_type"] = "archived"
        old["updated_at"] = now
    production = _new_version(
        state,
        persona_id,
        version_type="production",
        version_number=versions[0]["version_number"] + 1,
        config=draft,
        promoted_from_version_id=draft_id,
        promoted_at=now,
        promoted_by=persona["user_id"],
        now=now,
    )
    persona["current_production_version_id"] = production["id"]
    persona["updated_at"] = now


def promotion_count(state: FakeState, persona_id: str) -> int:
    """How many production versions `promote_persona` made for the persona.

    A promote makes a production version copied from the draft
    (`promoted_from_version_id` set), later archived by the next promote; the
    create's version 1 has no source and drafts are not production versions.

    Raises:
        KeyError: no such persona.
    """
    if persona_id not in state.personas:
        raise KeyError(f"no persona {persona_id!r} in the fake")
    return sum(
        1
        for version in state.persona_versions.values()
        if version["persona_id"] == persona_id
        and version["version_type"] in ("production", "archived")
        and version["promoted_from_version_id"] is not None
    )


def delete_persona(state: FakeState, persona_id: str, *, force: bool) -> JSONObject:
    """Delete a persona and its versions; refuse while numbers use it unless `force`."""
    _persona(state, persona_id)
    using = [n for n in state.phone_numbers.values() if n["persona_id"] == persona_id]
    if using and not force:
        raise ApiError(
            409,
            "PERSONA_IN_USE",
            "Persona is attached to phone numbers",
            {
                "persona_id": persona_id,
                "phone_numbers_using": [n["phone_number"] for n in using],
                "suggestion": (
                    "Detach the phone numbers first, or pass force=true to delete anyway."
                ),
            },
        )
    now = state.now()
    for number in using:
        number["persona_id"] = None
        number["persona_settings"] = None
        number["updated_at"] = now
    for version in _versions_of(state, persona_id):
        del state.persona_versions[version["id"]]
    del state.personas[persona_id]
    return {"success": True, "message": "Persona deleted successfully"}


def _numbers_field(body: JSONObject) -> list[str]:
    numbers = check_str_list(require(body, "inbound_numbers"), "inbound_numbers", min_items=1)
    return list(dict.fromkeys(numbers or ()))


def attach_numbers(state: FakeState, persona_id: str, body: JSONObject) -> JSONObject:
    """Attach owned E.164 numbers (moving them from another persona if needed)."""
    persona = _persona(state, persona_id)
    numbers = _numbers_field(body)
    invalid = [n for n in numbers if not is_e164(n) or n not in state.phone_numbers]
    if invalid:
        raise ApiError(
            400,
            "INVALID_INBOUND_NUMBERS",
            "Some numbers were not found or are not owned by this account",
            {"invalid_numbers": invalid},
        )
    now = state.now()
    for phone_number in numbers:
        record = state.phone_numbers[phone_number]
        if record["persona_id"] != persona_id:
            record["persona_id"] = persona_id
            record["persona_settings"] = None
            record["updated_at"] = now
    persona["updated_at"] = now
    return _partial_persona(state, persona_id)


def detach_numbers(state: FakeState, persona_id: str, body: JSONObject) -> JSONObject:
    """Detach numbers attached to this persona (others are ignored); they lose settings."""
    persona = _persona(state, persona_id)
    numbers = _numbers_field(body)
    now = state.now()
    for phone_number in numbers:
        record = state.phone_numbers.get(phone_number)
        if record is not None and record["persona_id"] == persona_id:
            record["persona_id"] = None
            record["persona_settings"] = None
            record["updated_at"] = now
            persona["updated_at"] = now
    return _partial_persona(state, persona_id)


def update_number_settings(
    state: FakeState, persona_id: str, phone_number: str, body: JSONObject
) -> JSONObject:
    """Set (object) or clear (null) the per-number persona settings."""
    _persona(state, persona_id)
    settings = _parse_persona_settings(require(body, "persona_settings"))
    record = state.phone_numbers.get(phone_number)
    if record is None or record["persona_id"] != persona_id:
        raise ApiError(
            404,
            "INBOUND_NOT_FOUND",
            "Phone number is not attached to this persona",
            {"phone_number": phone_number, "persona_id": persona_id},
        )
    record["persona_settings"] = settings
    record["updated_at"] = state.now()
    return {
        "id": record["id"],
        "phone_number": record["phone_number"],
        "persona_id": record["persona_id"],
        "persona_settings": copy.deepcopy(settings),
        "updated_at": record["updated_at"],
    }


def add_phone_number(state: FakeState, phone_number: str, label: str | None) -> JSONObject:
    """Register a number the account owns (or relabel it); return its record."""
    if not is_e164(phone_number):
        raise ValueError(f"not an E.164 phone number: {phone_number!r}")
    record = state.phone_numbers.get(phone_number)
    if record is None:
        record = {
            "id": state.next_number_id(),
            "phone_number": phone_number,
            "label": label,
            "persona_id": None,
            "persona_settings": None,
            "updated_at": state.now(),
        }
        state.phone_numbers[phone_number] = record
    elif label is not None:
        record["label"] = label
        record["updated_at"] = state.now()
    return copy.deepcopy(record)


# --- routes --------------------------------------------------------------------


def _state(request: web.Request) -> FakeState:
    return request.app[STATE_KEY]


@routes.get("/v1/personas")
async def list_personas(request: web.Request) -> web.Response:
    """P1: a page of personas in creation order (`page` >= 1, `limit` 1..100)."""
    state = _state(request)
    page = query_int(request.query, "page", default=1, lo=1, hi=2**31 - 1)
    limit = query_int(request.query, "limit", default=20, lo=1, hi=100)
    ids = list(state.personas)[(page - 1) * limit : page * limit]
    return ok([persona_json(state, persona_id) for persona_id in ids])


@routes.post("/v1/personas")
async def create_persona_route(request: web.Request) -> web.Response:
    """P2: create a persona (answer omits `inbound_numbers`)."""
    state = _state(request)
    persona_id = create_persona(state, await read_body(request))
    return ok(persona_json(state, persona_id, include_inbound=False))


@routes.get("/v1/personas/{persona_id}")
async def get_persona(request: web.Request) -> web.Response:
    """P3: one persona with both embedded versions and its inbound numbers."""
    return ok(persona_json(_state(request), request.match_info["persona_id"]))


@routes.patch("/v1/personas/{persona_id}")
async def update_persona_route(request: web.Request) -> web.Response:
    """P4: update a persona (`name` required; version fields go to the draft)."""
    state = _state(request)
    body = await read_body(request)
    persona_id = request.match_info["persona_id"]
    update_persona(state, persona_id, body)
    return ok(persona_json(state, persona_id))


@routes.delete("/v1/personas/{persona_id}")
async def delete_persona_route(request: web.Request) -> web.Response:
    """P5: delete a persona (`force` detaches numbers that use it)."""
    force = query_bool(request.query, "force", default=False)
    return ok(delete_persona(_state(request), request.match_info["persona_id"], force=force))


@routes.post("/v1/personas/{persona_id}/inbound/attach")
async def attach_route(request: web.Request) -> web.Response:
    """P6: attach owned numbers; answers a partial persona."""
    body = await read_body(request)
    return ok(attach_numbers(_state(request), request.match_info["persona_id"], body))


@routes.post("/v1/personas/{persona_id}/inbound/detach")
async def detach_route(request: web.Request) -> web.Response:
    """P7: detach numbers; answers a partial persona."""
    body = await read_body(request)
    return ok(detach_numbers(_state(request), request.match_info["persona_id"], body))


@routes.patch("/v1/personas/{persona_id}/inbound/{phone_number}/settings")
async def settings_route(request: web.Request) -> web.Response:
    """P8: per-number settings; `phone_number` arrives URL-decoded (`%2B` -> `+`)."""
    body = await read_body(request)
    return ok(
        update_number_settings(
            _state(request),
            request.match_info["persona_id"],
            request.match_info["phone_number"],
            body,
        )
    )


@routes.get("/v1/personas/{persona_id}/versions")
async def list_versions(request: web.Request) -> web.Response:
    """P9: every version, highest `version_number` first, unpaginated."""
    state = _state(request)
    persona_id = request.match_info["persona_id"]
    _persona(state, persona_id)
    return ok(copy.deepcopy(_versions_of(state, persona_id)))


@routes.get("/v1/personas/{persona_id}/versions/{version_id}")
async def get_version(request: web.Request) -> web.Response:
    """P10: one version; a miss uses the one-off `{"error": {...}}` shape."""
    state = _state(request)
    persona_id = request.match_info["persona_id"]
    version_id = request.match_info["version_id"]
    persona = _persona(state, persona_id)
    version = state.persona_versions.get(version_id)
    if version is None or version["persona_id"] != persona_id:
        raise ApiError(
            404,
            "VERSION_NOT_FOUND",
            f"Version {version_id} not found for persona {persona_id}",
            {
                "persona_id": persona_id,
                "requested_version": version_id,
                "available_versions": [v["id"] for v in _versions_of(state, persona_id)],
                "current_production": persona["current_production_version_id"],
                "current_draft": persona["current_draft_version_id"],
            },
            variant=True,
        )
    return ok(copy.deepcopy(version))


@routes.post("/v1/personas/{persona_id}/versions/promote")
async def promote_route(request: web.Request) -> web.Response:
    """P11: promote the draft (answer omits `inbound_numbers`)."""
    state = _state(request)
    persona_id = request.match_info["persona_id"]
    promote_persona(state, persona_id)
    return ok(persona_json(state, persona_id, include_inbound=False))
