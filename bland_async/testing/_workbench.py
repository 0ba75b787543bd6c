"""Evals workbench setups and their versions (E11-E20): the setup's rules, and its routes.

A setup is a versioned resource (`_versioned`): an editable draft
(`current_version_id`), optionally a published version (`active_version_id`,
state `archived`), forks that do not move `current_version_id`, soft deletes.
Here are the setup's own rules: a draft starts with an empty roster; a version
PATCH validates the roster (`attached_agents`), threshold, run mode and
defaults; publishing needs a roster whose every agent resolves. Create and
fork answer 201.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_number,
    check_object,
    check_str,
    check_str_list,
    require,
    validation_error,
)
from ._eval_content import check_targets, find_agent, find_agent_version
from ._eval_lifecycle import latest_setup_run, latest_setup_version_run
from ._versioned import Kind, Lifecycle

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = ["RUN_MODES", "SETUPS", "SETUP_KIND", "find_setup", "find_version", "routes"]

RUN_MODES: Final = ("text", "audio", "full")
MAX_ATTACHED_AGENTS: Final = 20
MAX_DEFAULT_CALL_IDS: Final = 5000

#: Workbench setups as a versioned resource.
SETUP_KIND: Final = Kind("workbench_setup")
#: A live setup, or 404 `WORKBENCH_SETUP_NOT_FOUND` (also when deleted).
find_setup: Final = SETUP_KIND.find
#: A version of a setup, or 404 `WORKBENCH_SETUP_VERSION_NOT_FOUND`.
find_version: Final = SETUP_KIND.find_version


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


def _parse_version(body: JSONObject, version: JSONObject) -> JSONObject:
    """E20: the roster, threshold, run mode and defaults present in `body`."""
    del version
    fields: JSONObject = {}
    if "attached_agents" in body:
        agents = check_list_of_agents(body["attached_agents"])
        fields["attached_agents"] = agents
    if "pass_threshold_pct" in body:
        fields["pass_threshold_pct"] = check_number(
            body["pass_threshold_pct"],
            "pass_threshold_pct",
            nullable=True,
            lo=0,
            hi=100,
            integer=True,
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


# --- publishing -------------------------------------------------------------------


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


def _publish_reasons(state: FakeState, draft: JSONObject) -> list[str]:
    """E16: the draft needs at least one attached agent, and each a target level key.

    Each must also name a live eval agent and one of its versions, and target
    only `level_key`s of that version.
    """
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
    return reasons


def _newest_first(live: list[JSONObject]) -> list[JSONObject]:
    """E11: newest `created_at` first; creation order breaks ties."""
    ordered = sorted(
        enumerate(live), key=lambda pair: (pair[1]["created_at"], pair[0]), reverse=True
    )
    return [setup for _, setup in ordered]


#: The setups' lifecycle (E11-E20).
SETUPS: Final = Lifecycle(
    kind=SETUP_KIND,
    copied=(
        "attached_agents",
        "pass_threshold_pct",
        "run_mode",
        "default_test_config_id",
        "default_call_ids",
    ),
    created_status=201,
    patch_order=("active_version_id", "metadata"),
    fork_finds_source_first=True,
    draft_content=lambda state, body: {
        "attached_agents": [],
        "pass_threshold_pct": None,
        "run_mode": "text",
        "default_test_config_id": None,
        "default_call_ids": [],
    },
    parse_version=_parse_version,
    publish_reasons=_publish_reasons,
    newest_first=_newest_first,
    item_extras=lambda draft: {"attached_agent_count": len(draft["attached_agents"])},
    version_extras=lambda version: {"attached_agent_count": len(version["attached_agents"])},
    latest_run=latest_setup_run,
    latest_version_run=latest_setup_version_run,
)

routes = web.RouteTableDef()
SETUPS.add_routes(routes, "/v1/evals/workbench-setups", "setup_id")
