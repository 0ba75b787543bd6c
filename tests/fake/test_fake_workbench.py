"""The fake's workbench setups and versions (E11-E20), and Evals cursor pagination."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async.testing import FakeBland
from tests.fake._helpers import TIMESTAMP, Api, assert_validation_error

pytestmark = pytest.mark.anyio

SETUPS = "/v1/evals/workbench-setups"
SETUP_KEYS = [
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
    "workbench_setup_id",
    "version_number",
    "name",
    "description",
    "state",
    "attached_agents",
    "pass_threshold_pct",
    "run_mode",
    "default_test_config_id",
    "default_call_ids",
    "created_from_version_id",
    "created_by",
    "created_at",
    "updated_at",
]
SETUP_ITEM_KEYS = [
    "id",
    "name",
    "description",
    "current_version_id",
    "active_version_id",
    "active_version_number",
    "attached_agent_count",
    "latest_run",
    "metadata",
    "created_at",
    "updated_at",
]
VERSION_ITEM_KEYS = [
    "id",
    "workbench_setup_id",
    "version_number",
    "name",
    "state",
    "attached_agent_count",
    "created_by",
    "created_at",
    "latest_run",
]
AGENT = {
    "eval_agent_id": "agent-1",
    "eval_agent_version_id": "agent-1-v1",
    "weight": 40,
    "target_level_keys": ["good"],
}
LEVELS = [
    {"level_key": "bad", "label": "Bad", "prompt_md": "b"},
    {"level_key": "good", "label": "Good", "prompt_md": "g"},
]


def _setup_path(bundle: dict[str, Any], suffix: str = "") -> str:
    return f"{SETUPS}/{bundle['setup']['id']}{suffix}"


def _judge(fake: FakeBland, name: str = "Judge") -> dict[str, Any]:
    """AGENT for a real published graded judge (levels bad/good): publishing checks the roster."""
    agent = fake.seed_eval_agent(name, levels=LEVELS, target_level_keys=["good"], publish=True)
    return AGENT | {
        "eval_agent_id": agent["agent"]["id"],
        "eval_agent_version_id": agent["agent"]["active_version_id"],
    }


# --- setups ----------------------------------------------------------------------------


async def test_create_setup(api: Api, fake: FakeBland) -> None:
    reply = await api.post(SETUPS, json={"name": "Onboarding Quality Check!", "description": "d"})
    assert reply.status == 201
    data = reply.data
    assert list(data) == ["setup", "current_version"]
    setup, draft = data["setup"], data["current_version"]
    assert list(setup) == SETUP_KEYS
    assert list(draft) == VERSION_KEYS
    assert setup["key"] == "onboarding-quality-check"
    assert (setup["org_id"], draft["org_id"]) == (fake.state.org_id, fake.state.org_id)
    assert (setup["active_version_id"], setup["deleted_at"], setup["metadata"]) == (None, None, {})
    assert setup["current_version_id"] == draft["id"]
    assert TIMESTAMP.fullmatch(setup["created_at"])
    assert draft == {
        "id": draft["id"],
        "org_id": fake.state.org_id,
        "workbench_setup_id": setup["id"],
        "version_number": 1,
        "name": "Onboarding Quality Check!",
        "description": "d",
        "state": "editable",
        "attached_agents": [],
        "pass_threshold_pct": None,
        "run_mode": "text",
        "default_test_config_id": None,
        "default_call_ids": [],
        "created_from_version_id": None,
        "created_by": fake.state.user_id,
        "created_at": draft["created_at"],
        "updated_at": draft["updated_at"],
    }
    second = (await api.post(SETUPS, json={"name": "onboarding quality check"})).data
    assert second["setup"]["key"] == "onboarding-quality-check-2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"name": "x", "description": 5}, "description"),
    ],
)
async def test_create_setup_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    assert_validation_error(await api.post(SETUPS, json=body), field)
    assert fake.state.workbench_setups == {}


@pytest.mark.parametrize("name", [" ", " " * 200, "\t\n", "\u3000\u00a0"])
async def test_blank_names_are_refused_everywhere(api: Api, fake: FakeBland, name: str) -> None:
    """ "1 to 200 characters" means 1 to 200 meaningful ones: only whitespace is a 400."""
    bundle = fake.seed_workbench_setup(name="QA")
    draft = bundle["current_version"]
    replies = [
        await api.post(SETUPS, json={"name": name}),
        await api.patch(_setup_path(bundle), json={"name": name}),
        await api.post(_setup_path(bundle, "/versions"), json={"name": name}),
        await api.patch(_setup_path(bundle, f"/versions/{draft['id']}"), json={"name": name}),
    ]
    for reply in replies:
        assert_validation_error(reply, "name")
        assert reply.error["message"] == "name must not be blank (only whitespace)"
    assert list(fake.state.workbench_setups) == [bundle["setup"]["id"]]
    assert fake.state.workbench_setups[bundle["setup"]["id"]] == bundle["setup"]
    assert fake.state.workbench_setup_versions == {draft["id"]: draft}
    with pytest.raises(ValueError, match="VALIDATION_ERROR: name must not be blank"):
        fake.seed_workbench_setup(name=name)


async def test_names_with_text_keep_their_whitespace(api: Api, fake: FakeBland) -> None:
    reply = await api.post(SETUPS, json={"name": " x "})
    assert reply.status == 201
    bundle = reply.data
    assert (bundle["setup"]["name"], bundle["current_version"]["name"]) == (" x ", " x ")
    draft_path = _setup_path(bundle, f"/versions/{bundle['current_version']['id']}")
    assert (await api.patch(draft_path, json={"name": "\tDraft"})).data["name"] == "\tDraft"
    fork = await api.post(_setup_path(bundle, "/versions"), json={"name": "y "})
    assert (fork.status, fork.data["name"]) == (201, "y ")


async def test_get_setup(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    assert (await api.get(_setup_path(bundle))).data == bundle
    reply = await api.get(f"{SETUPS}/nope")
    assert reply.status == 404
    assert reply.error == {
        "error": "WORKBENCH_SETUP_NOT_FOUND",
        "message": "Workbench setup not found",
        "details": {"workbench_setup_id": "nope"},
    }


async def test_patch_setup(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", description="d", metadata={"a": "1"})
    body = {"name": "QA 2", "description": None, "metadata": {"b": "2"}}
    data = (await api.patch(_setup_path(bundle), json=body)).data
    assert list(data) == ["setup", "current_version"]
    setup = data["setup"]
    assert (setup["name"], setup["description"], setup["metadata"]) == ("QA 2", None, {"b": "2"})
    assert setup["key"] == bundle["setup"]["key"]  # stable
    assert setup["updated_at"] > bundle["setup"]["updated_at"]
    assert data["current_version"] == bundle["current_version"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"metadata": {"a": 1}}, "metadata.a"),
        ({"metadata": None}, "metadata"),
        ({"metadata": ["a"]}, "metadata"),
        ({"active_version_id": 3}, "active_version_id"),
    ],
)
async def test_patch_setup_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    assert_validation_error(await api.patch(_setup_path(bundle), json=body), field)


async def test_repoint_and_unpublish(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", attached_agents=[_judge(fake)], publish=True)
    first_published = bundle["setup"]["active_version_id"]
    second = (await api.post(_setup_path(bundle, "/publications"))).data
    assert second["active_version_id"] != first_published

    # the draft is not archived: it cannot be the active version
    draft_id = second["current_version_id"]
    reply = await api.patch(_setup_path(bundle), json={"active_version_id": draft_id})
    assert_validation_error(reply, "active_version_id")
    reply = await api.patch(_setup_path(bundle), json={"active_version_id": "nope"})
    assert reply.status == 404
    assert reply.error["error"] == "WORKBENCH_SETUP_VERSION_NOT_FOUND"

    rolled_back = await api.patch(_setup_path(bundle), json={"active_version_id": first_published})
    assert rolled_back.data["setup"]["active_version_id"] == first_published
    items = (await api.get(SETUPS)).data["data"]
    assert items[0]["active_version_number"] == 1

    unpublished = await api.patch(_setup_path(bundle), json={"active_version_id": None})
    assert unpublished.data["setup"]["active_version_id"] is None
    assert (await api.get(SETUPS)).data["data"][0]["active_version_number"] is None


async def test_delete_setup_is_soft(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    keep = fake.seed_workbench_setup(name="Keep")
    reply = await api.delete(_setup_path(bundle))
    assert (reply.status, reply.body) == (204, b"")
    stored = fake.state.workbench_setups[bundle["setup"]["id"]]
    assert TIMESTAMP.fullmatch(stored["deleted_at"])
    draft_id = bundle["current_version"]["id"]
    for path in ("", "/versions", f"/versions/{draft_id}"):
        reply = await api.get(_setup_path(bundle, path))
        assert reply.status == 404
        assert reply.error["error"] == "WORKBENCH_SETUP_NOT_FOUND"
    assert (await api.post(_setup_path(bundle, "/publications"))).status == 404
    assert (await api.delete(_setup_path(bundle))).status == 404
    listed = (await api.get(SETUPS)).data["data"]
    assert [item["id"] for item in listed] == [keep["setup"]["id"]]


async def test_list_setups_items(api: Api, fake: FakeBland) -> None:
    published = fake.seed_workbench_setup(
        name="Pub", metadata={"k": "v"}, attached_agents=[_judge(fake)], publish=True
    )
    # the draft count is what list items report: change the draft only
    await api.patch(
        _setup_path(published, f"/versions/{published['current_version']['id']}"),
        json={"attached_agents": [AGENT, AGENT | {"eval_agent_id": "agent-2"}]},
    )
    fake.seed_workbench_setup(name="Fresh")
    page = (await api.get(SETUPS)).data
    assert list(page) == ["object", "data", "has_more", "next_cursor"]
    assert (page["object"], page["has_more"], page["next_cursor"]) == ("list", False, None)
    fresh, pub = page["data"]
    assert list(pub) == SETUP_ITEM_KEYS
    assert (fresh["name"], fresh["active_version_number"], fresh["attached_agent_count"]) == (
        "Fresh",
        None,
        0,
    )
    assert pub["active_version_id"] == published["setup"]["active_version_id"]
    assert (pub["active_version_number"], pub["attached_agent_count"]) == (1, 2)
    assert (pub["latest_run"], pub["metadata"]) == (None, {"k": "v"})


# --- publish -------------------------------------------------------------------------


async def test_publish(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(
        name="QA", attached_agents=[_judge(fake)], pass_threshold_pct=80, default_call_ids=["c1"]
    )
    draft = bundle["current_version"]
    result = (await api.post(_setup_path(bundle, "/publications"))).data
    assert list(result) == [
        "workbench_setup_id",
        "current_version_id",
        "active_version_id",
        "published_version",
    ]
    assert result["workbench_setup_id"] == bundle["setup"]["id"]
    assert result["active_version_id"] == draft["id"]
    assert result["current_version_id"] != draft["id"]
    published = result["published_version"]
    assert list(published) == VERSION_ITEM_KEYS
    assert published == {
        "id": draft["id"],
        "workbench_setup_id": bundle["setup"]["id"],
        "version_number": 1,
        "name": "QA",
        "state": "archived",
        "attached_agent_count": 1,
        "created_by": fake.state.user_id,
        "created_at": draft["created_at"],
        "latest_run": None,
    }

    after = (await api.get(_setup_path(bundle))).data
    assert after["setup"]["current_version_id"] == result["current_version_id"]
    assert after["setup"]["active_version_id"] == draft["id"]
    new_draft = after["current_version"]
    assert (new_draft["state"], new_draft["version_number"]) == ("editable", 2)
    assert new_draft["created_from_version_id"] == draft["id"]
    for key in ("attached_agents", "pass_threshold_pct", "run_mode", "default_call_ids", "name"):
        assert new_draft[key] == draft[key]
    archived = (await api.get(_setup_path(bundle, f"/versions/{draft['id']}"))).data
    assert archived["state"] == "archived"
    assert archived["updated_at"] > draft["updated_at"]


async def test_publish_preconditions(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    reply = await api.post(_setup_path(bundle, "/publications"))
    assert reply.status == 422
    error = reply.error
    assert error["error"] == "PUBLISH_VALIDATION_FAILED"
    assert len(error["details"]["reasons"]) == 1
    assert "attached agent" in error["details"]["reasons"][0]

    # The API refuses empty target_level_keys on PATCH, so arrange it in state.
    draft = fake.state.workbench_setup_versions[bundle["current_version"]["id"]]
    judge = _judge(fake)
    draft["attached_agents"] = [judge, judge | {"target_level_keys": []}]
    reply = await api.post(_setup_path(bundle, "/publications"))
    assert reply.status == 422
    assert reply.error["details"]["reasons"] == [
        f"attached_agents[1] ({judge['eval_agent_id']}) has no target level keys."
    ]
    assert fake.state.workbench_setups[bundle["setup"]["id"]]["active_version_id"] is None
    assert len(fake.state.workbench_setup_versions) == 1


async def _refused(api: Api, fake: FakeBland, roster: list[dict[str, Any]]) -> list[str]:
    """Attach `roster` (PATCH checks its shape only), publish, expect 422; return the reasons."""
    bundle = fake.seed_workbench_setup(name="QA", attached_agents=roster)
    reply = await api.post(_setup_path(bundle, "/publications"))
    assert reply.status == 422, reply.body
    error = reply.error
    assert (error["error"], list(error["details"])) == ("PUBLISH_VALIDATION_FAILED", ["reasons"])
    assert fake.state.workbench_setups[bundle["setup"]["id"]]["active_version_id"] is None
    assert [v["state"] for v in fake.state.workbench_setup_versions.values()] == ["editable"]
    reasons: list[str] = error["details"]["reasons"]
    return reasons


async def test_publish_refuses_unknown_or_deleted_agents(api: Api, fake: FakeBland) -> None:
    judge, gone = _judge(fake), _judge(fake, "Gone")
    await api.delete(f"/v1/evals/agents/{gone['eval_agent_id']}")
    reasons = await _refused(api, fake, [judge, AGENT, gone])
    assert reasons == [
        "attached_agents[1].eval_agent_id 'agent-1' is not an eval agent (or it was deleted).",
        f"attached_agents[2].eval_agent_id {gone['eval_agent_id']!r} is not an eval agent"
        " (or it was deleted).",
    ]


async def test_publish_refuses_a_version_of_another_agent(api: Api, fake: FakeBland) -> None:
    judge, other = _judge(fake), _judge(fake, "Other")
    mixed = judge | {"eval_agent_version_id": other["eval_agent_version_id"]}
    unknown = judge | {"eval_agent_version_id": "nope"}
    assert await _refused(api, fake, [mixed, unknown]) == [
        f"attached_agents[0].eval_agent_version_id {other['eval_agent_version_id']!r} is not a"
        f" version of {judge['eval_agent_id']!r}.",
        f"attached_agents[1].eval_agent_version_id 'nope' is not a version of"
        f" {judge['eval_agent_id']!r}.",
    ]


async def test_publish_refuses_targets_that_are_not_levels(api: Api, fake: FakeBland) -> None:
    judge = _judge(fake)
    passfail = fake.seed_eval_agent("Pass/fail", publish=True)["agent"]
    version_id = passfail["active_version_id"]
    roster = [
        judge | {"target_level_keys": ["good", "great"]},
        AGENT | {"eval_agent_id": passfail["id"], "eval_agent_version_id": version_id},
    ]
    assert await _refused(api, fake, roster) == [
        "attached_agents[0].target_level_keys[1] 'great' does not match any level_key"
        f" (eval agent version {judge['eval_agent_version_id']!r}).",
        "attached_agents[1].target_level_keys must be empty for a pass/fail judge (no levels)"
        f" (eval agent version {version_id!r}).",
    ]


# --- versions ------------------------------------------------------------------------


async def test_fork_defaults_to_the_draft(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", description="d", attached_agents=[AGENT])
    draft = bundle["current_version"]
    reply = await api.post(_setup_path(bundle, "/versions"))
    assert reply.status == 201
    fork = reply.data
    assert list(fork) == VERSION_KEYS
    assert fork["id"] != draft["id"]
    assert (fork["version_number"], fork["state"]) == (2, "editable")
    assert (fork["name"], fork["description"]) == ("QA", "d")
    assert fork["created_from_version_id"] == draft["id"]
    assert fork["attached_agents"] == [AGENT]
    setup = (await api.get(_setup_path(bundle))).data["setup"]
    assert setup["current_version_id"] == draft["id"]  # forking does not move the draft


async def test_fork_from_a_published_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(
        name="QA", attached_agents=[_judge(fake)], run_mode="audio", publish=True
    )
    published_id = bundle["setup"]["active_version_id"]
    body = {"from_version_id": published_id, "name": "Hotfix", "description": None}
    fork = (await api.post(_setup_path(bundle, "/versions"), json=body)).data
    assert (fork["name"], fork["description"], fork["version_number"]) == ("Hotfix", None, 3)
    assert (fork["created_from_version_id"], fork["run_mode"]) == (published_id, "audio")
    assert fork["state"] == "editable"

    reply = await api.post(_setup_path(bundle, "/versions"), json={"from_version_id": "nope"})
    assert reply.status == 404
    assert reply.error["error"] == "WORKBENCH_SETUP_VERSION_NOT_FOUND"
    reply = await api.post(_setup_path(bundle, "/versions"), json={"name": "x" * 201})
    assert_validation_error(reply, "name")


async def test_get_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    other = fake.seed_workbench_setup(name="Other")
    draft = bundle["current_version"]
    assert (await api.get(_setup_path(bundle, f"/versions/{draft['id']}"))).data == draft
    for version_id in ("nope", other["current_version"]["id"]):
        reply = await api.get(_setup_path(bundle, f"/versions/{version_id}"))
        assert reply.status == 404
        assert reply.error == {
            "error": "WORKBENCH_SETUP_VERSION_NOT_FOUND",
            "message": "Workbench setup version not found",
            "details": {"workbench_setup_id": bundle["setup"]["id"], "version_id": version_id},
        }


async def test_patch_version(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", description="d", default_test_config_id="tc")
    draft = bundle["current_version"]
    body = {
        "name": "Draft 1",
        "description": None,
        "attached_agents": [AGENT, AGENT | {"weight": 12.5, "eval_agent_id": "agent-2"}],
        "pass_threshold_pct": 75,
        "run_mode": "full",
        "default_test_config_id": None,
        "default_call_ids": ["c1", "c2"],
        "ignored": True,
    }
    updated = (await api.patch(_setup_path(bundle, f"/versions/{draft['id']}"), json=body)).data
    assert list(updated) == VERSION_KEYS
    for key, value in body.items():
        if key != "ignored":
            assert updated[key] == value
    assert updated["updated_at"] > draft["updated_at"]

    again = await api.patch(
        _setup_path(bundle, f"/versions/{draft['id']}"),
        json={"default_call_ids": ["c3"], "attached_agents": [], "pass_threshold_pct": None},
    )
    assert again.data["default_call_ids"] == ["c3"]  # replaces
    assert again.data["attached_agents"] == []
    assert again.data["pass_threshold_pct"] is None
    assert again.data["name"] == "Draft 1"  # omitted fields untouched


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"description": 1}, "description"),
        ({"attached_agents": {}}, "attached_agents"),
        ({"attached_agents": [AGENT] * 21}, "attached_agents"),
        ({"attached_agents": ["x"]}, "attached_agents[0]"),
        (
            {"attached_agents": [{k: v for k, v in AGENT.items() if k != "weight"}]},
            "attached_agents[0].weight",
        ),
        ({"attached_agents": [AGENT | {"eval_agent_id": 1}]}, "attached_agents[0].eval_agent_id"),
        (
            {"attached_agents": [AGENT, AGENT | {"eval_agent_version_id": None}]},
            "attached_agents[1].eval_agent_version_id",
        ),
        ({"attached_agents": [AGENT | {"weight": 101}]}, "attached_agents[0].weight"),
        ({"attached_agents": [AGENT | {"weight": -1}]}, "attached_agents[0].weight"),
        ({"attached_agents": [AGENT | {"weight": "5"}]}, "attached_agents[0].weight"),
        (
            {"attached_agents": [AGENT | {"target_level_keys": []}]},
            "attached_agents[0].target_level_keys",
        ),
        (
            {"attached_agents": [AGENT | {"target_level_keys": [1]}]},
            "attached_agents[0].target_level_keys[0]",
        ),
        (
            {"attached_agents": [AGENT | {"target_level_keys": ["good", ""]}]},
            "attached_agents[0].target_level_keys[1]",
        ),
        ({"pass_threshold_pct": 80.5}, "pass_threshold_pct"),
        ({"pass_threshold_pct": 101}, "pass_threshold_pct"),
        ({"pass_threshold_pct": True}, "pass_threshold_pct"),
        ({"run_mode": "video"}, "run_mode"),
        ({"run_mode": None}, "run_mode"),
        ({"default_test_config_id": 3}, "default_test_config_id"),
        ({"default_call_ids": ["c"] * 5001}, "default_call_ids"),
        ({"default_call_ids": None}, "default_call_ids"),
    ],
)
async def test_patch_version_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    draft = bundle["current_version"]
    reply = await api.patch(_setup_path(bundle, f"/versions/{draft['id']}"), json=body)
    assert_validation_error(reply, field)
    assert fake.state.workbench_setup_versions[draft["id"]] == draft


async def test_patch_version_limits_are_inclusive(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    body = {
        "name": "x" * 200,
        "attached_agents": [AGENT | {"weight": 0}] * 19 + [AGENT | {"weight": 100}],
        "pass_threshold_pct": 0,
        "default_call_ids": ["c"] * 5000,
    }
    reply = await api.patch(
        _setup_path(bundle, f"/versions/{bundle['current_version']['id']}"), json=body
    )
    assert reply.status == 200


async def test_only_editable_versions_patch(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", attached_agents=[_judge(fake)], publish=True)
    published_id = bundle["setup"]["active_version_id"]
    reply = await api.patch(
        _setup_path(bundle, f"/versions/{published_id}"), json={"pass_threshold_pct": 10}
    )
    assert reply.status == 409
    assert reply.error == {
        "error": "VERSION_NOT_EDITABLE",
        "message": reply.error["message"],
        "details": {"version_id": published_id, "state": "archived"},
    }
    assert fake.state.workbench_setup_versions[published_id]["pass_threshold_pct"] is None
    reply = await api.patch(_setup_path(bundle, "/versions/nope"), json={})
    assert reply.status == 404


async def test_list_versions_items_and_order(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA", attached_agents=[_judge(fake)], publish=True)
    await api.post(_setup_path(bundle, "/versions"), json={"name": "Fork"})
    page = (await api.get(_setup_path(bundle, "/versions"))).data
    assert [(v["version_number"], v["state"], v["name"]) for v in page["data"]] == [
        (3, "editable", "Fork"),
        (2, "editable", "QA"),
        (1, "archived", "QA"),
    ]
    assert all(list(v) == VERSION_ITEM_KEYS for v in page["data"])
    assert [v["attached_agent_count"] for v in page["data"]] == [1, 1, 1]
    assert (page["has_more"], page["next_cursor"]) == (False, None)


# --- cursor pagination ---------------------------------------------------------------


async def _ids(api: Api, path: str, **params: str) -> tuple[list[str], dict[str, Any]]:
    page = (await api.get(path, params=params)).data
    return [item["id"] for item in page["data"]], page


async def test_cursor_pagination_forward_and_backward(api: Api, fake: FakeBland) -> None:
    created = [fake.seed_workbench_setup(name=f"s{i}")["setup"]["id"] for i in range(5)]
    newest_first = created[::-1]

    ids, page = await _ids(api, SETUPS)
    assert ids == newest_first

    ids, page = await _ids(api, SETUPS, limit="2")
    assert ids == newest_first[:2]
    assert (page["has_more"], page["next_cursor"]) == (True, newest_first[1])
    ids, page = await _ids(api, SETUPS, limit="2", starting_after=page["next_cursor"])
    assert ids == newest_first[2:4]
    assert (page["has_more"], page["next_cursor"]) == (True, newest_first[3])
    ids, page = await _ids(api, SETUPS, limit="2", starting_after=page["next_cursor"])
    assert ids == newest_first[4:]
    assert (page["has_more"], page["next_cursor"]) == (False, None)
    ids, page = await _ids(api, SETUPS, starting_after=newest_first[-1])
    assert (ids, page["has_more"], page["next_cursor"]) == ([], False, None)

    # ending_before: the `limit` items just before the cursor; has_more/next_cursor
    # describe the forward direction (the cursor item itself follows the page).
    ids, page = await _ids(api, SETUPS, limit="2", ending_before=newest_first[3])
    assert ids == newest_first[1:3]
    assert (page["has_more"], page["next_cursor"]) == (True, newest_first[2])
    ids, page = await _ids(api, SETUPS, limit="10", ending_before=newest_first[2])
    assert ids == newest_first[:2]
    ids, page = await _ids(api, SETUPS, ending_before=newest_first[0])
    assert (ids, page["has_more"], page["next_cursor"]) == ([], False, None)


async def test_cursor_pagination_on_versions(api: Api, fake: FakeBland) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    for _ in range(3):
        await api.post(_setup_path(bundle, "/versions"))
    path = _setup_path(bundle, "/versions")
    page = (await api.get(path, params={"limit": "3"})).data
    assert [v["version_number"] for v in page["data"]] == [4, 3, 2]
    assert page["has_more"] is True
    rest = (await api.get(path, params={"starting_after": page["next_cursor"]})).data
    assert [v["version_number"] for v in rest["data"]] == [1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"starting_after": "a", "ending_before": "b"}, "starting_after"),
        ({"starting_after": "unknown"}, "starting_after"),
        ({"ending_before": "unknown"}, "ending_before"),
    ],
)
async def test_cursor_query_validation(
    api: Api, fake: FakeBland, params: dict[str, str], field: str
) -> None:
    bundle = fake.seed_workbench_setup(name="QA")
    assert_validation_error(await api.get(SETUPS, params=params), field)
    assert_validation_error(await api.get(_setup_path(bundle, "/versions"), params=params), field)


async def test_limit_bounds_and_default(api: Api, fake: FakeBland) -> None:
    for i in range(26):
        fake.seed_workbench_setup(name=f"s{i}")
    assert len((await api.get(SETUPS)).data["data"]) == 25
    assert len((await api.get(SETUPS, params={"limit": "100"})).data["data"]) == 26
    assert len((await api.get(SETUPS, params={"limit": "1"})).data["data"]) == 1


# --- seeding -------------------------------------------------------------------------


def test_seed_workbench_setup() -> None:
    fake = FakeBland()
    bundle = fake.seed_workbench_setup(
        name="QA", metadata={"team": "a"}, attached_agents=[_judge(fake)], publish=True
    )
    assert bundle["setup"]["metadata"] == {"team": "a"}
    assert bundle["setup"]["active_version_id"] is not None
    assert bundle["current_version"]["version_number"] == 2
    with pytest.raises(ValueError, match="PUBLISH_VALIDATION_FAILED"):
        fake.seed_workbench_setup(name="Empty", publish=True)
    with pytest.raises(ValueError, match="run_mode"):
        fake.seed_workbench_setup(name="Bad", run_mode="video")
    assert len(fake.state.workbench_setups) == 1  # failed seeds leave nothing behind
    assert len(fake.state.workbench_setup_versions) == 2
