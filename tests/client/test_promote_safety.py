"""promote's promises when every route it touches misbehaves, judged by the fake's state."""

from __future__ import annotations

import pickle

import pytest

from bland_async import (
    APIConnectionError,
    APIStatusError,
    AsyncBlandClient,
    InternalServerError,
    RateLimitError,
    ResponseValidationError,
)
from bland_async.testing import FakeBland, Fault
from tests.conftest import fast_client

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"
GET = "GET /v1/personas/{persona_id}"
ALWAYS_429 = Fault.status(429, headers={"Retry-After": "0"})


def promotions(fake: FakeBland, persona_id: str) -> int:
    """New production versions the fake made for this persona (from its state)."""
    return sum(
        1
        for v in fake.state.persona_versions.values()
        if v["persona_id"] == persona_id and v["promoted_by"] is not None
    )


def posts(fake: FakeBland) -> int:
    return sum(1 for r in fake.requests if r.method == "POST")


async def test_failed_reconciliation_read_says_it_may_have_applied(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(), times=1)
    fake.inject(GET, ALWAYS_429)
    with pytest.raises(APIConnectionError) as info:
        await bland.personas.promote(persona["id"])
    err = info.value
    assert not isinstance(err, RateLimitError)
    assert err.may_have_been_applied
    assert pickle.loads(pickle.dumps(err)).may_have_been_applied
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


@pytest.mark.parametrize("read_fault", [ALWAYS_429, Fault.status(500), Fault.drop()])
async def test_bulk_never_resends_a_promotion_that_may_have_applied(
    fake: FakeBland, bland: AsyncBlandClient, read_fault: Fault
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(), times=1)
    fake.inject(GET, read_fault)
    report = await bland.personas.promote_many([persona["id"]])
    assert list(report.failed) == [persona["id"]]
    assert report.failed[persona["id"]].may_have_been_applied  # type: ignore[attr-defined]
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


async def test_settled_500_then_failed_read_says_it_may_have_applied(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(status=500), times=1)
    fake.inject(GET, ALWAYS_429)
    with pytest.raises(InternalServerError) as info:
        await bland.personas.promote(persona["id"])
    assert info.value.may_have_been_applied
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


async def test_bulk_after_a_settled_500_and_failed_reads_does_not_resend(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(status=500), times=1)
    fake.inject(GET, ALWAYS_429)
    report = await bland.personas.promote_many([persona["id"]])
    assert report.failed[persona["id"]].may_have_been_applied  # type: ignore[attr-defined]
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_gateway_error_says_it_may_have_applied(fake: FakeBland, status: int) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.status(status))
    async with fast_client(fake) as client:
        with pytest.raises(InternalServerError) as info:
            await client.personas.promote(persona["id"])
    assert info.value.status == status
    assert info.value.may_have_been_applied
    assert "may have been applied" in str(info.value)
    assert posts(fake) == 1  # looked, never resent


async def test_a_429_on_the_post_itself_is_refused(fake: FakeBland) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, ALWAYS_429)
    async with fast_client(fake, max_retries=1) as client:
        with pytest.raises(RateLimitError) as info:
            await client.personas.promote(persona["id"])
    assert not info.value.may_have_been_applied
    assert promotions(fake, persona["id"]) == 0


async def test_status_errors_say_whether_they_may_have_applied(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    with pytest.raises(APIStatusError) as info:
        await bland.personas.get("missing")
    assert info.value.may_have_been_applied is False


async def test_reconciled_success_means_production_is_the_draft(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    """The documented end state: after a promote whose POSTs fail, success means production
    was promoted from the current draft after its last edit (here: by the first call)."""
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    first = await bland.personas.promote(persona["id"])
    fake.inject(PROMOTE, Fault.status(500))
    again = await bland.personas.promote(persona["id"])
    assert again.current_production_version == first.current_production_version
    assert bland.stats.reconciled == 1
    assert promotions(fake, persona["id"]) == 1
    # An edit after that promotion makes the draft differ: the failure is reported.
    await bland.personas.update(persona["id"], personality_prompt="v3")
    with pytest.raises(InternalServerError) as info:
        await bland.personas.promote(persona["id"])
    assert not info.value.may_have_been_applied  # each POST answered 500, each read showed it
    assert promotions(fake, persona["id"]) == 1


async def test_a_promotion_whose_answer_cannot_be_read_is_reconciled(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(status=200), times=1)  # 2xx, no persona in it
    promoted = await bland.personas.promote(persona["id"])
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.personality_prompt == "v2"
    assert bland.stats.reconciled == 1
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


async def test_an_unreadable_answer_and_unreadable_reads_say_it_may_have_applied(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona(draft_changes={"personality_prompt": "v2"})
    fake.inject(PROMOTE, Fault.apply_then_fail(status=200), times=1)
    fake.inject(GET, Fault.malformed())
    report = await bland.personas.promote_many([persona["id"]])
    error = report.failed[persona["id"]]
    assert isinstance(error, ResponseValidationError)
    assert error.may_have_been_applied
    assert "[may have been applied]" in str(error)
    assert promotions(fake, persona["id"]) == 1
    assert posts(fake) == 1


async def test_a_create_whose_answer_cannot_be_read_says_it_was_applied(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    fake.inject("POST /v1/personas", Fault.apply_then_fail(status=200), times=1)
    with pytest.raises(ResponseValidationError) as info:
        await bland.personas.create(name="once")
    assert info.value.may_have_been_applied
    fake.inject("GET /v1/personas", Fault.malformed(), times=1)
    with pytest.raises(ResponseValidationError) as read:
        await bland.personas.list()
    assert not read.value.may_have_been_applied
