"""The fake's agent templates (E29-E30), user templates (E31-E35) and the Evals gate."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async.testing import FakeBland, Fault
from tests.fake._helpers import TIMESTAMP, Api, assert_validation_error

pytestmark = pytest.mark.anyio

TEMPLATES = "/v1/evals/agent-templates"
USER_TEMPLATES = "/v1/evals/user-templates"
SHIPPED_KEYS = [
    "hallucination_detection",
    "call_resolution",
    "conversational_quality",
    "bland_tone",
    "audio_quality",
    "discovery",
    "issue_understanding",
    "objection_handling",
    "scheduling_clarity",
    "appointment_booked",
]
TEMPLATE_KEYS = [
    "key",
    "name",
    "description",
    "category",
    "modality",
    "system_prompt_md",
    "prompt_md",
    "levels",
    "target_level_keys",
]
USER_TEMPLATE_KEYS = [
    "id",
    "org_id",
    "key",
    "name",
    "description",
    "category",
    "modality",
    "system_prompt_md",
    "prompt_md",
    "levels",
    "target_level_keys",
    "visibility",
    "source_agent_id",
    "source_version_id",
    "created_by",
    "created_at",
    "updated_at",
]
USER_TEMPLATE_ITEM_KEYS = [
    "id",
    "key",
    "name",
    "description",
    "category",
    "modality",
    "visibility",
    "level_count",
    "source_agent_id",
    "created_by",
    "created_at",
    "updated_at",
]
LEVELS = [
    {"level_key": "no", "label": "No", "prompt_md": "n", "color": "fog"},
    {"level_key": "yes", "label": "Yes", "prompt_md": "y"},
]


# --- shipped templates ---------------------------------------------------------------


async def test_list_shipped_templates(api: Api) -> None:
    page = (await api.get(TEMPLATES)).data
    assert (page["object"], page["has_more"], page["next_cursor"]) == ("list", False, None)
    templates = page["data"]
    assert [t["key"] for t in templates] == SHIPPED_KEYS
    categories = {"voice", "sales", "support", "scheduling", "compliance", "quality"}
    for template in templates:
        assert list(template) == TEMPLATE_KEYS
        assert template["category"] in categories
        assert template["modality"] == ("audio" if template["key"] == "audio_quality" else "text")
        levels, targets = template["levels"], template["target_level_keys"]
        keys = {level["level_key"] for level in levels}
        assert len(levels) == 0 or 2 <= len(levels) <= 5
        assert set(targets) <= keys
        assert bool(targets) == bool(levels)
    assert sum(not t["levels"] for t in templates) == 2  # pass/fail ones


async def test_get_shipped_template(api: Api) -> None:
    template = (await api.get(f"{TEMPLATES}/hallucination_detection")).data
    assert (template["name"], template["category"]) == ("Hallucination Detection", "quality")
    reply = await api.get(f"{TEMPLATES}/nope")
    assert reply.status == 404
    assert reply.error == {
        "error": "EVAL_AGENT_TEMPLATE_NOT_FOUND",
        "message": "Eval agent template not found",
        "details": {"template_key": "nope"},
    }


# --- user templates ------------------------------------------------------------------


async def test_create_user_template_inline(api: Api, fake: FakeBland) -> None:
    body = {
        "name": "My Hallucination Check",
        "description": "d",
        "category": "team-qa",
        "modality": "audio",
        "system_prompt_md": "s",
        "prompt_md": "p" * 50000,
        "levels": LEVELS,
        "target_level_keys": ["yes"],
        "visibility": "org",
    }
    reply = await api.post(USER_TEMPLATES, json=body)
    assert reply.status == 200
    template = reply.data
    assert list(template) == USER_TEMPLATE_KEYS
    assert template == {
        "id": template["id"],
        "org_id": fake.state.org_id,
        "key": "my_hallucination_check",
        **body,
        "source_agent_id": None,
        "source_version_id": None,
        "created_by": fake.state.user_id,
        "created_at": template["created_at"],
        "updated_at": template["created_at"],
    }
    assert TIMESTAMP.fullmatch(template["created_at"])
    minimal = (await api.post(USER_TEMPLATES, json={"name": "my hallucination check"})).data
    assert minimal["key"] == "my_hallucination_check_2"
    assert (minimal["modality"], minimal["visibility"], minimal["levels"]) == (
        "text",
        "private",
        [],
    )
    assert (minimal["description"], minimal["category"], minimal["prompt_md"]) == (None, None, "")


async def test_create_user_template_from_an_agent(api: Api, fake: FakeBland) -> None:
    agent = fake.seed_eval_agent(
        "Booked?", description="desc", template_key="bland_tone", modality="audio", publish=True
    )
    agent_id, published = agent["agent"]["id"], agent["agent"]["active_version_id"]
    template = (await api.post(USER_TEMPLATES, json={"from_agent_id": agent_id})).data
    draft = agent["current_version"]
    assert (template["name"], template["description"], template["key"]) == (
        "Booked?",
        "desc",
        "booked",
    )
    for key in ("modality", "system_prompt_md", "prompt_md", "levels", "target_level_keys"):
        assert template[key] == draft[key]
    assert (template["source_agent_id"], template["source_version_id"]) == (agent_id, draft["id"])

    body = {
        "from_agent_id": agent_id,
        "from_version_id": published,
        "name": "Override",
        "prompt_md": "mine",
        "levels": LEVELS,
        "target_level_keys": ["no"],
    }
    template = (await api.post(USER_TEMPLATES, json=body)).data
    assert (template["name"], template["prompt_md"], template["levels"]) == (
        "Override",
        "mine",
        LEVELS,
    )
    assert (template["modality"], template["source_version_id"]) == ("audio", published)

    for bad, code in (
        ({"from_agent_id": "nope"}, "EVAL_AGENT_NOT_FOUND"),
        ({"from_agent_id": agent_id, "from_version_id": "nope"}, "EVAL_AGENT_VERSION_NOT_FOUND"),
    ):
        reply = await api.post(USER_TEMPLATES, json=bad)
        assert (reply.status, reply.error["error"]) == (404, code)
    # levels inline without targets must not orphan the snapshot's targets
    reply = await api.post(USER_TEMPLATES, json={"from_agent_id": agent_id, "levels": LEVELS})
    assert_validation_error(reply, "levels")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"description": "d" * 4001}, "description"),
        ({"category": "c" * 65}, "category"),
        ({"category": 3}, "category"),
        ({"modality": "full"}, "modality"),
        ({"system_prompt_md": "s" * 50001}, "system_prompt_md"),
        ({"prompt_md": "p" * 50001}, "prompt_md"),
        ({"levels": [{"level_key": "a", "label": "A"}]}, "levels[0].prompt_md"),
        ({"levels": [{**LEVELS[0], "color": "red"}]}, "levels[0].color"),
        ({"levels": LEVELS, "target_level_keys": ["maybe"]}, "target_level_keys[0]"),
        ({"target_level_keys": ["yes"]}, "target_level_keys"),
        ({"visibility": "team"}, "visibility"),
        ({"from_agent_id": 3}, "from_agent_id"),
        ({"from_version_id": "v"}, "from_version_id"),
    ],
)
async def test_create_user_template_validation(
    api: Api, fake: FakeBland, body: dict[str, Any], field: str
) -> None:
    if field not in ("name", "from_agent_id", "from_version_id"):
        body = {"name": "T", **body}
    assert_validation_error(await api.post(USER_TEMPLATES, json=body), field)
    assert fake.state.eval_user_templates == {}


async def test_get_patch_delete_user_template(api: Api, fake: FakeBland) -> None:
    template = fake.seed_user_template("Mine", category="c", modality="audio")
    path = f"{USER_TEMPLATES}/{template['id']}"
    assert (await api.get(path)).data == template
    body = {
        "name": "Renamed",
        "description": "now",
        "category": None,
        "levels": LEVELS,
        "target_level_keys": ["yes"],
        "visibility": "public",
        "prompt_md": "p",
    }
    updated = (await api.patch(path, json=body)).data
    for key, value in body.items():
        assert updated[key] == value
    assert (updated["key"], updated["modality"]) == (template["key"], "audio")
    assert updated["updated_at"] > template["updated_at"]
    for fixed in ("modality", "source_agent_id", "source_version_id"):
        assert_validation_error(await api.patch(path, json={fixed: "text"}), fixed)
    assert_validation_error(await api.patch(path, json={"name": "x" * 121}), "name")
    assert (await api.get(path)).data == updated

    reply = await api.delete(path)
    assert (reply.status, reply.body) == (204, b"")
    assert TIMESTAMP.fullmatch(fake.state.eval_user_templates[template["id"]]["deleted_at"])
    for method in ("GET", "PATCH", "DELETE"):
        reply = await api.request(method, path, json={})
        assert reply.status == 404
        assert reply.error == {
            "error": "USER_TEMPLATE_NOT_FOUND",
            "message": "User template not found",
            "details": {"id": template["id"]},
        }
    reply = await api.post(
        "/v1/evals/agents", json={"name": "A", "user_template_id": template["id"]}
    )
    assert reply.status == 404


async def test_list_user_templates(api: Api, fake: FakeBland) -> None:
    ids = [fake.seed_user_template(f"t{i}", levels=LEVELS)["id"] for i in range(4)][::-1]
    await api.delete(f"{USER_TEMPLATES}/{ids[1]}")
    live = [ids[0], *ids[2:]]
    page = (await api.get(USER_TEMPLATES, params={"limit": "2"})).data
    assert [t["id"] for t in page["data"]] == live[:2]
    assert (page["has_more"], page["next_cursor"]) == (True, live[1])
    item = page["data"][0]
    assert list(item) == USER_TEMPLATE_ITEM_KEYS
    assert (item["name"], item["level_count"], item["visibility"]) == ("t3", 2, "private")
    rest = (await api.get(USER_TEMPLATES, params={"starting_after": live[1]})).data
    assert ([t["id"] for t in rest["data"]], rest["has_more"]) == (live[2:], False)
    assert_validation_error(await api.get(USER_TEMPLATES, params={"limit": "x"}), "limit")


def test_seed_user_template() -> None:
    fake = FakeBland()
    template = fake.seed_user_template("Mine", levels=LEVELS, target_level_keys=["yes"])
    assert template["key"] == "mine"
    with pytest.raises(ValueError, match="visibility"):
        fake.seed_user_template("Bad", visibility="everyone")
    assert len(fake.state.eval_user_templates) == 1


# --- the Evals gate --------------------------------------------------------------------

NEW_ROUTES = [
    ("GET", "/v1/evals/agents"),
    ("POST", "/v1/evals/agents"),
    ("GET", "/v1/evals/agents/a"),
    ("PATCH", "/v1/evals/agents/a"),
    ("DELETE", "/v1/evals/agents/a"),
    ("POST", "/v1/evals/agents/a/publications"),
    ("GET", "/v1/evals/agents/a/versions"),
    ("POST", "/v1/evals/agents/a/versions"),
    ("GET", "/v1/evals/agents/a/versions/v"),
    ("PATCH", "/v1/evals/agents/a/versions/v"),
    ("GET", "/v1/evals/runs"),
    ("POST", "/v1/evals/runs"),
    ("POST", "/v1/evals/runs/estimates"),
    ("GET", "/v1/evals/runs/r"),
    ("POST", "/v1/evals/runs/r/cancellations"),
    ("GET", "/v1/evals/runs/r/call-results"),
    ("GET", "/v1/evals/runs/r/agent-results"),
    ("GET", "/v1/evals/runs/r/agent-snapshots"),
    ("GET", "/v1/evals/agent-templates"),
    ("GET", "/v1/evals/agent-templates/discovery"),
    ("GET", "/v1/evals/user-templates"),
    ("POST", "/v1/evals/user-templates"),
    ("GET", "/v1/evals/user-templates/t"),
    ("PATCH", "/v1/evals/user-templates/t"),
    ("DELETE", "/v1/evals/user-templates/t"),
]


async def test_evals_disabled_hides_every_new_route(api: Api, fake: FakeBland) -> None:
    agent = fake.seed_eval_agent("A", publish=True)
    fake.seed_run(attached_agents=[{"eval_agent_id": agent["agent"]["id"]}])
    before = (
        dict(fake.state.eval_agents),
        dict(fake.state.eval_runs),
        dict(fake.state.eval_user_templates),
    )
    fake.evals_enabled = False
    for method, path in NEW_ROUTES:
        reply = await api.request(method, path, json={"name": "x", "call_ids": ["c"]})
        assert reply.status == 404, (method, path)
        assert reply.error["error"] == "NOT_FOUND"
    after = (fake.state.eval_agents, fake.state.eval_runs, fake.state.eval_user_templates)
    assert before == after
    fake.evals_enabled = True
    assert (await api.get("/v1/evals/agent-templates")).status == 200


def test_every_new_route_is_served() -> None:
    fake = FakeBland()
    for method, path in NEW_ROUTES:
        template = (
            path.replace("/agents/a", "/agents/{eval_agent_id}")
            .replace("/versions/v", "/versions/{version_id}")
            .replace("/runs/r", "/runs/{run_id}")
            .replace("/discovery", "/{template_key}")
            .replace("/user-templates/t", "/user-templates/{id}")
        )
        fake.inject(f"{method} {template}", Fault.latency(0)).remove()  # raises if unknown
