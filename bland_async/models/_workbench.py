"""Workbench setup version models (bland-api.md §3.2.7-3.2.8)."""

from __future__ import annotations

from datetime import datetime

import attrs

from bland_async.models._base import BlandModel
from bland_async.models._common import AttachedAgent, LatestRun, RunMode, VersionState

__all__ = ["WorkbenchSetupVersion", "WorkbenchSetupVersionListItem"]


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
