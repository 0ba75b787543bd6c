"""The Evals workflow through the sync facade (``BlandClient``) against a threaded fake."""

from __future__ import annotations

import pytest

from bland_async import (
    BlandClient,
    EvalsDisabledError,
    InvalidRequestError,
    RunWaitTimeoutError,
    SyncPager,
)
from bland_async.models import AttachedAgent, CallResult, EvalRun, RunStatus, VersionState
from tests.sync._helpers import ThreadedFake


def test_judge_setup_run_results(sync_client: BlandClient) -> None:
    evals = sync_client.evals
    judge = evals.agents.create(name="Hallucinations", template_key="hallucination_detection")
    published = evals.agents.publish(judge.agent.id)
    version = evals.agents.versions.get(judge.agent.id, published.active_version_id)
    assert version.state is VersionState.ARCHIVED
    assert version.target_level_keys  # a graded judge: the setup needs a target key

    setup = evals.workbench_setups.create(name="Support QA")
    attached = AttachedAgent(
        eval_agent_id=judge.agent.id,
        eval_agent_version_id=version.id,
        weight=100,
        target_level_keys=version.target_level_keys,
    )
    draft = evals.workbench_setups.versions.update(
        setup.setup.id, setup.current_version.id, pass_threshold_pct=50, attached_agents=[attached]
    )
    assert draft.attached_agents == [attached]
    pinned = evals.workbench_setups.publish(setup.setup.id).active_version_id
    assert pinned == setup.current_version.id

    call_ids = ["top_call_1", "bottom_call_2", "call_3"]
    run = evals.runs.create(
        call_ids=call_ids, workbench_setup_id=setup.setup.id, workbench_setup_version_id=pinned
    )
    assert run.status is RunStatus.PENDING
    final = evals.runs.wait(run.id, timeout=5, poll_interval=0.01)
    assert isinstance(final, EvalRun)
    assert final.status.is_terminal
    assert final.summary is not None
    assert final.summary.pass_threshold_pct == 50

    results = evals.runs.iterate_call_results(run.id, include_agent_results=True, limit=2)
    assert isinstance(results, SyncPager)
    calls = list(results)
    assert all(isinstance(call, CallResult) for call in calls)
    assert [call.call_id for call in calls] == call_ids
    assert [len(call.agent_results) for call in calls] == [1, 1, 1]

    assert evals.agents.delete(judge.agent.id) is None


def test_setup_targets_are_checked_before_sending(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    setup = sync_client.evals.workbench_setups.create(name="QA")

    def sent() -> int:
        return threaded_fake.call(lambda: len(threaded_fake.fake.requests))

    before = sent()
    attached = AttachedAgent(
        eval_agent_id="a", eval_agent_version_id="v", weight=1, target_level_keys=["good", ""]
    )
    with pytest.raises(InvalidRequestError, match=r"target_level_keys\[1\] must not be empty"):
        sync_client.evals.workbench_setups.versions.update(
            setup.setup.id, setup.current_version.id, attached_agents=[attached]
        )
    assert sent() == before  # refused client-side, nothing sent


def test_wait_timeout_raises_with_the_last_run(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    agent = threaded_fake.call(
        threaded_fake.fake.seed_eval_agent, "Tone", template_key="bland_tone", publish=True
    )
    threaded_fake.call(setattr, threaded_fake.fake, "hold_runs", True)
    run = sync_client.evals.runs.create(
        call_ids=["c1"], attached_agents=[AttachedAgent(eval_agent_id=agent["agent"]["id"])]
    )
    with pytest.raises(RunWaitTimeoutError) as info:
        sync_client.evals.runs.wait(run.id, timeout=0.2, poll_interval=0.05)
    assert (info.value.run_id, info.value.timeout) == (run.id, 0.2)
    assert info.value.run is not None
    assert info.value.run.status is RunStatus.PENDING


def test_evals_disabled(sync_client: BlandClient, threaded_fake: ThreadedFake) -> None:
    threaded_fake.call(setattr, threaded_fake.fake, "evals_enabled", False)
    assert not sync_client.evals.status().enabled
    with pytest.raises(EvalsDisabledError) as info:
        sync_client.evals.agents.list()
    assert info.value.status == 404
    assert info.value.reason
