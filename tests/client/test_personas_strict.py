"""Every Personas response the fake produces (P1-P11), structured strictly.

As in tests/client/test_evals_workflow.py, the module-level converter is replaced by
``make_converter(detailed=True, forbid_extra_keys=True)``: a key the fake sends that a
model does not know, a wrong type or a missing required field fails here instead of
being ignored. The replacement also remembers each payload, so the tests check the other
direction too: every field a model knows is sent (except the documented omission of
``inbound_numbers`` from create and promote answers).
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
import cattrs
import pytest

from bland_async import AsyncBlandClient, ResponseValidationError, _converter
from bland_async.models import (
    CallConfig,
    InboundNumber,
    PathwayCondition,
    Persona,
    PersonaDeleteResult,
    PersonaSettings,
    PersonaVersion,
    PersonaVersionType,
)
from bland_async.models._base import BlandModel
from bland_async.testing import FakeBland, Fault

pytestmark = pytest.mark.anyio

MAIN = "+14155551234"
SPARE = "+14155550000"
GET_PERSONA = "GET /v1/personas/{persona_id}"
#: Every Personas route, as the fake records (method, template).
ROUTES = {
    ("GET", "/v1/personas"),  # P1
    ("POST", "/v1/personas"),  # P2
    ("GET", "/v1/personas/{persona_id}"),  # P3
    ("PATCH", "/v1/personas/{persona_id}"),  # P4
    ("DELETE", "/v1/personas/{persona_id}"),  # P5
    ("POST", "/v1/personas/{persona_id}/inbound/attach"),  # P6
    ("POST", "/v1/personas/{persona_id}/inbound/detach"),  # P7
    ("PATCH", "/v1/personas/{persona_id}/inbound/{phone_number}/settings"),  # P8
    ("GET", "/v1/personas/{persona_id}/versions"),  # P9
    ("GET", "/v1/personas/{persona_id}/versions/{version_id}"),  # P10
    ("POST", "/v1/personas/{persona_id}/versions/promote"),  # P11
}
#: Answers documented to leave ``inbound_numbers`` out (docs/api-notes.md: P2, P11).
WITHOUT_INBOUND = {("POST", "/v1/personas"), ("POST", "/v1/personas/{persona_id}/versions/promote")}

CALL_CONFIG = CallConfig(
    voice="June",
    record=True,
    language="en-US",
    background="office",
    max_duration=30,
    wait_for_greeting=False,
    interruption_threshold=500,
)
CONDITION = PathwayCondition(
    name="billing",
    prompt="asks about a bill",
    pathway_id="pw-1",
    pathway_version="4",
    start_node_id="start",
)
SETTINGS = PersonaSettings(pathway_id="pw-2", pathway_version=3, start_node_id="n-1")


class RecordingConverter:
    """The strict converter, remembering each ``(payload, type, result)`` it structured."""

    def __init__(self) -> None:
        self.strict = _converter.make_converter(detailed=True, forbid_extra_keys=True)
        self.structured: list[tuple[Any, Any, Any]] = []

    def structure(self, data: Any, cls: Any) -> Any:
        payload = copy.deepcopy(data)
        result = self.strict.structure(data, cls)
        self.structured.append((payload, cls, result))
        return result

    def __getattr__(self, name: str) -> Any:  # unstructure, ...: the strict converter's
        return getattr(self.strict, name)


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> RecordingConverter:
    recording = RecordingConverter()
    monkeypatch.setattr(_converter, "converter", recording)
    return recording


def unsent_fields(result: Any, payload: Any, where: str, *, allowed: frozenset[str]) -> list[str]:
    """Model fields (at any depth) whose key the payload lacks, as ``where.path`` strings."""
    if isinstance(result, list):
        return [
            missing
            for index, (item, raw) in enumerate(zip(result, payload, strict=True))
            for missing in unsent_fields(item, raw, f"{where}[{index}]", allowed=allowed)
        ]
    if not isinstance(result, BlandModel):
        return []
    missing: list[str] = []
    for field in attrs.fields(type(result)):
        if not field.init:  # request_id comes from a header
            continue
        path = f"{where}.{field.name}"
        if field.name not in payload:
            if path not in allowed:
                missing.append(path)
            continue
        value = getattr(result, field.name)
        missing += unsent_fields(value, payload[field.name], path, allowed=allowed)
    return missing


def unsent_by_route(fake: FakeBland, strict: RecordingConverter) -> dict[str, list[str]]:
    """For each structured answer, the model fields the fake did not send."""
    routes = [(r.method, r.route) for r in fake.requests if r.status == 200]
    assert len(routes) == len(strict.structured)  # one structured payload per answer
    report: dict[str, list[str]] = {}
    for (method, route), (payload, _, result) in zip(routes, strict.structured, strict=True):
        allowed = frozenset({"$.inbound_numbers"} if (method, route) in WITHOUT_INBOUND else ())
        missing = unsent_fields(result, payload, "$", allowed=allowed)
        if missing:
            report[f"{method} {route}"] = missing
    return report


async def test_every_personas_answer_fits_the_models_exactly(
    fake: FakeBland, bland: AsyncBlandClient, strict: RecordingConverter
) -> None:
    personas = bland.personas
    fake.add_phone_number(MAIN, label="Main line")
    fake.add_phone_number(SPARE)
    bare = fake.seed_persona(name="Bare", with_draft=False)  # nulls: no draft, no config

    created = await personas.create(
        name="Support",
        role="receptionist",
        description="Front desk",
        tags=["support", "tier-1"],
        image_url="https://example.com/a.png",
        call_config=CALL_CONFIG,
        orchestration_prompt="Route politely.",
        personality_prompt="Be kind.",
        default_tools=[{"type": "transfer", "number": SPARE}],
        pathway_conditions=[CONDITION],
        kb_ids=["kb-1"],
    )
    persona_id = created.id
    production, draft = created.current_production_version, created.current_draft_version
    assert production is not None
    assert draft is not None
    assert (production.version_type, draft.version_type) == (
        PersonaVersionType.PRODUCTION,
        PersonaVersionType.DRAFT,
    )
    assert draft.call_config == CALL_CONFIG
    assert draft.pathway_conditions == [CONDITION]
    assert created.inbound_numbers == []

    attached = await personas.inbound.attach(persona_id, [MAIN, SPARE])
    assert (attached.id, attached.name, attached.user_id) == (
        persona_id,
        "Support",
        created.user_id,
    )
    settings = await personas.inbound.update_settings(persona_id, MAIN, SETTINGS)
    assert (settings.phone_number, settings.persona_id) == (MAIN, persona_id)
    assert settings.persona_settings == SETTINGS
    cleared = await personas.inbound.update_settings(persona_id, SPARE, None)
    assert cleared.persona_settings is None

    got = await personas.get(persona_id)
    assert got.inbound_numbers == [
        InboundNumber(
            phone_number=MAIN, persona_id=persona_id, label="Main line", persona_settings=SETTINGS
        ),
        InboundNumber(phone_number=SPARE, persona_id=persona_id),
    ]
    assert attrs.evolve(got, inbound_numbers=[], updated_at=created.updated_at) == created

    updated = await personas.update(persona_id, name="Support 2", personality_prompt="Be brief.")
    assert updated.current_draft_version is not None
    assert updated.current_draft_version.personality_prompt == "Be brief."

    promoted = await personas.promote(persona_id)
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.version_number == 3
    assert promoted.current_production_version.promoted_from_version_id == draft.id
    assert promoted.current_production_version.promoted_by == created.user_id

    versions = await personas.versions.list(persona_id)
    assert [(v.version_number, v.version_type) for v in versions] == [
        (3, PersonaVersionType.PRODUCTION),
        (2, PersonaVersionType.DRAFT),
        (1, PersonaVersionType.ARCHIVED),
    ]
    archived = await personas.versions.get(persona_id, versions[-1].id)
    assert archived == versions[-1]

    listed = await personas.list()
    assert [p.id for p in listed] == [bare["id"], persona_id]
    assert listed[0].current_draft_version is None
    assert listed[0].current_draft_version_id is None
    assert listed[1] == await personas.get(persona_id)

    detached = await personas.inbound.detach(persona_id, [SPARE])
    assert [n.phone_number for n in detached.inbound_numbers] == [MAIN]
    deleted = await personas.delete(persona_id, force=True)
    assert deleted == PersonaDeleteResult(success=True, message="Persona deleted successfully")

    assert {(r.method, r.route) for r in fake.requests} == ROUTES
    assert {cls for _, cls, _ in strict.structured} >= {Persona, PersonaVersion}
    assert unsent_by_route(fake, strict) == {}


async def test_a_key_the_models_do_not_know_fails(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    persona["current_draft_version"]["surprise"] = 1
    fake.inject(GET_PERSONA, Fault.status(200, body={"data": persona, "errors": None}), times=1)
    with pytest.raises(ResponseValidationError, match="surprise") as info:
        await bland.personas.get(persona["id"])
    assert isinstance(info.value.__cause__, cattrs.BaseValidationError)


async def test_a_missing_required_field_fails(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    del persona["current_production_version"]["version_number"]
    fake.inject(GET_PERSONA, Fault.status(200, body={"data": persona, "errors": None}), times=1)
    with pytest.raises(ResponseValidationError, match="version_number"):
        await bland.personas.get(persona["id"])


async def test_an_unsent_optional_field_is_reported(
    fake: FakeBland, bland: AsyncBlandClient, strict: RecordingConverter
) -> None:
    persona = fake.seed_persona(name="A", inbound_numbers=[MAIN])
    del persona["deleted_at"]
    del persona["inbound_numbers"][0]["label"]
    fake.inject(GET_PERSONA, Fault.status(200, body={"data": persona, "errors": None}), times=1)
    await bland.personas.get(persona["id"])  # optional: structuring alone lets it pass
    assert unsent_by_route(fake, strict) == {
        f"{GET_PERSONA}": ["$.deleted_at", "$.inbound_numbers[0].label"]
    }
