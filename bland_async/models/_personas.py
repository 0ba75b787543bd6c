"""Persona models (docs/api-notes.md, Personas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from bland_async.models._base import BlandModel, NumberOrText, OpenEnum, TextOrNumber


class PersonaVersionType(OpenEnum):
    """Role of a persona version: live (``production``), working copy (``draft``), or old."""

    PRODUCTION = "production"
    DRAFT = "draft"
    ARCHIVED = "archived"


@attrs.frozen(kw_only=True)
class CallConfig(BlandModel):
    """Call settings of a persona version; every field optional (unset fields are not sent).

    Attributes:
        voice: Voice identifier, e.g. ``"June"``.
        record: Whether to record calls.
        language: Language code, e.g. ``"en-US"``.
        background: Background-audio setting, e.g. ``"office"``.
        max_duration: Maximum call length in minutes.
        wait_for_greeting: Wait for the other side to speak first.
        interruption_threshold: Interruption sensitivity (response timing in ms).
    """

    voice: str | None = None
    record: bool | None = None
    language: str | None = None
    background: str | None = None
    max_duration: float | None = None
    wait_for_greeting: bool | None = None
    interruption_threshold: float | None = None


@attrs.frozen(kw_only=True)
class PathwayCondition(BlandModel):
    """A routing rule: when ``prompt`` matches, route into a pathway.

    All five fields are required by the API when a condition is sent.
    ``pathway_version`` is a string here (it is a number in :class:`PersonaSettings`); a
    number from the server is read as its text.
    """

    name: str
    prompt: str
    pathway_id: str
    pathway_version: TextOrNumber
    start_node_id: str


@attrs.frozen(kw_only=True)
class PersonaVersion(BlandModel):
    """One version of a persona's configuration."""

    id: str
    persona_id: str
    version_type: PersonaVersionType
    version_number: int
    created_at: datetime
    updated_at: datetime
    orchestration_prompt: str | None = None
    personality_prompt: str | None = None
    pathway_conditions: list[PathwayCondition] | None = None
    kb_ids: list[str] = attrs.field(factory=list)
    call_config: CallConfig | None = None
    default_tools: list[Any] = attrs.field(factory=list)
    promoted_from_version_id: str | None = None
    promoted_at: datetime | None = None
    promoted_by: str | None = None


@attrs.frozen(kw_only=True)
class PersonaSettings(BlandModel):
    """Per-number overrides of a persona's routing (all optional).

    ``pathway_version`` is a number here (a string in :class:`PathwayCondition`); a numeric
    string from the server is read as its number.
    """

    pathway_id: str | None = None
    pathway_version: NumberOrText | None = None
    start_node_id: str | None = None


@attrs.frozen(kw_only=True)
class InboundNumber(BlandModel):
    """A phone number attached to a persona."""

    phone_number: str
    persona_id: str | None = None
    label: str | None = None
    persona_settings: PersonaSettings | None = None


@attrs.frozen(kw_only=True)
class Persona(BlandModel):
    """A persona with its live (production) and working (draft) versions embedded.

    ``inbound_numbers`` is empty in create and promote responses, which omit it.
    """

    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    user_id: str | None = None
    role: str | None = None
    description: str | None = None
    tags: list[str] = attrs.field(factory=list)
    image_url: str | None = None
    deleted_at: datetime | None = None
    current_production_version_id: str | None = None
    current_draft_version_id: str | None = None
    inbound_numbers: list[InboundNumber] = attrs.field(factory=list)
    current_production_version: PersonaVersion | None = None
    current_draft_version: PersonaVersion | None = None


@attrs.frozen(kw_only=True)
class PersonaInboundNumbers(BlandModel):
    """The partial persona returned by attach/detach: who it is and its numbers now."""

    id: str
    name: str | None = None
    user_id: str | None = None
    inbound_numbers: list[InboundNumber] = attrs.field(factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class InboundNumberSettings(BlandModel):
    """The result of updating one number's persona settings.

    Attributes:
        id: The inbound number record's id (an integer).
    """

    id: int
    phone_number: str
    persona_id: str
    persona_settings: PersonaSettings | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class PersonaDeleteResult(BlandModel):
    """The API's answer to deleting a persona."""

    success: bool
    message: str | None = None
