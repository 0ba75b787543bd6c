"""Eval agents and their versions (E1-E10): the agent's rules, and its routes.

An agent is a versioned resource (`_versioned`): an editable draft
(`current_version_id`), optionally a published version (`active_version_id`,
state `archived`), forks that do not move `current_version_id`, PATCH on the
agent that repoints or (null) unpublishes the active version, soft deletes.
Here are the agent's own rules: a draft is seeded from a template; a version
PATCH validates its content and weight; publishing needs 0 levels and no
targets, or 2-5 levels whose targets exist. Create and fork answer 200.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiohttp import web

from ._common import JSONObject, check_enum, check_number, check_str
from ._eval_content import AGENT_KIND, CONTENT_FIELDS, MODALITIES, parse_content
from ._eval_lifecycle import latest_agent_run, latest_agent_version_run
from ._eval_templates import seed_content
from ._versioned import Lifecycle

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = ["EVAL_AGENTS", "routes"]

MAX_AGENT_PROMPT: Final = 8000
MAX_LEVELS: Final = 5
DEFAULT_WEIGHT: Final = 100


def _draft_content(state: FakeState, body: JSONObject) -> JSONObject:
    """E2: the draft's content comes from `user_template_id` (which wins) or `template_key`.

    Else it is an empty text pass/fail judge; `modality` overrides the template's.
    """
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
    return content


def _parse_version(body: JSONObject, version: JSONObject) -> JSONObject:
    """E10: content fields (arrays replace) and `weight`."""
    fields = parse_content(body, version, max_prompt=MAX_AGENT_PROMPT, max_levels=MAX_LEVELS)
    if "weight" in body:
        fields["weight"] = check_number(body["weight"], "weight", lo=0, hi=100)
    return fields


def _publish_reasons(state: FakeState, draft: JSONObject) -> list[str]:
    """E6: a draft with 1 or more than 5 levels, or targets that are not levels, fails."""
    del state
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


#: The agents' lifecycle (E1-E10).
EVAL_AGENTS: Final = Lifecycle(
    kind=AGENT_KIND,
    copied=(*CONTENT_FIELDS, "weight"),
    created_status=200,
    patch_order=("metadata", "active_version_id"),
    fork_finds_source_first=False,
    draft_content=_draft_content,
    parse_version=_parse_version,
    publish_reasons=_publish_reasons,
    newest_first=lambda live: live[::-1],
    item_extras=lambda draft: {"enabled": True, "modality": draft["modality"]},
    version_extras=lambda version: {},
    latest_run=latest_agent_run,
    latest_version_run=latest_agent_version_run,
)

routes = web.RouteTableDef()
EVAL_AGENTS.add_routes(routes, "/v1/evals/agents", "eval_agent_id")
