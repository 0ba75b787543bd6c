"""The fake's eval runs (E21-E28): creation, estimates, lifecycle, results, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async.testing import FakeBland
from tests.fake._helpers import TIMESTAMP, Api, assert_validation_error

pytestmark = pytest.mark.anyio

RUNS = "/v1/evals/runs"
RUN_KEYS = [
    "id",
    "org_id",
    "status",
    "triggered_by",
    "run_mode",
    "submitted_call_ids",
    "submitted_attached_agents",
    "workbench_setup_id",
    "workbench_setup_version_id",
    "resolved_call_count",
    "resolved_agent_count",
    "resolved_atom_count",
    "completed_atom_count",
    "summary",
    "billable_cost_usd",
    "error_code",
    "error_message",
    "workflow_id",
    "metadata",
    "created_at",
    "started_at",
    "completed_at",
]
RUN_ITEM_KEYS = [
    k
    for k in RUN_KEYS
    if k
    not in {
        "org_id",
        "submitted_call_ids",
        "submitted_attached_agents",
        "error_code",
        "error_message",
        "workflow_id",
    }
]
SUMMARY_KEYS = [
    "overall_score_mean",
    "text_score_mean",
    "audio_score_mean",
    "successful_call_count",
    "failed_call_count",
    "insufficient_evidence_count",
    "target_match_count",
    "pass_threshold_pct",
    "overall_pass",
]
CALL_RESULT_KEYS = [
    "id",
    "org_id",
    "eval_run_id",
    "call_id",
    "call_display_name",
    "call_started_at",
    "call_duration_seconds",
    "call_ended_by",
    "transcript_snapshot_ref",
    "transcript_snapshot_expires_at",
    "status",
    "started_at",
    "completed_at",
    "overall_score_normalized_0_100",
    "text_score_normalized_0_100",
    "audio_score_normalized_0_100",
    "failed_agent_count",
    "insufficient_evidence_agent_count",
    "agent_results",
    "created_at",
]
AGENT_RESULT_KEYS = [
    "id",
    "org_id",
    "eval_run_id",
    "eval_run_call_result_id",
    "eval_run_agent_snapshot_id",
    "eval_agent_id",
    "eval_agent_version_id",
    "call_id",
    "selected_level_key",
    "selected_level_label",
    "score_normalized_0_100",
    "is_target_match",
    "confidence",
    "reasoning_md",
    "is_insufficient_evidence",
    "evidence",
    "failed",
    "failure_code",
    "failure_message",
    "billable_cost_usd",
    "audit",
    "created_at",
]
SNAPSHOT_KEYS = [
    "id",
    "org_id",
    "eval_run_id",
    "eval_agent_id",
    "eval_agent_version_id",
    "position",
    "key",
    "name",
    "modality",
    "system_prompt_md",
    "prompt_md",
    "prompt_version",
    "levels",
    "target_level_keys",
    "weight",
    "created_at",
]
LEVELS = [
    {"level_key": "poor", "label": "Poor", "prompt_md": "p"},
    {"level_key": "ok", "label": "OK", "prompt_md": "o"},
    {"level_key": "good", "label": "Good", "prompt_md": "g"},
]


DROP: Any = object()


def _agents(fake: FakeBland) -> tuple[str, str, str]:
    """A graded text judge, a pass/fail text judge and a graded audio judge, published."""
    graded = fake.seed_eval_agent("Graded", levels=LEVELS, target_level_keys=["good"], publish=True)
    booked = fake.seed_eval_agent("Booked", weight=50, publish=True)
    audio = fake.seed_eval_agent("Audio", template_key="audio_quality", publish=True)
    return graded["agent"]["id"], booked["agent"]["id"], audio["agent"]["id"]


def _body(*agent_ids: str, **changes: Any) -> dict[str, Any]:
    return {
        "call_ids": ["c1", "c2"],
        "attached_agents": [{"eval_agent_id": agent_id} for agent_id in agent_ids],
        **changes,
    }


async def _create(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    reply = await api.post(RUNS, json=body)
    assert reply.status == 200, reply.body
    run: dict[str, Any] = reply.data
    return run


async def _poll_to_end(api: Api, run_id: str) -> list[str]:
    statuses = []
    for _ in range(10):
        run = (await api.get(f"{RUNS}/{run_id}")).data
        statuses.append(run["status"])
        if run["status"] in {"COMPLETE", "PARTIAL", "FAILED", "CANCELLED"}:
            break
    return statuses


# --- create ------------------------------------------------------------------------


async def test_create_run(api: Api, fake: FakeBland) -> None:
    graded, booked, audio = _agents(fake)
    draft_id = fake.state.eval_agents[booked]["current_version_id"]
    body = _body(graded, audio, metadata={"ci": "1"}, triggered_by="backfill")
    body["attached_agents"].append(
        {"eval_agent_id": booked, "eval_agent_version_id": draft_id, "weight": 5}
    )
    run = await _create(api, body)
    assert list(run) == RUN_KEYS
    assert run == {
        "id": run["id"],
        "org_id": fake.state.org_id,
        "status": "PENDING",
        "triggered_by": "backfill",
        "run_mode": "text",
        "submitted_call_ids": ["c1", "c2"],
        "submitted_attached_agents": [
            {
                "eval_agent_id": graded,
                "eval_agent_version_id": fake.state.eval_agents[graded]["active_version_id"],
            },
            {
                "eval_agent_id": audio,
                "eval_agent_version_id": fake.state.eval_agents[audio]["active_version_id"],
            },
            {"eval_agent_id": booked, "eval_agent_version_id": draft_id, "weight": 5},
        ],
        "workbench_setup_id": None,
        "workbench_setup_version_id": None,
        "resolved_call_count": 2,
        "resolved_agent_count": 2,  # the audio judge does not score a text run
        "resolved_atom_count": 4,
        "completed_atom_count": 0,
        "summary": None,
        "billable_cost_usd": None,
        "error_code": None,
        "error_message": None,
        "workflow_id": None,
        "metadata": {"ci": "1"},
        "created_at": run["created_at"],
        "started_at": None,
        "completed_at": None,
    }
    assert TIMESTAMP.fullmatch(run["created_at"])
    for mode, agents in (("audio", 1), ("full", 3)):
        again = await _create(api, body | {"run_mode": mode})
        assert (again["resolved_agent_count"], again["resolved_atom_count"]) == (agents, agents * 2)


async def test_create_run_from_a_setup_version(api: Api, fake: FakeBland) -> None:
    graded, booked, _ = _agents(fake)
    agent = fake.state.eval_agents[graded]
    attached = {
        "eval_agent_id": graded,
        "eval_agent_version_id": agent["active_version_id"],
        "weight": 40,
        "target_level_keys": ["ok"],
    }
    setup = fake.seed_workbench_setup(
        "QA", attached_agents=[attached], pass_threshold_pct=70, run_mode="full", publish=True
    )
    ids = {
        "workbench_setup_id": setup["setup"]["id"],
        "workbench_setup_version_id": setup["setup"]["active_version_id"],
    }
    run = await _create(api, {"call_ids": ["c1"], **ids})
    assert run["submitted_attached_agents"] == []
    assert (run["run_mode"], run["resolved_agent_count"]) == ("full", 1)
    snapshots = (await api.get(f"{RUNS}/{run['id']}/agent-snapshots")).data["data"]
    assert [(s["eval_agent_id"], s["weight"], s["target_level_keys"]) for s in snapshots] == [
        (graded, 40, ["ok"])
    ]
    fake.complete_run(run["id"])
    assert fake.state.eval_runs[run["id"]]["summary"]["pass_threshold_pct"] == 70

    # attached_agents win over the setup's roster; explicit fields win over its defaults
    body = _body(booked, run_mode="text", pass_threshold_pct=None, **ids)
    run = await _create(api, body)
    snapshots = (await api.get(f"{RUNS}/{run['id']}/agent-snapshots")).data["data"]
    assert [s["eval_agent_id"] for s in snapshots] == [booked]
    assert (run["run_mode"], fake.complete_run(run["id"])["summary"]["pass_threshold_pct"]) == (
        "text",
        None,
    )
    # the setup lists show the latest run
    item = (await api.get("/v1/evals/workbench-setups")).data["data"][0]
    assert item["latest_run"] == {
        "id": run["id"],
        "status": "COMPLETE",
        "created_at": run["created_at"],
        "call_count": 2,
    }
    versions = await api.get(f"/v1/evals/workbench-setups/{ids['workbench_setup_id']}/versions")
    by_id = {v["id"]: v["latest_run"] for v in versions.data["data"]}
    assert by_id[ids["workbench_setup_version_id"]] == {
        "id": run["id"],
        "status": "COMPLETE",
        "created_at": run["created_at"],
    }
    assert by_id[setup["current_version"]["id"]] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"call_ids": DROP}, "call_ids"),
        ({"call_ids": None}, "call_ids"),
        ({"call_ids": []}, "call_ids"),
        ({"call_ids": ["c"] * 5001}, "call_ids"),
        ({"call_ids": ["c", 3]}, "call_ids[1]"),
        ({"call_ids": [""]}, "call_ids[0]"),
        ({"attached_agents": []}, "attached_agents"),
        ({"attached_agents": {}}, "attached_agents"),
        ({"attached_agents": [{"eval_agent_id": "a"}] * 51}, "attached_agents"),
        ({"attached_agents": ["a"]}, "attached_agents[0]"),
        ({"attached_agents": [{"weight": 1}]}, "attached_agents[0].eval_agent_id"),
        ({"attached_agents": [{"eval_agent_id": ""}]}, "attached_agents[0].eval_agent_id"),
        (
            {"attached_agents": [{"eval_agent_id": "a", "weight": 101}]},
            "attached_agents[0].weight",
        ),
        (
            {"attached_agents": [{"eval_agent_id": "a", "target_level_keys": "good"}]},
            "attached_agents[0].target_level_keys",
        ),
        (
            {"attached_agents": [{"eval_agent_id": "a", "eval_agent_version_id": 1}]},
            "attached_agents[0].eval_agent_version_id",
        ),
        ({"run_mode": "video"}, "run_mode"),
        ({"run_mode": None}, "run_mode"),
        ({"pass_threshold_pct": 100.5}, "pass_threshold_pct"),
        ({"pass_threshold_pct": "80"}, "pass_threshold_pct"),
        ({"triggered_by": "cron"}, "triggered_by"),
        ({"metadata": {"a": 1}}, "metadata.a"),
        ({"metadata": []}, "metadata"),
        ({"workbench_setup_id": "s"}, "workbench_setup_version_id"),
        ({"workbench_setup_version_id": "v"}, "workbench_setup_id"),
        ({"attached_agents": DROP, "workbench_setup_id": "s"}, "workbench_setup_version_id"),
        ({"workbench_setup_id": 3, "workbench_setup_version_id": "v"}, "workbench_setup_id"),
    ],
)
@pytest.mark.parametrize("path", [RUNS, f"{RUNS}/estimates"])
async def test_run_body_validation(
    api: Api, fake: FakeBland, path: str, changes: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in (_body("a") | changes).items() if v is not DROP}
    assert_validation_error(await api.post(path, json=body), field)
    assert fake.state.eval_runs == {}


async def test_run_lookups(api: Api, fake: FakeBland) -> None:
    graded, _, _ = _agents(fake)
    other = fake.seed_eval_agent("Other", publish=True)
    unpublished = fake.seed_eval_agent("Draft only")["agent"]["id"]
    setup = fake.seed_workbench_setup("S")
    other_setup = fake.seed_workbench_setup("T")
    cases: list[tuple[dict[str, Any], int, str]] = [
        (_body("nope"), 404, "EVAL_AGENT_NOT_FOUND"),
        (
            {
                "call_ids": ["c"],
                "attached_agents": [
                    {
                        "eval_agent_id": graded,
                        "eval_agent_version_id": other["agent"]["active_version_id"],
                    }
                ],
            },
            404,
            "EVAL_AGENT_VERSION_NOT_FOUND",
        ),
        (
            _body(graded, workbench_setup_id="nope", workbench_setup_version_id="v"),
            404,
            "WORKBENCH_SETUP_NOT_FOUND",
        ),
        (
            _body(
                graded,
                workbench_setup_id=setup["setup"]["id"],
                workbench_setup_version_id=other_setup["current_version"]["id"],
            ),
            404,
            "WORKBENCH_SETUP_VERSION_NOT_FOUND",
        ),
    ]
    for body, status, code in cases:
        for path in (RUNS, f"{RUNS}/estimates"):
            reply = await api.post(path, json=body)
            assert (reply.status, reply.error["error"]) == (status, code)

    # no version given and the agent was never published
    reply = await api.post(RUNS, json=_body(graded, unpublished))
    assert_validation_error(reply, "attached_agents[1].eval_agent_version_id")
    assert "no published version" in reply.error["message"]
    # target keys must be levels of the resolved version
    body = _body(graded)
    body["attached_agents"][0]["target_level_keys"] = ["good", "great"]
    assert_validation_error(
        await api.post(RUNS, json=body), "attached_agents[0].target_level_keys[1]"
    )
    # an empty setup roster needs attached_agents
    empty = {
        "call_ids": ["c"],
        "workbench_setup_id": setup["setup"]["id"],
        "workbench_setup_version_id": setup["current_version"]["id"],
    }
    assert_validation_error(await api.post(RUNS, json=empty), "workbench_setup_version_id")
    assert fake.state.eval_runs == {}


async def test_setup_roster_targets_must_be_levels(api: Api, fake: FakeBland) -> None:
    graded, booked, _ = _agents(fake)

    def attached(agent_id: str, targets: list[str]) -> dict[str, Any]:
        version_id = fake.state.eval_agents[agent_id]["active_version_id"]
        return {
            "eval_agent_id": agent_id,
            "eval_agent_version_id": version_id,
            "weight": 10,
            "target_level_keys": targets,
        }

    # a draft setup version is not publish-checked, and runs may pin it
    cases = [
        (graded, ["good", "great"], "[1] 'great' does not match any level_key"),
        (booked, ["pass"], " must be empty for a pass/fail judge (no levels)"),
    ]
    for runs, (agent_id, targets, problem) in enumerate(cases):
        setup = fake.seed_workbench_setup(
            "S", attached_agents=[attached(graded, ["ok"]), attached(agent_id, targets)]
        )
        ids = {
            "workbench_setup_id": setup["setup"]["id"],
            "workbench_setup_version_id": setup["current_version"]["id"],
        }
        for path in (RUNS, f"{RUNS}/estimates"):
            reply = await api.post(path, json={"call_ids": ["c1"], **ids})
            assert_validation_error(reply, "workbench_setup_version_id")
            assert f"attached_agents[1].target_level_keys{problem}" in reply.error["message"]
        assert len(fake.state.eval_runs) == runs
        # explicit attached_agents replace the roster, so its targets are not checked
        run = await _create(api, _body(graded, **ids))
        assert run["workbench_setup_version_id"] == ids["workbench_setup_version_id"]


# --- estimates ---------------------------------------------------------------------


async def test_estimate(api: Api, fake: FakeBland) -> None:
    graded, booked, audio = _agents(fake)
    body = _body(graded, booked, audio, call_ids=["c1", "c2", "c3"])
    reply = await api.post(f"{RUNS}/estimates", json=body)
    assert reply.status == 200
    estimate = reply.data
    assert list(estimate) == [
        "resolved_atom_count",
        "estimated_input_tokens",
        "estimated_output_tokens",
        "estimated_cost_usd_cents",
    ]
    assert estimate["resolved_atom_count"] == 6
    assert estimate["estimated_output_tokens"] == 6 * 150
    cents = (
        estimate["estimated_input_tokens"] * 3 + estimate["estimated_output_tokens"] * 15
    ) / 1e4
    assert estimate["estimated_cost_usd_cents"] == pytest.approx(cents, abs=1e-4)
    assert (await api.post(f"{RUNS}/estimates", json=body)).data == estimate
    full = (await api.post(f"{RUNS}/estimates", json=body | {"run_mode": "full"})).data
    assert full["resolved_atom_count"] == 9
    assert fake.state.eval_runs == {}
    # the run bills what was estimated
    run = fake.seed_run(["c1", "c2", "c3"], complete=True, attached_agents=body["attached_agents"])
    assert run["billable_cost_usd"] == pytest.approx(estimate["estimated_cost_usd_cents"] / 100)


# --- lifecycle ---------------------------------------------------------------------


async def test_polls_drive_the_lifecycle(api: Api, fake: FakeBland) -> None:
    graded, booked, _ = _agents(fake)
    run = await _create(api, _body(graded, booked, call_ids=["c1", "c2", "c3", "c4"]))
    path = f"{RUNS}/{run['id']}"
    queued = (await api.get(path)).data
    assert (queued["status"], queued["completed_atom_count"]) == ("QUEUED", 0)
    assert TIMESTAMP.fullmatch(queued["started_at"])
    assert queued["workflow_id"] is not None
    running = (await api.get(path)).data
    assert (running["status"], running["completed_atom_count"], running["summary"]) == (
        "RUNNING",
        4,  # half the calls are done
        None,
    )
    statuses = [r["status"] for r in (await api.get(f"{path}/call-results")).data["data"]]
    assert statuses == ["COMPLETE", "COMPLETE", "RUNNING", "RUNNING"]
    done = (await api.get(path)).data
    assert (done["status"], done["completed_atom_count"]) == ("COMPLETE", 8)
    assert done["completed_at"] >= done["started_at"]
    assert list(done["summary"]) == SUMMARY_KEYS
    assert done["billable_cost_usd"] > 0
    assert (await api.get(path)).data == done  # terminal runs stay put


@pytest.mark.parametrize(
    ("call_ids", "status", "error_code"),
    [
        (["c1", "fail_c2"], "PARTIAL", None),
        (["fail_c1", "fail_c2"], "FAILED", "ALL_EVALUATIONS_FAILED"),
        (["c1", "insufficient_c2"], "COMPLETE", None),
    ],
)
async def test_terminal_statuses(
    api: Api, fake: FakeBland, call_ids: list[str], status: str, error_code: str | None
) -> None:
    graded, _, _ = _agents(fake)
    run = await _create(api, _body(graded, call_ids=call_ids))
    assert await _poll_to_end(api, run["id"]) == ["QUEUED", "RUNNING", status]
    final = (await api.get(f"{RUNS}/{run['id']}")).data
    assert final["error_code"] == error_code
    assert (final["error_message"] is None) is (error_code is None)


async def test_results_and_summary(api: Api, fake: FakeBland) -> None:
    graded, booked, _ = _agents(fake)
    body = _body(
        graded,
        booked,
        call_ids=["top_1", "bottom_2", "fail_3", "insufficient_4"],
        pass_threshold_pct=50,
    )
    run = fake.seed_run(complete=True, **body)
    assert run["status"] == "PARTIAL"
    assert run["summary"] == {
        # top_1: graded 100 (weight 100), booked pass 100 (weight 50) -> 100
        # bottom_2: graded 0, booked fail 0 -> 0
        "overall_score_mean": 50.0,
        "text_score_mean": 50.0,
        "audio_score_mean": None,
        "successful_call_count": 2,
        "failed_call_count": 1,
        "insufficient_evidence_count": 1,
        "target_match_count": 2,
        "pass_threshold_pct": 50,
        "overall_pass": True,
    }
    page = (
        await api.get(f"{RUNS}/{run['id']}/call-results", params={"include_agent_results": "true"})
    ).data
    assert list(page) == [
        "object",
        "data",
        "has_more",
        "next_cursor",
        "run_status",
        "run_resolved_call_count",
    ]
    assert (page["run_status"], page["run_resolved_call_count"]) == ("PARTIAL", 4)
    calls = page["data"]
    assert all(list(call) == CALL_RESULT_KEYS for call in calls)
    assert [c["call_id"] for c in calls] == body["call_ids"]
    assert [c["status"] for c in calls] == [
        "COMPLETE",
        "COMPLETE",
        "FAILED",
        "INSUFFICIENT_EVIDENCE",
    ]
    assert [c["overall_score_normalized_0_100"] for c in calls] == [100.0, 0.0, None, None]
    assert [(c["failed_agent_count"], c["insufficient_evidence_agent_count"]) for c in calls] == [
        (0, 0),
        (0, 0),
        (2, 0),
        (0, 2),
    ]
    top = calls[0]["agent_results"]
    assert [list(v) for v in top] == [AGENT_RESULT_KEYS] * 2
    assert [
        (v["selected_level_key"], v["score_normalized_0_100"], v["is_target_match"]) for v in top
    ] == [
        ("good", 100.0, True),
        (None, 100.0, True),
    ]
    assert top[0]["evidence"][0]["source"] == "transcript"
    assert top[0]["audit"]["input_tokens"] > 0
    failed = calls[2]["agent_results"][0]
    assert (failed["failed"], failed["failure_code"], failed["billable_cost_usd"]) == (
        True,
        "JUDGE_ERROR",
        None,
    )
    insufficient = calls[3]["agent_results"][0]
    assert (insufficient["is_insufficient_evidence"], insufficient["score_normalized_0_100"]) == (
        True,
        None,
    )
    plain = (await api.get(f"{RUNS}/{run['id']}/call-results")).data["data"]
    assert all(call["agent_results"] == [] for call in plain)
    reply = await api.get(
        f"{RUNS}/{run['id']}/call-results", params={"include_agent_results": "yes"}
    )
    assert_validation_error(reply, "include_agent_results")

    verdicts = (await api.get(f"{RUNS}/{run['id']}/agent-results")).data
    assert len(verdicts["data"]) == 8
    assert [v["call_id"] for v in verdicts["data"]][:2] == ["top_1", "top_1"]
    assert [v["eval_agent_id"] for v in verdicts["data"]][:2] == [graded, booked]
    page = (await api.get(f"{RUNS}/{run['id']}/agent-results", params={"limit": "5"})).data
    assert (len(page["data"]), page["has_more"], page["next_cursor"]) == (
        5,
        True,
        verdicts["data"][4]["id"],
    )

    # agent list items report the latest run with per-agent counts
    items = {i["id"]: i for i in (await api.get("/v1/evals/agents")).data["data"]}
    assert items[graded]["latest_run"] == {
        "id": run["id"],
        "status": "PARTIAL",
        "created_at": run["created_at"],
        "call_count": 4,
        "target_hit_count": 1,
        "graded_count": 2,
    }
    versions = (await api.get(f"/v1/evals/agents/{graded}/versions")).data["data"]
    assert [v["latest_run"] for v in versions] == [
        None,
        {"id": run["id"], "status": "PARTIAL", "created_at": run["created_at"]},
    ]


async def test_weights_and_threshold(fake: FakeBland) -> None:
    graded, booked, audio = _agents(fake)
    agents = [
        {"eval_agent_id": graded, "weight": 30},
        {"eval_agent_id": booked, "weight": 0},  # ignored in the means
        {"eval_agent_id": audio, "weight": 10},
    ]
    run = fake.seed_run(
        ["top_1"], attached_agents=agents, run_mode="full", pass_threshold_pct=99, complete=True
    )
    # graded 100 (30) + audio 100 (10) -> 100; the pass/fail judge weighs nothing
    summary = run["summary"]
    assert (summary["overall_score_mean"], summary["text_score_mean"]) == (100.0, 100.0)
    assert (summary["audio_score_mean"], summary["overall_pass"]) == (100.0, True)
    run = fake.seed_run(["bottom_1"], attached_agents=agents[:1], complete=True)
    assert (run["summary"]["overall_score_mean"], run["summary"]["overall_pass"]) == (0.0, None)
    run = fake.seed_run(
        ["bottom_1"], attached_agents=agents[:1], pass_threshold_pct=0.5, complete=True
    )
    assert run["summary"]["overall_pass"] is False


def test_results_are_deterministic() -> None:
    def scores() -> list[Any]:
        fake = FakeBland()
        graded, booked, _ = _agents(fake)
        run = fake.seed_run(
            [f"call-{i}" for i in range(20)],
            attached_agents=[{"eval_agent_id": graded}, {"eval_agent_id": booked}],
            complete=True,
        )
        verdicts = fake.state.eval_run_agent_results.values()
        return [
            run["summary"],
            [(v["selected_level_key"], v["score_normalized_0_100"]) for v in verdicts],
        ]

    first, second = scores(), scores()
    assert first == second
    assert len({score for _, score in first[1]}) > 1  # not all the same verdict


async def test_snapshots_are_frozen(api: Api, fake: FakeBland) -> None:
    graded, booked, _ = _agents(fake)
    draft = fake.state.eval_agents[booked]["current_version_id"]
    body = _body(booked, graded)
    body["attached_agents"][0]["eval_agent_version_id"] = draft
    run = await _create(api, body)
    await api.patch(f"/v1/evals/agents/{booked}/versions/{draft}", json={"prompt_md": "changed"})
    await api.delete(f"/v1/evals/agents/{graded}")
    page = (await api.get(f"{RUNS}/{run['id']}/agent-snapshots")).data
    assert (page["object"], page["has_more"], page["next_cursor"]) == ("list", False, None)
    first, second = page["data"]
    assert list(first) == SNAPSHOT_KEYS
    assert (first["position"], first["eval_agent_id"], first["prompt_md"]) == (0, booked, "")
    assert (first["key"], first["name"], first["weight"], first["levels"]) == (
        "booked",
        "Booked",
        50,
        [],
    )
    assert (second["position"], second["key"], second["target_level_keys"]) == (
        1,
        "graded",
        ["good"],
    )
    assert second["prompt_version"].startswith("v1-")
    # the deleted agent's verdicts still come in
    final = fake.complete_run(run["id"])
    assert final["completed_atom_count"] == 4


async def test_hold_slow_and_manual_control(api: Api, fake: FakeBland) -> None:
    graded, _, _ = _agents(fake)
    assert fake.hold_runs is False
    fake.hold_runs = True
    run = await _create(api, _body(graded))
    for _ in range(3):
        assert (await api.get(f"{RUNS}/{run['id']}")).data["status"] == "PENDING"
    fake.advance_runs()
    assert fake.state.eval_runs[run["id"]]["status"] == "QUEUED"
    fake.advance_runs(steps=5)
    assert fake.state.eval_runs[run["id"]]["status"] == "COMPLETE"
    fake.hold_runs = False

    slow = await _create(api, _body(graded, call_ids=["c1", "slow_c2"]))
    assert await _poll_to_end(api, slow["id"]) == ["QUEUED"] + ["RUNNING"] * 9
    fake.advance_runs(steps=3)
    assert fake.state.eval_runs[slow["id"]]["status"] == "RUNNING"
    assert fake.complete_run(slow["id"])["status"] == "COMPLETE"
    assert fake.complete_run(slow["id"])["status"] == "COMPLETE"  # idempotent
    with pytest.raises(ValueError, match="EVAL_RUN_NOT_FOUND"):
        fake.complete_run("nope")
    with pytest.raises(ValueError, match="steps"):
        fake.advance_runs(-1)


# --- cancel ------------------------------------------------------------------------


async def test_cancel(api: Api, fake: FakeBland) -> None:
    graded, _, _ = _agents(fake)
    pending = await _create(api, _body(graded))
    reply = await api.post(f"{RUNS}/{pending['id']}/cancellations")
    assert reply.status == 200
    cancelled = reply.data
    assert list(cancelled) == RUN_KEYS
    assert (cancelled["status"], cancelled["completed_atom_count"]) == ("CANCELLED", 0)
    assert (cancelled["summary"], cancelled["billable_cost_usd"], cancelled["started_at"]) == (
        None,
        0,
        None,
    )
    assert TIMESTAMP.fullmatch(cancelled["completed_at"])
    assert (await api.get(f"{RUNS}/{pending['id']}")).data == cancelled

    running = await _create(api, _body(graded, call_ids=["top_1", "c2", "c3", "c4"]))
    fake.advance_runs(steps=2)
    cancelled = (await api.post(f"{RUNS}/{running['id']}/cancellations")).data
    assert (cancelled["status"], cancelled["completed_atom_count"]) == ("CANCELLED", 2)
    assert cancelled["summary"]["successful_call_count"] == 2
    assert cancelled["billable_cost_usd"] > 0
    calls = (await api.get(f"{RUNS}/{running['id']}/call-results")).data
    assert [c["status"] for c in calls["data"]] == ["COMPLETE", "COMPLETE", "RUNNING", "RUNNING"]
    assert calls["run_status"] == "CANCELLED"

    for run_id in (pending["id"], fake.seed_run(complete=True, **_body(graded))["id"]):
        reply = await api.post(f"{RUNS}/{run_id}/cancellations")
        assert reply.status == 409
        assert reply.error["error"] == "RUN_NOT_CANCELLABLE"
        assert reply.error["details"]["run_id"] == run_id


async def test_unknown_run(api: Api, fake: FakeBland) -> None:
    for method, suffix in [
        ("GET", ""),
        ("POST", "/cancellations"),
        ("GET", "/call-results"),
        ("GET", "/agent-results"),
        ("GET", "/agent-snapshots"),
    ]:
        reply = await api.request(method, f"{RUNS}/nope{suffix}")
        assert reply.status == 404
        assert reply.error == {
            "error": "EVAL_RUN_NOT_FOUND",
            "message": "Eval run not found",
            "details": {"run_id": "nope"},
        }


# --- list --------------------------------------------------------------------------


async def test_list_runs(api: Api, fake: FakeBland) -> None:
    graded, booked, audio = _agents(fake)
    audio_version = fake.state.eval_agents[audio]["active_version_id"]
    setup = fake.seed_workbench_setup(
        "S",
        attached_agents=[
            {
                "eval_agent_id": audio,
                "eval_agent_version_id": audio_version,
                "weight": 1,
                "target_level_keys": fake.state.eval_agent_versions[audio_version][
                    "target_level_keys"
                ],
            }
        ],
        publish=True,
    )
    first = fake.seed_run(complete=True, **_body(graded))
    second = fake.seed_run(triggered_by="auto", **_body(graded, booked))
    third = fake.seed_run(
        workbench_setup_id=setup["setup"]["id"],
        workbench_setup_version_id=setup["setup"]["active_version_id"],
    )
    page = (await api.get(RUNS)).data
    assert [r["id"] for r in page["data"]] == [third["id"], second["id"], first["id"]]
    assert all(list(r) == RUN_ITEM_KEYS for r in page["data"])

    async def ids(**params: str) -> list[str]:
        return [r["id"] for r in (await api.get(RUNS, params=params)).data["data"]]

    assert await ids(status="COMPLETE") == [first["id"]]
    assert await ids(status="PENDING") == [third["id"], second["id"]]
    assert await ids(triggered_by="auto") == [second["id"]]
    assert await ids(eval_agent_id=booked) == [second["id"]]
    assert await ids(eval_agent_id=audio) == [third["id"]]
    assert await ids(eval_agent_id=graded, triggered_by="manual") == [first["id"]]
    assert await ids(workbench_setup_id=setup["setup"]["id"]) == [third["id"]]
    assert await ids(eval_agent_id="nope") == []
    assert await ids(limit="1", starting_after=third["id"]) == [second["id"]]
    assert_validation_error(await api.get(RUNS, params={"status": "DONE"}), "status")
    assert_validation_error(await api.get(RUNS, params={"triggered_by": "cron"}), "triggered_by")
    assert_validation_error(await api.get(RUNS, params={"limit": "101"}), "limit")


async def test_call_results_pagination(api: Api, fake: FakeBland) -> None:
    graded, _, _ = _agents(fake)
    run = fake.seed_run(
        [f"c{i}" for i in range(5)],
        complete=True,
        attached_agents=[{"eval_agent_id": graded}],
    )
    path = f"{RUNS}/{run['id']}/call-results"
    page = (await api.get(path, params={"limit": "2"})).data
    assert [c["call_id"] for c in page["data"]] == ["c0", "c1"]
    assert (page["has_more"], page["next_cursor"]) == (True, page["data"][1]["id"])
    rest = (await api.get(path, params={"starting_after": page["next_cursor"]})).data
    assert [c["call_id"] for c in rest["data"]] == ["c2", "c3", "c4"]
    assert (rest["has_more"], rest["next_cursor"], rest["run_status"]) == (False, None, "COMPLETE")
    assert_validation_error(await api.get(path, params={"starting_after": "x"}), "starting_after")
