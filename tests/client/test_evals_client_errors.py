"""Evals error answers through the client, for endpoints whose errors were only tested
at the raw-HTTP level (tests/fake/): the error class, ``.code`` and what the
fake did (nothing applied, a 404 checked against the feature gate once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from bland_async import (
    APIStatusError,
    AsyncBlandClient,
    BadRequestError,
    EvalsDisabledError,
    NotFoundError,
    UnprocessableEntityError,
)
from bland_async.models import AttachedAgent
from bland_async.testing import FakeBland

if TYPE_CHECKING:
    from collections.abc import Awaitable

pytestmark = pytest.mark.anyio

E = TypeVar("E", bound=APIStatusError)
CALLS = ["call-1", "call-2"]
LEVELS = [
    {"level_key": "bad", "label": "Bad", "prompt_md": "b"},
    {"level_key": "good", "label": "Good", "prompt_md": "g"},
]


async def expect(fake: FakeBland, call: Awaitable[Any], cls: type[E], code: str, status: int) -> E:
    """Await ``call``; it must raise ``cls`` with ``code`` and ``status`` from the fake."""
    fake.clear_requests()
    with pytest.raises(cls) as info:
        await call
    error = info.value
    assert (error.status, error.code) == (status, code)
    assert not isinstance(error, EvalsDisabledError)
    assert error.request_id == fake.requests[0].request_id
    sent = [(r.method, r.path) for r in fake.requests]
    assert sent[0][0] == error.method  # sent once: no retry
    # A 404 costs one look at the gate (Evals is on: the original error surfaces).
    assert sent[1:] == ([("GET", "/v1/evals/status")] if status == 404 else [])
    return error


def published_judge(fake: FakeBland) -> dict[str, Any]:
    seeded = fake.seed_eval_agent("Judge", levels=LEVELS, target_level_keys=["good"], publish=True)
    agent: dict[str, Any] = seeded["agent"]
    return agent


async def test_agent_publish_refuses_an_unpublishable_draft(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    agent = fake.seed_eval_agent("One level", levels=LEVELS[:1])["agent"]
    error = await expect(
        fake,
        bland.evals.agents.publish(agent["id"]),
        UnprocessableEntityError,
        "PUBLISH_VALIDATION_FAILED",
        422,
    )
    assert error.details == {"reasons": ["A graded agent needs 2 to 5 levels; the draft has 1."]}
    assert fake.state.eval_agents[agent["id"]]["active_version_id"] is None


async def test_agent_version_fork_of_an_unknown_agent_or_source(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    versions = bland.evals.agents.versions
    agent = fake.seed_eval_agent("Judge")["agent"]
    other = fake.seed_eval_agent("Other")["agent"]
    before = len(fake.state.eval_agent_versions)
    await expect(fake, versions.create("nope"), NotFoundError, "EVAL_AGENT_NOT_FOUND", 404)
    await expect(
        fake,
        versions.create(agent["id"], from_version_id="nope"),
        NotFoundError,
        "EVAL_AGENT_VERSION_NOT_FOUND",
        404,
    )
    # Another agent's version is not a source for this one.
    await expect(
        fake,
        versions.create(agent["id"], from_version_id=other["current_version_id"]),
        NotFoundError,
        "EVAL_AGENT_VERSION_NOT_FOUND",
        404,
    )
    assert len(fake.state.eval_agent_versions) == before


async def test_run_create_refusals(fake: FakeBland, bland: AsyncBlandClient) -> None:
    runs = bland.evals.runs
    unpublished = fake.seed_eval_agent("Draft only", levels=LEVELS)["agent"]
    error = await expect(
        fake,
        runs.create(
            call_ids=CALLS, attached_agents=[AttachedAgent(eval_agent_id=unpublished["id"])]
        ),
        BadRequestError,
        "VALIDATION_ERROR",
        400,
    )
    assert error.details == {"field": "attached_agents[0].eval_agent_version_id"}
    await expect(
        fake,
        runs.create(call_ids=CALLS, attached_agents=[AttachedAgent(eval_agent_id="nope")]),
        NotFoundError,
        "EVAL_AGENT_NOT_FOUND",
        404,
    )
    assert fake.state.eval_runs == {}


async def test_run_estimate_refusals(fake: FakeBland, bland: AsyncBlandClient) -> None:
    runs = bland.evals.runs
    judge = published_judge(fake)
    await expect(
        fake,
        runs.estimate(call_ids=CALLS, workbench_setup_id="nope", workbench_setup_version_id="v"),
        NotFoundError,
        "WORKBENCH_SETUP_NOT_FOUND",
        404,
    )
    error = await expect(
        fake,
        runs.estimate(
            call_ids=CALLS,
            attached_agents=[AttachedAgent(eval_agent_id=judge["id"], target_level_keys=["great"])],
        ),
        BadRequestError,
        "VALIDATION_ERROR",
        400,
    )
    assert error.details == {"field": "attached_agents[0].target_level_keys[0]"}


@pytest.mark.parametrize("endpoint", ["call_results", "agent_results", "agent_snapshots"])
async def test_run_results_of_an_unknown_run(
    endpoint: str, fake: FakeBland, bland: AsyncBlandClient
) -> None:
    fake.seed_run(attached_agents=[{"eval_agent_id": published_judge(fake)["id"]}])
    call = getattr(bland.evals.runs, endpoint)("nope")
    error = await expect(fake, call, NotFoundError, "EVAL_RUN_NOT_FOUND", 404)
    assert error.details == {"run_id": "nope"}


async def test_user_template_refusals(fake: FakeBland, bland: AsyncBlandClient) -> None:
    templates = bland.evals.user_templates
    await expect(
        fake,
        templates.create(from_agent_id="nope"),
        NotFoundError,
        "EVAL_AGENT_NOT_FOUND",
        404,
    )
    error = await expect(
        fake, templates.create(prompt_md="no name"), BadRequestError, "VALIDATION_ERROR", 400
    )
    assert error.details == {"field": "name"}
    assert fake.state.eval_user_templates == {}

    await expect(
        fake, templates.update("nope", name="x"), NotFoundError, "USER_TEMPLATE_NOT_FOUND", 404
    )
    template = fake.seed_user_template("Kept")
    await templates.delete(template["id"])
    await expect(
        fake, templates.delete(template["id"]), NotFoundError, "USER_TEMPLATE_NOT_FOUND", 404
    )
    await expect(
        fake,
        templates.update(template["id"], name="Back"),
        NotFoundError,
        "USER_TEMPLATE_NOT_FOUND",
        404,
    )
    assert fake.state.eval_user_templates[template["id"]]["name"] == "Kept"


async def test_workbench_setup_update_refusals(fake: FakeBland, bland: AsyncBlandClient) -> None:
    setups = bland.evals.workbench_setups
    setup = fake.seed_workbench_setup("QA")["setup"]
    await expect(
        fake, setups.update("nope", name="x"), NotFoundError, "WORKBENCH_SETUP_NOT_FOUND", 404
    )
    await expect(
        fake,
        setups.update(setup["id"], active_version_id="nope"),
        NotFoundError,
        "WORKBENCH_SETUP_VERSION_NOT_FOUND",
        404,
    )
    # Only a published (archived) version can be made active, not the draft.
    error = await expect(
        fake,
        setups.update(setup["id"], active_version_id=setup["current_version_id"]),
        BadRequestError,
        "VALIDATION_ERROR",
        400,
    )
    assert error.details == {"field": "active_version_id"}
    assert fake.state.workbench_setups[setup["id"]]["active_version_id"] is None


async def test_workbench_setup_create_while_evals_is_off(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    # Every field the fake could refuse is checked by the client first: the create's
    # representative error is the gate's 404.
    fake.evals_enabled = False
    with pytest.raises(EvalsDisabledError) as info:
        await bland.evals.workbench_setups.create(name="QA")
    assert (info.value.status, info.value.code) == (404, "NOT_FOUND")
    assert info.value.reason
    assert isinstance(info.value.__cause__, NotFoundError)
    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/v1/evals/workbench-setups"),
        ("GET", "/v1/evals/status"),
    ]
    assert fake.state.workbench_setups == {}
