"""Workbench setup models (docs/api-notes.md, Evals)."""

from __future__ import annotations

import attrs

from bland_async.models import _versioned
from bland_async.models._base import BlandModel
from bland_async.models._common import AttachedAgent, LatestRun, RunMode


@attrs.frozen(kw_only=True)
class WorkbenchSetupVersion(_versioned.Version):
    """A workbench setup version: its attached agents, threshold and run mode.

    Only ``editable`` versions (the draft, or a fork) can be updated; ``archived``
    versions are published snapshots.
    """

    workbench_setup_id: str
    run_mode: RunMode
    attached_agents: list[AttachedAgent] = attrs.field(factory=list)
    pass_threshold_pct: int | None = None
    default_test_config_id: str | None = None
    default_call_ids: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class WorkbenchSetupVersionListItem(_versioned.VersionFields):
    """A workbench setup version as listed."""

    workbench_setup_id: str
    attached_agent_count: int = 0
    latest_run: LatestRun | None = None


@attrs.frozen(kw_only=True)
class WorkbenchSetup(_versioned.Versioned):
    """A workbench setup: a named roster of eval agents with a threshold and run mode.

    The roster lives on its versions: ``current_version_id`` is the editable draft,
    ``active_version_id`` the published version (``None`` when never published).
    """


@attrs.frozen(kw_only=True)
class WorkbenchSetupListItem(_versioned.VersionedListItem):
    """A workbench setup as listed; ``attached_agent_count`` counts the draft's agents."""

    attached_agent_count: int = 0


@attrs.frozen(kw_only=True)
class WorkbenchSetupWithVersion(BlandModel):
    """A workbench setup with its current (editable draft) version.

    Returned by create, get and update.
    """

    setup: WorkbenchSetup
    current_version: WorkbenchSetupVersion


@attrs.frozen(kw_only=True)
class WorkbenchSetupPublishResult(_versioned.PublishResult):
    """The outcome of publishing a workbench setup's draft.

    Attributes:
        workbench_setup_id: The setup.
        current_version_id: The new editable draft.
        active_version_id: The newly published (archived) version.
        published_version: Summary of that version.
    """

    workbench_setup_id: str
    published_version: WorkbenchSetupVersionListItem
