"""What eval agents, their versions and templates share: lookups and content validation.

"Content" is what a judge is made of: `modality`, `system_prompt_md`,
`prompt_md`, `levels` and `target_level_keys`. Agent versions (E10) and user
templates (E32/E34) validate it with the same rules, only the limits differ.
"""

from __future__ import annotations

from typing import Any, Final

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
from ._versioned import Kind

__all__ = [
    "AGENT_KIND",
    "CONTENT_FIELDS",
    "LEVEL_COLORS",
    "MODALITIES",
    "check_targets",
    "find_agent",
    "find_agent_version",
    "parse_content",
]

MODALITIES: Final = ("text", "audio")
LEVEL_COLORS: Final = ("rose", "amber", "gold", "emerald", "blue", "indigo", "violet", "fog")
MAX_LEVEL_KEY: Final = 64
MAX_LEVEL_LABEL: Final = 80
# The fields a judge is made of, copied by forks, seeds and template snapshots.
CONTENT_FIELDS: Final = ("modality", "system_prompt_md", "prompt_md", "levels", "target_level_keys")


# --- lookups ---------------------------------------------------------------------


#: Eval agents as a versioned resource (`_eval_agents` adds their lifecycle rules).
AGENT_KIND: Final = Kind("eval_agent")
#: A live eval agent, or 404 `EVAL_AGENT_NOT_FOUND` (also when deleted).
find_agent: Final = AGENT_KIND.find
#: A version of an agent, or 404 `EVAL_AGENT_VERSION_NOT_FOUND` (also another agent's).
find_agent_version: Final = AGENT_KIND.find_version


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
