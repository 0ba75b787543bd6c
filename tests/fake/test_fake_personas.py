"""The fake's Personas API (P1-P11): shapes, validation and state rules."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async.testing import FakeBland
from tests.fake._helpers import TIMESTAMP, Api, assert_validation_error

pytestmark = pytest.mark.anyio

NUMBER = "+14155551234"
OTHER = "+14155559876"
PERSONA_KEYS = [
    "id",
    "name",
    "role",
    "description",
    "tags",
    "image_url",
    "created_at",
    "updated_at",
    "deleted_at",
    "user_id",
    "current_production_version_id",
    "current_draft_version_id",
    "inbound_numbers",
    "current_production_version",
    "current_draft_version",
]
VERSION_KEYS = [
    "id",
    "persona_id",
    "version_type",
    "version_number",
    "orchestration_prompt",
    "personality_prompt",
    "pathway_conditions",
    "kb_ids",
    "call_config",
    "default_tools",
    "promoted_from_version_id",
    "promoted_at",
    "promoted_by",
    "created_at",
    "updated_at",
]
FULL_BODY: dict[str, Any] = {
    "name": "Support",
    "role": "Customer support",
    "description": "Answers questions",
    "tags": ["Customer Support"],
    "image_url": "https://example.com/a.png",
    "call_config": {
        "voice": "June",
        "record": True,
        "language": "en-US",
        "background": "office",
        "max_duration": 30,
        "wait_for_greeting": False,
        "interruption_threshold": 500,
    },
    "orchestration_prompt": "Route well",
    "personality_prompt": "Be kind",
    "default_tools": [{"name": "lookup"}],
    "pathway_conditions": [
        {
            "name": "billing",
            "prompt": "billing questions",
            "pathway_id": "pw-1",
            "pathway_version": "3",
            "start_node_id": "n1",
        }
    ],
    "kb_ids": ["kb-1", "kb-2"],
}


def _path(persona: dict[str, Any], suffix: str = "") -> str:
    return f"/v1/personas/{persona['id']}{suffix}"


# --- create / get / list ---------------------------------------------------------


async def test_create_with_every_field(api: Api, fake: FakeBland) -> None:
    reply = await api.post("/v1/personas", json=FULL_BODY)
    assert reply.status == 200
    persona = reply.data
    assert list(persona) == [k for k in PERSONA_KEYS if k != "inbound_numbers"]
    assert persona["user_id"] == fake.state.user_id
    assert persona["deleted_at"] is None
    assert TIMESTAMP.fullmatch(persona["created_at"])
    for key in ("name", "role", "description", "tags", "image_url"):
        assert persona[key] == FULL_BODY[key]
    production = persona["current_production_version"]
    draft = persona["current_draft_version"]
    assert list(production) == VERSION_KEYS
    assert (production["version_type"], production["version_number"]) == ("production", 1)
    assert (draft["version_type"], draft["version_number"]) == ("draft", 2)
    assert production["promoted_from_version_id"] is None
    assert production["promoted_at"] == persona["created_at"]
    assert production["promoted_by"] is None
    assert draft["promoted_from_version_id"] == production["id"]
    assert draft["promoted_at"] is None
    assert persona["current_production_version_id"] == production["id"]
    assert persona["current_draft_version_id"] == draft["id"]
    for version in (production, draft):
        for key in ("call_config", "orchestration_prompt", "personality_prompt", "kb_ids"):
            assert version[key] == FULL_BODY[key]
        assert version["default_tools"] == FULL_BODY["default_tools"]
        assert version["pathway_conditions"] == FULL_BODY["pathway_conditions"]


async def test_create_minimal_defaults(api: Api) -> None:
    persona = (await api.post("/v1/personas", json={"name": "Min"})).data
    assert (persona["role"], persona["description"], persona["image_url"]) == (None, None, None)
    assert persona["tags"] == []
    draft = persona["current_draft_version"]
    assert draft["personality_prompt"] == "You are a helpful assistant"
    assert draft["call_config"] is None
    assert draft["orchestration_prompt"] is None
    assert draft["pathway_conditions"] is None
    assert (draft["kb_ids"], draft["default_tools"]) == ([], [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": 3}, "name"),
        ({"name": "x", "role": 1}, "role"),
        ({"name": "x", "tags": "a"}, "tags"),
        ({"name": "x", "tags": ["a", 2]}, "tags[1]"),
        ({"name": "x", "call_config": []}, "call_config"),
        ({"name": "x", "call_config": {"record": "yes"}}, "call_config.record"),
        ({"name": "x", "call_config": {"max_duration": True}}, "call_config.max_duration"),
        ({"name": "x", "call_config": {"voice": None}}, "call_config.voice"),
        ({"name": "x", "pathway_conditions": [{}]}, "pathway_conditions[0].name"),
        (
            {
                "name": "x",
                "pathway_conditions": [
                    {
                        "name": "a",
                        "prompt": "b",
                        "pathway_id": "c",
                        "pathway_version": 1,
                        "start_node_id": "d",
                    }
                ],
            },
            "pathway_conditions[0].pathway_version",
        ),
        ({"name": "x", "pathway_conditions": ["a"]}, "pathway_conditions[0]"),
        ({"name": "x", "kb_ids": [1]}, "kb_ids[0]"),
        ({"name": "x", "default_tools": {}}, "default_tools"),
        ({"name": "x", "personality_prompt": 5}, "personality_prompt"),
    ],
)
async def test_create_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await api.post("/v1/personas", json=body), field)
    assert fake.state.personas == {}


async def test_create_ignores_unknown_keys(api: Api) -> None:
    reply = await api.post("/v1/personas", json={"name": "x", "surprise": 1})
    assert reply.status == 200
    assert "surprise" not in reply.data


async def test_get_includes_inbound_numbers(api: Api, fake: FakeBland) -> None:
    fake.add_phone_number(NUMBER, label="Main")
    persona = fake.seed_persona(name="P", inbound_numbers=[NUMBER])
    got = (await api.get(_path(persona))).data
    assert list(got) == PERSONA_KEYS
    assert got == persona
    assert got["inbound_numbers"] == [
        {
            "phone_number": NUMBER,
            "label": "Main",
            "persona_id": persona["id"],
            "persona_settings": None,
        }
    ]


async def test_get_unknown_persona(api: Api) -> None:
    reply = await api.get("/v1/personas/nope")
    assert reply.status == 404
    assert reply.error == {
        "error": "PERSONA_NOT_FOUND",
        "message": "Persona not found or access denied",
        "details": {"persona_id": "nope"},
    }


async def test_list_pages_in_creation_order(api: Api, fake: FakeBland) -> None:
    names = [f"p{i}" for i in range(5)]
    for name in names:
        fake.seed_persona(name=name)
    listed = (await api.get("/v1/personas")).data
    assert [p["name"] for p in listed] == names
    assert all("inbound_numbers" in p for p in listed)
    page2 = (await api.get("/v1/personas", params={"page": "2", "limit": "2"})).data
    assert [p["name"] for p in page2] == ["p2", "p3"]
    page3 = (await api.get("/v1/personas", params={"page": "3", "limit": "2"})).data
    assert [p["name"] for p in page3] == ["p4"]
    assert (await api.get("/v1/personas", params={"page": "9"})).data == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ],
)
async def test_list_query_validation(api: Api, params: dict[str, str], field: str) -> None:
    assert_validation_error(await api.get("/v1/personas", params=params), field)


async def test_list_limit_default_is_20(api: Api, fake: FakeBland) -> None:
    for i in range(21):
        fake.seed_persona(name=f"p{i}")
    assert len((await api.get("/v1/personas")).data) == 20
    assert len((await api.get("/v1/personas", params={"limit": "100"})).data) == 21


# --- update --------------------------------------------------------------------------


async def test_patch_requires_name(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    assert_validation_error(await api.patch(_path(persona), json={"role": "x"}), "name")
    assert fake.state.personas[persona["id"]]["role"] is None


async def test_patch_splits_persona_and_draft_fields(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(**FULL_BODY)
    body = {
        "name": "P2",
        "role": None,
        "tags": ["new"],
        "personality_prompt": "Changed",
        "orchestration_prompt": None,
        "kb_ids": ["kb-9"],
        "call_config": {"voice": "Max"},
    }
    updated = (await api.patch(_path(persona), json=body)).data
    assert list(updated) == PERSONA_KEYS
    assert (updated["name"], updated["role"], updated["tags"]) == ("P2", None, ["new"])
    assert updated["updated_at"] > persona["updated_at"]
    draft = updated["current_draft_version"]
    assert draft["personality_prompt"] == "Changed"
    assert draft["orchestration_prompt"] is None
    assert draft["kb_ids"] == ["kb-9"]  # arrays replace
    assert draft["call_config"] == {"voice": "Max"}  # replaced whole
    assert draft["pathway_conditions"] == FULL_BODY["pathway_conditions"]  # untouched
    assert draft["updated_at"] > persona["current_draft_version"]["updated_at"]
    assert updated["current_production_version"] == persona["current_production_version"]


async def test_patch_null_list_fields_clear_to_empty(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", tags=["a"], kb_ids=["k"], default_tools=[1])
    body = {"name": "P", "tags": None, "kb_ids": None, "default_tools": None}
    updated = (await api.patch(_path(persona), json=body)).data
    assert updated["tags"] == []
    assert updated["current_draft_version"]["kb_ids"] == []
    assert updated["current_draft_version"]["default_tools"] == []


async def test_patch_validation_and_unknown(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    reply = await api.patch(_path(persona), json={"name": "P", "call_config": {"record": 1}})
    assert_validation_error(reply, "call_config.record")
    assert (await api.patch("/v1/personas/nope", json={"name": "x"})).status == 404


async def test_patch_draft_fields_without_a_draft(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", with_draft=False)
    reply = await api.patch(_path(persona), json={"name": "P", "kb_ids": []})
    assert reply.status == 409
    assert reply.error["error"] == "NO_DRAFT_VERSION"
    reply = await api.patch(_path(persona), json={"name": "Renamed"})
    assert reply.data["name"] == "Renamed"


# --- promote and versions ------------------------------------------------------------


async def test_promote_creates_new_production_and_archives_old(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", draft_changes={"personality_prompt": "new"})
    old_production = persona["current_production_version"]
    draft = persona["current_draft_version"]
    assert draft["updated_at"] > draft["created_at"]

    promoted = (await api.post(_path(persona, "/versions/promote"))).data
    assert "inbound_numbers" not in promoted
    production = promoted["current_production_version"]
    assert production["id"] not in (old_production["id"], draft["id"])
    assert production["version_type"] == "production"
    assert production["version_number"] == 3
    assert production["personality_prompt"] == "new"
    assert production["promoted_from_version_id"] == draft["id"]
    assert production["promoted_by"] == fake.state.user_id
    assert TIMESTAMP.fullmatch(production["promoted_at"])
    assert promoted["current_production_version_id"] == production["id"]
    assert promoted["current_draft_version"] == draft  # draft unchanged

    archived = (await api.get(_path(persona, f"/versions/{old_production['id']}"))).data
    assert archived["version_type"] == "archived"
    assert archived["updated_at"] > old_production["updated_at"]

    again = (await api.post(_path(persona, "/versions/promote"))).data
    assert again["current_production_version"]["version_number"] == 4
    versions = (await api.get(_path(persona, "/versions"))).data
    assert [(v["version_number"], v["version_type"]) for v in versions] == [
        (4, "production"),
        (3, "archived"),
        (2, "draft"),
        (1, "archived"),
    ]


async def test_promote_without_draft(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", with_draft=False)
    assert persona["current_draft_version_id"] is None
    assert persona["current_draft_version"] is None
    reply = await api.post(_path(persona, "/versions/promote"))
    assert reply.status == 409
    assert reply.error == {
        "error": "NO_DRAFT_VERSION",
        "message": "Persona has no draft version",
        "details": {"persona_id": persona["id"]},
    }
    assert (await api.post("/v1/personas/nope/versions/promote")).status == 404


async def test_versions_list_and_get(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    versions = (await api.get(_path(persona, "/versions"))).data
    assert [v["version_number"] for v in versions] == [2, 1]
    assert all(list(v) == VERSION_KEYS for v in versions)
    got = (await api.get(_path(persona, f"/versions/{versions[1]['id']}"))).data
    assert got == persona["current_production_version"]
    assert (await api.get("/v1/personas/nope/versions")).status == 404


async def test_get_unknown_version_uses_the_variant_shape(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    other = fake.seed_persona(name="O")
    for version_id in ("v1.2", other["current_draft_version_id"]):
        reply = await api.get(_path(persona, f"/versions/{version_id}"))
        assert reply.status == 404
        assert set(reply.json) == {"error"}
        error = reply.json["error"]
        assert error["code"] == "VERSION_NOT_FOUND"
        assert isinstance(error["message"], str)
        assert error["details"] == {
            "persona_id": persona["id"],
            "requested_version": version_id,
            "available_versions": [
                persona["current_draft_version_id"],
                persona["current_production_version_id"],
            ],
            "current_production": persona["current_production_version_id"],
            "current_draft": persona["current_draft_version_id"],
        }


# --- delete --------------------------------------------------------------------------


async def test_delete_in_use_then_force(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", inbound_numbers=[NUMBER, OTHER])
    reply = await api.delete(_path(persona))
    assert reply.status == 409
    error = reply.error
    assert error["error"] == "PERSONA_IN_USE"
    assert error["details"]["persona_id"] == persona["id"]
    assert error["details"]["phone_numbers_using"] == [NUMBER, OTHER]
    assert isinstance(error["details"]["suggestion"], str)

    reply = await api.delete(_path(persona), params={"force": "true"})
    assert reply.data == {"success": True, "message": "Persona deleted successfully"}
    assert fake.state.phone_numbers[NUMBER]["persona_id"] is None
    assert (await api.get(_path(persona))).status == 404
    assert (await api.get("/v1/personas")).data == []
    assert fake.state.persona_versions == {}
    assert (await api.delete(_path(persona))).status == 404


async def test_delete_unused_and_force_parsing(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    assert_validation_error(await api.delete(_path(persona), params={"force": "yes"}), "force")
    reply = await api.delete(_path(persona), params={"force": "0"})
    assert reply.data["success"] is True


# --- inbound numbers -----------------------------------------------------------------


async def test_attach_detach_and_move(api: Api, fake: FakeBland) -> None:
    fake.add_phone_number(NUMBER, label="Main")
    fake.add_phone_number(OTHER)
    first = fake.seed_persona(name="First")
    second = fake.seed_persona(name="Second")

    attached = (
        await api.post(_path(first, "/inbound/attach"), json={"inbound_numbers": [NUMBER, OTHER]})
    ).data
    assert list(attached) == [
        "id",
        "name",
        "user_id",
        "inbound_numbers",
        "created_at",
        "updated_at",
    ]
    assert attached["inbound_numbers"] == [
        {
            "phone_number": NUMBER,
            "label": "Main",
            "persona_id": first["id"],
            "persona_settings": None,
        },
        {"phone_number": OTHER, "label": None, "persona_id": first["id"], "persona_settings": None},
    ]
    assert attached["updated_at"] > first["updated_at"]

    moved = (
        await api.post(_path(second, "/inbound/attach"), json={"inbound_numbers": [OTHER]})
    ).data
    assert [n["phone_number"] for n in moved["inbound_numbers"]] == [OTHER]
    first_now = (await api.get(_path(first))).data
    assert [n["phone_number"] for n in first_now["inbound_numbers"]] == [NUMBER]

    # Detach only affects this persona's numbers: OTHER now belongs to `second`.
    detached = (
        await api.post(_path(first, "/inbound/detach"), json={"inbound_numbers": [NUMBER, OTHER]})
    ).data
    assert detached["inbound_numbers"] == []
    assert fake.state.phone_numbers[OTHER]["persona_id"] == second["id"]
    assert fake.state.phone_numbers[NUMBER]["persona_id"] is None


async def test_attach_rejects_unowned_or_invalid_numbers(api: Api, fake: FakeBland) -> None:
    fake.add_phone_number(NUMBER)
    persona = fake.seed_persona(name="P")
    body = {"inbound_numbers": [NUMBER, "+19998887777", "4155551234"]}
    reply = await api.post(_path(persona, "/inbound/attach"), json=body)
    assert reply.status == 400
    assert reply.error["error"] == "INVALID_INBOUND_NUMBERS"
    assert reply.error["details"] == {"invalid_numbers": ["+19998887777", "4155551234"]}
    assert fake.state.phone_numbers[NUMBER]["persona_id"] is None  # all or nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "inbound_numbers"),
        ({"inbound_numbers": []}, "inbound_numbers"),
        ({"inbound_numbers": NUMBER}, "inbound_numbers"),
        ({"inbound_numbers": [1]}, "inbound_numbers[0]"),
    ],
)
@pytest.mark.parametrize("action", ["attach", "detach"])
async def test_attach_detach_body_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str, action: str
) -> None:
    persona = fake.seed_persona(name="P")
    assert_validation_error(await api.post(_path(persona, f"/inbound/{action}"), json=body), field)


@pytest.mark.parametrize("action", ["attach", "detach"])
async def test_attach_detach_unknown_persona(api: Api, action: str) -> None:
    reply = await api.post(
        f"/v1/personas/nope/inbound/{action}", json={"inbound_numbers": [NUMBER]}
    )
    assert reply.status == 404
    assert reply.error["error"] == "PERSONA_NOT_FOUND"


async def test_number_settings(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", inbound_numbers=[NUMBER])
    path = _path(persona, "/inbound/%2B14155551234/settings")
    settings = {"pathway_id": "pw", "pathway_version": 2, "start_node_id": "n"}
    reply = await api.patch(path, json={"persona_settings": settings})
    data = reply.data
    assert list(data) == ["id", "phone_number", "persona_id", "persona_settings", "updated_at"]
    assert isinstance(data["id"], int)
    assert not isinstance(data["id"], bool)
    assert (data["phone_number"], data["persona_id"]) == (NUMBER, persona["id"])
    assert data["persona_settings"] == settings
    assert fake.state.phone_numbers[NUMBER]["persona_settings"] == settings

    got = (await api.get(_path(persona))).data
    assert got["inbound_numbers"][0]["persona_settings"] == settings

    # Detaching loses the settings; a raw '+' in the path works too.
    await api.post(_path(persona, "/inbound/detach"), json={"inbound_numbers": [NUMBER]})
    assert fake.state.phone_numbers[NUMBER]["persona_settings"] is None
    await api.post(_path(persona, "/inbound/attach"), json={"inbound_numbers": [NUMBER]})
    raw_plus = _path(persona, f"/inbound/{NUMBER}/settings")
    assert (await api.patch(raw_plus, json={"persona_settings": {"pathway_id": "x"}})).status == 200
    cleared = (await api.patch(path, json={"persona_settings": None})).data
    assert cleared["persona_settings"] is None


async def test_number_settings_errors(api: Api, fake: FakeBland) -> None:
    fake.add_phone_number(OTHER)
    persona = fake.seed_persona(name="P", inbound_numbers=[NUMBER])
    path = _path(persona, "/inbound/%2B14155551234/settings")
    assert_validation_error(await api.patch(path, json={}), "persona_settings")
    assert_validation_error(await api.patch(path, json={"persona_settings": 1}), "persona_settings")
    reply = await api.patch(path, json={"persona_settings": {"pathway_version": "2"}})
    assert_validation_error(reply, "persona_settings.pathway_version")
    for number in ("%2B14155559876", "%2B10000000000"):  # not attached / not owned
        reply = await api.patch(
            _path(persona, f"/inbound/{number}/settings"), json={"persona_settings": None}
        )
        assert reply.status == 404
        assert reply.error["error"] == "INBOUND_NOT_FOUND"
    reply = await api.patch(
        "/v1/personas/nope/inbound/%2B14155551234/settings", json={"persona_settings": None}
    )
    assert reply.error["error"] == "PERSONA_NOT_FOUND"


# --- seeding helpers -----------------------------------------------------------------


def test_seed_persona_validation_is_all_or_nothing() -> None:
    fake = FakeBland()
    with pytest.raises(ValueError, match="VALIDATION_ERROR"):
        fake.seed_persona(name="P", tags="not-a-list")
    with pytest.raises(ValueError, match="version fields"):
        fake.seed_persona(name="P", draft_changes={"name": "x"})
    with pytest.raises(ValueError, match="call_config"):
        fake.seed_persona(name="P", draft_changes={"call_config": 1})
    with pytest.raises(ValueError, match=r"E\.164"):
        fake.seed_persona(name="P", inbound_numbers=["555"])
    assert fake.state.personas == {}
    assert fake.state.persona_versions == {}
    assert fake.state.phone_numbers == {}


def test_add_phone_number() -> None:
    fake = FakeBland()
    record = fake.add_phone_number(NUMBER)
    assert record["label"] is None
    assert record["persona_id"] is None
    relabelled = fake.add_phone_number(NUMBER, label="Main")
    assert (relabelled["id"], relabelled["label"]) == (record["id"], "Main")
    assert fake.add_phone_number(OTHER)["id"] == record["id"] + 1
    with pytest.raises(ValueError, match=r"E\.164"):
        fake.add_phone_number("4155551234")
