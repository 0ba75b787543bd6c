"""Every documented Evals rule is checked before anything is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

from bland_async import AsyncBlandClient, InvalidRequestError
from bland_async.models import AttachedAgent, Level

if TYPE_CHECKING:
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

Call = Callable[[AsyncBlandClient], Awaitable[Any]]

A = "agent-1"
V = "version-1"
S = "setup-1"


def lv(key: str = "good", **kw: Any) -> Level:
    fields: dict[str, Any] = {"level_key": key, "label": key.title(), "prompt_md": "p"}
    fields.update(kw)
    return Level(**fields)


def full_agent(**kw: Any) -> AttachedAgent:
    fields: dict[str, Any] = {
        "eval_agent_id": A,
        "eval_agent_version_id": V,
        "weight": 50,
        "target_level_keys": ["good"],
    }
    fields.update(kw)
    return AttachedAgent(**fields)


RUN_OK: dict[str, Any] = {"call_ids": ["c1"], "attached_agents": [AttachedAgent(eval_agent_id=A)]}


def run_args(**kw: Any) -> dict[str, Any]:
    return {**RUN_OK, **kw}


BAD_CALLS: dict[str, Call] = {
    # cursor lists
    "agents.list limit 0": lambda b: b.evals.agents.list(limit=0),
    "agents.list limit 101": lambda b: b.evals.agents.list(limit=101),
    "agents.list both cursors": lambda b: b.evals.agents.list(
        starting_after="a", ending_before="b"
    ),
    "agent versions both cursors": lambda b: b.evals.agents.versions.list(
        A, starting_after="a", ending_before="b"
    ),
    "setups.list both cursors": lambda b: b.evals.workbench_setups.list(
        starting_after="a", ending_before="b"
    ),
    "setup versions both cursors": lambda b: b.evals.workbench_setups.versions.list(
        S, starting_after="a", ending_before="b"
    ),
    "runs.list both cursors": lambda b: b.evals.runs.list(starting_after="a", ending_before="b"),
    "runs.list bad status": lambda b: b.evals.runs.list(status="DONE"),  # type: ignore[arg-type]
    "runs.list bad triggered_by": lambda b: b.evals.runs.list(
        triggered_by="cron"  # type: ignore[arg-type]
    ),
    "call_results both cursors": lambda b: b.evals.runs.call_results(
        "r", starting_after="a", ending_before="b"
    ),
    "call_results include not bool": lambda b: b.evals.runs.call_results(
        "r",
        include_agent_results="yes",  # type: ignore[arg-type]
    ),
    "agent_results limit": lambda b: b.evals.runs.agent_results("r", limit=1000),
    "user_templates both cursors": lambda b: b.evals.user_templates.list(
        starting_after="a", ending_before="b"
    ),
    # agents
    "agent create empty name": lambda b: b.evals.agents.create(name=""),
    "agent create long name": lambda b: b.evals.agents.create(name="x" * 201),
    "agent create bad modality": lambda b: b.evals.agents.create(
        name="n",
        modality="video",  # type: ignore[arg-type]
    ),
    "agent update long name": lambda b: b.evals.agents.update(A, name="x" * 201),
    "agent create blank name": lambda b: b.evals.agents.create(name="  "),
    "agent update blank name": lambda b: b.evals.agents.update(A, name="\u3000"),
    "agent version create blank name": lambda b: b.evals.agents.versions.create(A, name=" "),
    "agent version update blank name": lambda b: b.evals.agents.versions.update(A, V, name="\n"),
    "agent update metadata int value": lambda b: b.evals.agents.update(
        A,
        metadata={"k": 1},  # type: ignore[dict-item]
    ),
    "agent update metadata not a map": lambda b: b.evals.agents.update(
        A,
        metadata=["k"],  # type: ignore[arg-type]
    ),
    # agent versions
    "agent version create long name": lambda b: b.evals.agents.versions.create(A, name="x" * 201),
    "agent version update empty name": lambda b: b.evals.agents.versions.update(A, V, name=""),
    "system prompt > 8000": lambda b: b.evals.agents.versions.update(
        A, V, system_prompt_md="x" * 8001
    ),
    "prompt > 8000": lambda b: b.evals.agents.versions.update(A, V, prompt_md="x" * 8001),
    "six levels": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv(f"k{i}") for i in range(6)]
    ),
    "levels not a list": lambda b: b.evals.agents.versions.update(
        A,
        V,
        levels=lv(),  # type: ignore[arg-type]
    ),
    "level not a Level": lambda b: b.evals.agents.versions.update(
        A,
        V,
        levels=[{"level_key": "a", "label": "A", "prompt_md": "p"}],  # type: ignore[list-item]
    ),
    "level_key empty": lambda b: b.evals.agents.versions.update(A, V, levels=[lv(""), lv("b")]),
    "level_key 65": lambda b: b.evals.agents.versions.update(A, V, levels=[lv("k" * 65), lv()]),
    "level_key duplicate": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a"), lv("a")]
    ),
    "label empty": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a", label=""), lv("b")]
    ),
    "label 81": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a", label="x" * 81), lv("b")]
    ),
    "level prompt empty": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a", prompt_md=""), lv("b")]
    ),
    "level color unknown": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a", color="#22c55e"), lv("b")]
    ),
    "targets with pass/fail": lambda b: b.evals.agents.versions.update(
        A, V, levels=[], target_level_keys=["good"]
    ),
    "target not a level": lambda b: b.evals.agents.versions.update(
        A, V, levels=[lv("a"), lv("b")], target_level_keys=["c"]
    ),
    "targets not a list": lambda b: b.evals.agents.versions.update(
        A,
        V,
        target_level_keys="good",  # type: ignore[arg-type]
    ),
    "weight > 100": lambda b: b.evals.agents.versions.update(A, V, weight=100.5),
    "weight < 0": lambda b: b.evals.agents.versions.update(A, V, weight=-1),
    "weight bool": lambda b: b.evals.agents.versions.update(A, V, weight=True),
    "agent version bad modality": lambda b: b.evals.agents.versions.update(
        A,
        V,
        modality="full",  # type: ignore[arg-type]
    ),
    # setups
    "setup create empty name": lambda b: b.evals.workbench_setups.create(name=""),
    "setup create long name": lambda b: b.evals.workbench_setups.create(name="x" * 201),
    "setup create blank name": lambda b: b.evals.workbench_setups.create(name="   "),
    "setup update blank name": lambda b: b.evals.workbench_setups.update(S, name="\t\n"),
    "setup update long name": lambda b: b.evals.workbench_setups.update(S, name="x" * 201),
    "setup update metadata": lambda b: b.evals.workbench_setups.update(
        S,
        metadata={"k": None},  # type: ignore[dict-item]
    ),
    "setup version 21 agents": lambda b: b.evals.workbench_setups.versions.update(
        S, V, attached_agents=[full_agent()] * 21
    ),
    "setup version agent without version": lambda b: b.evals.workbench_setups.versions.update(
        S, V, attached_agents=[AttachedAgent(eval_agent_id=A, weight=1, target_level_keys=["g"])]
    ),
    "setup version agent no targets": lambda b: b.evals.workbench_setups.versions.update(
        S, V, attached_agents=[full_agent(target_level_keys=[])]
    ),
    "setup version weight 101": lambda b: b.evals.workbench_setups.versions.update(
        S, V, attached_agents=[full_agent(weight=101)]
    ),
    "setup version threshold 101": lambda b: b.evals.workbench_setups.versions.update(
        S, V, pass_threshold_pct=101
    ),
    "setup version threshold float": lambda b: b.evals.workbench_setups.versions.update(
        S,
        V,
        pass_threshold_pct=50.5,  # type: ignore[arg-type]
    ),
    "setup version 5001 default calls": lambda b: b.evals.workbench_setups.versions.update(
        S, V, default_call_ids=["c"] * 5001
    ),
    "setup version fork long name": lambda b: b.evals.workbench_setups.versions.create(
        S, name="x" * 201
    ),
    "setup version fork blank name": lambda b: b.evals.workbench_setups.versions.create(
        S, name=" "
    ),
    "setup version update blank name": lambda b: b.evals.workbench_setups.versions.update(
        S, V, name=" " * 200
    ),
    # runs
    "run no call ids": lambda b: b.evals.runs.create(**run_args(call_ids=[])),
    "run 5001 call ids": lambda b: b.evals.runs.create(**run_args(call_ids=["c"] * 5001)),
    "run call id not str": lambda b: b.evals.runs.create(**run_args(call_ids=[1])),
    "run call ids bare str": lambda b: b.evals.runs.create(**run_args(call_ids="c1")),
    "run 51 agents": lambda b: b.evals.runs.create(
        **run_args(attached_agents=[AttachedAgent(eval_agent_id=A)] * 51)
    ),
    "run agent empty id": lambda b: b.evals.runs.create(
        **run_args(attached_agents=[AttachedAgent(eval_agent_id="")])
    ),
    "run agent weight 101": lambda b: b.evals.runs.create(
        **run_args(attached_agents=[AttachedAgent(eval_agent_id=A, weight=101)])
    ),
    "run agent not a model": lambda b: b.evals.runs.create(
        **run_args(attached_agents=[{"eval_agent_id": A}])
    ),
    "run agents bare str": lambda b: b.evals.runs.create(call_ids=["c1"], attached_agents="a"),
    "setup version agents bare str": lambda b: b.evals.workbench_setups.versions.update(
        S,
        V,
        attached_agents="a",  # type: ignore[arg-type]
    ),
    "run threshold 101": lambda b: b.evals.runs.create(**run_args(pass_threshold_pct=101)),
    "run threshold negative": lambda b: b.evals.runs.create(**run_args(pass_threshold_pct=-0.1)),
    "run threshold None": lambda b: b.evals.runs.create(**run_args(pass_threshold_pct=None)),
    "run neither agents nor setup": lambda b: b.evals.runs.create(call_ids=["c1"]),
    "run empty agents, no setup": lambda b: b.evals.runs.create(
        call_ids=["c1"], attached_agents=[]
    ),
    "run setup id alone": lambda b: b.evals.runs.create(**run_args(workbench_setup_id=S)),
    "run setup version alone": lambda b: b.evals.runs.create(
        call_ids=["c1"], workbench_setup_version_id=V
    ),
    "run metadata int": lambda b: b.evals.runs.create(**run_args(metadata={"k": 1})),
    "run metadata int key": lambda b: b.evals.runs.create(**run_args(metadata={1: "v"})),
    "run bad run_mode": lambda b: b.evals.runs.create(**run_args(run_mode="video")),
    "run bad triggered_by": lambda b: b.evals.runs.create(**run_args(triggered_by="cron")),
    "estimate no call ids": lambda b: b.evals.runs.estimate(**run_args(call_ids=[])),
    "estimate setup id alone": lambda b: b.evals.runs.estimate(
        call_ids=["c1"], workbench_setup_id=S
    ),
    "estimate 51 agents": lambda b: b.evals.runs.estimate(
        **run_args(attached_agents=[AttachedAgent(eval_agent_id=A)] * 51)
    ),
    "wait timeout 0": lambda b: b.evals.runs.wait("r", timeout=0),
    "wait negative poll": lambda b: b.evals.runs.wait("r", poll_interval=-1),
    "wait infinite timeout": lambda b: b.evals.runs.wait("r", timeout=float("inf")),
    "cancel empty id": lambda b: b.evals.runs.cancel(""),
    # user templates
    "user template name 121": lambda b: b.evals.user_templates.create(name="x" * 121),
    "user template description 4001": lambda b: b.evals.user_templates.create(
        name="n", description="x" * 4001
    ),
    "user template category 65": lambda b: b.evals.user_templates.create(
        name="n", category="x" * 65
    ),
    "user template prompt 50001": lambda b: b.evals.user_templates.create(
        name="n", prompt_md="x" * 50001
    ),
    "user template system prompt 50001": lambda b: b.evals.user_templates.update(
        "t", system_prompt_md="x" * 50001
    ),
    "user template bad visibility": lambda b: b.evals.user_templates.create(
        name="n",
        visibility="team",  # type: ignore[arg-type]
    ),
    "user template bad level": lambda b: b.evals.user_templates.update(
        "t", levels=[lv("a", label="x" * 81)]
    ),
    "user template version without agent": lambda b: b.evals.user_templates.create(
        from_version_id=V
    ),
    "user template update category 65": lambda b: b.evals.user_templates.update(
        "t", category="x" * 65
    ),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
async def test_rule_is_checked_before_sending(
    call: Call, bland: AsyncBlandClient, fake: FakeBland
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await call(bland)
    assert isinstance(info.value, ValueError)
    assert fake.requests == []


BLANK_NAME_CALLS: dict[str, Call] = {
    "setup create": lambda b: b.evals.workbench_setups.create(name=" \u3000 "),
    "setup update": lambda b: b.evals.workbench_setups.update(S, name=" \u3000 "),
    "setup version fork": lambda b: b.evals.workbench_setups.versions.create(S, name=" \u3000 "),
    "setup version update": lambda b: b.evals.workbench_setups.versions.update(
        S, V, name=" \u3000 "
    ),
}


@pytest.mark.parametrize("call", BLANK_NAME_CALLS.values(), ids=BLANK_NAME_CALLS.keys())
async def test_blank_setup_names_are_refused_with_a_clear_message(
    call: Call, bland: AsyncBlandClient, fake: FakeBland
) -> None:
    with pytest.raises(InvalidRequestError, match=r"^name must not be blank \(only whitespace\)$"):
        await call(bland)
    assert fake.requests == []


async def test_setup_names_with_text_are_sent_unchanged(
    bland: AsyncBlandClient, fake: FakeBland
) -> None:
    created = await bland.evals.workbench_setups.create(name=" QA ")
    assert created.setup.name == " QA "
    setup_id = created.setup.id
    renamed = await bland.evals.workbench_setups.update(setup_id, name="x")
    assert renamed.setup.name == "x"
    fork = await bland.evals.workbench_setups.versions.create(setup_id, name=" Fork")
    assert fork.name == " Fork"
    updated = await bland.evals.workbench_setups.versions.update(setup_id, fork.id, name="v2\t")
    assert updated.name == "v2\t"
    assert [r.json.get("name") for r in fake.requests] == [" QA ", "x", " Fork", "v2\t"]


def test_iterate_checks_arguments_eagerly() -> None:
    bland = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
    with pytest.raises(InvalidRequestError):
        bland.evals.agents.iterate(limit=0)
    with pytest.raises(InvalidRequestError):
        bland.evals.agents.versions.iterate(A, limit=101)
    with pytest.raises(InvalidRequestError):
        bland.evals.workbench_setups.iterate(limit=0)
    with pytest.raises(InvalidRequestError):
        bland.evals.runs.iterate(status="done")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        bland.evals.runs.iterate_call_results("r", limit=0)
    with pytest.raises(InvalidRequestError):
        bland.evals.runs.iterate_agent_results("r", limit=0)
    with pytest.raises(InvalidRequestError):
        bland.evals.user_templates.iterate(limit=500)
