"""The helpers the resources share keep the routes and messages the API code relied on."""

from __future__ import annotations

from typing import Any

import pytest

from bland_async import InvalidRequestError
from bland_async._resources import _eval_agents, _workbench_setups
from bland_async._resources._eval_agents import check_levels
from bland_async._resources._eval_run_body import check_run_agents
from bland_async._resources._workbench_setups import check_setup_agents
from bland_async.models import AttachedAgent, Level


@pytest.mark.parametrize(
    ("routes", "templates"),
    [
        (
            _eval_agents._ROUTES,
            (
                "/v1/evals/agents",
                "/v1/evals/agents/{eval_agent_id}",
                "/v1/evals/agents/{eval_agent_id}/publications",
                "/v1/evals/agents/{eval_agent_id}/versions",
                "/v1/evals/agents/{eval_agent_id}/versions/{version_id}",
            ),
        ),
        (
            _workbench_setups._ROUTES,
            (
                "/v1/evals/workbench-setups",
                "/v1/evals/workbench-setups/{setup_id}",
                "/v1/evals/workbench-setups/{setup_id}/publications",
                "/v1/evals/workbench-setups/{setup_id}/versions",
                "/v1/evals/workbench-setups/{setup_id}/versions/{version_id}",
            ),
        ),
    ],
)
def test_versioned_routes_are_the_documented_templates(
    routes: Any, templates: tuple[str, ...]
) -> None:
    got = (routes.collection, routes.item, routes.publications, routes.versions, routes.version)
    assert got == templates
    assert routes.path("x") == {routes.id_name: "x"}
    assert routes.path("x", "v") == {routes.id_name: "x", "version_id": "v"}


def _level(key: str) -> Level:
    return Level(level_key=key, label=key, prompt_md="p")


def _agent() -> AttachedAgent:
    return AttachedAgent(
        eval_agent_id="a", eval_agent_version_id="v", weight=1, target_level_keys=["k"]
    )


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (check_levels, "a", "levels must be a list of Level"),
        (
            lambda v: check_levels(v, max_items=5),
            [_level(str(i)) for i in range(6)],
            "levels takes at most 5 levels, got 6",
        ),
        (check_levels, [_level("a"), "b"], "levels[1] must be a Level, got str"),
        (check_run_agents, "a", "attached_agents must be a list of AttachedAgent"),
        (
            check_run_agents,
            [_agent()] * 51,
            "attached_agents takes at most 50 agents on a run, got 51",
        ),
        (check_setup_agents, {"a": 1}, "attached_agents must be a list of AttachedAgent"),
        (check_setup_agents, [_agent()] * 21, "attached_agents takes at most 20 agents, got 21"),
        (
            check_setup_agents,
            [_agent(), 1],
            "attached_agents[1] must be a AttachedAgent, got int",
        ),
    ],
)
def test_list_checks_keep_their_messages(check: Any, value: object, message: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        check(value)
    assert str(info.value) == message
