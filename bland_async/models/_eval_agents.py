"""Eval agent models (docs/api-notes.md, Evals), and the agent publish result."""

from __future__ import annotations

from datetime import datetime

import attrs

from bland_async.models._base import BlandModel
from bland_async.models._common import LatestRun, Modality, VersionState
from bland_async.models._evals import Level

__all__ = [
    "EvalAgent",
    "EvalAgentListItem",
    "EvalAgentPublishResult",
    "EvalAgentVersion",
    "EvalAgentVersionListItem",
    "EvalAgentWithVersion",
]


@attrs.frozen(kw_only=True)
class EvalAgent(BlandModel):
    """An eval agent: one LLM judge for one quality of a call.

    Its prompts, levels, targets and weight live on its versions:
    ``current_version_id`` is the editable draft, ``active_version_id`` the published
    version runs use (``None`` when never published or unpublished).
    """

    id: str
    key: str
    name: str
    current_version_id: str
    created_at: datetime
    updated_at: datetime
    org_id: str | None = None
    description: str | None = None
    active_version_id: str | None = None
    metadata: dict[str, str] = attrs.field(factory=dict)
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class EvalAgentListItem(BlandModel):
    """An eval agent as listed, with its modality and latest run."""

    id: str
    name: str
    current_version_id: str
    modality: Modality
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    active_version_id: str | None = None
    active_version_number: int | None = None
    enabled: bool = True
    latest_run: LatestRun | None = None
    metadata: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class EvalAgentVersion(BlandModel):
    """One version of an eval agent: its prompts, levels, targets and weight.

    Pass/fail agents have no levels and no target keys; graded agents have 2 to 5
    levels. Only ``editable`` versions can be updated.
    """

    id: str
    eval_agent_id: str
    version_number: int
    name: str
    state: VersionState
    modality: Modality
    weight: float
    created_at: datetime
    updated_at: datetime
    org_id: str | None = None
    description: str | None = None
    system_prompt_md: str = ""
    prompt_md: str = ""
    levels: list[Level] = attrs.field(factory=list)
    target_level_keys: list[str] = attrs.field(factory=list)
    created_from_version_id: str | None = None
    created_by: str | None = None


@attrs.frozen(kw_only=True)
class EvalAgentVersionListItem(BlandModel):
    """An eval agent version as listed (also the ``published_version`` of a publish)."""

    id: str
    eval_agent_id: str
    version_number: int
    name: str
    state: VersionState
    created_at: datetime
    created_by: str | None = None
    latest_run: LatestRun | None = None


@attrs.frozen(kw_only=True)
class EvalAgentWithVersion(BlandModel):
    """An eval agent with its current (editable draft) version.

    Returned by create, get and update. To read the published version, get
    ``agent.active_version_id`` through ``evals.agents.versions.get``.
    """

    agent: EvalAgent
    current_version: EvalAgentVersion


@attrs.frozen(kw_only=True)
class EvalAgentPublishResult(BlandModel):
    """The outcome of publishing an eval agent's draft.

    Attributes:
        eval_agent_id: The agent.
        current_version_id: The new editable draft.
        active_version_id: The newly published (archived) version.
        published_version: Summary of the published version.
    """

    eval_agent_id: str
    current_version_id: str
    active_version_id: str
    published_version: EvalAgentVersionListItem
