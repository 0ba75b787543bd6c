"""What eval agents, their versions and templates share: lookups and content validation.

"Content" is what a judge is made of: `modality`, `system_prompt_md`,
`prompt_md`, `levels` and `target_level_keys`. Agent versions (E10) and user
templates (E32/E34) validate it with the same rules, only the limits differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_list,
    check_object,
    check_str,
    check_str_list,
    require,
    validation_error,
)

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = [
    "CONTENT_FIELDS",
    "LEVEL_COLORS",
    "MAX_NAME",
    "MODALITIES",
    "check_name",
    "check_targets",
    "find_agent",
    "find_agent_version",
    "parse_content",
]

MODALITIES: Final = ("text", "audio")
LEVEL_COLORS: Final = ("rose", "amber", "gold", "emerald", "blue", "indigo", "violet", "fog")
MAX_NAME: Final = 200
MAX_LEVEL_KEY: Final = 64
MAX_LEVEL_LABEL: Final = 80
# The fields a judge is made of, copied by forks, seeds and template snapshots.
CONTENT_FIELDS: Final = ("modality", "system_prompt_md", "prompt_md", "levels", "target_level_keys")


def check_name(value: object, path: str = "name") -> str:
    """An eval agent, agent version, setup or setup version name: 1 to 200 characters.

    The API documents "1 to 200 characters"; a name that is empty once
    whitespace is stripped (`"   "`) is refused like an empty one.
    """
    name = check_str(value, path, min_len=1, max_len=MAX_NAME) or ""
    if not name.strip():
        raise validation_error(path, f"{path} must not be blank (only whitespace)")
    return name


# --- lookups ---------------------------------------------------------------------


def find_agent(state: FakeState, agent_id: str) -> JSONObject:
    """Return a live eval agent, or raise 404 `EVAL_AGENT_NOT_FOUND` (also when deleted)."""
    agent = state.eval_agents.get(agent_id)
    if agent is None or agent["deleted_at"] is not None:
        raise ApiError(
            404, "EVAL_AGENT_NOT_FOUND", "Eval agent not found", {"eval_agent_id": agent_id}
        )
    return agent


def find_agent_version(state: FakeState, agent: JSONObject, version_id: str) -> JSONObject:
    """Return a version of `agent`, or 404 `EVAL_AGENT_VERSION_NOT_FOUND` (also another agent's)."""
    version = state.eval_agent_versions.get(version_id)
    if version is None or version["eval_agent_id"] != agent["id"]:
        raise ApiError(
            404,
            "EVAL_AGENT_VERSION_NOT_FOUND",
            "Eval agent version not found",
            {"eval_agent_id": agent["id"], "version_id": version_id},
        )
    return version


# --- content validation -------------------------------------------------------------


def _parse_level(value: object, path: str) -> JSONObject:
    obj = check_object(value, path) or {}
    level: JSONObject = {}
    for name, max_len in (("level_key", MAX_LEVEL_KEY), ("label", MAX_LEVEL_LABEL)):
        sub = f"{path}.{name}"
        level[name] = check_str(require(obj, name, sub), sub, min_len=1, max_len=max_len)
    # "required": read, as the SDK's validation reads it, as a non-empty string.
    level["prompt_md"] = check_str(
        require(obj, "prompt_md", f"{path}.prompt_md"), f"{path}.prompt_md", min_len=1
    )
    if obj.get("color") is not None:
        level["color"] = check_enum(obj["color"], f"{path}.color", LEVEL_COLORS)
    return level


def _parse_levels(value: object, path: str, max_items: int | None) -> list[JSONObject]:
    items = check_list(value, path, max_items=max_items) or []
    levels: list[JSONObject] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        level = _parse_level(item, f"{path}[{index}]")
        if level["level_key"] in seen:
            field = f"{path}[{index}].level_key"
            raise validation_error(field, f"{field} {level['level_key']!r} is not unique")
        seen.add(level["level_key"])
        levels.append(level)
    return levels


def check_targets(targets: list[str], levels: list[JSONObject], path: str) -> None:
    """Check that every target names a level (and that there are none without levels)."""
    if not levels:
        if targets:
            raise validation_error(path, f"{path} must be empty for a pass/fail judge (no levels)")
        return
    keys = {level["level_key"] for level in levels}
    for index, target in enumerate(targets):
        if target not in keys:
            field = f"{path}[{index}]"
            raise validation_error(field, f"{field} {target!r} does not match any level_key")


def parse_content(
    body: JSONObject,
    current: JSONObject,
    *,
    max_prompt: int,
    max_levels: int | None,
    allow_modality: bool = True,
) -> JSONObject:
    """Validate the content fields present in `body`; return only those.

    Targets are checked against the levels the result will have: sent
    `target_level_keys` must name levels (and be empty without levels), and
    sending only `levels` must not orphan the `current` targets (field `levels`).

    Args:
        body: the request body (other keys are ignored).
        current: the record being changed (or the defaults, on create).
        max_prompt: the limit on `system_prompt_md` and `prompt_md`.
        max_levels: the limit on the number of levels, None for none.
        allow_modality: False makes `modality` in the body a 400 (E34).
    """
    fields: JSONObject = {}
    if "modality" in body:
        if not allow_modality:
            raise validation_error("modality", "modality cannot be changed after creation")
        fields["modality"] = check_enum(body["modality"], "modality", MODALITIES)
    for name in ("system_prompt_md", "prompt_md"):
        if name in body:
            fields[name] = check_str(body[name], name, max_len=max_prompt)
    if "levels" in body:
        fields["levels"] = _parse_levels(body["levels"], "levels", max_levels)
    if "target_level_keys" in body:
        fields["target_level_keys"] = check_str_list(body["target_level_keys"], "target_level_keys")
    levels: list[Any] = fields["levels"] if "levels" in fields else current["levels"]
    if "target_level_keys" in fields:
        check_targets(fields["target_level_keys"], levels, "target_level_keys")
    elif "levels" in fields:
        try:
            check_targets(current["target_level_keys"], levels, "target_level_keys")
        except ApiError:
            raise validation_error(
                "levels",
                "levels would orphan the current target_level_keys "
                f"{current['target_level_keys']}; send target_level_keys too",
            ) from None
    return fields
