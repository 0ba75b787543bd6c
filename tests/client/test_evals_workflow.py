"""End to end against the fake, with a strict converter: the models, the fake and the docs agree.

Every response in these tests is structured with ``forbid_extra_keys=True``: a field the
fake sends that a model lacks (or a wrong type) fails here rather than being ignored.
"""

from __future__ import annotations

import pytest

from bland_async import (
    AsyncBlandClient,
    ConflictError,
    EvalsDisabledError,
    NotFoundError,
    RunWaitTimeoutError,
    UnprocessableEntityError,
    VersionNotEditableError,
    _converter,
)
from bland_async.models import AttachedAgent, Level, RunStatus, VersionState
from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def strict_structuring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        _converter, "converter", _converter.make_converter(detailed=True, forbid_extra_keys=True)
    )


async def test_judge_setup_run_results(fake: FakeBland, bland: AsyncBlandClient) -> None:
    evals = bland.evals
    assert (await evals.status()).enabled
    templates = await evals.templates.list()
    assert len(templates.data) == 10
    assert not templates.has_more
    template = await evals.templates.get("hallucination_detection")

    judge = await evals.agents.create(name="Hallucinations", template_key=template.key)
    assert judge.current_version.state is VersionState.EDITABLE
    assert judge.current_version.levels == template.levels
    published = await evals.agents.publish(judge.agent.id)
    assert published.published_version.state is VersionState.ARCHIVED
    version = await evals.agents.versions.get(judge.agent.id, published.active_version_id)
    with pytest.raises(VersionNotEditableError):
        await evals.agents.versions.update(judge.agent.id, version.id, weight=10)

    setup = await evals.workbench_setups.create(name="Support QA", description="nightly")
    with pytest.raises(UnprocessableEntityError) as info:
        await evals.workbench_setups.publish(setup.setup.id)  # no agents yet
    assert info.value.code == "PUBLISH_VALIDATION_FAILED"
    await evals.workbench_setups.versions.update(
        setup.setup.id,
        setup.current_version.id,
        pass_threshold_pct=50,
        attached_agents=[
            AttachedAgent(
                eval_agent_id=judge.agent.id,
                eval_agent_version_id=version.id,
                weight=100,
                target_level_keys=version.target_level_keys,
            )
        ],
    )
    setup_published = await evals.workbench_setups.publish(setup.setup.id)
    pinned = setup_published.active_version_id

    call_ids = ["top_call_1", "bottom_call_2", "call_3", "insufficient_4"]
    estimate = await evals.runs.estimate(
        call_ids=call_ids, workbench_setup_id=setup.setup.id, workbench_setup_version_id=pinned
    )
    assert estimate.resolved_atom_count == 4
    run = await evals.runs.create(
        call_ids=call_ids,
        workbench_setup_id=setup.setup.id,
        workbench_setup_version_id=pinned,
        metadata={"source": "nightly"},
    )
    assert run.status is RunStatus.PENDING
    final = await evals.runs.wait(run.id, timeout=10, poll_interval=0.01)
    assert final.status.is_terminal
    assert final.summary is not None
    assert final.summary.pass_threshold_pct == 50

    page = await evals.runs.call_results(run.id, include_agent_results=True, limit=2)
    assert page.run_status == final.status
    assert len(page.data) == 2
    assert page.has_more
    every = [c async for c in evals.runs.iterate_call_results(run.id, limit=3)]
    assert [c.call_id for c in every] == call_ids
    verdicts = [v async for v in evals.runs.iterate_agent_results(run.id)]
    assert len(verdicts) == 4
    snapshots = await evals.runs.agent_snapshots(run.id)
    assert [s.eval_agent_id for s in snapshots.data] == [judge.agent.id]
    runs = await evals.runs.list(workbench_setup_id=setup.setup.id)
    assert [r.id for r in runs.data] == [run.id]
    with pytest.raises(ConflictError) as cancel_info:
        await evals.runs.cancel(run.id)
    assert cancel_info.value.code == "RUN_NOT_CANCELLABLE"
    listed = await evals.agents.list()
    assert listed.data[0].latest_run is not None


async def test_fork_repoint_unpublish_delete(fake: FakeBland, bland: AsyncBlandClient) -> None:
    agents = bland.evals.agents
    created = await agents.create(name="Tone", modality="text")
    agent_id = created.agent.id
    await agents.versions.update(
        agent_id,
        created.current_version.id,
        levels=[
            Level(level_key="bad", label="Bad", prompt_md="rude"),
            Level(level_key="good", label="Good", prompt_md="kind", color="emerald"),
        ],
        target_level_keys=["good"],
        system_prompt_md="You judge tone.",
    )
    first = await agents.publish(agent_id)
    fork = await agents.versions.create(agent_id, from_version_id=first.active_version_id)
    assert fork.created_from_version_id == first.active_version_id
    assert fork.state is VersionState.EDITABLE
    versions = [v async for v in agents.versions.iterate(agent_id, limit=1)]
    assert len(versions) == 3
    unpublished = await agents.update(agent_id, active_version_id=None, metadata={"team": "qa"})
    assert unpublished.agent.active_version_id is None
    assert unpublished.agent.metadata == {"team": "qa"}
    repointed = await agents.update(agent_id, active_version_id=first.active_version_id)
    assert repointed.agent.active_version_id == first.active_version_id
    assert await agents.delete(agent_id) is None
    with pytest.raises(NotFoundError) as info:
        await agents.get(agent_id)
    assert info.value.code == "EVAL_AGENT_NOT_FOUND"


async def test_user_templates(fake: FakeBland, bland: AsyncBlandClient) -> None:
    templates = bland.evals.user_templates
    agent = await bland.evals.agents.create(name="Source", template_key="call_resolution")
    snap = await templates.create(from_agent_id=agent.agent.id, visibility="org")
    assert snap.source_agent_id == agent.agent.id
    updated = await templates.update(snap.id, description=None, name="Renamed")
    assert (updated.name, updated.description) == ("Renamed", None)
    listed = [t async for t in templates.iterate()]
    assert [t.id for t in listed] == [snap.id]
    assert await templates.delete(snap.id) is None
    with pytest.raises(NotFoundError):
        await templates.get(snap.id)


async def test_wait_times_out_with_the_last_run(fake: FakeBland, bland: AsyncBlandClient) -> None:
    agent = fake.seed_eval_agent(name="Judge", template_key="bland_tone", publish=True)
    fake.hold_runs = True
    run = await bland.evals.runs.create(
        call_ids=["c1"], attached_agents=[AttachedAgent(eval_agent_id=agent["agent"]["id"])]
    )
    with pytest.raises(RunWaitTimeoutError) as info:
        await bland.evals.runs.wait(run.id, timeout=0.3, poll_interval=0.05)
    assert info.value.run is not None
    assert info.value.run.id == run.id
    assert not info.value.run.status.is_terminal
    cancelled = await bland.evals.runs.cancel(run.id)
    assert cancelled.status is RunStatus.CANCELLED


async def test_evals_disabled_everywhere(fake: FakeBland, bland: AsyncBlandClient) -> None:
    fake.evals_enabled = False
    status = await bland.evals.status()
    assert not status.enabled
    for call in (
        bland.evals.agents.list(),
        bland.evals.runs.get("r"),
        bland.evals.templates.list(),
        bland.evals.user_templates.list(),
        bland.evals.workbench_setups.versions.list("s"),
    ):
        with pytest.raises(EvalsDisabledError) as info:
            await call
        assert info.value.reason
        assert isinstance(info.value, NotFoundError)
