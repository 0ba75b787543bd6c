"""Agent template models: shipped templates and user templates (§3.2.14-3.2.15)."""

from __future__ import annotations

from datetime import datetime

import attrs

from bland_async.models._base import BlandModel, OpenEnum
from bland_async.models._common import Modality
from bland_async.models._evals import Level


class TemplateCategory(OpenEnum):
    """Category of a shipped agent template."""

    VOICE = "voice"
    SALES = "sales"
    SUPPORT = "support"
    SCHEDULING = "scheduling"
    COMPLIANCE = "compliance"
    QUALITY = "quality"


class Visibility(OpenEnum):
    """Who can see a user template."""

    PRIVATE = "private"
    ORG = "org"
    PUBLIC = "public"


@attrs.frozen(kw_only=True)
class AgentTemplate(BlandModel):
    """A template shipped by Bland; its ``key`` (e.g. ``hallucination_detection``) is its id.

    Seed an agent from it with ``evals.agents.create(template_key=...)``.
    """

    key: str
    name: str
    modality: Modality
    description: str | None = None
    category: TemplateCategory | None = None
    system_prompt_md: str = ""
    prompt_md: str = ""
    levels: list[Level] = attrs.field(factory=list)
    target_level_keys: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class _UserTemplate(BlandModel):
    """A user template, as listed or in full."""

    id: str
    key: str
    name: str
    modality: Modality
    visibility: Visibility
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    category: str | None = None
    source_agent_id: str | None = None
    created_by: str | None = None


@attrs.frozen(kw_only=True)
class UserTemplate(_UserTemplate):
    """A template saved by your organization (``category`` is free text here)."""

    org_id: str | None = None
    system_prompt_md: str = ""
    prompt_md: str = ""
    levels: list[Level] = attrs.field(factory=list)
    target_level_keys: list[str] = attrs.field(factory=list)
    source_version_id: str | None = None


@attrs.frozen(kw_only=True)
class UserTemplateListItem(_UserTemplate):
    """A user template as listed, with its number of levels."""

    level_count: int = 0
