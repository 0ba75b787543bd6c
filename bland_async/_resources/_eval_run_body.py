"""Request bodies of run creation and estimates (E22-E23), and the call-results page (E26).

The run body's documented rules are checked here, before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from bland_async._converter import drop_unset
from bland_async._errors import InvalidRequestError
from bland_async._resources._evals_base import checked_items
from bland_async._types import Unset
from bland_async._validation import (
    check_number_range,
    check_one_of,
    check_str,
    check_str_list,
    check_string_map,
)
from bland_async.models._common import AttachedAgent

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "MAX_RUN_AGENTS",
    "MAX_RUN_CALLS",
    "RUN_MODES",
    "TRIGGERS",
    "RunModeValue",
    "TriggeredByValue",
    "call_result_page_data",
    "check_run_agents",
    "run_body",
]

#: Which agents score each call (the values of ``models.RunMode``); runs and setup versions.
RunModeValue = Literal["text", "audio", "full"]
RUN_MODES: Final = get_args(RunModeValue)
#: What started a run (the values of ``models.TriggeredBy``).
TriggeredByValue = Literal["manual", "auto", "backfill"]
TRIGGERS: Final = get_args(TriggeredByValue)
MAX_RUN_AGENTS: Final = 50
MAX_RUN_CALLS: Final = 5000


def check_run_agents(agents: object) -> None:
    """A run's roster: at most 50 agents; only ``eval_agent_id`` is required on each."""
    if isinstance(agents, Unset):
        return
    roster = checked_items(
        "attached_agents",
        agents,
        AttachedAgent,
        noun="agents",
        max_items=MAX_RUN_AGENTS,
        scope=" on a run",
    )
    for where, agent in roster:
        check_str(f"{where}.eval_agent_id", agent.eval_agent_id, min_len=1)
        check_str(
            f"{where}.eval_agent_version_id", agent.eval_agent_version_id, min_len=1, nullable=True
        )
        check_number_range(f"{where}.weight", agent.weight, 0, 100, nullable=True)
        if agent.target_level_keys is not None:
            check_str_list(f"{where}.target_level_keys", agent.target_level_keys, item_min_len=1)


def run_body(
    *,
    call_ids: Sequence[str],
    attached_agents: Sequence[AttachedAgent] | Unset,
    run_mode: str | Unset,
    pass_threshold_pct: float | Unset,
    workbench_setup_id: str | Unset,
    workbench_setup_version_id: str | Unset,
    triggered_by: str | Unset,
    metadata: Mapping[str, str] | Unset,
) -> dict[str, Any]:
    """Validate and build the body shared by run creation and estimates."""
    check_str_list("call_ids", call_ids, min_items=1, max_items=MAX_RUN_CALLS, item_min_len=1)
    check_run_agents(attached_agents)
    check_one_of("run_mode", run_mode, RUN_MODES)
    check_number_range("pass_threshold_pct", pass_threshold_pct, 0, 100)
    check_str("workbench_setup_id", workbench_setup_id, min_len=1)
    check_str("workbench_setup_version_id", workbench_setup_version_id, min_len=1)
    check_one_of("triggered_by", triggered_by, TRIGGERS)
    check_string_map("metadata", metadata)
    if isinstance(workbench_setup_id, Unset) != isinstance(workbench_setup_version_id, Unset):
        raise InvalidRequestError(
            "workbench_setup_id and workbench_setup_version_id must be given together or not at all"
        )
    if isinstance(workbench_setup_version_id, Unset) and not attached_agents:
        raise InvalidRequestError(
            "give a non-empty attached_agents or a workbench_setup_version_id "
            "(with its workbench_setup_id)"
        )
    return drop_unset(
        {
            "call_ids": call_ids,
            "attached_agents": attached_agents,
            "run_mode": run_mode,
            "pass_threshold_pct": pass_threshold_pct,
            "workbench_setup_id": workbench_setup_id,
            "workbench_setup_version_id": workbench_setup_version_id,
            "triggered_by": triggered_by,
            "metadata": metadata,
        }
    )


def call_result_page_data(body: object) -> object:
    """The call-results list object, with ``run_status``/``run_resolved_call_count``.

    The docs show those two fields either inside ``data`` or beside it in the
    envelope; look in both, preferring ``data``.
    """
    if not isinstance(body, dict):
        return body
    data = body.get("data")
    if not isinstance(data, dict):
        return data
    merged = dict(data)
    for key in ("run_status", "run_resolved_call_count"):
        if key not in merged and key in body:
            merged[key] = body[key]
    return merged
