"""The fake's eval agents and agent versions (E1-E10)."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async.testing import FakeBland
from tests.fake._helpers import TIMESTAMP, Api, assert_validation_error

pytestmark = pytest.mark.anyio

AGENTS = "/v1/evals/agents"
AGENT_KEYS = [
    "id",
    "org_id",
    "key",
    "name",
    "description",
    "current_version_id",
    "active_version_id",
    "metadata",
    "created_at",
    "updated_at",
    "deleted_at",
]
VERSION_KEYS = [
    "id",
    "org_id",
    "eval_agent_id",
    "version_number",
    "name",
    "description",
    "state",
    "modality",
    "system_prompt_md",
    "prompt_md",
    "levels",
    "target_level_keys",
    "weight",
    "created_from_version_id",
    "created_by",
    "created_at",
    "updated_at",
]
AGENT_ITEM_KEYS = [
    "id",
    "name",
    "description",
    "current_version_id",
    "active_version_id",
    "active_version_number",
    "enabled",
    "modality",
    "latest_run",
    "metadata",
    "created_at",
    "updated_at",
]
VERSION_ITEM_KEYS = [
    "id",
    "eval_agent_id",
    "version_number",
    "name",
    "state",
    "created_by",
    "created_at",
    "latest_run",
]
LEVELS = [
    {"level_key": "poor", "label": "Poor", "prompt_md": "Made things up.", "color": "rose"},
    {"level_key": "ok", "label": "OK", "prompt_md": "Minor slips."},
    {"level_key": "good", "label": "Good", "prompt_md": "Grounded.", "color": "emerald"},
]
GRADED: dict[str, Any] = {"levels": LEVELS, "target_level_keys": ["good"]}


def _path(bundle: dict[str, Any], suffix: str = "") -> str:
    return f"{AGENTS}/{bundle['agent']['id']}{suffix}"


# --- agents ------------------------------------------------------------------------


async def test_create_agent(api: Api, fake: FakeBland) -> None:
    reply = await api.post(AGENTS, json={"name": "Empathy Check!", "description": "d"})
    assert reply.status == 200
    data = reply.data
    assert list(data) == ["agent", "current_version"]
    agent, draft = data["agent"], data["current_version"]
    assert list(agent) == AGENT_KEYS
    assert list(draft) == VERSION_KEYS
    assert agent == {
        "id": agent["id"],
        "org_id": fake.state.org_id,
        "key": "empathy-check",
        "name": "Empathy Check!",
        "description": "d",
        "current_version_id": draft["id"],
        "active_version_id": None,
        "metadata": {},
        "created_at": draft["created_at"],
        "updated_at": draft["created_at"],
        "deleted_at": None,
    }
    assert TIMESTAMP.fullmatch(agent["created_at"])
    assert draft == {
        "id": draft["id"],
        "org_id": fake.state.org_id,
        "eval_agent_id": agent["id"],
        "version_number": 1,
        "name": "Empathy Check!",
        "description": "d",
        "state": "editable",
        "modality": "text",
        "system_prompt_md": "",
        "prompt_md": "",
        "levels": [],
        "target_level_keys": [],
        "weight": 100,
        "created_from_version_id": None,
        "created_by": fake.state.user_id,
        "created_at": draft["created_at"],
        "updated_at": draft["created_at"],
    }
    second = (await api.post(AGENTS, json={"name": "empathy check", "modality": "audio"})).data
    assert second["agent"]["key"] == "empathy-check-2"
    assert second["current_version"]["modality"] == "audio"


async def test_create_agent_from_templates(api: Api, fake: FakeBland) -> None:
    shipped = (await api.get("/v1/evals/agent-templates/audio_quality")).data
    data = (await api.post(AGENTS, json={"name": "A", "template_key": "audio_quality"})).data
    draft = data["current_version"]
    for key in ("modality", "system_prompt_md", "prompt_md", "levels", "target_level_keys"):
        assert draft[key] == shipped[key]
    assert draft["modality"] == "audio"
    override = {"name": "B", "template_key": "audio_quality", "modality": "text"}
    assert (await api.post(AGENTS, json=override)).data["current_version"]["modality"] == "text"

    mine = fake.seed_user_template(name="Mine", prompt_md="Mine?", **GRADED)
    both = {"name": "C", "template_key": "audio_quality", "user_template_id": mine["id"]}
    draft = (await api.post(AGENTS, json=both)).data["current_version"]
    assert (draft["prompt_md"], draft["levels"], draft["modality"]) == ("Mine?", LEVELS, "text")

    reply = await api.post(AGENTS, json={"name": "D", "template_key": "nope"})
    assert reply.status == 404
    assert reply.error["error"] == "EVAL_AGENT_TEMPLATE_NOT_FOUND"
    reply = await api.post(AGENTS, json={"name": "E", "user_template_id": "nope"})
    assert reply.status == 404
    assert reply.error["error"] == "USER_TEMPLATE_NOT_FOUND"
    assert len(fake.state.eval_agents) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x", "description": 5}, "description"),
        ({"name": "x", "modality": "video"}, "modality"),
        ({"name": "x", "template_key": 3}, "template_key"),
        ({"name": "x", "user_template_id": []}, "user_template_id"),
    ],
)
async def test_create_agent_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await api.post(AGENTS, json=body), field)
    assert fake.state.eval_agents == {}


async def test_get_agent(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA")
    assert (await api.get(_path(bundle))).data == bundle
    reply = await api.get(f"{AGENTS}/nope")
    assert reply.status == 404
    assert reply.error == {
        "error": "EVAL_AGENT_NOT_FOUND",
        "message": "Eval agent not found",
        "details": {"eval_agent_id": "nope"},
    }


async def test_patch_agent(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", description="d", metadata={"a": "1"})
    body = {"name": "QA 2", "description": None, "metadata": {"b": "2"}, "ignored": 1}
    data = (await api.patch(_path(bundle), json=body)).data
    agent = data["agent"]
    assert (agent["name"], agent["description"], agent["metadata"]) == ("QA 2", None, {"b": "2"})
    assert agent["key"] == "qa"  # stable
    assert agent["updated_at"] > bundle["agent"]["updated_at"]
    assert data["current_version"] == bundle["current_version"]  # agent-level only


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": 1}, "description"),
        ({"metadata": {"a": 1}}, "metadata.a"),
        ({"metadata": None}, "metadata"),
        ({"active_version_id": 3}, "active_version_id"),
        ({"name": "\t\n"}, "name"),
    ],
)
async def test_patch_agent_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    bundle = fake.seed_eval_agent("QA")
    assert_validation_error(await api.patch(_path(bundle), json=body), field)
    assert fake.state.eval_agents[bundle["agent"]["id"]] == bundle["agent"]


async def test_repoint_and_unpublish(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", publish=True, **GRADED)
    first = bundle["agent"]["active_version_id"]
    second = (await api.post(_path(bundle, "/publications"))).data
    assert second["active_version_id"] != first

    reply = await api.patch(_path(bundle), json={"active_version_id": second["current_version_id"]})
    assert_validation_error(reply, "active_version_id")  # the draft is not archived
    other = fake.seed_eval_agent("Other", publish=True)
    for foreign in ("nope", other["agent"]["active_version_id"]):
        reply = await api.patch(_path(bundle), json={"active_version_id": foreign})
        assert reply.status == 404
        assert reply.error["error"] == "EVAL_AGENT_VERSION_NOT_FOUND"

    rolled_back = await api.patch(_path(bundle), json={"active_version_id": first})
    assert rolled_back.data["agent"]["active_version_id"] == first
    items = {item["id"]: item for item in (await api.get(AGENTS)).data["data"]}
    assert items[bundle["agent"]["id"]]["active_version_number"] == 1

    unpublished = await api.patch(_path(bundle), json={"active_version_id": None})
    assert unpublished.data["agent"]["active_version_id"] is None
    items = {item["id"]: item for item in (await api.get(AGENTS)).data["data"]}
    assert items[bundle["agent"]["id"]]["active_version_number"] is None


async def test_delete_agent_is_soft(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA")
    keep = fake.seed_eval_agent("Keep")
    reply = await api.delete(_path(bundle))
    assert (reply.status, reply.body) == (204, b"")
    assert TIMESTAMP.fullmatch(fake.state.eval_agents[bundle["agent"]["id"]]["deleted_at"])
    draft_id = bundle["current_version"]["id"]
    for path in ("", "/versions", f"/versions/{draft_id}"):
        reply = await api.get(_path(bundle, path))
        assert reply.status == 404
        assert reply.error["error"] == "EVAL_AGENT_NOT_FOUND"
    assert (await api.post(_path(bundle, "/publications"))).status == 404
    assert (await api.patch(_path(bundle), json={"name": "x"})).status == 404
    assert (await api.delete(_path(bundle))).status == 404
    listed = (await api.get(AGENTS)).data["data"]
    assert [item["id"] for item in listed] == [keep["agent"]["id"]]


async def test_list_agents_items(api: Api, fake: FakeBland) -> None:
    published = fake.seed_eval_agent("Pub", metadata={"k": "v"}, publish=True, **GRADED)
    await api.patch(
        _path(published, f"/versions/{published['current_version']['id']}"),
        json={"modality": "audio"},  # list items show the draft's modality
    )
    fake.seed_eval_agent("Fresh", description="new")
    page = (await api.get(AGENTS)).data
    assert list(page) == ["object", "data", "has_more", "next_cursor"]
    assert (page["object"], page["has_more"], page["next_cursor"]) == ("list", False, None)
    fresh, pub = page["data"]
    assert list(pub) == AGENT_ITEM_KEYS
    assert fresh == {
        "id": fresh["id"],
        "name": "Fresh",
        "description": "new",
        "current_version_id": fresh["current_version_id"],
        "active_version_id": None,
        "active_version_number": None,
        "enabled": True,
        "modality": "text",
        "latest_run": None,
        "metadata": {},
        "created_at": fresh["created_at"],
        "updated_at": fresh["updated_at"],
    }
    assert (pub["active_version_number"], pub["modality"], pub["metadata"]) == (
        1,
        "audio",
        {"k": "v"},
    )


async def test_list_agents_pagination(api: Api, fake: FakeBland) -> None:
    ids = [fake.seed_eval_agent(f"a{i}")["agent"]["id"] for i in range(5)][::-1]
    page = (await api.get(AGENTS, params={"limit": "2"})).data
    assert [item["id"] for item in page["data"]] == ids[:2]
    assert (page["has_more"], page["next_cursor"]) == (True, ids[1])
    page = (await api.get(AGENTS, params={"limit": "3", "starting_after": ids[1]})).data
    assert [item["id"] for item in page["data"]] == ids[2:]
    assert (page["has_more"], page["next_cursor"]) == (False, None)
    page = (await api.get(AGENTS, params={"ending_before": ids[2]})).data
    assert [item["id"] for item in page["data"]] == ids[:2]
    assert_validation_error(await api.get(AGENTS, params={"limit": "0"}), "limit")
    assert_validation_error(await api.get(AGENTS, params={"starting_after": "x"}), "starting_after")


# --- publish -----------------------------------------------------------------------


async def test_publish(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", description="d", prompt_md="Grade.", weight=40, **GRADED)
    draft = bundle["current_version"]
    reply = await api.post(_path(bundle, "/publications"))
    assert reply.status == 200
    result = reply.data
    assert list(result) == [
        "eval_agent_id",
        "current_version_id",
        "active_version_id",
        "published_version",
    ]
    assert result["eval_agent_id"] == bundle["agent"]["id"]
    assert result["active_version_id"] == draft["id"]
    assert result["published_version"] == {
        "id": draft["id"],
        "eval_agent_id": bundle["agent"]["id"],
        "version_number": 1,
        "name": "QA",
        "state": "archived",
        "created_by": fake.state.user_id,
        "created_at": draft["created_at"],
        "latest_run": None,
    }
    after = (await api.get(_path(bundle))).data
    assert after["agent"]["current_version_id"] == result["current_version_id"] != draft["id"]
    assert after["agent"]["active_version_id"] == draft["id"]
    new_draft = after["current_version"]
    assert (new_draft["state"], new_draft["version_number"]) == ("editable", 2)
    assert new_draft["created_from_version_id"] == draft["id"]
    for key in ("name", "description", "modality", "prompt_md", "levels", "weight"):
        assert new_draft[key] == draft[key]
    archived = (await api.get(_path(bundle, f"/versions/{draft['id']}"))).data
    assert archived["state"] == "archived"
    assert archived["updated_at"] > draft["updated_at"]


async def test_publish_pass_fail(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("Booked")
    assert (await api.post(_path(bundle, "/publications"))).status == 200


@pytest.mark.parametrize(
    ("levels", "targets", "reason"),
    [
        (LEVELS[:1], [], "needs 2 to 5 levels; the draft has 1"),
        ([*LEVELS, *[{**LEVELS[0], "level_key": f"x{i}"} for i in range(3)]], [], "has 6"),
        ([], ["good"], "pass/fail agent (no levels) must have no target_level_keys"),
        (LEVELS, ["good", "great"], "target_level_keys ['great'] do not match"),
    ],
)
async def test_publish_validation(
    api: Api, fake: FakeBland, levels: list[Any], targets: list[str], reason: str
) -> None:
    bundle = fake.seed_eval_agent("QA")
    draft = fake.state.eval_agent_versions[bundle["current_version"]["id"]]
    draft.update(levels=levels, target_level_keys=targets)  # PATCH would refuse some
    reply = await api.post(_path(bundle, "/publications"))
    assert reply.status == 422
    error = reply.error
    assert error["error"] == "PUBLISH_VALIDATION_FAILED"
    assert len(error["details"]["reasons"]) == 1
    assert reason in error["details"]["reasons"][0]
    assert fake.state.eval_agents[bundle["agent"]["id"]]["active_version_id"] is None
    assert len(fake.state.eval_agent_versions) == 1


# --- versions ----------------------------------------------------------------------


async def test_fork_defaults_to_the_draft(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", description="d", weight=30, **GRADED)
    draft = bundle["current_version"]
    reply = await api.post(_path(bundle, "/versions"))
    assert reply.status == 200
    fork = reply.data
    assert list(fork) == VERSION_KEYS
    assert (fork["version_number"], fork["state"], fork["name"]) == (2, "editable", "QA")
    assert (fork["created_from_version_id"], fork["description"]) == (draft["id"], "d")
    assert (fork["levels"], fork["target_level_keys"], fork["weight"]) == (LEVELS, ["good"], 30)
    agent = (await api.get(_path(bundle))).data["agent"]
    assert agent["current_version_id"] == draft["id"]  # forking does not move the draft


async def test_fork_from_a_published_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", modality="audio", publish=True, **GRADED)
    published_id = bundle["agent"]["active_version_id"]
    body = {"from_version_id": published_id, "name": "Hotfix", "description": None}
    fork = (await api.post(_path(bundle, "/versions"), json=body)).data
    assert (fork["name"], fork["description"], fork["version_number"]) == ("Hotfix", None, 3)
    assert (fork["created_from_version_id"], fork["modality"]) == (published_id, "audio")
    other = fake.seed_eval_agent("Other")
    for source in ("nope", other["current_version"]["id"]):
        reply = await api.post(_path(bundle, "/versions"), json={"from_version_id": source})
        assert reply.status == 404
        assert reply.error["error"] == "EVAL_AGENT_VERSION_NOT_FOUND"
    assert_validation_error(await api.post(_path(bundle, "/versions"), json={"name": ""}), "name")
    assert_validation_error(await api.post(_path(bundle, "/versions"), json={"name": " "}), "name")


async def test_get_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA")
    other = fake.seed_eval_agent("Other")
    draft = bundle["current_version"]
    assert (await api.get(_path(bundle, f"/versions/{draft['id']}"))).data == draft
    for version_id in ("nope", other["current_version"]["id"]):
        reply = await api.get(_path(bundle, f"/versions/{version_id}"))
        assert reply.status == 404
        assert reply.error == {
            "error": "EVAL_AGENT_VERSION_NOT_FOUND",
            "message": "Eval agent version not found",
            "details": {"eval_agent_id": bundle["agent"]["id"], "version_id": version_id},
        }


async def test_patch_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", description="d", **GRADED)
    draft = bundle["current_version"]
    path = _path(bundle, f"/versions/{draft['id']}")
    body = {
        "name": "Draft",
        "description": None,
        "modality": "audio",
        "system_prompt_md": "s" * 8000,
        "prompt_md": "p",
        "levels": [*LEVELS, {"level_key": "great", "label": "Great", "prompt_md": "!"}],
        "target_level_keys": ["good", "great"],
        "weight": 12.5,
    }
    updated = (await api.patch(path, json=body)).data
    assert list(updated) == VERSION_KEYS
    for key, value in body.items():
        assert updated[key] == value
    assert updated["updated_at"] > draft["updated_at"]

    # arrays replace; sending levels and targets together keeps them consistent
    again = (await api.patch(path, json={"levels": [], "target_level_keys": []})).data
    assert (again["levels"], again["target_level_keys"], again["name"]) == ([], [], "Draft")
    assert (await api.patch(path, json={"levels": LEVELS[:1]})).data["levels"] == LEVELS[:1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "  "}, "name"),
        ({"description": 1}, "description"),
        ({"modality": "full"}, "modality"),
        ({"system_prompt_md": "s" * 8001}, "system_prompt_md"),
        ({"prompt_md": "p" * 8001}, "prompt_md"),
        ({"prompt_md": None}, "prompt_md"),
        ({"levels": None}, "levels"),
        ({"levels": [*LEVELS, *LEVELS[:1] * 3]}, "levels"),
        ({"levels": ["x"]}, "levels[0]"),
        ({"levels": [{"label": "A", "prompt_md": "a"}]}, "levels[0].level_key"),
        ({"levels": [{**LEVELS[0], "level_key": ""}]}, "levels[0].level_key"),
        ({"levels": [{**LEVELS[0], "level_key": "k" * 65}]}, "levels[0].level_key"),
        ({"levels": [{**LEVELS[0], "label": "l" * 81}]}, "levels[0].label"),
        ({"levels": [{**LEVELS[0], "label": ""}]}, "levels[0].label"),
        ({"levels": [{"level_key": "a", "label": "A"}]}, "levels[0].prompt_md"),
        ({"levels": [{**LEVELS[0], "prompt_md": ""}]}, "levels[0].prompt_md"),
        ({"levels": [{**LEVELS[0], "color": "#22c55e"}]}, "levels[0].color"),
        ({"levels": [LEVELS[0], LEVELS[0]]}, "levels[1].level_key"),
        ({"levels": LEVELS[:2]}, "levels"),  # would orphan the target "good"
        ({"target_level_keys": ["great"]}, "target_level_keys[0]"),
        ({"target_level_keys": [1]}, "target_level_keys[0]"),
        ({"levels": [], "target_level_keys": ["good"]}, "target_level_keys"),
        ({"weight": 101}, "weight"),
        ({"weight": -1}, "weight"),
        ({"weight": "5"}, "weight"),
    ],
)
async def test_patch_version_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    bundle = fake.seed_eval_agent("QA", **GRADED)
    draft = bundle["current_version"]
    reply = await api.patch(_path(bundle, f"/versions/{draft['id']}"), json=body)
    assert_validation_error(reply, field)
    assert fake.state.eval_agent_versions[draft["id"]] == draft


async def test_only_editable_versions_patch(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", publish=True)
    published_id = bundle["agent"]["active_version_id"]
    reply = await api.patch(_path(bundle, f"/versions/{published_id}"), json={"weight": 10})
    assert reply.status == 409
    assert reply.error["error"] == "VERSION_NOT_EDITABLE"
    assert reply.error["details"] == {"version_id": published_id, "state": "archived"}
    assert fake.state.eval_agent_versions[published_id]["weight"] == 100
    assert (await api.patch(_path(bundle, "/versions/nope"), json={})).status == 404


async def test_list_versions(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_eval_agent("QA", publish=True)
    await api.post(_path(bundle, "/versions"), json={"name": "Fork"})
    path = _path(bundle, "/versions")
    page = (await api.get(path)).data
    assert [(v["version_number"], v["state"], v["name"]) for v in page["data"]] == [
        (3, "editable", "Fork"),
        (2, "editable", "QA"),
        (1, "archived", "QA"),
    ]
    assert all(list(v) == VERSION_ITEM_KEYS for v in page["data"])
    assert all(v["latest_run"] is None for v in page["data"])
    first = (await api.get(path, params={"limit": "2"})).data
    assert (first["has_more"], first["next_cursor"]) == (True, page["data"][1]["id"])
    rest = (await api.get(path, params={"starting_after": first["next_cursor"]})).data
    assert [v["version_number"] for v in rest["data"]] == [1]


# --- seeding -----------------------------------------------------------------------


def test_seed_eval_agent() -> None:
    fake = FakeBland()
    bundle = fake.seed_eval_agent(
        "QA", template_key="discovery", metadata={"team": "a"}, weight=10, publish=True
    )
    assert bundle["agent"]["metadata"] == {"team": "a"}
    assert bundle["agent"]["active_version_id"] is not None
    assert (bundle["current_version"]["version_number"], bundle["current_version"]["weight"]) == (
        2,
        10,
    )
    with pytest.raises(ValueError, match="PUBLISH_VALIDATION_FAILED"):
        fake.seed_eval_agent("One level", levels=LEVELS[:1], publish=True)
    with pytest.raises(ValueError, match="EVAL_AGENT_TEMPLATE_NOT_FOUND"):
        fake.seed_eval_agent("Bad", template_key="nope")
    with pytest.raises(ValueError, match="weight"):
        fake.seed_eval_agent("Bad", weight=500)
    assert len(fake.state.eval_agents) == 1  # failed seeds leave nothing behind
    assert len(fake.state.eval_agent_versions) == 2
