from __future__ import annotations

import pytest

from bland_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncBlandClient,
    BadRequestError,
    InternalServerError,
    InvalidRequestError,
    NoDraftVersionError,
    NotFoundError,
    PersonaInUseError,
    PersonaNotFoundError,
    Timeout,
)
from bland_async.models import (
    CallConfig,
    InboundNumber,
    PathwayCondition,
    PersonaDeleteResult,
    PersonaSettings,
    PersonaVersionType,
)
from bland_async.testing import FakeBland, Fault
from tests.client._helpers import eventually
from tests.conftest import fast_client

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"
NUMBER = "+14155551234"


async def test_create_get_list_round_trip(fake: FakeBland, bland: AsyncBlandClient) -> None:
    created = await bland.personas.create(
        name="Support",
        role="receptionist",
        tags=["Customer Support"],
        call_config=CallConfig(voice="June", max_duration=30),
        personality_prompt="Be kind",
        pathway_conditions=[
            PathwayCondition(
                name="billing",
                prompt="asks",
                pathway_id="pw",
                pathway_version="1",
                start_node_id="n",
            )
        ],
        kb_ids=["kb-1"],
        default_tools=[{"type": "transfer"}],
    )
    assert fake.requests[0].json == {
        "name": "Support",
        "role": "receptionist",
        "tags": ["Customer Support"],
        "call_config": {"voice": "June", "max_duration": 30},
        "personality_prompt": "Be kind",
        "pathway_conditions": [
            {
                "name": "billing",
                "prompt": "asks",
                "pathway_id": "pw",
                "pathway_version": "1",
                "start_node_id": "n",
            }
        ],
        "kb_ids": ["kb-1"],
        "default_tools": [{"type": "transfer"}],
    }
    production, draft = created.current_production_version, created.current_draft_version
    assert production is not None
    assert draft is not None
    assert (production.version_number, draft.version_number) == (1, 2)
    assert draft.promoted_from_version_id == production.id
    assert production.call_config == CallConfig(voice="June", max_duration=30)
    got = await bland.personas.get(created.id)
    assert got == created
    assert await bland.personas.list() == [got]


async def test_update_goes_to_draft_and_always_sends_name(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="Support")
    updated = await bland.personas.update(persona["id"], personality_prompt="New voice")
    patch = fake.requests[-1]
    # The API documents name as required on PATCH: the SDK read it and sent it.
    assert patch.method == "PATCH"
    assert patch.json == {"name": "Support", "personality_prompt": "New voice"}
    assert [r.method for r in fake.requests] == ["GET", "PATCH"]
    assert updated.current_draft_version is not None
    assert updated.current_draft_version.personality_prompt == "New voice"
    assert updated.current_production_version is not None
    assert updated.current_production_version.personality_prompt != "New voice"
    fake.clear_requests()
    renamed = await bland.personas.update(persona["id"], name="Desk", tags=[])
    assert [r.method for r in fake.requests] == ["PATCH"]
    assert (renamed.name, renamed.tags) == ("Desk", [])


async def test_promote_archives_old_production(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    old_production = persona["current_production_version_id"]
    promoted = await bland.personas.promote(persona["id"])
    production = promoted.current_production_version
    assert production is not None
    assert production.version_type is PersonaVersionType.PRODUCTION
    assert production.personality_prompt == "v2"
    assert production.promoted_from_version_id == persona["current_draft_version_id"]
    assert production.id != old_production
    versions = await bland.personas.versions.list(persona["id"])
    assert [v.version_number for v in versions] == sorted(
        (v.version_number for v in versions), reverse=True
    )
    old = await bland.personas.versions.get(persona["id"], old_production)
    assert old.version_type is PersonaVersionType.ARCHIVED


async def test_promote_reconciles_a_lost_response(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(), times=1)
    promoted = await bland.personas.promote(persona["id"])
    production = [
        v
        for v in fake.state.persona_versions.values()
        if v["persona_id"] == persona["id"] and v["version_type"] == "production"
    ]
    assert len(production) == 1
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.id == production[0]["id"]
    # Exactly one promotion was sent: the second look was a GET, not a resend.
    assert [r.method for r in fake.requests] == ["POST", "GET"]
    assert bland.stats.reconciled == 1
    all_versions = await bland.personas.versions.list(persona["id"])
    assert len(all_versions) == 3  # v1 archived, v2 draft, v3 production: no v4


async def test_promote_after_5xx_that_applied(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(status=502), times=1)
    await bland.personas.promote(persona["id"])
    assert len(await bland.personas.versions.list(persona["id"])) == 3


async def test_promote_resends_after_a_settled_error_that_applied_nothing(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.status(500), times=1)  # the server answered: nothing applied
    promoted = await bland.personas.promote(persona["id"])
    assert [r.method for r in fake.requests] == ["POST", "GET", "POST"]
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.personality_prompt == "v2"
    assert len(await bland.personas.versions.list(persona["id"])) == 3


async def test_promote_never_resends_when_the_outcome_is_unknown(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.drop(), times=1)  # no answer: it may have been applied
    with pytest.raises(APIConnectionError, match="closed the connection") as info:
        await bland.personas.promote(persona["id"])
    assert info.value.may_have_been_applied
    # Looked (max_retries + 1 times), never sent it again.
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET", "GET"]
    assert bland.stats.reconciled == 0


async def test_promote_still_running_when_the_client_timed_out_is_never_doubled(
    fake: FakeBland,
) -> None:
    """The server applies the promotion after the client gave up waiting for it."""
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.latency(0.3), times=1)
    # Retry waits of milliseconds: the client stops looking long before the server applies.
    async with fast_client(fake, timeout=Timeout(total=0.1)) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.personas.promote(persona["id"])
    assert info.value.may_have_been_applied
    # The server applies the one promotion it received, after the client gave up.
    await eventually(lambda: fake.promotion_count(persona["id"]) == 1, what="the late promotion")
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET", "GET"]
    versions = fake.state.persona_versions.values()
    assert len([v for v in versions if v["persona_id"] == persona["id"]]) == 3


async def test_promote_waits_to_see_a_slow_promotion_applied(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.latency(0.3), times=1)
    async with AsyncBlandClient(
        api_key=fake.api_key, base_url=fake.url, timeout=Timeout(total=0.1)
    ) as client:  # default backoff: looks 0.5 s later, by when the server has applied it
        promoted = await client.personas.promote(persona["id"])
        assert client.stats.reconciled == 1
    assert [r.method for r in fake.requests] == ["POST", "GET"]
    assert promoted.current_production_version is not None
    assert (
        promoted.current_production_version.promoted_from_version_id
        == (persona["current_draft_version_id"])
    )
    versions = fake.state.persona_versions.values()
    assert len([v for v in versions if v["persona_id"] == persona["id"]]) == 3


async def test_promote_gives_up_after_max_retries(fake: FakeBland) -> None:
    persona = fake.seed_persona(name="A", draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.status(500))
    async with fast_client(fake, max_retries=1) as client:
        with pytest.raises(InternalServerError):
            await client.personas.promote(persona["id"])
    assert [r.method for r in fake.requests] == ["POST", "GET", "POST", "GET"]


async def test_promote_without_draft(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A", with_draft=False)
    with pytest.raises(NoDraftVersionError) as info:
        await bland.personas.promote(persona["id"])
    assert info.value.details["persona_id"] == persona["id"]


async def test_delete_in_use_then_force(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    fake.add_phone_number(NUMBER)
    await bland.personas.inbound.attach(persona["id"], [NUMBER])
    with pytest.raises(PersonaInUseError) as info:
        await bland.personas.delete(persona["id"])
    assert info.value.details["phone_numbers_using"] == [NUMBER]
    result = await bland.personas.delete(persona["id"], force=True)
    assert fake.requests[-1].query == {"force": "true"}
    assert result == PersonaDeleteResult(success=True, message="Persona deleted successfully")
    with pytest.raises(PersonaNotFoundError):
        await bland.personas.get(persona["id"])


async def test_inbound_attach_detach_settings(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    fake.add_phone_number(NUMBER)
    fake.add_phone_number("+14155550000", label="Main")
    attached = await bland.personas.inbound.attach(persona["id"], [NUMBER, "+14155550000"])
    assert {n.phone_number for n in attached.inbound_numbers} == {NUMBER, "+14155550000"}
    settings = await bland.personas.inbound.update_settings(
        persona["id"], NUMBER, PersonaSettings(pathway_id="pw", pathway_version=2)
    )
    assert fake.requests[-1].path.endswith("/inbound/%2B14155551234/settings")
    assert fake.requests[-1].json == {
        "persona_settings": {"pathway_id": "pw", "pathway_version": 2}
    }
    assert isinstance(settings.id, int)
    assert settings.persona_settings == PersonaSettings(pathway_id="pw", pathway_version=2)
    cleared = await bland.personas.inbound.update_settings(persona["id"], NUMBER, None)
    assert fake.requests[-1].json == {"persona_settings": None}
    assert cleared.persona_settings is None
    detached = await bland.personas.inbound.detach(persona["id"], [NUMBER])
    assert detached.inbound_numbers == [
        InboundNumber(phone_number="+14155550000", persona_id=persona["id"], label="Main")
    ]
    with pytest.raises(NotFoundError) as info:
        await bland.personas.inbound.update_settings(persona["id"], NUMBER, None)
    assert info.value.code == "INBOUND_NOT_FOUND"


async def test_attach_unknown_number(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(name="A")
    with pytest.raises(BadRequestError) as info:
        await bland.personas.inbound.attach(persona["id"], ["+14155559999"])
    assert info.value.code == "INVALID_INBOUND_NUMBERS"


async def test_iterate_pages_lazily(fake: FakeBland, bland: AsyncBlandClient) -> None:
    for i in range(5):
        fake.seed_persona(name=f"P{i}")
    pager = bland.personas.iterate(limit=2)
    assert fake.requests == []
    first = await anext(pager)
    assert first.name == "P0"
    assert len(fake.requests) == 1
    names = [first.name] + [p.name async for p in pager]
    assert names == [f"P{i}" for i in range(5)]
    assert [r.query for r in fake.requests] == [
        {"page": "1", "limit": "2"},
        {"page": "2", "limit": "2"},
        {"page": "3", "limit": "2"},
    ]
    fake.clear_requests()
    assert [p.name async for p in bland.personas.iterate(limit=5)] == [f"P{i}" for i in range(5)]
    assert len(fake.requests) == 2  # a full page, then an empty one


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda b: b.personas.list(limit=0), "limit"),
        (lambda b: b.personas.list(limit=101), "limit"),
        (lambda b: b.personas.list(page=0), "page"),
        (lambda b: b.personas.create(name=""), "name"),
        (lambda b: b.personas.create(name="x", tags="a"), "tags"),
        (lambda b: b.personas.create(name="x", tags=[1]), r"tags\[0\]"),
        (lambda b: b.personas.create(name="x", call_config={"voice": "June"}), "CallConfig"),
        (lambda b: b.personas.create(name="x", pathway_conditions=[{}]), "PathwayCondition"),
        (lambda b: b.personas.create(name="x", default_tools=["t"]), "default_tools"),
        (lambda b: b.personas.update("p", role=5), "role"),
        (lambda b: b.personas.delete("p", force="yes"), "force"),
        (lambda b: b.personas.inbound.attach("p", []), "at least 1"),
        (lambda b: b.personas.inbound.attach("p", "+14155551234"), "list"),
        (lambda b: b.personas.inbound.attach("p", ["4155551234"]), "E.164"),
        (lambda b: b.personas.inbound.detach("p", ["+0123"]), "E.164"),
        (
            lambda b: b.personas.inbound.update_settings("p", "+1415", {"pathway_id": "x"}),
            "Persona",
        ),
        (lambda b: b.personas.versions.get("p", ""), "version_id"),
    ],
)
async def test_bad_arguments_raise_before_sending(
    fake: FakeBland, bland: AsyncBlandClient, call: object, match: str
) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        await call(bland)  # type: ignore[operator]
    assert fake.requests == []
    with pytest.raises(ValueError, match=match):
        await call(bland)  # type: ignore[operator]
