"""Workbench setups and their versions against the fake, and the Evals feature gate."""

from __future__ import annotations

import pickle

import attrs
import pytest

from bland_async import (
    AsyncBlandClient,
    EvalsDisabledError,
    NotFoundError,
    UnprocessableEntityError,
    VersionNotEditableError,
)
from bland_async.models import (
    AttachedAgent,
    CursorPage,
    EvalsStatus,
    RunMode,
    VersionState,
    WorkbenchSetupListItem,
    WorkbenchSetupPublishResult,
    WorkbenchSetupVersion,
    WorkbenchSetupWithVersion,
)
from bland_async.testing import FakeBland, Fault

pytestmark = pytest.mark.anyio

AGENT = AttachedAgent(
    eval_agent_id="agent-1",
    eval_agent_version_id="agent-1-v2",
    weight=40,
    target_level_keys=["good"],
)


async def test_create_get_update_delete(bland: AsyncBlandClient, fake: FakeBland) -> None:
    created = await bland.evals.workbench_setups.create(name="Onboarding QA")
    assert isinstance(created, WorkbenchSetupWithVersion)
    assert created.request_id is not None
    assert created.request_id == fake.requests[-1].request_id
    assert fake.requests[-1].json == {"name": "Onboarding QA"}  # UNSET omitted
    assert fake.requests[-1].status == 201
    setup, draft = created.setup, created.current_version
    assert setup.name == "Onboarding QA"
    assert setup.active_version_id is None
    assert setup.current_version_id == draft.id
    assert draft.state is VersionState.EDITABLE
    assert draft.version_number == 1
    assert draft.run_mode is RunMode.TEXT
    assert draft.attached_agents == []

    assert await bland.evals.workbench_setups.get(setup.id) == created

    updated = await bland.evals.workbench_setups.update(
        setup.id, description="Checks onboarding calls", metadata={"owner": "qa"}
    )
    assert updated.setup.description == "Checks onboarding calls"
    assert updated.setup.metadata == {"owner": "qa"}
    cleared = await bland.evals.workbench_setups.update(setup.id, description=None)
    assert fake.requests[-1].json == {"description": None}  # None is sent as null
    assert cleared.setup.description is None
    assert cleared.setup.metadata == {"owner": "qa"}

    assert await bland.evals.workbench_setups.delete(setup.id) is None
    assert fake.requests[-1].status == 204
    fake.clear_requests()
    with pytest.raises(NotFoundError) as info:
        await bland.evals.workbench_setups.get(setup.id)
    assert not isinstance(info.value, EvalsDisabledError)
    assert info.value.code == "WORKBENCH_SETUP_NOT_FOUND"
    # One look at the gate, then the original 404.
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", f"/v1/evals/workbench-setups/{setup.id}"),
        ("GET", "/v1/evals/status"),
    ]


async def test_list_and_iterate(bland: AsyncBlandClient, fake: FakeBland) -> None:
    ids = [fake.seed_workbench_setup(f"Setup {i}")["setup"]["id"] for i in range(5)]
    page = await bland.evals.workbench_setups.list(limit=2)
    assert isinstance(page, CursorPage)
    assert len(page.data) == 2
    assert all(isinstance(item, WorkbenchSetupListItem) for item in page)
    assert page.has_more
    assert page.next_cursor == page.data[-1].id
    assert fake.requests[-1].query == {"limit": "2"}

    fake.clear_requests()
    seen = [item.id async for item in bland.evals.workbench_setups.iterate(limit=2)]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 5
    assert len(fake.requests) == 3
    assert fake.requests[1].query == {"limit": "2", "starting_after": seen[1]}


async def test_configure_publish_fork_and_roll_back(
    bland: AsyncBlandClient, fake: FakeBland
) -> None:
    judge = fake.seed_eval_agent(
        "Judge",
        levels=[
            {"level_key": "bad", "label": "Bad", "prompt_md": "b"},
            {"level_key": "good", "label": "Good", "prompt_md": "g"},
        ],
        target_level_keys=["good"],
        publish=True,
    )["agent"]
    agent = attrs.evolve(
        AGENT, eval_agent_id=judge["id"], eval_agent_version_id=judge["active_version_id"]
    )
    setups = bland.evals.workbench_setups
    created = await setups.create(name="QA", description=None)
    assert fake.requests[-1].json == {"name": "QA", "description": None}
    setup_id, draft_id = created.setup.id, created.setup.current_version_id

    with pytest.raises(UnprocessableEntityError) as failed:
        await setups.publish(setup_id)
    assert failed.value.code == "PUBLISH_VALIDATION_FAILED"

    draft = await setups.versions.update(
        setup_id, draft_id, attached_agents=[agent], pass_threshold_pct=80, run_mode="full"
    )
    assert isinstance(draft, WorkbenchSetupVersion)
    assert fake.requests[-1].json == {
        "attached_agents": [
            {
                "eval_agent_id": judge["id"],
                "eval_agent_version_id": judge["active_version_id"],
                "weight": 40,
                "target_level_keys": ["good"],
            }
        ],
        "pass_threshold_pct": 80,
        "run_mode": "full",
    }
    assert draft.attached_agents == [agent]
    assert draft.run_mode is RunMode.FULL

    published = await setups.publish(setup_id)
    assert isinstance(published, WorkbenchSetupPublishResult)
    assert fake.requests[-1].body == b""  # no body on publications
    assert published.active_version_id == draft_id
    assert published.published_version.state is VersionState.ARCHIVED
    assert published.published_version.attached_agent_count == 1
    new_draft_id = published.current_version_id
    assert new_draft_id != draft_id

    with pytest.raises(VersionNotEditableError):
        await setups.versions.update(setup_id, draft_id, pass_threshold_pct=None)

    fork = await setups.versions.create(setup_id, from_version_id=draft_id, name="Fork")
    assert fork.state is VersionState.EDITABLE
    assert fork.created_from_version_id == draft_id
    assert fork.attached_agents == [agent]
    cleared = await setups.versions.update(setup_id, fork.id, pass_threshold_pct=None)
    assert cleared.pass_threshold_pct is None

    versions = await setups.versions.list(setup_id)
    assert [v.version_number for v in versions] == [3, 2, 1]
    listed = [v.id async for v in setups.versions.iterate(setup_id, limit=1)]
    assert listed == [v.id for v in versions]
    assert await setups.versions.get(setup_id, draft_id) == (
        await setups.versions.get(setup_id, draft_id)
    )

    unpublished = await setups.update(setup_id, active_version_id=None)
    assert fake.requests[-1].json == {"active_version_id": None}
    assert unpublished.setup.active_version_id is None
    restored = await setups.update(setup_id, active_version_id=draft_id)
    assert restored.setup.active_version_id == draft_id


async def test_status(bland: AsyncBlandClient, fake: FakeBland) -> None:
    assert await bland.evals.status() == EvalsStatus(enabled=True, gate="evals_enabled")
    fake.evals_enabled = False
    status = await bland.evals.status()
    assert status.enabled is False
    assert status.request_id == fake.requests[-1].request_id


async def test_disabled_evals_raise_evals_disabled(
    bland: AsyncBlandClient, fake: FakeBland
) -> None:
    setup = fake.seed_workbench_setup("QA")["setup"]
    fake.evals_enabled = False
    with pytest.raises(EvalsDisabledError) as info:
        await bland.evals.workbench_setups.list()
    error = info.value
    assert isinstance(error, NotFoundError)
    assert error.status == 404
    assert isinstance(error.__cause__, NotFoundError)
    assert not isinstance(error.__cause__, EvalsDisabledError)
    assert error.request_id == error.__cause__.request_id
    assert error.route == "/v1/evals/workbench-setups"
    assert error.method == "GET"
    status = await bland.evals.status()
    assert error.reason == status.reason
    if status.reason:
        assert status.reason in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is EvalsDisabledError
    assert copy.reason == error.reason
    assert copy.status == 404

    for call in (
        bland.evals.workbench_setups.get(setup["id"]),
        bland.evals.workbench_setups.versions.list(setup["id"]),
        bland.evals.workbench_setups.versions.get(setup["id"], setup["current_version_id"]),
        bland.evals.workbench_setups.delete(setup["id"]),
        bland.evals.workbench_setups.publish(setup["id"]),
        bland.evals.workbench_setups.versions.update(
            setup["id"], setup["current_version_id"], name="x"
        ),
        bland.evals.agents.list(),
        bland.evals.runs.get("run-1"),
        bland.evals.templates.list(),
        bland.evals.user_templates.list(),
    ):
        with pytest.raises(EvalsDisabledError):
            await call


async def test_gate_is_read_every_time(bland: AsyncBlandClient, fake: FakeBland) -> None:
    setup_id = fake.seed_workbench_setup("QA")["setup"]["id"]
    fake.evals_enabled = False
    with pytest.raises(EvalsDisabledError):
        await bland.evals.workbench_setups.get(setup_id)
    fake.evals_enabled = True
    assert (await bland.evals.workbench_setups.get(setup_id)).setup.id == setup_id
    with pytest.raises(NotFoundError) as info:
        await bland.evals.workbench_setups.get("missing")
    assert not isinstance(info.value, EvalsDisabledError)
    fake.evals_enabled = False
    with pytest.raises(EvalsDisabledError):
        await bland.evals.workbench_setups.get(setup_id)


async def test_failing_status_check_keeps_the_original_404(
    bland: AsyncBlandClient, fake: FakeBland
) -> None:
    fake.evals_enabled = False
    fake.inject("GET /v1/evals/status", Fault.status(401))
    with pytest.raises(NotFoundError) as info:
        await bland.evals.workbench_setups.list()
    assert not isinstance(info.value, EvalsDisabledError)
    assert info.value.route == "/v1/evals/workbench-setups"
