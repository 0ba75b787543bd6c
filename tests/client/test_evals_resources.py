"""Agents, runs and templates: what goes on the wire and what comes back.

A small canned server answers with the documented Evals fixtures and
records the requests (the fake serves these routes too: see test_evals_workflow.py).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest

from bland_async import (
    APIConnectionError,
    AsyncBlandClient,
    EvalsDisabledError,
    InternalServerError,
    NotFoundError,
)
from bland_async.models import (
    AgentResult,
    AgentSnapshot,
    AgentTemplate,
    AttachedAgent,
    CallResultPage,
    EvalAgentPublishResult,
    EvalAgentVersion,
    EvalAgentWithVersion,
    EvalRun,
    Level,
    RunEstimate,
    RunStatus,
    UserTemplate,
)

if TYPE_CHECKING:
    pass

from tests.fixtures import evals as fx
from tests.fixtures.canned import Answer, Canned

pytestmark = pytest.mark.anyio

AGENTS = "/v1/evals/agents"
AGENT = f"{AGENTS}/{fx.AGENT_ID}"
RUNS = "/v1/evals/runs"
RUN = f"{RUNS}/{fx.RUN_ID}"


def data(value: Any) -> Any:
    return copy.deepcopy(value)


async def test_agent_lifecycle(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("POST", AGENTS, Answer(status=201, data=data(fx.EVAL_AGENT_WITH_VERSION)))
    created = await client.evals.agents.create(
        name="Empathy check", template_key="hallucination_detection", user_template_id=None
    )
    assert isinstance(created, EvalAgentWithVersion)
    assert created.request_id is not None
    assert canned.seen()[-1].json == {
        "name": "Empathy check",
        "template_key": "hallucination_detection",
        "user_template_id": None,
    }

    canned.on("GET", AGENT, data(fx.EVAL_AGENT_WITH_VERSION))
    assert await client.evals.agents.get(fx.AGENT_ID) == created

    canned.on("PATCH", AGENT, data(fx.EVAL_AGENT_WITH_VERSION))
    await client.evals.agents.update(
        fx.AGENT_ID, description=None, active_version_id=None, metadata={"team": "support"}
    )
    assert canned.seen()[-1].json == {
        "description": None,
        "active_version_id": None,
        "metadata": {"team": "support"},
    }

    canned.on("POST", f"{AGENT}/publications", data(fx.EVAL_AGENT_PUBLISH))
    published = await client.evals.agents.publish(fx.AGENT_ID)
    assert isinstance(published, EvalAgentPublishResult)
    assert published.published_version.version_number == 1
    assert canned.seen()[-1].body == b""
    assert "content-type" not in canned.seen()[-1].headers

    canned.on("DELETE", AGENT, Answer(status=204))
    assert await client.evals.agents.delete(fx.AGENT_ID) is None


async def test_agent_list_and_iterate(canned: Canned, client: AsyncBlandClient) -> None:
    second = {**fx.EVAL_AGENT_LIST_ITEM, "id": "agent-2"}
    canned.on(
        "GET",
        AGENTS,
        fx.cursor_list([fx.EVAL_AGENT_LIST_ITEM], has_more=True, next_cursor=fx.AGENT_ID),
        fx.cursor_list([second]),
    )
    ids = [a.id async for a in client.evals.agents.iterate(limit=1)]
    assert ids == [fx.AGENT_ID, "agent-2"]
    assert [r.query for r in canned.seen()] == [
        {"limit": "1"},
        {"limit": "1", "starting_after": fx.AGENT_ID},
    ]
    canned.on("GET", AGENTS, fx.cursor_list([]))
    page = await client.evals.agents.list(ending_before="x", limit=5)
    assert page.data == []
    assert canned.seen()[-1].query == {"ending_before": "x", "limit": "5"}


async def test_agent_versions(canned: Canned, client: AsyncBlandClient) -> None:
    version_path = f"{AGENT}/versions/{fx.AGENT_DRAFT_ID}"
    canned.on("PATCH", version_path, data(fx.EVAL_AGENT_VERSION))
    levels = [
        Level(level_key="poor", label="Poor", prompt_md="Made things up.", color="rose"),
        Level(level_key="good", label="Good", prompt_md="Grounded."),
    ]
    version = await client.evals.agents.versions.update(
        fx.AGENT_ID,
        fx.AGENT_DRAFT_ID,
        description=None,
        levels=levels,
        target_level_keys=("good",),
        weight=40,
        prompt_md="x" * 8000,
    )
    assert isinstance(version, EvalAgentVersion)
    assert canned.seen()[-1].json == {
        "description": None,
        "prompt_md": "x" * 8000,
        "levels": [
            {"level_key": "poor", "label": "Poor", "prompt_md": "Made things up.", "color": "rose"},
            {"level_key": "good", "label": "Good", "prompt_md": "Grounded."},
        ],
        "target_level_keys": ["good"],
        "weight": 40,
    }

    await client.evals.agents.versions.update(
        fx.AGENT_ID, fx.AGENT_DRAFT_ID, levels=[], target_level_keys=[]
    )
    assert canned.seen()[-1].json == {"levels": [], "target_level_keys": []}

    canned.on("POST", f"{AGENT}/versions", Answer(status=201, data=data(fx.EVAL_AGENT_VERSION)))
    await client.evals.agents.versions.create(fx.AGENT_ID, from_version_id=fx.AGENT_ACTIVE_ID)
    assert canned.seen()[-1].json == {"from_version_id": fx.AGENT_ACTIVE_ID}

    canned.on("GET", f"{AGENT}/versions", fx.cursor_list([fx.EVAL_AGENT_VERSION_LIST_ITEM]))
    page = await client.evals.agents.versions.list(fx.AGENT_ID)
    assert page.data[0].latest_run is not None
    listed = [v.id async for v in client.evals.agents.versions.iterate(fx.AGENT_ID)]
    assert listed == [fx.AGENT_ACTIVE_ID]

    canned.error("GET", version_path, 404, "EVAL_AGENT_VERSION_NOT_FOUND")
    with pytest.raises(NotFoundError) as info:
        await client.evals.agents.versions.get(fx.AGENT_ID, fx.AGENT_DRAFT_ID)
    assert info.value.code == "EVAL_AGENT_VERSION_NOT_FOUND"
    assert not isinstance(info.value, EvalsDisabledError)


async def test_run_create_estimate_get_cancel(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("POST", RUNS, data(fx.EVAL_RUN))
    run = await client.evals.runs.create(
        call_ids=(fx.CALL_ID,),
        attached_agents=[
            AttachedAgent(eval_agent_id=fx.AGENT_ID),
            AttachedAgent(eval_agent_id="a2", weight=0, target_level_keys=[]),
        ],
        pass_threshold_pct=72.5,
        metadata={"source": "ci"},
    )
    assert isinstance(run, EvalRun)
    assert run.status is RunStatus.PENDING
    assert canned.seen()[-1].json == {
        "call_ids": [fx.CALL_ID],
        "attached_agents": [
            {"eval_agent_id": fx.AGENT_ID},
            {"eval_agent_id": "a2", "weight": 0, "target_level_keys": []},
        ],
        "pass_threshold_pct": 72.5,
        "metadata": {"source": "ci"},
    }

    canned.on("POST", f"{RUNS}/estimates", data(fx.RUN_ESTIMATE))
    estimate = await client.evals.runs.estimate(
        call_ids=["c"] * 5000,
        workbench_setup_id=fx.SETUP_ID,
        workbench_setup_version_id=fx.SETUP_ACTIVE_ID,
        run_mode="full",
        triggered_by="backfill",
    )
    assert estimate == RunEstimate(
        resolved_atom_count=24,
        estimated_input_tokens=120000,
        estimated_output_tokens=8000,
        estimated_cost_usd_cents=87.5,
    )
    sent = canned.seen()[-1].json
    assert len(sent.pop("call_ids")) == 5000
    assert sent == {
        "run_mode": "full",
        "workbench_setup_id": fx.SETUP_ID,
        "workbench_setup_version_id": fx.SETUP_ACTIVE_ID,
        "triggered_by": "backfill",
    }

    canned.on("GET", RUN, data(fx.EVAL_RUN_COMPLETE))
    done = await client.evals.runs.get(fx.RUN_ID)
    assert done.summary is not None
    assert done.summary.overall_pass is True

    cancelled = {**fx.EVAL_RUN, "status": "CANCELLED", "completed_at": fx.TS2}
    canned.on("POST", f"{RUN}/cancellations", cancelled)
    result = await client.evals.runs.cancel(fx.RUN_ID)
    assert result.status is RunStatus.CANCELLED
    assert canned.seen()[-1].body == b""


async def test_estimate_is_retried_but_create_is_not(
    canned: Canned, client: AsyncBlandClient
) -> None:
    args: dict[str, Any] = {
        "call_ids": ["c1"],
        "attached_agents": [AttachedAgent(eval_agent_id="a")],
    }
    failure = Answer(status=500, errors=[{"error": "INTERNAL", "message": "boom"}])
    canned.on("POST", f"{RUNS}/estimates", failure, data(fx.RUN_ESTIMATE))
    assert isinstance(await client.evals.runs.estimate(**args), RunEstimate)
    assert len(canned.seen("POST")) == 2

    canned.requests.clear()
    canned.on("POST", RUNS, failure, data(fx.EVAL_RUN))
    with pytest.raises((InternalServerError, APIConnectionError)):
        await client.evals.runs.create(**args)
    assert len(canned.seen("POST")) == 1


async def test_run_list_filters(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUNS, fx.cursor_list([fx.EVAL_RUN_LIST_ITEM]))
    page = await client.evals.runs.list(
        eval_agent_id=fx.AGENT_ID, status="COMPLETE", triggered_by="auto", limit=10
    )
    assert page.data[0].status is RunStatus.COMPLETE
    assert canned.seen()[-1].query == {
        "eval_agent_id": fx.AGENT_ID,
        "status": "COMPLETE",
        "triggered_by": "auto",
        "limit": "10",
    }
    runs = [r.id async for r in client.evals.runs.iterate(workbench_setup_id=fx.SETUP_ID)]
    assert runs == [fx.RUN_ID]
    assert canned.seen()[-1].query == {"workbench_setup_id": fx.SETUP_ID, "limit": "100"}


@pytest.mark.parametrize("where", ["data", "envelope"])
async def test_call_results(where: str, canned: Canned, client: AsyncBlandClient) -> None:
    listing = fx.cursor_list([fx.CALL_RESULT], has_more=True, next_cursor=fx.RESULT_ID)
    run_fields = {"run_status": "RUNNING", "run_resolved_call_count": 12}
    if where == "data":
        listing.update(run_fields)
        answer = Answer(data=listing)
    else:
        answer = Answer(data=listing, extra=run_fields)
    path = f"{RUN}/call-results"
    canned.on("GET", path, answer)
    page = await client.evals.runs.call_results(fx.RUN_ID, include_agent_results=True, limit=1)
    assert isinstance(page, CallResultPage)
    assert page.run_status is RunStatus.RUNNING
    assert page.run_resolved_call_count == 12
    assert page.request_id is not None
    assert isinstance(page.data[0].agent_results[0], AgentResult)
    assert canned.seen()[-1].query == {"include_agent_results": "true", "limit": "1"}

    last = {**fx.CALL_RESULT, "id": "result-2", "agent_results": []}
    canned.on("GET", path, answer, Answer(data=fx.cursor_list([last]), extra=run_fields))
    ids = [r.id async for r in client.evals.runs.iterate_call_results(fx.RUN_ID, limit=1)]
    assert ids == [fx.RESULT_ID, "result-2"]
    assert canned.seen()[-1].query == {
        "include_agent_results": "false",
        "limit": "1",
        "starting_after": fx.RESULT_ID,
    }


async def test_agent_results_and_snapshots(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", f"{RUN}/agent-results", fx.cursor_list([fx.AGENT_RESULT]))
    page = await client.evals.runs.agent_results(fx.RUN_ID, starting_after="x")
    assert page.data[0].evidence[0].text.startswith("I understand")
    assert canned.seen()[-1].query == {"starting_after": "x"}
    verdicts = [v async for v in client.evals.runs.iterate_agent_results(fx.RUN_ID)]
    assert verdicts == page.data

    canned.on("GET", f"{RUN}/agent-snapshots", fx.cursor_list([fx.AGENT_SNAPSHOT]))
    snapshots = await client.evals.runs.agent_snapshots(fx.RUN_ID)
    assert isinstance(snapshots.data[0], AgentSnapshot)
    assert snapshots.has_more is False
    assert canned.seen()[-1].query == {}


async def test_templates(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", "/v1/evals/agent-templates", fx.cursor_list([fx.AGENT_TEMPLATE]))
    templates = await client.evals.templates.list()
    assert [t.key for t in templates] == ["hallucination_detection"]
    canned.on("GET", "/v1/evals/agent-templates/call_resolution", Answer(data=fx.AGENT_TEMPLATE))
    assert isinstance(await client.evals.templates.get("call_resolution"), AgentTemplate)
    canned.error("GET", "/v1/evals/agent-templates/nope", 404, "EVAL_AGENT_TEMPLATE_NOT_FOUND")
    with pytest.raises(NotFoundError) as info:
        await client.evals.templates.get("nope")
    assert info.value.code == "EVAL_AGENT_TEMPLATE_NOT_FOUND"


async def test_user_templates(canned: Canned, client: AsyncBlandClient) -> None:
    base = "/v1/evals/user-templates"
    one = f"{base}/{fx.USER_TEMPLATE_ID}"
    canned.on("POST", base, data(fx.USER_TEMPLATE))
    created = await client.evals.user_templates.create(
        name="My hallucination check",
        from_agent_id=fx.AGENT_ID,
        from_version_id=fx.AGENT_ACTIVE_ID,
        visibility="org",
        category=None,
    )
    assert isinstance(created, UserTemplate)
    assert canned.seen()[-1].json == {
        "name": "My hallucination check",
        "category": None,
        "visibility": "org",
        "from_agent_id": fx.AGENT_ID,
        "from_version_id": fx.AGENT_ACTIVE_ID,
    }
    canned.on("GET", one, data(fx.USER_TEMPLATE))
    assert await client.evals.user_templates.get(fx.USER_TEMPLATE_ID) == created
    canned.on("PATCH", one, data(fx.USER_TEMPLATE))
    await client.evals.user_templates.update(
        fx.USER_TEMPLATE_ID, description=None, levels=[], target_level_keys=[]
    )
    assert canned.seen()[-1].json == {"description": None, "levels": [], "target_level_keys": []}
    canned.on("GET", base, fx.cursor_list([fx.USER_TEMPLATE_LIST_ITEM]))
    assert [t.level_count async for t in client.evals.user_templates.iterate()] == [3]
    canned.on("DELETE", one, Answer(status=204))
    assert await client.evals.user_templates.delete(fx.USER_TEMPLATE_ID) is None


async def test_disabled_gate_uses_status_reason(canned: Canned, client: AsyncBlandClient) -> None:
    canned.status_data = data(fx.STATUS_OFF)
    with pytest.raises(EvalsDisabledError) as info:
        await client.evals.runs.get(fx.RUN_ID)
    assert info.value.reason == fx.STATUS_OFF["reason"]
    assert fx.STATUS_OFF["reason"] in str(info.value)
    assert [r.path for r in canned.requests] == [RUN, "/v1/evals/status"]
    status = await client.evals.status()
    assert status.enabled is False
    assert status.reason == fx.STATUS_OFF["reason"]
