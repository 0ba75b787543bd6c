"""``client.with_raw_response``: the same calls, with status, headers, request id and latency."""

from __future__ import annotations

import inspect
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from bland_async import NotFoundError, RawResponse
from bland_async._sync._raw import RawAsyncBlandClient
from bland_async.models import Persona
from bland_async.testing import Fault
from tests.client._tree import resource_tree

if TYPE_CHECKING:
    from bland_async import AsyncBlandClient
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio


async def test_a_raw_get_reports_the_response(fake: FakeBland, bland: AsyncBlandClient) -> None:
    persona = fake.seed_persona("Support")
    raw = await bland.with_raw_response.personas.get(persona["id"])
    assert isinstance(raw, RawResponse)
    assert raw.status == 200
    assert raw.request_id == fake.requests[-1].request_id
    assert raw.headers["x-request-id"] == raw.request_id  # case-insensitive names
    assert raw.headers["Content-Type"].startswith("application/json")
    assert isinstance(raw.elapsed, timedelta)
    assert raw.elapsed.total_seconds() > 0
    assert (raw.method, raw.route) == ("GET", "/v1/personas/{persona_id}")
    parsed = raw.parse()
    assert isinstance(parsed, Persona)
    assert parsed == await bland.personas.get(persona["id"])
    assert "GET /v1/personas/{persona_id} 200" in repr(raw)


async def test_headers_of_a_successful_call_are_reachable(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("Support")
    body = {"data": (await bland.personas.get(persona["id"])).to_dict(), "errors": None}
    fake.inject(
        "GET /v1/personas/{persona_id}",
        Fault.status(
            200, headers={"X-RateLimit-Remaining": "4", "X-RateLimit-Limit": "5"}, body=body
        ),
        times=1,
    )
    raw = await bland.with_raw_response.personas.get(persona["id"])
    assert raw.headers["x-ratelimit-remaining"] == "4"
    assert raw.headers["X-RateLimit-Limit"] == "5"
    assert raw.parse().id == persona["id"]


async def test_composite_calls_report_their_last_exchange(
    fake: FakeBland, bland: AsyncBlandClient
) -> None:
    persona = fake.seed_persona("Support", draft_changes={"kb_ids": ["k"]})
    raw = await bland.with_raw_response.personas.promote(persona["id"], only_if_changed=True)
    assert raw.route == "/v1/personas/{persona_id}/versions/promote"
    assert raw.request_id == fake.requests[-1].request_id
    again = await bland.with_raw_response.personas.promote(persona["id"], only_if_changed=True)
    assert (again.method, again.route) == ("GET", "/v1/personas/{persona_id}")  # skipped
    setup = fake.seed_workbench_setup("QA")
    deleted = await bland.with_raw_response.evals.workbench_setups.delete(setup["setup"]["id"])
    assert deleted.status == 204
    assert deleted.parse() is None
    report = await bland.with_raw_response.personas.promote_many([persona["id"]])
    assert report.parse().ok


async def test_errors_raise_as_usual(fake: FakeBland, bland: AsyncBlandClient) -> None:
    with pytest.raises(NotFoundError):
        await bland.with_raw_response.personas.get("missing")
    persona = fake.seed_persona()
    # The raw view leaves nothing behind: the next plain call is plain.
    assert isinstance(await bland.personas.get(persona["id"]), Persona)


def _async_methods(obj: object) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(type(obj))
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


async def test_every_awaitable_method_has_a_raw_twin(bland: AsyncBlandClient) -> None:
    raw = bland.with_raw_response
    assert isinstance(raw, RawAsyncBlandClient)
    tree = resource_tree(bland)
    assert len(tree) == 11
    for path, resource in tree.items():
        view: object = raw
        for part in path.split(".")[1:]:
            view = getattr(view, part)
        for name in _async_methods(resource):
            assert callable(getattr(view, name)), f"{path}.{name}"
        assert not hasattr(view, "iterate")
