"""Eval runs (E21-E28): request validation, roster resolution, estimates, routes.

A run's roster is its `attached_agents` (each resolved to a version: the given
one, else the agent's published version) or, when omitted, the pinned setup
version's. Creating a run freezes one agent snapshot per roster entry and one
PENDING call result per call id; `_eval_lifecycle` moves it from there. Agents
whose modality does not fit `run_mode` (text: text agents, audio: audio
agents, full: all) are snapshotted but score nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Final

from aiohttp import web

from ._common import (
    ApiError,
    JSONObject,
    check_enum,
    check_list,
    check_number,
    check_object,
    check_str,
    check_str_list,
    check_string_map,
    cursor_page,
    ok,
    query_bool,
    read_body,
    require,
    validation_error,
)
from ._eval_content import check_targets, find_agent, find_agent_version
from ._eval_lifecycle import (
    RUN_STATUSES,
    advance_run,
    atom_tokens,
    cancel_run,
    in_scope,
    run_agent_results,
    run_call_results,
    run_snapshots,
    tokens_cost_usd,
)
from ._state import FakeState, state_of
from ._workbench import RUN_MODES, find_setup, find_version

__all__ = ["create_run", "estimate_run", "find_run", "routes", "run_json"]

TRIGGERS: Final = ("manual", "auto", "backfill")
MAX_RUN_AGENTS: Final = 50
MAX_RUN_CALLS: Final = 5000
# EvalRun fields a RunListItem does not have (bookkeeping keys start with "_").
_NOT_LISTED: Final = frozenset(
    {
        "org_id",
        "submitted_call_ids",
        "submitted_attached_agents",
        "error_code",
        "error_message",
        "workflow_id",
    }
)

routes = web.RouteTableDef()


# --- validation ---------------------------------------------------------------------


def _parse_run_agent(value: object, path: str) -> JSONObject:
    obj = check_object(value, path) or {}
    sub = f"{path}.eval_agent_id"
    agent: JSONObject = {
        "eval_agent_id": check_str(require(obj, "eval_agent_id", sub), sub, min_len=1)
    }
    sub = f"{path}.eval_agent_version_id"
    agent["eval_agent_version_id"] = check_str(
        obj.get("eval_agent_version_id"), sub, nullable=True, min_len=1
    )
    if obj.get("weight") is not None:
        agent["weight"] = check_number(obj["weight"], f"{path}.weight", lo=0, hi=100)
    if obj.get("target_level_keys") is not None:
        agent["target_level_keys"] = check_str_list(
            obj["target_level_keys"], f"{path}.target_level_keys"
        )
    return agent


def _parse_run_body(body: JSONObject) -> JSONObject:
    """Validate an E22/E23 body (400s only; lookups come after)."""
    call_ids = (
        check_str_list(
            require(body, "call_ids"),
            "call_ids",
            min_items=1,
            max_items=MAX_RUN_CALLS,
            item_min_len=1,
        )
        or []
    )
    raw_agents = body.get("attached_agents")
    agents = check_list(raw_agents, "attached_agents", nullable=True, max_items=MAX_RUN_AGENTS)
    parsed: JSONObject = {
        "call_ids": call_ids,
        "attached_agents": [
            _parse_run_agent(item, f"attached_agents[{i}]") for i, item in enumerate(agents or [])
        ],
        "run_mode": check_enum(body["run_mode"], "run_mode", RUN_MODES)
        if "run_mode" in body
        else None,
        "pass_threshold_pct": check_number(
            body.get("pass_threshold_pct"), "pass_threshold_pct", nullable=True, lo=0, hi=100
        ),
        "inherit_threshold": "pass_threshold_pct" not in body,
        "triggered_by": check_enum(body.get("triggered_by", "manual"), "triggered_by", TRIGGERS),
        "metadata": check_string_map(body.get("metadata", {}), "metadata"),
    }
    for name in ("workbench_setup_id", "workbench_setup_version_id"):
        parsed[name] = check_str(body.get(name), name, nullable=True, min_len=1)
    setup_id, setup_version_id = parsed["workbench_setup_id"], parsed["workbench_setup_version_id"]
    if (setup_id is None) != (setup_version_id is None):
        missing = "workbench_setup_id" if setup_id is None else "workbench_setup_version_id"
        raise validation_error(
            missing, "workbench_setup_id and workbench_setup_version_id go together"
        )
    if not parsed["attached_agents"] and setup_version_id is None:
        raise validation_error(
            "attached_agents",
            "attached_agents must not be empty unless a workbench_setup_version_id is given",
        )
    return parsed


def _resolve(state: FakeState, parsed: JSONObject) -> JSONObject:
    """Resolve the roster and the setup defaults of a parsed run body (404s, 400s).

    Targets must be levels of the resolved agent version, whether sent in
    `attached_agents` or taken from the setup version's roster (then the 400
    names `workbench_setup_version_id`).
    """
    setup_version: JSONObject | None = None
    if parsed["workbench_setup_id"] is not None:
        setup = find_setup(state, parsed["workbench_setup_id"])
        setup_version = find_version(state, setup, parsed["workbench_setup_version_id"])
    roster: list[JSONObject] = []
    submitted: list[JSONObject] = []
    if parsed["attached_agents"]:
        for index, item in enumerate(parsed["attached_agents"]):
            agent = find_agent(state, item["eval_agent_id"])
            version_id = item["eval_agent_version_id"] or agent["active_version_id"]
            if version_id is None:
                raise validation_error(
                    f"attached_agents[{index}].eval_agent_version_id",
                    f"attached_agents[{index}].eval_agent_version_id is required: eval agent "
                    f"{agent['id']} has no published version",
                )
            version = find_agent_version(state, agent, version_id)
            if "target_level_keys" in item:
                path = f"attached_agents[{index}].target_level_keys"
                check_targets(item["target_level_keys"], version["levels"], path)
            submitted.append(item | {"eval_agent_version_id": version_id})
            roster.append({"agent": agent, "version": version, **item})
    else:
        assert setup_version is not None  # _parse_run_body's rule (a)
        if not setup_version["attached_agents"]:
            raise validation_error(
                "workbench_setup_version_id",
                "workbench_setup_version_id has no attached agents; give attached_agents",
            )
        for index, item in enumerate(setup_version["attached_agents"]):
            agent = find_agent(state, item["eval_agent_id"])
            version = find_agent_version(state, agent, item["eval_agent_version_id"])
            try:
                path = f"attached_agents[{index}].target_level_keys"
                check_targets(item["target_level_keys"], version["levels"], path)
            except ApiError as error:  # the roster is not in the body: name the version
                raise validation_error(
                    "workbench_setup_version_id",
                    f"workbench_setup_version_id {setup_version['id']!r}: {error.message}",
                ) from None
            roster.append({"agent": agent, "version": version, **item})
    run_mode = parsed["run_mode"] or (setup_version["run_mode"] if setup_version else "text")
    threshold = parsed["pass_threshold_pct"]
    if parsed["inherit_threshold"] and setup_version is not None:
        threshold = setup_version["pass_threshold_pct"]
    return {
        "roster": roster,
        "submitted": submitted,
        "run_mode": run_mode,
        "pass_threshold_pct": threshold,
    }


def _scoring_versions(plan: JSONObject) -> list[JSONObject]:
    return [
        entry["version"] for entry in plan["roster"] if in_scope(entry["version"], plan["run_mode"])
    ]


# --- state rules --------------------------------------------------------------------


def _prompt_version(version: JSONObject) -> str:
    content = [version["system_prompt_md"], version["prompt_md"], version["levels"]]
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return f"v{version['version_number']}-{digest[:12]}"


def estimate_run(state: FakeState, body: JSONObject) -> JSONObject:
    """E23: what a run with this body would cost (no state change)."""
    parsed = _parse_run_body(body)
    plan = _resolve(state, parsed)
    calls = len(parsed["call_ids"])
    tokens = [atom_tokens(version) for version in _scoring_versions(plan)]
    input_tokens = calls * sum(pair[0] for pair in tokens)
    output_tokens = calls * sum(pair[1] for pair in tokens)
    return {
        "resolved_atom_count": calls * len(tokens),
        "estimated_input_tokens": input_tokens,
        "estimated_output_tokens": output_tokens,
        "estimated_cost_usd_cents": round(tokens_cost_usd(input_tokens, output_tokens) * 100, 4),
    }


def create_run(state: FakeState, body: JSONObject) -> str:
    """E22: create a PENDING run with its snapshots and call results; return its id."""
    parsed = _parse_run_body(body)
    plan = _resolve(state, parsed)
    run_id, now = state.new_id(), state.now()
    for position, entry in enumerate(plan["roster"]):
        agent, version = entry["agent"], entry["version"]
        snapshot_id = state.new_id()
        state.eval_run_agent_snapshots[snapshot_id] = {
            "id": snapshot_id,
            "org_id": state.org_id,
            "eval_run_id": run_id,
            "eval_agent_id": agent["id"],
            "eval_agent_version_id": version["id"],
            "position": position,
            "key": agent["key"],
            "name": version["name"],
            "modality": version["modality"],
            "system_prompt_md": version["system_prompt_md"],
            "prompt_md": version["prompt_md"],
            "prompt_version": _prompt_version(version),
            "levels": copy.deepcopy(version["levels"]),
            "target_level_keys": list(entry.get("target_level_keys", version["target_level_keys"])),
            "weight": entry.get("weight", version["weight"]),
            "created_at": now,
        }
    for call_id in parsed["call_ids"]:
        digest = int(hashlib.sha256(call_id.encode()).hexdigest()[:8], 16)
        result_id = state.new_id()
        state.eval_run_call_results[result_id] = {
            "id": result_id,
            "org_id": state.org_id,
            "eval_run_id": run_id,
            "call_id": call_id,
            "call_display_name": None,
            "call_started_at": None,
            "call_duration_seconds": float(30 + digest % 570),
            "call_ended_by": ("agent", "customer")[digest % 2],
            "transcript_snapshot_ref": None,
            "transcript_snapshot_expires_at": None,
            "status": "PENDING",
            "started_at": None,
            "completed_at": None,
            "overall_score_normalized_0_100": None,
            "text_score_normalized_0_100": None,
            "audio_score_normalized_0_100": None,
            "failed_agent_count": 0,
            "insufficient_evidence_agent_count": 0,
            "created_at": now,
        }
    agent_count = len(_scoring_versions(plan))
    state.eval_runs[run_id] = {
        "id": run_id,
        "org_id": state.org_id,
        "status": "PENDING",
        "triggered_by": parsed["triggered_by"],
        "run_mode": plan["run_mode"],
        "submitted_call_ids": list(parsed["call_ids"]),
        "submitted_attached_agents": plan["submitted"],
        "workbench_setup_id": parsed["workbench_setup_id"],
        "workbench_setup_version_id": parsed["workbench_setup_version_id"],
        "resolved_call_count": len(parsed["call_ids"]),
        "resolved_agent_count": agent_count,
        "resolved_atom_count": len(parsed["call_ids"]) * agent_count,
        "completed_atom_count": 0,
        "summary": None,
        "billable_cost_usd": None,
        "error_code": None,
        "error_message": None,
        "workflow_id": None,
        "metadata": parsed["metadata"],
        "created_at": now,
        "started_at": None,
        "completed_at": None,
        "_pass_threshold_pct": plan["pass_threshold_pct"],
    }
    return run_id


def find_run(state: FakeState, run_id: str) -> JSONObject:
    """Return a run, or raise 404 `EVAL_RUN_NOT_FOUND`."""
    run = state.eval_runs.get(run_id)
    if run is None:
        raise ApiError(404, "EVAL_RUN_NOT_FOUND", "Eval run not found", {"run_id": run_id})
    return run


def run_json(state: FakeState, run_id: str) -> JSONObject:
    """Serialise a run (E24 shape)."""
    run = find_run(state, run_id)
    return {key: copy.deepcopy(value) for key, value in run.items() if not key.startswith("_")}


def _run_list_item(run: JSONObject) -> JSONObject:
    return {
        key: copy.deepcopy(value)
        for key, value in run.items()
        if key not in _NOT_LISTED and not key.startswith("_")
    }


def _call_result_json(state: FakeState, call: JSONObject, *, with_verdicts: bool) -> JSONObject:
    rendered = {key: value for key, value in call.items() if key != "created_at"}
    rendered["agent_results"] = (
        [
            copy.deepcopy(verdict)
            for verdict in run_agent_results(state, call["eval_run_id"])
            if verdict["eval_run_call_result_id"] == call["id"]
        ]
        if with_verdicts
        else []
    )
    rendered["created_at"] = call["created_at"]
    return rendered


# --- routes --------------------------------------------------------------------------


def _state_and_run(request: web.Request) -> tuple[FakeState, JSONObject]:
    """The state and the run the path names (404 `EVAL_RUN_NOT_FOUND`)."""
    state = state_of(request)
    return state, find_run(state, request.match_info["run_id"])


@routes.get("/v1/evals/runs")
async def list_runs(request: web.Request) -> web.Response:
    """E21: cursor list of runs, newest first, with filters."""
    state, query = state_of(request), request.query
    runs = list(state.eval_runs.values())[::-1]
    if "status" in query:
        status = check_enum(query["status"], "status", RUN_STATUSES)
        runs = [run for run in runs if run["status"] == status]
    if "triggered_by" in query:
        triggered_by = check_enum(query["triggered_by"], "triggered_by", TRIGGERS)
        runs = [run for run in runs if run["triggered_by"] == triggered_by]
    if "workbench_setup_id" in query:
        runs = [run for run in runs if run["workbench_setup_id"] == query["workbench_setup_id"]]
    if "eval_agent_id" in query:
        agent_id = query["eval_agent_id"]
        ids = {
            s["eval_run_id"]
            for s in state.eval_run_agent_snapshots.values()
            if s["eval_agent_id"] == agent_id
        }
        runs = [run for run in runs if run["id"] in ids]
    return ok(cursor_page(query, runs, id_of=lambda run: run["id"], render=_run_list_item))


@routes.post("/v1/evals/runs")
async def create_run_route(request: web.Request) -> web.Response:
    """E22: create a run (200, status PENDING)."""
    state = state_of(request)
    run_id = create_run(state, await read_body(request))
    return ok(run_json(state, run_id))


@routes.post("/v1/evals/runs/estimates")
async def estimate_route(request: web.Request) -> web.Response:
    """E23: estimate a run."""
    return ok(estimate_run(state_of(request), await read_body(request)))


@routes.get("/v1/evals/runs/{run_id}")
async def get_run(request: web.Request) -> web.Response:
    """E24: the run; each poll advances it one step unless runs are held."""
    state, run = _state_and_run(request)
    if not state.hold_runs:
        advance_run(state, run)
    return ok(run_json(state, run["id"]))


@routes.post("/v1/evals/runs/{run_id}/cancellations")
async def cancel_route(request: web.Request) -> web.Response:
    """E25: cancel a PENDING, QUEUED or RUNNING run (409 once terminal)."""
    state, run = _state_and_run(request)
    cancel_run(state, run)
    return ok(run_json(state, run["id"]))


@routes.get("/v1/evals/runs/{run_id}/call-results")
async def call_results_route(request: web.Request) -> web.Response:
    """E26: cursor list of call results in call order, with the run's status and call count."""
    state, run = _state_and_run(request)
    with_verdicts = query_bool(request.query, "include_agent_results", default=False)
    page = cursor_page(
        request.query,
        run_call_results(state, run["id"]),
        id_of=lambda call: call["id"],
        render=lambda call: _call_result_json(state, call, with_verdicts=with_verdicts),
    )
    page["run_status"] = run["status"]
    page["run_resolved_call_count"] = run["resolved_call_count"]
    return ok(page)


@routes.get("/v1/evals/runs/{run_id}/agent-results")
async def agent_results_route(request: web.Request) -> web.Response:
    """E27: cursor list of verdicts, in call order then roster order."""
    state, run = _state_and_run(request)
    return ok(
        cursor_page(
            request.query,
            run_agent_results(state, run["id"]),
            id_of=lambda verdict: verdict["id"],
            render=copy.deepcopy,
        )
    )


@routes.get("/v1/evals/runs/{run_id}/agent-snapshots")
async def snapshots_route(request: web.Request) -> web.Response:
    """E28: every agent snapshot of the run, in roster order, in one page."""
    state, run = _state_and_run(request)
    return ok(
        {
            "object": "list",
            "data": copy.deepcopy(run_snapshots(state, run["id"])),
            "has_more": False,
            "next_cursor": None,
        }
    )
