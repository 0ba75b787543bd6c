"""The release workflow: diff, only-if-changed promotion, reset and rollback, judged by the fake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from bland_async import (
    BlandError,
    InvalidRequestError,
    NoDraftVersionError,
    PersonaNotFoundError,
    VersionNotFoundError,
)
from bland_async.models import FieldChange, PersonaDiff
from bland_async.models._release import CONFIG_FIELDS
from bland_async.testing import Fault

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from bland_async import AsyncBlandClient
    from bland_async._bulk import BulkProgress
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"
PROMOTE_ROUTE = "/v1/personas/{persona_id}/versions/promote"


def _promote_posts(fake: FakeBland) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.route == PROMOTE_ROUTE)


def _config(fake: FakeBland, version_id: str) -> dict[str, Any]:
    """A version's configuration as the fake stores it."""
    version = fake.state.persona_versions[version_id]
    return {key: version[key] for key in CONFIG_FIELDS}


def _live(fake: FakeBland, persona_id: str) -> dict[str, Any]:
    persona = fake.state.personas[persona_id]
    return fake.state.persona_versions[persona["current_production_version_id"]]


async def test_diff_shows_each_changed_field_by_value(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(
        "Support",
        personality_prompt="Be patient.",
        call_config={"voice": "June", "record": True},
        kb_ids=["kb-1"],
        draft_changes={
            "personality_prompt": "Be brief.",
            "call_config": {"voice": "Ryan", "record": True},
        },
    )
    diff = await bland.personas.diff(persona["id"])
    assert isinstance(diff, PersonaDiff)
    assert diff.changed
    assert list(diff.changes) == ["personality_prompt", "call_config"]
    assert diff.changes["personality_prompt"] == FieldChange(
        production="Be patient.", draft="Be brief."
    )
    assert diff.changes["call_config"] == FieldChange(
        production={"voice": "June", "record": True}, draft={"voice": "Ryan", "record": True}
    )
    assert diff.persona_id == persona["id"]
    assert diff.production_version_id == persona["current_production_version_id"]
    assert diff.draft_version_id == persona["current_draft_version_id"]
    assert diff.request_id is not None
    assert diff.request_id == fake.requests[-1].request_id
    text = str(diff)
    assert "2 field(s) differ" in text
    assert '- "Be patient."' in text
    assert '+ "Be brief."' in text
    assert "kb_ids" not in text


async def test_diff_of_an_unchanged_draft_and_of_no_draft(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    same = fake.seed_persona("Same", personality_prompt="x")
    none = fake.seed_persona("No draft", with_draft=False)
    diff = await bland.personas.diff(same["id"])
    assert not diff.changed
    assert diff.changes == {}
    assert str(diff).endswith(": no changes")
    assert not (await bland.personas.diff(none["id"])).changed
    with pytest.raises(PersonaNotFoundError):
        await bland.personas.diff("missing")


async def test_diff_reports_an_emptied_list_and_a_cleared_object(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(
        "Lists",
        kb_ids=["kb-1", "kb-2"],
        call_config={"voice": "June"},
        draft_changes={"kb_ids": [], "call_config": None},
    )
    diff = await bland.personas.diff(persona["id"])
    assert diff.changes == {
        "kb_ids": FieldChange(production=["kb-1", "kb-2"], draft=[]),
        "call_config": FieldChange(production={"voice": "June"}, draft=None),
    }


async def test_long_values_are_shortened_in_str(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona(
        "Long", personality_prompt="a" * 500, draft_changes={"personality_prompt": "b" * 500}
    )
    diff = await bland.personas.diff(persona["id"])
    values = [line for line in str(diff).splitlines() if line.lstrip()[:1] in "-+"]
    assert len(values) == 2
    assert all(len(line) <= 130 and line.endswith("...") for line in values)
    assert diff.changes["personality_prompt"].draft == "b" * 500


async def test_promote_only_if_changed_sends_no_post_when_nothing_changed(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("Same", personality_prompt="x")
    before = _live(fake, persona["id"])["id"]
    result = await bland.personas.promote(persona["id"], only_if_changed=True)
    assert _promote_posts(fake) == 0
    assert result.current_production_version_id == before
    assert fake.promotion_count(persona["id"]) == 0


async def test_promote_only_if_changed_promotes_a_changed_draft_once(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("Edited", draft_changes={"personality_prompt": "new"})
    first = await bland.personas.promote(persona["id"], only_if_changed=True)
    assert fake.promotion_count(persona["id"]) == 1
    assert _live(fake, persona["id"])["personality_prompt"] == "new"
    again = await bland.personas.promote(persona["id"], only_if_changed=True)
    assert fake.promotion_count(persona["id"]) == 1
    assert _promote_posts(fake) == 1
    assert again.current_production_version_id == first.current_production_version_id


async def test_promote_only_if_changed_with_no_draft_is_left_alone(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("No draft", with_draft=False)
    result = await bland.personas.promote(persona["id"], only_if_changed=True)
    assert result.current_draft_version is None
    assert _promote_posts(fake) == 0
    with pytest.raises(NoDraftVersionError):
        await bland.personas.promote(persona["id"])


async def test_only_if_changed_must_be_a_bool(fake: FakeBland, bland: AsyncBlandClient) -> None:
    with pytest.raises(InvalidRequestError, match="only_if_changed"):
        await bland.personas.promote("p", only_if_changed="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="only_if_changed"):
        await bland.personas.promote_many(["p"], only_if_changed=1)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_promote_many_only_if_changed_and_its_rerun(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = []
    changed = set()
    for i in range(30):
        if i % 3 == 0:
            p = fake.seed_persona(f"p{i}", draft_changes={"personality_prompt": f"v2 {i}"})
            changed.add(p["id"])
        else:
            p = fake.seed_persona(f"p{i}")
        ids.append(p["id"])
    ids.append("missing")
    progress: list[BulkProgress] = []
    report = await bland.personas.promote_many(
        ids, concurrency=4, only_if_changed=True, on_progress=progress.append
    )
    assert list(report.succeeded) == [i for i in ids if i in changed]
    assert list(report.skipped) == [i for i in ids if i not in changed and i != "missing"]
    assert list(report.failed) == ["missing"]
    assert len(report) == 31
    assert _promote_posts(fake) == 10
    for persona_id in ids[:-1]:
        assert fake.promotion_count(persona_id) == (1 if persona_id in changed else 0)
    last = progress[-1]
    assert (last.done, last.succeeded, last.skipped, last.failed, last.total) == (31, 10, 20, 1, 31)
    assert repr(report) == "BulkResult(succeeded=10, failed=1, skipped=20)"

    fake.clear_requests()
    rerun = await bland.personas.promote_many(ids[:-1], concurrency=4, only_if_changed=True)
    assert _promote_posts(fake) == 0
    assert list(rerun.skipped) == ids[:-1]
    assert rerun.succeeded == {}
    assert rerun.ok


async def test_promote_each_marks_skipped_outcomes(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    edited = fake.seed_persona("Edited", draft_changes={"personality_prompt": "new"})["id"]
    same = fake.seed_persona("Same")["id"]
    outcomes = {
        o.id: o
        async for o in bland.personas.promote_each([edited, same, "gone"], only_if_changed=True)
    }
    assert not outcomes[edited].skipped
    assert outcomes[edited].ok
    assert outcomes[same].skipped
    assert outcomes[same].ok
    assert outcomes[same].result is not None
    assert outcomes[same].result.id == same
    assert not outcomes["gone"].ok
    assert not outcomes["gone"].skipped


async def test_total_hint_gives_a_generator_a_denominator(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    ids = [fake.seed_persona(f"p{i}", draft_changes={"kb_ids": ["k"]})["id"] for i in range(5)]
    progress: list[BulkProgress] = []
    await bland.personas.promote_many(
        (i for i in ids), total=len(ids), concurrency=2, on_progress=progress.append
    )
    assert [p.total for p in progress] == [5] * 5
    assert [p.done for p in progress] == [1, 2, 3, 4, 5]
    assert all(p.elapsed > 0 for p in progress)
    assert progress[-1].rate == pytest.approx(5 / progress[-1].elapsed)

    async def agen() -> AsyncIterator[str]:
        for i in ids:
            yield i

    seen: list[BulkProgress] = []
    async for _ in bland.personas.promote_each(agen(), total=7, on_progress=seen.append):
        pass
    assert {p.total for p in seen} == {7}
    with pytest.raises(InvalidRequestError, match="total"):
        await bland.personas.promote_many(ids, total=-1)


async def test_reset_draft_writes_production_onto_the_draft(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(
        "Support",
        personality_prompt="live",
        kb_ids=["kb-1"],
        call_config={"voice": "June"},
        draft_changes={"personality_prompt": "staged", "kb_ids": [], "call_config": None},
    )
    pid = persona["id"]
    production = persona["current_production_version_id"]
    result = await bland.personas.reset_draft(pid)
    draft_id = fake.state.personas[pid]["current_draft_version_id"]
    assert _config(fake, draft_id) == _config(fake, production)
    assert fake.state.personas[pid]["current_production_version_id"] == production
    assert fake.promotion_count(pid) == 0
    assert not (await bland.personas.diff(pid)).changed
    assert result.current_draft_version is not None
    assert result.current_draft_version.personality_prompt == "live"
    patch = next(r for r in fake.requests if r.method == "PATCH")
    assert patch.json["name"] == "Support"


async def test_reset_draft_without_a_draft(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona("No draft", with_draft=False)
    with pytest.raises(NoDraftVersionError):
        await bland.personas.reset_draft(persona["id"])


async def _released_twice(fake: FakeBland, bland: AsyncBlandClient) -> tuple[str, str]:
    """A persona on its third production version; returns (persona id, version 1 id)."""
    persona = fake.seed_persona(
        "Support", personality_prompt="first", call_config={"voice": "June"}, kb_ids=["a"]
    )
    pid = persona["id"]
    v1 = persona["current_production_version_id"]
    await bland.personas.update(pid, personality_prompt="second", kb_ids=["b"])
    await bland.personas.promote(pid)
    await bland.personas.update(pid, personality_prompt="third")
    await bland.personas.promote(pid)
    fake.clear_requests()
    return pid, v1


async def test_rollback_makes_the_target_configuration_live_as_a_new_version(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    pid, v1 = await _released_twice(fake, bland)
    before = _live(fake, pid)
    result = await bland.personas.rollback(pid, v1)
    live = _live(fake, pid)
    assert _config(fake, live["id"]) == _config(fake, v1)
    assert live["version_number"] > before["version_number"]
    assert fake.state.persona_versions[before["id"]]["version_type"] == "archived"
    assert fake.promotion_count(pid) == 3
    assert _promote_posts(fake) == 1
    assert result.current_production_version_id == live["id"]
    draft_id = fake.state.personas[pid]["current_draft_version_id"]
    assert _config(fake, draft_id) == _config(fake, v1)
    assert not (await bland.personas.diff(pid)).changed


@pytest.mark.parametrize(
    "route",
    [
        PROMOTE,
        "GET /v1/personas/{persona_id}",
        "GET /v1/personas/{persona_id}/versions/{version_id}",
        "PATCH /v1/personas/{persona_id}",
    ],
)
async def test_rollback_under_faults_on_every_route_makes_at_most_one_version(
    fake: FakeBland, bland: AsyncBlandClient, route: str
) -> None:
    pid, v1 = await _released_twice(fake, bland)
    fake.inject(route, Fault.apply_then_fail(), times=1)
    fake.inject(route, Fault.status(503), times=1)
    fake.inject("*", Fault.status(429, headers={"Retry-After": "0"}), every=4, times=3)
    result = await bland.personas.rollback(pid, v1)
    assert fake.promotion_count(pid) == 3
    live = _live(fake, pid)
    assert _config(fake, live["id"]) == _config(fake, v1)
    assert result.current_production_version_id == live["id"]


async def test_rollback_to_another_personas_version(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    pid, _ = await _released_twice(fake, bland)
    other = fake.seed_persona("Other")
    with pytest.raises(VersionNotFoundError):
        await bland.personas.rollback(pid, other["current_production_version_id"])
    assert fake.promotion_count(pid) == 2
    assert not any(r.method in ("PATCH", "POST") for r in fake.requests)


async def test_rollback_refuses_to_promote_a_draft_the_update_did_not_take(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    pid, v1 = await _released_twice(fake, bland)
    draft_id = fake.state.personas[pid]["current_draft_version_id"]
    # A server that answers the update with the persona as it was, without applying it.
    unchanged = (await bland.personas.get(pid)).to_dict()
    fake.inject(
        "PATCH /v1/personas/{persona_id}",
        Fault.status(200, body={"data": unchanged, "errors": None}),
        times=1,
    )
    with pytest.raises(BlandError, match="still differs in personality_prompt, kb_ids"):
        await bland.personas.rollback(pid, v1)
    assert fake.promotion_count(pid) == 2
    assert fake.state.persona_versions[draft_id]["personality_prompt"] == "third"
