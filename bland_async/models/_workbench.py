"""Workbench setup models (docs/api-notes.md, Evals)."""

from __future__ import annotations

from datetime import datetime

import attrs

from bland_async.models._base import BlandModel
from bland_async.models._common import AttachedAgent, LatestRun, RunMode, VersionState

__all__ = [
    "WorkbenchSetup",
    "WorkbenchSetupListItem",
    "WorkbenchSetupPublishResult",
    "WorkbenchSetupVersion",
    "WorkbenchSetupVersionListItem",
    "WorkbenchSetupWithVersion",
]


@attrs.frozen(kw_only=True)
class WorkbenchSetupVersion(BlandModel):
    """A workbench setup version: its attached agents, threshold and run mode.

    Only ``editable`` versions (the draft, or a fork) can be updated; ``archived``
    versions are published snapshots.
    """

    id: str
    workbench_setup_id: str
    version_number: int
    name: str
    state: VersionState
    run_mode: RunMode
    created_at: datetime
    updated_at: datetime
    org_id: str | None = None
    description: str | None = None
    attached_agents: list[AttachedAgent] = attrs.field(factory=list)
    pass_threshold_pct: int | None = None
    default_test_config_id: str | None = None
    default_call_ids: list[str] = attrs.field(factory=list)
    created_from_version_id: str | None = None
    created_by: str | None = None


@attrs.frozen(kw_only=True)
class WorkbenchSetupVersionListItem(BlandModel):
    """A workbench setup version as listed."""

    id: str
    workbench_setup_id: str
    version_number: int
    name: str
    state: VersionState
    created_at: datetime
    attached_agent_count: int = 0
    created_by: str | None = None
    latest_run: LatestRun | None = None


@attrs.frozen(kw_only=True)
class WorkbenchSetup(BlandModel):
    """A workbench setup: a named roster of eval agents with a threshold and run mode.

    The roster lives on its versions: ``current_version_id`` is the editable draft,
    ``active_version_id`` the published version (``None`` when never published).
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
class WorkbenchSetupListItem(BlandModel):
    """A workbench setup as listed; ``attached_agent_count`` counts the draft's agents."""

    id: str
    name: str
    current_version_id: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    active_version_id: str | None = None
    active_version_number: int | None = None
    attached_agent_count: int = 0
    latest_run: LatestRun | None = None
    metadata: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class WorkbenchSetupWithVersion(BlandModel):
    """A workbench setup with its current (editable draft) version.

    Returned by create, get and update.
    """

    setup: WorkbenchSetup
    current_version: WorkbenchSetupVersion


@attrs.frozen(kw_only=True)
class WorkbenchSetupPublishResult(BlandModel):
    """The outcome of publishing a workbench setup's draft.

    Attributes:
        workbench_setup_id: The setup.
        current_version_id: The new editable draft.
        active_version_id: The newly published (archived) version.
        published_version: Summary of the published version.
    """

    workbench_setup_id: str
    current_version_id: str
    active_version_id: str
    published_version: WorkbenchSetupVersionListItem
