"""Pydantic v2 models of the promote response, for the httpx + pydantic comparison client.

They mirror ``bland_async.models.Persona`` field for field (a persona with its production and
draft versions embedded, each with a call config), the way a Stainless-style SDK (Bland's
own, openai-python) models it: every response is validated into typed models.
Imported only by the httpx client, so the other clients' RSS does not include pydantic.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic needs it at runtime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class PersonaVersionType(StrEnum):
    PRODUCTION = "production"
    DRAFT = "draft"
    ARCHIVED = "archived"


class CallConfig(_Model):
    voice: str | None = None
    record: bool | None = None
    language: str | None = None
    background: str | None = None
    max_duration: float | None = None
    wait_for_greeting: bool | None = None
    interruption_threshold: float | None = None


class PathwayCondition(_Model):
    name: str
    prompt: str
    pathway_id: str
    pathway_version: str
    start_node_id: str


class PersonaVersion(_Model):
    id: str
    persona_id: str
    version_type: PersonaVersionType
    version_number: int
    created_at: datetime
    updated_at: datetime
    orchestration_prompt: str | None = None
    personality_prompt: str | None = None
    pathway_conditions: list[PathwayCondition] | None = None
    kb_ids: list[str] = Field(default_factory=list)
    call_config: CallConfig | None = None
    default_tools: list[Any] = Field(default_factory=list)
    promoted_from_version_id: str | None = None
    promoted_at: datetime | None = None
    promoted_by: str | None = None


class PersonaSettings(_Model):
    pathway_id: str | None = None
    pathway_version: float | None = None
    start_node_id: str | None = None


class InboundNumber(_Model):
    phone_number: str
    persona_id: str | None = None
    label: str | None = None
    persona_settings: PersonaSettings | None = None


class Persona(_Model):
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    user_id: str | None = None
    role: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    image_url: str | None = None
    deleted_at: datetime | None = None
    current_production_version_id: str | None = None
    current_draft_version_id: str | None = None
    inbound_numbers: list[InboundNumber] = Field(default_factory=list)
    current_production_version: PersonaVersion | None = None
    current_draft_version: PersonaVersion | None = None


class ApiError(_Model):
    error: str | None = None
    message: str | None = None


class PersonaResponse(_Model):
    """The ``{"data": <persona>, "errors": null}`` envelope."""

    data: Persona | None = None
    errors: list[ApiError] | None = None
