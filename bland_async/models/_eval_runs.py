"""Eval run models: runs, estimates, call and agent results, snapshots (§3.2.10-3.2.13)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from bland_async.models._base import BlandModel, OpenEnum
from bland_async.models._common import AttachedAgent, CursorPage, Modality, RunMode
from bland_async.models._evals import Level


class RunStatus(OpenEnum):
    """Status of an eval run: PENDING, QUEUED, RUNNING, then a terminal status."""

    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished (``COMPLETE``, ``PARTIAL``, ``FAILED``, ``CANCELLED``)."""
        return self.value in TERMINAL_RUN_STATUSES


TERMINAL_RUN_STATUSES: Final = frozenset({"COMPLETE", "PARTIAL", "FAILED", "CANCELLED"})


class TriggeredBy(OpenEnum):
    """What started a run: a person, a post-call auto eval, or a backfill."""

    MANUAL = "manual"
    AUTO = "auto"
    BACKFILL = "backfill"


class CallResultStatus(OpenEnum):
    """Status of one call's evaluation within a run."""

    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE"


class EvidenceSource(OpenEnum):
    """Where a piece of evidence comes from."""

    TRANSCRIPT = "transcript"
    AUDIO = "audio"


class EvidenceSpeaker(OpenEnum):
    """Who said the quoted evidence."""

    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class RunSummary(BlandModel):
    """Aggregates of a run, averaged across calls.

    Attributes:
        overall_score_mean: Mean overall score (0-100), or ``None``.
        text_score_mean: Mean score of text agents, or ``None``.
        audio_score_mean: Mean score of audio agents, or ``None``.
        successful_call_count: Calls scored successfully.
        failed_call_count: Calls whose scoring failed.
        insufficient_evidence_count: Calls without enough evidence.
        target_match_count: Verdicts that hit a target level.
        pass_threshold_pct: The threshold compared against, or ``None``.
        overall_pass: Whether the run passed; ``None`` when there is no threshold.
    """

    overall_score_mean: float | None = None
    text_score_mean: float | None = None
    audio_score_mean: float | None = None
    successful_call_count: int = 0
    failed_call_count: int = 0
    insufficient_evidence_count: int = 0
    target_match_count: int = 0
    pass_threshold_pct: float | None = None
    overall_pass: bool | None = None


@attrs.frozen(kw_only=True)
class _Run(BlandModel):
    """An eval run, as listed or in full."""

    id: str
    status: RunStatus
    triggered_by: TriggeredBy
    run_mode: RunMode
    created_at: datetime
    workbench_setup_id: str | None = None
    workbench_setup_version_id: str | None = None
    resolved_call_count: int = 0
    resolved_agent_count: int = 0
    resolved_atom_count: int = 0
    completed_atom_count: int = 0
    summary: RunSummary | None = None
    billable_cost_usd: float | None = None
    metadata: dict[str, str] = attrs.field(factory=dict)
    started_at: datetime | None = None
    completed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class EvalRun(_Run):
    """An eval run: a batch of calls scored by a set of pinned agent versions.

    ``summary`` and ``billable_cost_usd`` are ``None`` until available; on a cancelled
    run ``completed_at`` is the cancellation time.
    """

    org_id: str | None = None
    submitted_call_ids: list[str] = attrs.field(factory=list)
    submitted_attached_agents: list[AttachedAgent] = attrs.field(factory=list)
    error_code: str | None = None
    error_message: str | None = None
    workflow_id: str | None = None


@attrs.frozen(kw_only=True)
class EvalRunListItem(_Run):
    """An eval run as listed (no submitted inputs, no error details)."""


@attrs.frozen(kw_only=True)
class RunEstimate(BlandModel):
    """What a run would cost.

    Attributes:
        resolved_atom_count: Calls times agents that would be scored.
        estimated_input_tokens: Estimated judge input tokens.
        estimated_output_tokens: Estimated judge output tokens.
        estimated_cost_usd_cents: Estimated cost in US **cents** (may be fractional).
    """

    resolved_atom_count: int
    estimated_input_tokens: int
    estimated_output_tokens: int
    estimated_cost_usd_cents: float


@attrs.frozen(kw_only=True)
class Evidence(BlandModel):
    """A quote or moment a verdict relies on.

    Attributes:
        source: ``transcript`` or ``audio``.
        speaker: Who spoke, or ``None``.
        start_ms: Start offset in milliseconds, or ``None``.
        end_ms: End offset in milliseconds, or ``None``.
        text: The quoted text.
    """

    source: EvidenceSource
    text: str
    speaker: EvidenceSpeaker | None = None
    start_ms: int | None = None
    end_ms: int | None = None


@attrs.frozen(kw_only=True)
class AgentResultAudit(BlandModel):
    """How a verdict was produced: prompt version, tokens and latency."""

    prompt_version: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None


@attrs.frozen(kw_only=True)
class AgentResult(BlandModel):
    """One agent's verdict on one call."""

    id: str
    eval_run_id: str
    eval_agent_id: str
    call_id: str
    created_at: datetime
    org_id: str | None = None
    eval_run_call_result_id: str | None = None
    eval_run_agent_snapshot_id: str | None = None
    eval_agent_version_id: str | None = None
    selected_level_key: str | None = None
    selected_level_label: str | None = None
    score_normalized_0_100: float | None = None
    is_target_match: bool | None = None
    is_insufficient_evidence: bool = False
    confidence: float | None = None
    reasoning_md: str | None = None
    evidence: list[Evidence] = attrs.field(factory=list)
    failed: bool = False
    failure_code: str | None = None
    failure_message: str | None = None
    billable_cost_usd: float | None = None
    audit: AgentResultAudit | None = None


@attrs.frozen(kw_only=True)
class CallResult(BlandModel):
    """One call's result in a run; ``agent_results`` is filled only when requested."""

    id: str
    eval_run_id: str
    call_id: str
    status: CallResultStatus
    created_at: datetime
    org_id: str | None = None
    call_display_name: str | None = None
    call_started_at: datetime | None = None
    call_duration_seconds: float | None = None
    call_ended_by: str | None = None
    transcript_snapshot_ref: str | None = None
    transcript_snapshot_expires_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    overall_score_normalized_0_100: float | None = None
    text_score_normalized_0_100: float | None = None
    audio_score_normalized_0_100: float | None = None
    failed_agent_count: int = 0
    insufficient_evidence_agent_count: int = 0
    agent_results: list[AgentResult] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class CallResultPage(CursorPage[CallResult]):
    """A page of call results, with the run's status and resolved call count.

    Attributes:
        run_status: The run's status when the page was read, or ``None`` if absent.
        run_resolved_call_count: The run's number of resolved calls, or ``None``.
    """

    run_status: RunStatus | None = None
    run_resolved_call_count: int | None = None


@attrs.frozen(kw_only=True)
class AgentSnapshot(BlandModel):
    """An agent version as frozen into a run at submission.

    Level colors may be hex strings here (e.g. ``#22c55e``).
    """

    id: str
    eval_run_id: str
    eval_agent_id: str
    eval_agent_version_id: str
    position: int
    key: str
    name: str
    modality: Modality
    weight: float
    created_at: datetime
    org_id: str | None = None
    system_prompt_md: str = ""
    prompt_md: str = ""
    prompt_version: str | None = None
    levels: list[Level] = attrs.field(factory=list)
    target_level_keys: list[str] = attrs.field(factory=list)
