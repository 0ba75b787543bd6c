"""Evals fixtures (docs/api-notes.md) structure strictly into the models: drift shows."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from typing import Any

import cattrs
import pytest

from bland_async._converter import drop_unset, make_converter
from bland_async._resources._eval_run_body import call_result_page_data
from bland_async.models import (
    AgentResult,
    AgentResultAudit,
    AgentSnapshot,
    AgentTemplate,
    AttachedAgent,
    CallResult,
    CallResultPage,
    CallResultStatus,
    CursorPage,
    EvalAgentListItem,
    EvalAgentPublishResult,
    EvalAgentVersion,
    EvalAgentVersionListItem,
    EvalAgentWithVersion,
    EvalRun,
    EvalRunListItem,
    EvalsStatus,
    Evidence,
    EvidenceSource,
    EvidenceSpeaker,
    LatestRun,
    Level,
    Modality,
    RunEstimate,
    RunMode,
    RunStatus,
    RunSummary,
    TemplateCategory,
    TriggeredBy,
    UserTemplate,
    UserTemplateListItem,
    VersionState,
    Visibility,
    WorkbenchSetupListItem,
    WorkbenchSetupPublishResult,
    WorkbenchSetupVersionListItem,
    WorkbenchSetupWithVersion,
)
from tests.fixtures import evals as fx

STRICT = make_converter(detailed=True, forbid_extra_keys=True)

CASES: list[tuple[str, Any, Any]] = [
    ("status", fx.STATUS, EvalsStatus),
    ("agent+version", fx.EVAL_AGENT_WITH_VERSION, EvalAgentWithVersion),
    ("agent list", fx.cursor_list([fx.EVAL_AGENT_LIST_ITEM]), CursorPage[EvalAgentListItem]),
    (
        "agent versions",
        fx.cursor_list([fx.EVAL_AGENT_VERSION_LIST_ITEM]),
        CursorPage[EvalAgentVersionListItem],
    ),
    ("agent version", fx.EVAL_AGENT_VERSION, EvalAgentVersion),
    ("agent publish", fx.EVAL_AGENT_PUBLISH, EvalAgentPublishResult),
    ("setup+version", fx.WORKBENCH_SETUP_WITH_VERSION, WorkbenchSetupWithVersion),
    (
        "setup list",
        fx.cursor_list([fx.WORKBENCH_SETUP_LIST_ITEM]),
        CursorPage[WorkbenchSetupListItem],
    ),
    (
        "setup versions",
        fx.cursor_list([fx.SETUP_VERSION_LIST_ITEM]),
        CursorPage[WorkbenchSetupVersionListItem],
    ),
    ("setup publish", fx.SETUP_PUBLISH, WorkbenchSetupPublishResult),
    ("run", fx.EVAL_RUN, EvalRun),
    ("run complete", fx.EVAL_RUN_COMPLETE, EvalRun),
    ("run list", fx.cursor_list([fx.EVAL_RUN_LIST_ITEM]), CursorPage[EvalRunListItem]),
    ("estimate", fx.RUN_ESTIMATE, RunEstimate),
    (
        "call results",
        {**fx.cursor_list([fx.CALL_RESULT]), "run_status": "RUNNING", "run_resolved_call_count": 1},
        CallResultPage,
    ),
    ("agent results", fx.cursor_list([fx.AGENT_RESULT]), CursorPage[AgentResult]),
    ("snapshots", fx.cursor_list([fx.AGENT_SNAPSHOT]), CursorPage[AgentSnapshot]),
    ("templates", fx.cursor_list([fx.AGENT_TEMPLATE]), CursorPage[AgentTemplate]),
    ("template", fx.AGENT_TEMPLATE, AgentTemplate),
    ("user template", fx.USER_TEMPLATE, UserTemplate),
    (
        "user templates",
        fx.cursor_list([fx.USER_TEMPLATE_LIST_ITEM]),
        CursorPage[UserTemplateListItem],
    ),
]


@pytest.mark.parametrize(("payload", "cls"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fixture_fits_strictly(payload: Any, cls: Any) -> None:
    model = STRICT.structure(copy.deepcopy(payload), cls)
    # Round trip: unstructuring gives back the documented field names.
    again = STRICT.structure(STRICT.unstructure(model), cls)
    assert again == model
    assert pickle.loads(pickle.dumps(model)) == model


@pytest.mark.parametrize(("payload", "cls"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_strict_converter_catches_an_unknown_field(payload: Any, cls: Any) -> None:
    drifted = copy.deepcopy(payload)
    target = drifted["data"][0] if "object" in drifted else drifted
    target["field_added_by_the_server"] = 1
    with pytest.raises((cattrs.BaseValidationError, cattrs.ForbiddenExtraKeysError)):
        STRICT.structure(drifted, cls)


def test_agent_with_version_values() -> None:
    bundle = STRICT.structure(fx.EVAL_AGENT_WITH_VERSION, EvalAgentWithVersion)
    assert bundle.agent.metadata == {"team": "support"}
    assert bundle.agent.created_at == datetime(2025, 9, 23, 15, 13, 36, 348000, tzinfo=UTC)
    version = bundle.current_version
    assert version.state is VersionState.EDITABLE
    assert version.modality is Modality.TEXT
    assert version.weight == 40.0
    assert version.levels[0] == Level(
        level_key="poor", label="Poor", prompt_md="Made things up.", color="rose"
    )
    assert version.levels[1].color is None
    assert version.updated_at == datetime(2025, 9, 23, 15, 20, tzinfo=UTC)


def test_latest_run_status_is_a_plain_string() -> None:
    item = STRICT.structure(fx.EVAL_AGENT_LIST_ITEM, EvalAgentListItem)
    assert item.latest_run == LatestRun(
        id=fx.RUN_ID,
        status="completed",
        created_at=datetime(2025, 9, 23, 15, 13, 36, 348000, tzinfo=UTC),
        call_count=12,
        target_hit_count=9,
        graded_count=11,
    )
    assert item.modality is Modality.AUDIO


def test_run_values_and_summary() -> None:
    run = STRICT.structure(fx.EVAL_RUN_COMPLETE, EvalRun)
    assert run.status is RunStatus.COMPLETE
    assert run.status.is_terminal
    assert run.triggered_by is TriggeredBy.MANUAL
    assert run.run_mode is RunMode.TEXT
    assert run.submitted_attached_agents[1] == AttachedAgent(
        eval_agent_id="a1a1a1a1-0000-4000-8000-000000000002"
    )
    assert run.summary == RunSummary(
        overall_score_mean=82.5,
        text_score_mean=82.5,
        audio_score_mean=None,
        successful_call_count=11,
        failed_call_count=0,
        insufficient_evidence_count=1,
        target_match_count=9,
        pass_threshold_pct=80.0,
        overall_pass=True,
    )
    assert run.billable_cost_usd == 1.24
    pending = STRICT.structure(fx.EVAL_RUN, EvalRun)
    assert pending.status is RunStatus.PENDING
    assert not pending.status.is_terminal
    assert pending.summary is None


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        ("PENDING", False),
        ("QUEUED", False),
        ("RUNNING", False),
        ("COMPLETE", True),
        ("PARTIAL", True),
        ("FAILED", True),
        ("CANCELLED", True),
        ("ARCHIVED_BY_OPS", False),
    ],
)
def test_run_status_terminal(status: str, terminal: bool) -> None:
    assert RunStatus(status).is_terminal is terminal


def test_unknown_enum_values_stay_readable() -> None:
    run = STRICT.structure(
        {**fx.EVAL_RUN, "status": "PAUSED", "triggered_by": "schedule", "run_mode": "video"},
        EvalRun,
    )
    assert run.status == "PAUSED"
    assert run.status.value == "PAUSED"
    assert not run.status.is_known
    assert run.triggered_by.value == "schedule"
    assert run.run_mode.value == "video"
    assert pickle.loads(pickle.dumps(run)) == run

    result = STRICT.structure(fx.AGENT_RESULT, AgentResult)
    sources = [e.source for e in result.evidence]
    assert sources[:2] == [EvidenceSource.TRANSCRIPT, EvidenceSource.AUDIO]
    assert sources[2].value == "video"
    assert [e.speaker for e in result.evidence][:2] == [EvidenceSpeaker.AGENT, None]
    assert result.evidence[2].speaker == "bot"

    template = STRICT.structure({**fx.AGENT_TEMPLATE, "category": "billing"}, AgentTemplate)
    assert template.category is not None
    assert template.category.value == "billing"
    assert not template.category.is_known
    assert STRICT.structure(fx.AGENT_TEMPLATE, AgentTemplate).category is TemplateCategory.QUALITY

    listed = STRICT.structure(
        {**fx.USER_TEMPLATE_LIST_ITEM, "visibility": "team"}, UserTemplateListItem
    )
    assert listed.visibility.value == "team"
    assert STRICT.structure(fx.USER_TEMPLATE, UserTemplate).visibility is Visibility.ORG


def test_agent_result_values() -> None:
    result = STRICT.structure(fx.AGENT_RESULT, AgentResult)
    assert result.evidence[0] == Evidence(
        source=EvidenceSource.TRANSCRIPT,
        speaker=EvidenceSpeaker.AGENT,
        start_ms=1200,
        end_ms=3400,
        text="I understand how frustrating that is.",
    )
    assert result.audit == AgentResultAudit(
        prompt_version="2025-09-01", input_tokens=5012, output_tokens=310, latency_ms=2150
    )
    assert result.confidence == 0.92
    assert result.is_target_match is True


def test_call_result_embeds_agent_results() -> None:
    result = STRICT.structure(fx.CALL_RESULT, CallResult)
    assert result.status is CallResultStatus.COMPLETE
    assert result.agent_results == [STRICT.structure(fx.AGENT_RESULT, AgentResult)]
    assert result.call_duration_seconds == 184.2
    bare = STRICT.structure({**fx.CALL_RESULT, "agent_results": []}, CallResult)
    assert bare.agent_results == []


def test_snapshot_levels_keep_hex_colors() -> None:
    snapshot = STRICT.structure(fx.AGENT_SNAPSHOT, AgentSnapshot)
    assert [level.color for level in snapshot.levels] == ["#ef4444", "#22c55e"]
    assert snapshot.position == 0


@pytest.mark.parametrize("where", ["inside", "envelope", "both"])
def test_call_result_page_reads_run_fields_inside_or_beside_data(where: str) -> None:
    listing = fx.cursor_list([fx.CALL_RESULT], has_more=True, next_cursor=fx.RESULT_ID)
    envelope: dict[str, Any] = {"data": listing, "errors": None}
    if where in ("inside", "both"):
        listing.update(run_status="RUNNING", run_resolved_call_count=3)
    if where in ("envelope", "both"):
        envelope.update(
            run_status="COMPLETE" if where == "both" else "RUNNING", run_resolved_call_count=9
        )
    page = STRICT.structure(call_result_page_data(envelope), CallResultPage)
    assert page.run_status is RunStatus.RUNNING
    assert page.run_resolved_call_count == (3 if where != "envelope" else 9)
    assert page.has_more
    assert page.next_cursor == fx.RESULT_ID
    assert len(page) == 1
    assert isinstance(page, CursorPage)


def test_call_result_page_without_run_fields() -> None:
    page = STRICT.structure(
        call_result_page_data({"data": fx.cursor_list([]), "errors": None}), CallResultPage
    )
    assert page.run_status is None
    assert page.run_resolved_call_count is None
    assert page.data == []


def test_level_and_attached_agent_unstructure_without_unset_fields() -> None:
    body = drop_unset(
        {
            "levels": [
                Level(level_key="a", label="A", prompt_md="p"),
                Level(level_key="b", label="B", prompt_md="q", color="gold"),
            ],
            "attached_agents": [AttachedAgent(eval_agent_id="x", weight=0)],
        }
    )
    assert body == {
        "levels": [
            {"level_key": "a", "label": "A", "prompt_md": "p"},
            {"level_key": "b", "label": "B", "prompt_md": "q", "color": "gold"},
        ],
        "attached_agents": [{"eval_agent_id": "x", "weight": 0}],
    }


@pytest.mark.parametrize("body", [None, "text", {"data": None, "errors": None}])
def test_call_result_page_data_passes_odd_bodies_through(body: Any) -> None:
    expected = body.get("data") if isinstance(body, dict) else body
    assert call_result_page_data(body) == expected
