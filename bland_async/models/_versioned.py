"""The bases of eval agents and workbench setups, which are versioned alike (not exported).

Each has a full form and a listed form, and so do its versions; the fields that the two
kinds (and the two forms) share are declared once here.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from bland_async.models._base import BlandModel
from bland_async.models._common import LatestRun, VersionState


@attrs.frozen(kw_only=True)
class VersionedFields(BlandModel):
    """An eval agent or a workbench setup, as listed or in full: its drafts and ids."""

    id: str
    name: str
    current_version_id: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    active_version_id: str | None = None
    metadata: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Versioned(VersionedFields):
    """An eval agent or a workbench setup in full: its key, organization and deletion."""

    key: str
    org_id: str | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class VersionedListItem(VersionedFields):
    """An eval agent or a workbench setup as listed: its published number and latest run."""

    active_version_number: int | None = None
    latest_run: LatestRun | None = None


@attrs.frozen(kw_only=True)
class VersionFields(BlandModel):
    """A version of an eval agent or a workbench setup, as listed or in full."""

    id: str
    version_number: int
    name: str
    state: VersionState
    created_at: datetime
    created_by: str | None = None


@attrs.frozen(kw_only=True)
class Version(VersionFields):
    """A version in full: when it changed, its organization, description and origin."""

    updated_at: datetime
    org_id: str | None = None
    description: str | None = None
    created_from_version_id: str | None = None


@attrs.frozen(kw_only=True)
class PublishResult(BlandModel):
    """The outcome of publishing an eval agent's or a workbench setup's draft.

    Attributes:
        current_version_id: The new editable draft.
        active_version_id: The newly published (archived) version.
    """

    current_version_id: str
    active_version_id: str
