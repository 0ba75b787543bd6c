"""The public API as a user calls it, on both clients: type-checked, never run.

``mypy`` (strict, via pyproject's ``files``) checks this file. Every call is wrapped in
``assert_type``, so a generated sync signature or return type that drifts from the async
one, or from what users were promised, fails the type check.
"""

from __future__ import annotations

from typing import Any, assert_type

from bland_async import (
    UNSET,
    AsyncBlandClient,
    AsyncPager,
    BlandClient,
    BulkOutcome,
    BulkProgress,
    BulkResult,
    ClientStats,
    EvalAgents,
    Evals,
    Personas,
    PersonaVersions,
    RawResponse,
    RequestOptions,
    RetryPolicy,
    SyncPager,
    Timeout,
    WorkbenchSetups,
    WorkbenchSetupVersions,
)
from bland_async.models import (
    AgentResult,
    AgentSnapshot,
    AgentTemplate,
    AttachedAgent,
    CallResult,
    CallResultPage,
    CursorPage,
    EvalAgentListItem,
    EvalAgentPublishResult,
    EvalAgentVersion,
    EvalAgentVersionListItem,
    EvalAgentWithVersion,
    EvalRun,
    EvalRunListItem,
    EvalsStatus,
    FieldChange,
    InboundNumberSettings,
    Persona,
    PersonaDeleteResult,
    PersonaDiff,
    PersonaInboundNumbers,
    PersonaSettings,
    PersonaVersion,
    RunEstimate,
    UserTemplate,
    UserTemplateListItem,
    WorkbenchSetupListItem,
    WorkbenchSetupPublishResult,
    WorkbenchSetupVersion,
    WorkbenchSetupVersionListItem,
    WorkbenchSetupWithVersion,
)

AGENT = AttachedAgent(
    eval_agent_id="a", eval_agent_version_id="v", weight=40, target_level_keys=["good"]
)


def on_progress(progress: BulkProgress) -> None:
    print(progress.done)


async def use_async_client() -> None:
    async with AsyncBlandClient(api_key="k", base_url="https://api.bland.ai", timeout=5.0) as bland:
        assert_type(bland, AsyncBlandClient)
        assert_type(bland.with_options(max_retries=0, timeout=Timeout(total=5)), AsyncBlandClient)
        assert_type(bland.with_options(retry_policy=RetryPolicy(backoff_max=1)), AsyncBlandClient)
        assert_type(bland.base_url, str)
        assert_type(bland.timeout, Timeout)
        assert_type(bland.max_retries, int)
        assert_type(bland.stats, ClientStats)
        assert_type(bland.closed, bool)

        personas = bland.personas
        assert_type(await personas.list(page=1, limit=20), list[Persona])
        pager = personas.iterate(limit=50)
        assert_type(pager, AsyncPager[Persona])
        async for persona in pager:
            assert_type(persona, Persona)
        assert_type(await pager.next_page(), list[Persona] | None)
        assert_type(await personas.create(name="n", tags=["t"]), Persona)
        assert_type(await personas.get("p"), Persona)
        assert_type(await personas.update("p", description="d"), Persona)
        assert_type(await personas.delete("p", force=True), PersonaDeleteResult)
        assert_type(await personas.promote("p"), Persona)
        report = await personas.promote_many(["p", "q"], concurrency=4, on_progress=on_progress)
        assert_type(report, BulkResult[Persona])
        async for outcome in personas.promote_each(iter(["p"]), concurrency=2):
            assert_type(outcome, BulkOutcome[Persona])
        assert_type(await personas.versions.list("p"), list[PersonaVersion])
        assert_type(await personas.versions.get("p", "v"), PersonaVersion)
        assert_type(await personas.inbound.attach("p", ["+14155551234"]), PersonaInboundNumbers)
        assert_type(await personas.inbound.detach("p", ["+14155551234"]), PersonaInboundNumbers)
        settings = await personas.inbound.update_settings("p", "+14155551234", None)
        assert_type(settings, InboundNumberSettings)

        evals = bland.evals
        assert_type(await evals.status(), EvalsStatus)
        agents = evals.agents
        assert_type(await agents.list(limit=10), CursorPage[EvalAgentListItem])
        assert_type(agents.iterate(), AsyncPager[EvalAgentListItem])
        assert_type(await agents.create(name="judge", modality="text"), EvalAgentWithVersion)
        assert_type(await agents.get("a"), EvalAgentWithVersion)
        assert_type(await agents.update("a", description=None), EvalAgentWithVersion)
        assert_type(await agents.delete("a"), None)
        assert_type(await agents.publish("a"), EvalAgentPublishResult)
        versions = agents.versions
        assert_type(await versions.list("a"), CursorPage[EvalAgentVersionListItem])
        assert_type(versions.iterate("a"), AsyncPager[EvalAgentVersionListItem])
        assert_type(await versions.create("a", name="fork"), EvalAgentVersion)
        assert_type(await versions.get("a", "v"), EvalAgentVersion)
        assert_type(await versions.update("a", "v", weight=50), EvalAgentVersion)

        setups = evals.workbench_setups
        assert_type(await setups.list(), CursorPage[WorkbenchSetupListItem])
        assert_type(setups.iterate(limit=5), AsyncPager[WorkbenchSetupListItem])
        assert_type(await setups.create(name="s"), WorkbenchSetupWithVersion)
        assert_type(await setups.get("s"), WorkbenchSetupWithVersion)
        assert_type(await setups.update("s", metadata={"k": "v"}), WorkbenchSetupWithVersion)
        assert_type(await setups.delete("s"), None)
        assert_type(await setups.publish("s"), WorkbenchSetupPublishResult)
        setup_versions = setups.versions
        assert_type(await setup_versions.list("s"), CursorPage[WorkbenchSetupVersionListItem])
        assert_type(setup_versions.iterate("s"), AsyncPager[WorkbenchSetupVersionListItem])
        assert_type(await setup_versions.create("s"), WorkbenchSetupVersion)
        assert_type(await setup_versions.get("s", "v"), WorkbenchSetupVersion)
        updated = await setup_versions.update(
            "s", "v", pass_threshold_pct=80, description=None, attached_agents=[AGENT]
        )
        assert_type(updated, WorkbenchSetupVersion)

        runs = evals.runs
        assert_type(await runs.list(status="COMPLETE"), CursorPage[EvalRunListItem])
        assert_type(runs.iterate(), AsyncPager[EvalRunListItem])
        assert_type(await runs.create(call_ids=["c"], workbench_setup_id="s"), EvalRun)
        assert_type(await runs.estimate(call_ids=["c"], attached_agents=[AGENT]), RunEstimate)
        assert_type(await runs.get("r"), EvalRun)
        assert_type(await runs.cancel("r"), EvalRun)
        assert_type(await runs.wait("r", timeout=60, poll_interval=1), EvalRun)
        assert_type(await runs.call_results("r", include_agent_results=True), CallResultPage)
        assert_type(runs.iterate_call_results("r"), AsyncPager[CallResult])
        assert_type(await runs.agent_results("r"), CursorPage[AgentResult])
        assert_type(runs.iterate_agent_results("r"), AsyncPager[AgentResult])
        assert_type(await runs.agent_snapshots("r"), CursorPage[AgentSnapshot])

        assert_type(await evals.templates.list(), CursorPage[AgentTemplate])
        assert_type(await evals.templates.get("k"), AgentTemplate)
        user_templates = evals.user_templates
        assert_type(await user_templates.list(), CursorPage[UserTemplateListItem])
        assert_type(user_templates.iterate(), AsyncPager[UserTemplateListItem])
        assert_type(await user_templates.create(name="t", visibility="org"), UserTemplate)
        assert_type(await user_templates.get("t"), UserTemplate)
        assert_type(await user_templates.update("t", category=None), UserTemplate)
        assert_type(await user_templates.delete("t"), None)
        assert_type(await bland.aclose(), None)


def use_sync_client() -> None:
    with BlandClient(api_key="k", base_url="https://api.bland.ai", timeout=5.0) as bland:
        assert_type(bland, BlandClient)
        assert_type(bland.with_options(max_retries=0, timeout=Timeout(total=5)), BlandClient)
        assert_type(BlandClient(retry_policy=RetryPolicy(backoff_initial=0.1)), BlandClient)
        assert_type(bland.base_url, str)
        assert_type(bland.timeout, Timeout)
        assert_type(bland.max_retries, int)
        assert_type(bland.stats, ClientStats)
        assert_type(bland.closed, bool)

        personas = bland.personas
        assert_type(personas, Personas)
        assert_type(personas.versions, PersonaVersions)
        assert_type(personas.list(page=1, limit=20), list[Persona])
        pager = personas.iterate(limit=50)
        assert_type(pager, SyncPager[Persona])
        for persona in pager:
            assert_type(persona, Persona)
        assert_type(pager.next_page(), list[Persona] | None)
        assert_type(personas.create(name="n", tags=["t"]), Persona)
        assert_type(personas.get("p"), Persona)
        assert_type(personas.update("p", description="d"), Persona)
        assert_type(personas.delete("p", force=True), PersonaDeleteResult)
        assert_type(personas.promote("p"), Persona)
        report = personas.promote_many(["p", "q"], concurrency=4, on_progress=on_progress)
        assert_type(report, BulkResult[Persona])
        for outcome in personas.promote_each(iter(["p"]), concurrency=2):
            assert_type(outcome, BulkOutcome[Persona])
        assert_type(personas.versions.list("p"), list[PersonaVersion])
        assert_type(personas.versions.get("p", "v"), PersonaVersion)
        assert_type(personas.inbound.attach("p", ["+14155551234"]), PersonaInboundNumbers)
        assert_type(personas.inbound.detach("p", ["+14155551234"]), PersonaInboundNumbers)
        settings = personas.inbound.update_settings("p", "+14155551234", PersonaSettings())
        assert_type(settings, InboundNumberSettings)

        evals = bland.evals
        assert_type(evals, Evals)
        assert_type(evals.status(), EvalsStatus)
        agents = evals.agents
        assert_type(agents, EvalAgents)
        assert_type(agents.list(limit=10), CursorPage[EvalAgentListItem])
        assert_type(agents.iterate(), SyncPager[EvalAgentListItem])
        assert_type(agents.create(name="judge", modality="text"), EvalAgentWithVersion)
        assert_type(agents.get("a"), EvalAgentWithVersion)
        assert_type(agents.update("a", description=None), EvalAgentWithVersion)
        assert_type(agents.delete("a"), None)
        assert_type(agents.publish("a"), EvalAgentPublishResult)
        versions = agents.versions
        assert_type(versions.list("a"), CursorPage[EvalAgentVersionListItem])
        assert_type(versions.iterate("a"), SyncPager[EvalAgentVersionListItem])
        assert_type(versions.create("a", name="fork"), EvalAgentVersion)
        assert_type(versions.get("a", "v"), EvalAgentVersion)
        assert_type(versions.update("a", "v", weight=50), EvalAgentVersion)

        setups = evals.workbench_setups
        assert_type(setups, WorkbenchSetups)
        assert_type(setups.list(), CursorPage[WorkbenchSetupListItem])
        assert_type(setups.iterate(limit=5), SyncPager[WorkbenchSetupListItem])
        assert_type(setups.create(name="s"), WorkbenchSetupWithVersion)
        assert_type(setups.get("s"), WorkbenchSetupWithVersion)
        assert_type(setups.update("s", metadata={"k": "v"}), WorkbenchSetupWithVersion)
        assert_type(setups.delete("s"), None)
        assert_type(setups.publish("s"), WorkbenchSetupPublishResult)
        setup_versions = setups.versions
        assert_type(setup_versions, WorkbenchSetupVersions)
        assert_type(setup_versions.list("s"), CursorPage[WorkbenchSetupVersionListItem])
        assert_type(setup_versions.iterate("s"), SyncPager[WorkbenchSetupVersionListItem])
        assert_type(setup_versions.create("s"), WorkbenchSetupVersion)
        assert_type(setup_versions.get("s", "v"), WorkbenchSetupVersion)
        updated = setup_versions.update(
            "s", "v", pass_threshold_pct=80, description=None, attached_agents=[AGENT]
        )
        assert_type(updated, WorkbenchSetupVersion)
        assert_type(setup_versions.update("s", "v", name=UNSET), WorkbenchSetupVersion)

        runs = evals.runs
        assert_type(runs.list(status="COMPLETE"), CursorPage[EvalRunListItem])
        assert_type(runs.iterate(), SyncPager[EvalRunListItem])
        assert_type(runs.create(call_ids=["c"], workbench_setup_id="s"), EvalRun)
        assert_type(runs.estimate(call_ids=["c"], attached_agents=[AGENT]), RunEstimate)
        assert_type(runs.get("r"), EvalRun)
        assert_type(runs.cancel("r"), EvalRun)
        assert_type(runs.wait("r", timeout=60, poll_interval=1), EvalRun)
        assert_type(runs.call_results("r", include_agent_results=True), CallResultPage)
        assert_type(runs.iterate_call_results("r"), SyncPager[CallResult])
        assert_type(runs.agent_results("r"), CursorPage[AgentResult])
        assert_type(runs.iterate_agent_results("r"), SyncPager[AgentResult])
        assert_type(runs.agent_snapshots("r"), CursorPage[AgentSnapshot])

        assert_type(evals.templates.list(), CursorPage[AgentTemplate])
        assert_type(evals.templates.get("k"), AgentTemplate)
        user_templates = evals.user_templates
        assert_type(user_templates.list(), CursorPage[UserTemplateListItem])
        assert_type(user_templates.iterate(), SyncPager[UserTemplateListItem])
        assert_type(user_templates.create(name="t", visibility="org"), UserTemplate)
        assert_type(user_templates.get("t"), UserTemplate)
        assert_type(user_templates.update("t", category=None), UserTemplate)
        assert_type(user_templates.delete("t"), None)
        assert_type(bland.close(), None)


def sync_client_takes_no_session() -> None:
    # An aiohttp session is bound to a loop the sync caller cannot reach: not accepted.
    BlandClient(api_key="k", session=None)  # type: ignore[call-arg]
    BlandClient("k")  # type: ignore[call-arg]


async def use_release_options_and_raw_responses(bland: AsyncBlandClient) -> None:
    assert_type(await bland.personas.diff("p"), PersonaDiff)
    assert_type((await bland.personas.diff("p")).changes, dict[str, FieldChange])
    assert_type(await bland.personas.promote("p", only_if_changed=True), Persona)
    assert_type(await bland.personas.reset_draft("p"), Persona)
    assert_type(await bland.personas.rollback("p", "v"), Persona)
    report = await bland.personas.promote_many(["p"], only_if_changed=True, total=1)
    assert_type(report.skipped, dict[str, Persona])
    edited = await bland.evals.workbench_setups.versions.edit("s", "v", pass_threshold_pct=1)
    assert_type(edited, WorkbenchSetupVersion)
    bulk = await bland.evals.workbench_setups.versions.update_many("s", ["v"], run_mode="text")
    assert_type(bulk, BulkResult[WorkbenchSetupVersion])
    # Per-call options, typed: a wrong type or an unknown name is a type error.
    options: RequestOptions = {"timeout": 5.0, "max_retries": 0}
    assert_type(await bland.personas.get("p", **options), Persona)
    assert_type(
        await bland.personas.get(
            "p",
            timeout=Timeout(total=5),
            max_retries=1,
            extra_headers={"x-trace": "1"},
            extra_query={"dry": True},
            extra_body={"note": "x"},
        ),
        Persona,
    )
    assert_type(bland.personas.iterate(extra_query={"a": 1}), AsyncPager[Persona])
    assert_type(await bland.evals.runs.wait("r", timeout=60, max_retries=1), EvalRun)
    copy = bland.with_options(max_concurrency=4)
    assert_type(copy, AsyncBlandClient)
    raw = await bland.with_raw_response.personas.get("p", timeout=2)
    assert_type(raw, RawResponse[Persona])
    assert_type(raw.parse(), Persona)
    assert_type(raw.status, int)
    assert_type(raw.request_id, str | None)
    pages = await bland.with_raw_response.evals.agents.list(limit=5)
    assert_type(pages.parse(), CursorPage[EvalAgentListItem])
    deleted = await bland.with_raw_response.evals.workbench_setups.delete("s")
    assert_type(deleted, RawResponse[None])
    assert_type(Persona.from_dict({}).to_dict(), dict[str, Any])


def use_sync_release_options_and_raw_responses(bland: BlandClient) -> None:
    assert_type(bland.personas.diff("p"), PersonaDiff)
    assert_type(bland.personas.promote("p", only_if_changed=True, max_retries=0), Persona)
    assert_type(bland.personas.rollback("p", "v", extra_headers={"a": "b"}), Persona)
    assert_type(
        bland.evals.workbench_setups.versions.update_many("s", ["v"], fork_archived=True),
        BulkResult[WorkbenchSetupVersion],
    )
    raw = bland.with_raw_response.personas.versions.list("p")
    assert_type(raw, RawResponse[list[PersonaVersion]])
    assert_type(bland.with_options(max_concurrency=2), BlandClient)
