"""Editing published workbench setup versions (fork-to-edit) and bulk version updates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from bland_async import (
    APIConnectionError,
    InvalidRequestError,
    NotFoundError,
    VersionNotEditableError,
)
from bland_async.models import AttachedAgent, VersionState, WorkbenchSetupVersion
from bland_async.testing import Fault

if TYPE_CHECKING:
    from bland_async import AsyncBlandClient
    from bland_async._bulk import BulkProgress
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

VERSIONS = "/v1/evals/workbench-setups/{setup_id}/versions"


def _published_setup(fake: FakeBland, name: str = "QA") -> tuple[str, str, str, AttachedAgent]:
    """A setup with a published version and a new draft: (setup, published, draft, agent)."""
    judge = fake.seed_eval_agent(
        "Judge",
        levels=[
            {"level_key": "bad", "label": "Bad", "prompt_md": "b"},
            {"level_key": "good", "label": "Good", "prompt_md": "g"},
        ],
        target_level_keys=["good"],
        publish=True,
    )["agent"]
    agent = AttachedAgent(
        eval_agent_id=judge["id"],
        eval_agent_version_id=judge["active_version_id"],
        weight=50,
        target_level_keys=["good"],
    )
    seeded = fake.seed_workbench_setup(
        name,
        attached_agents=[_agent_json(agent)],
        pass_threshold_pct=70,
        publish=True,
    )
    setup = seeded["setup"]
    return setup["id"], setup["active_version_id"], seeded["current_version"]["id"], agent


def _agent_json(agent: AttachedAgent) -> dict[str, Any]:
    return {
        "eval_agent_id": agent.eval_agent_id,
        "eval_agent_version_id": agent.eval_agent_version_id,
        "weight": agent.weight,
        "target_level_keys": agent.target_level_keys,
    }


def _forks(fake: FakeBland, setup_id: str) -> list[dict[str, Any]]:
    return [
        v
        for v in fake.state.workbench_setup_versions.values()
        if v["workbench_setup_id"] == setup_id and v["created_from_version_id"] is not None
    ]


async def test_edit_updates_an_editable_version_in_place(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    setup_id, _, draft_id, _ = _published_setup(fake)
    forks_before = len(_forks(fake, setup_id))
    fake.clear_requests()
    edited = await bland.evals.workbench_setups.versions.edit(
        setup_id, draft_id, pass_threshold_pct=85, description=None
    )
    assert isinstance(edited, WorkbenchSetupVersion)
    assert edited.id == draft_id
    assert [r.method for r in fake.requests] == ["PATCH"]
    stored = fake.state.workbench_setup_versions[draft_id]
    assert stored["pass_threshold_pct"] == 85
    assert stored["description"] is None
    assert len(_forks(fake, setup_id)) == forks_before


async def test_edit_forks_a_published_version_and_updates_the_fork(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    setup_id, published_id, _, agent = _published_setup(fake)
    published_before = dict(fake.state.workbench_setup_versions[published_id])
    fake.clear_requests()
    edited = await bland.evals.workbench_setups.versions.edit(
        setup_id, published_id, pass_threshold_pct=90, run_mode="audio"
    )
    assert edited.id != published_id
    assert edited.state is VersionState.EDITABLE
    assert [r.method for r in fake.requests] == ["PATCH", "POST", "PATCH"]
    assert fake.requests[0].status == 409
    assert fake.requests[1].json == {"from_version_id": published_id}
    fork = fake.state.workbench_setup_versions[edited.id]
    assert fork["created_from_version_id"] == published_id
    assert fork["pass_threshold_pct"] == 90
    assert fork["run_mode"] == "audio"
    assert fork["attached_agents"] == [_agent_json(agent)]  # inherited from the source
    assert fake.state.workbench_setup_versions[published_id] == published_before


async def test_edit_checks_arguments_before_sending(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    with pytest.raises(InvalidRequestError, match="pass_threshold_pct"):
        await bland.evals.workbench_setups.versions.edit("s", "v", pass_threshold_pct=101)
    with pytest.raises(InvalidRequestError, match="run_mode"):
        await bland.evals.workbench_setups.versions.update_many(
            "s",
            ["v"],
            run_mode="loud",  # type: ignore[arg-type]
        )
    assert fake.requests == []


async def test_edit_of_a_missing_version(fake: FakeBland, bland: AsyncBlandClient) -> None:
    setup_id, _, _, _ = _published_setup(fake)
    with pytest.raises(NotFoundError):
        await bland.evals.workbench_setups.versions.edit(setup_id, "nope", pass_threshold_pct=1)


async def test_edit_fork_lost_in_transit_is_not_resent(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    setup_id, published_id, _, _ = _published_setup(fake)
    before = len(_forks(fake, setup_id))
    fake.inject(f"POST {VERSIONS}", Fault.apply_then_fail(), times=1)
    with pytest.raises(APIConnectionError) as info:
        await bland.evals.workbench_setups.versions.edit(
            setup_id, published_id, pass_threshold_pct=60
        )
    assert info.value.may_have_been_applied
    assert len(_forks(fake, setup_id)) == before + 1  # one fork, never two


async def _editable_versions(
    fake: FakeBland, bland: AsyncBlandClient, count: int
) -> tuple[str, list[str], str]:
    setup_id, published_id, draft_id, _ = _published_setup(fake)
    ids = [draft_id]
    for i in range(count - 1):
        fork = await bland.evals.workbench_setups.versions.create(setup_id, name=f"fork {i}")
        ids.append(fork.id)
    return setup_id, ids, published_id


async def test_update_many_changes_every_version_and_reports_each(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    setup_id, ids, published_id = await _editable_versions(fake, bland, 6)
    progress: list[BulkProgress] = []
    fake.inject(
        "PATCH /v1/evals/workbench-setups/{setup_id}/versions/{version_id}",
        Fault.status(503),
        every=3,
        times=2,
    )
    report = await bland.evals.workbench_setups.versions.update_many(
        setup_id,
        [*ids, published_id, "missing", ids[0]],
        default_call_ids=["call-1", "call-2"],
        concurrency=3,
        on_progress=progress.append,
    )
    assert list(report.succeeded) == ids
    assert list(report.failed) == [published_id, "missing"]
    assert isinstance(report.failed[published_id], VersionNotEditableError)
    assert isinstance(report.failed["missing"], NotFoundError)
    for version_id in ids:
        assert fake.state.workbench_setup_versions[version_id]["default_call_ids"] == [
            "call-1",
            "call-2",
        ]
        assert report.succeeded[version_id].default_call_ids == ["call-1", "call-2"]
    assert progress[-1].done == 8
    assert progress[-1].total == 8
    assert report.skipped == {}


async def test_update_many_can_fork_published_versions(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    setup_id, ids, published_id = await _editable_versions(fake, bland, 2)
    report = await bland.evals.workbench_setups.versions.update_many(
        setup_id, [published_id, *ids], pass_threshold_pct=55, fork_archived=True
    )
    assert report.ok
    fork = report.succeeded[published_id]
    assert fork.id != published_id
    assert fake.state.workbench_setup_versions[fork.id]["pass_threshold_pct"] == 55
    assert fake.state.workbench_setup_versions[fork.id]["created_from_version_id"] == published_id
    assert [report.succeeded[i].id for i in ids] == ids
