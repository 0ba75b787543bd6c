"""Eval runs' deterministic lifecycle: steps, verdicts, summaries, cancellation, `latest_run`.

A run moves one step at a time: PENDING → QUEUED → RUNNING → terminal. Entering
QUEUED sets `started_at`; entering RUNNING finishes the first half of the calls
(so a cancel then has partial counts); the next step finishes the rest and
settles the run as COMPLETE, PARTIAL (some verdicts failed) or FAILED (all did).

Every verdict is a pure function of the call id and the frozen agent snapshot
(its `key`, levels, targets), so the same inputs always give the same results.
Call id prefixes steer it:

- `fail_...`: every agent fails on that call (the call result is FAILED);
- `insufficient_...`: every agent reports insufficient evidence;
- `top_...` / `bottom_...`: every agent picks its best / worst level (pass / fail);
- `slow_...`: the call scores normally, but the run never leaves RUNNING on its
  own (polls and `advance_runs` leave it there; `complete_run` or cancel end it).

Otherwise a graded agent picks level `sha256(call_id, key) % len(levels)`
(levels are ordered worst to best; level i of n scores `100 * i / (n - 1)`),
and a pass/fail agent passes unless that hash is divisible by 3 (100 or 0).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Final

from ._common import ApiError, JSONObject

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = [
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "advance_run",
    "atom_tokens",
    "cancel_run",
    "in_scope",
    "latest_agent_run",
    "latest_agent_version_run",
    "latest_setup_run",
    "latest_setup_version_run",
    "run_agent_results",
    "run_call_results",
    "run_snapshots",
    "tokens_cost_usd",
]

TERMINAL_STATUSES: Final = ("COMPLETE", "PARTIAL", "FAILED", "CANCELLED")
RUN_STATUSES: Final = ("PENDING", "QUEUED", "RUNNING", *TERMINAL_STATUSES)
_CALL_DONE: Final = ("COMPLETE", "FAILED", "INSUFFICIENT_EVIDENCE")
OUTPUT_TOKENS: Final = 150
_USD_PER_INPUT_TOKEN: Final = 3 / 1_000_000
_USD_PER_OUTPUT_TOKEN: Final = 15 / 1_000_000


def _digest(*parts: str) -> int:
    return int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12], 16)


def atom_tokens(content: JSONObject) -> tuple[int, int]:
    """Input and output tokens one call x agent evaluation takes (estimates and audits)."""
    text = content["system_prompt_md"] + content["prompt_md"]
    text += "".join(level["prompt_md"] for level in content["levels"])
    return 1200 + len(text) // 4, OUTPUT_TOKENS


def tokens_cost_usd(input_tokens: int, output_tokens: int) -> float:
    """What the tokens cost in USD ($3 per million input, $15 per million output)."""
    return input_tokens * _USD_PER_INPUT_TOKEN + output_tokens * _USD_PER_OUTPUT_TOKEN


def in_scope(snapshot: JSONObject, run_mode: str) -> bool:
    """Whether an agent of the roster scores calls in `run_mode` (full: every agent)."""
    return run_mode == "full" or snapshot["modality"] == run_mode


# --- reading a run's parts -----------------------------------------------------------


def run_snapshots(state: FakeState, run_id: str) -> list[JSONObject]:
    """A run's agent snapshots, in roster (`position`) order."""
    snaps = [s for s in state.eval_run_agent_snapshots.values() if s["eval_run_id"] == run_id]
    return sorted(snaps, key=lambda snapshot: snapshot["position"])


def run_call_results(state: FakeState, run_id: str) -> list[JSONObject]:
    """A run's call results, in `call_ids` order."""
    return [c for c in state.eval_run_call_results.values() if c["eval_run_id"] == run_id]


def run_agent_results(state: FakeState, run_id: str) -> list[JSONObject]:
    """A run's verdicts, in call order, then roster order."""
    return [r for r in state.eval_run_agent_results.values() if r["eval_run_id"] == run_id]


# --- verdicts -------------------------------------------------------------------------


def _verdict(call_id: str, snapshot: JSONObject) -> JSONObject:
    """The judgement part of an AgentResult: level, score, target match, reasoning."""
    digest = _digest(call_id, snapshot["key"])
    levels = snapshot["levels"]
    top, bottom = call_id.startswith("top_"), call_id.startswith("bottom_")
    confidence = round(0.6 + (digest % 40) / 100, 2)
    if not levels:
        passed = top or (not bottom and digest % 3 != 0)
        return {
            "selected_level_key": None,
            "selected_level_label": None,
            "score_normalized_0_100": 100.0 if passed else 0.0,
            "is_target_match": passed,
            "confidence": confidence,
            "reasoning_md": "**Pass**: the criterion is met."
            if passed
            else "**Fail**: the criterion is not met.",
        }
    index = len(levels) - 1 if top else 0 if bottom else digest % len(levels)
    level = levels[index]
    score = 100.0 if len(levels) == 1 else round(100 * index / (len(levels) - 1), 2)
    return {
        "selected_level_key": level["level_key"],
        "selected_level_label": level["label"],
        "score_normalized_0_100": score,
        "is_target_match": level["level_key"] in snapshot["target_level_keys"],
        "confidence": confidence,
        "reasoning_md": f"Selected **{level['label']}**: {level['prompt_md']}",
    }


def _agent_result(state: FakeState, call: JSONObject, snapshot: JSONObject, now: str) -> JSONObject:
    call_id = call["call_id"]
    digest = _digest(call_id, snapshot["key"], "audit")
    failed = call_id.startswith("fail_")
    insufficient = not failed and call_id.startswith("insufficient_")
    input_tokens, output_tokens = atom_tokens(snapshot)
    verdict: JSONObject = {
        "selected_level_key": None,
        "selected_level_label": None,
        "score_normalized_0_100": None,
        "is_target_match": None,
        "confidence": None,
        "reasoning_md": None,
    }
    evidence: list[JSONObject] = []
    if insufficient:
        verdict["confidence"] = 0.3
        verdict["reasoning_md"] = "The call does not contain enough evidence to grade this."
    elif not failed:
        verdict = _verdict(call_id, snapshot)
        start = digest % 60_000
        evidence.append(
            {
                "source": "audio" if snapshot["modality"] == "audio" else "transcript",
                "speaker": "agent",
                "start_ms": start,
                "end_ms": start + 1500 + digest % 3000,
                "text": f"Excerpt of call {call_id} judged by {snapshot['key']}.",
            }
        )
    return {
        "id": state.new_id(),
        "org_id": state.org_id,
        "eval_run_id": call["eval_run_id"],
        "eval_run_call_result_id": call["id"],
        "eval_run_agent_snapshot_id": snapshot["id"],
        "eval_agent_id": snapshot["eval_agent_id"],
        "eval_agent_version_id": snapshot["eval_agent_version_id"],
        "call_id": call_id,
        **verdict,
        "is_insufficient_evidence": insufficient,
        "evidence": evidence,
        "failed": failed,
        "failure_code": "JUDGE_ERROR" if failed else None,
        "failure_message": "The judge model did not return a verdict." if failed else None,
        "billable_cost_usd": None
        if failed
        else round(tokens_cost_usd(input_tokens, output_tokens), 6),
        "audit": {
            "prompt_version": snapshot["prompt_version"],
            "input_tokens": None if failed else input_tokens,
            "output_tokens": None if failed else output_tokens,
            "latency_ms": 800 + digest % 2400,
        },
        "created_at": now,
    }


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    """Mean of (score, weight) pairs; weight-0 agents count for nothing."""
    total = sum(weight for _, weight in pairs)
    if total <= 0:
        return None
    return round(sum(score * weight for score, weight in pairs) / total, 2)


def _finish_call(state: FakeState, run: JSONObject, call: JSONObject, now: str) -> None:
    scored: dict[str, list[tuple[float, float]]] = {"text": [], "audio": []}
    failed = insufficient = 0
    for snapshot in run_snapshots(state, run["id"]):
        if not in_scope(snapshot, run["run_mode"]):
            continue
        result = _agent_result(state, call, snapshot, now)
        state.eval_run_agent_results[result["id"]] = result
        run["completed_atom_count"] += 1
        failed += result["failed"]
        insufficient += result["is_insufficient_evidence"]
        if result["score_normalized_0_100"] is not None:
            pair = (result["score_normalized_0_100"], snapshot["weight"])
            scored[snapshot["modality"]].append(pair)
    if scored["text"] or scored["audio"] or not (failed or insufficient):
        status = "COMPLETE"
    else:
        status = "INSUFFICIENT_EVIDENCE" if insufficient else "FAILED"
    call.update(
        status=status,
        completed_at=now,
        transcript_snapshot_ref=f"transcripts/{run['id']}/{call['call_id']}.json",
        overall_score_normalized_0_100=_weighted_mean(scored["text"] + scored["audio"]),
        text_score_normalized_0_100=_weighted_mean(scored["text"]),
        audio_score_normalized_0_100=_weighted_mean(scored["audio"]),
        failed_agent_count=failed,
        insufficient_evidence_agent_count=insufficient,
    )


def _mean(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return round(sum(present) / len(present), 2) if present else None


def _summary(state: FakeState, run: JSONObject) -> JSONObject:
    calls = [c for c in run_call_results(state, run["id"]) if c["status"] in _CALL_DONE]
    verdicts = run_agent_results(state, run["id"])
    overall = _mean([c["overall_score_normalized_0_100"] for c in calls])
    threshold = run["_pass_threshold_pct"]
    return {
        "overall_score_mean": overall,
        "text_score_mean": _mean([c["text_score_normalized_0_100"] for c in calls]),
        "audio_score_mean": _mean([c["audio_score_normalized_0_100"] for c in calls]),
        "successful_call_count": sum(c["status"] == "COMPLETE" for c in calls),
        "failed_call_count": sum(c["status"] == "FAILED" for c in calls),
        "insufficient_evidence_count": sum(c["status"] == "INSUFFICIENT_EVIDENCE" for c in calls),
        "target_match_count": sum(v["is_target_match"] is True for v in verdicts),
        "pass_threshold_pct": threshold,
        "overall_pass": None if threshold is None else (overall or 0) >= threshold,
    }


def _billable(state: FakeState, run_id: str) -> float:
    costs = [r["billable_cost_usd"] or 0 for r in run_agent_results(state, run_id)]
    return round(sum(costs), 6)


# --- transitions -----------------------------------------------------------------------


def advance_run(state: FakeState, run: JSONObject, *, force: bool = False) -> bool:
    """Move a run one step; return whether it moved.

    Terminal runs never move; a run with a `slow_` call stays RUNNING unless `force`.
    """
    status = run["status"]
    if status in TERMINAL_STATUSES:
        return False
    calls = run_call_results(state, run["id"])
    if status == "RUNNING" and not force and any(c["call_id"].startswith("slow_") for c in calls):
        return False
    now = state.now()
    if status == "PENDING":
        run.update(status="QUEUED", started_at=now, workflow_id=f"wf_{run['id']}")
        for call in calls:
            call["status"] = "QUEUED"
    elif status == "QUEUED":
        run["status"] = "RUNNING"
        for call in calls:
            call.update(status="RUNNING", started_at=now)
        quick = [c for c in calls if not c["call_id"].startswith("slow_")]
        for call in quick[: len(calls) // 2]:
            _finish_call(state, run, call, now)
    else:
        for call in calls:
            if call["status"] == "RUNNING":
                _finish_call(state, run, call, now)
        verdicts = run_agent_results(state, run["id"])
        failures = sum(v["failed"] for v in verdicts)
        if verdicts and failures == len(verdicts):
            run.update(
                status="FAILED",
                error_code="ALL_EVALUATIONS_FAILED",
                error_message="Every evaluation in the run failed.",
            )
        else:
            run["status"] = "PARTIAL" if failures else "COMPLETE"
        run.update(
            summary=_summary(state, run),
            billable_cost_usd=_billable(state, run["id"]),
            completed_at=now,
        )
    return True


def cancel_run(state: FakeState, run: JSONObject) -> None:
    """E25: stop a non-terminal run; finished calls keep their results.

    Raises:
        ApiError: 409 `RUN_NOT_CANCELLABLE` when the run is already terminal.
    """
    if run["status"] in TERMINAL_STATUSES:
        raise ApiError(
            409,
            "RUN_NOT_CANCELLABLE",
            f"The run is {run['status']} and can no longer be cancelled",
            {"run_id": run["id"], "status": run["status"]},
        )
    run.update(
        status="CANCELLED",
        summary=_summary(state, run) if run["completed_atom_count"] else None,
        billable_cost_usd=_billable(state, run["id"]),
        completed_at=state.now(),
    )


# --- latest_run in list items -------------------------------------------------------------


def _latest(state: FakeState, run_ids: set[str]) -> JSONObject | None:
    for run in reversed(state.eval_runs.values()):
        if run["id"] in run_ids:
            return run
    return None


def _short(run: JSONObject | None) -> JSONObject | None:
    if run is None:
        return None
    return {"id": run["id"], "status": run["status"], "created_at": run["created_at"]}


def latest_agent_run(state: FakeState, agent_id: str) -> JSONObject | None:
    """The newest run whose roster had the agent, with its per-agent counts."""
    snapshots = state.eval_run_agent_snapshots.values()
    run = _latest(state, {s["eval_run_id"] for s in snapshots if s["eval_agent_id"] == agent_id})
    if run is None:
        return None
    verdicts = [v for v in run_agent_results(state, run["id"]) if v["eval_agent_id"] == agent_id]
    return {
        **(_short(run) or {}),
        "call_count": run["resolved_call_count"],
        "target_hit_count": sum(v["is_target_match"] is True for v in verdicts),
        "graded_count": sum(v["score_normalized_0_100"] is not None for v in verdicts),
    }


def latest_agent_version_run(state: FakeState, version_id: str) -> JSONObject | None:
    """The newest run whose roster pinned this agent version (`{id, status, created_at}`)."""
    snapshots = state.eval_run_agent_snapshots.values()
    ids = {s["eval_run_id"] for s in snapshots if s["eval_agent_version_id"] == version_id}
    return _short(_latest(state, ids))


def latest_setup_run(state: FakeState, setup_id: str) -> JSONObject | None:
    """The newest run started from the setup, with its `call_count`."""
    ids = {r["id"] for r in state.eval_runs.values() if r["workbench_setup_id"] == setup_id}
    run = _latest(state, ids)
    if run is None:
        return None
    return {**(_short(run) or {}), "call_count": run["resolved_call_count"]}


def latest_setup_version_run(state: FakeState, version_id: str) -> JSONObject | None:
    """The newest run pinned to this setup version (`{id, status, created_at}`)."""
    runs = state.eval_runs.values()
    return _short(
        _latest(state, {r["id"] for r in runs if r["workbench_setup_version_id"] == version_id})
    )
