"""The fake's server machinery: lifecycle, auth, routing, recorder, faults, Evals gate."""

from __future__ import annotations

import asyncio
import io
import re
import time

import aiohttp
import pytest

import bland_async.testing
from bland_async.testing import FakeBland, Fault, RecordedRequest
from tests.fake._helpers import REQUEST_ID, Api

pytestmark = pytest.mark.anyio

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"


def test_public_exports() -> None:
    exported = bland_async.testing.__all__
    assert exported == sorted(exported)
    assert {"FakeBland", "Fault", "FaultHandle", "RecordedRequest"} <= set(exported)
    for name in exported:
        assert getattr(bland_async.testing, name).__doc__


# --- lifecycle -----------------------------------------------------------------


async def test_url_and_lifecycle() -> None:
    fake = FakeBland(api_key="k-1")
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    async with fake:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake.url)
        assert fake.port > 0
        assert fake.url.endswith(f":{fake.port}")
        assert fake.api_key == "k-1"
        assert "127.0.0.1" in repr(fake)
        with pytest.raises(RuntimeError, match="once"):
            await fake.start()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    await fake.aclose()  # idempotent
    with pytest.raises(RuntimeError, match="once"):
        await fake.start()


async def test_closing_releases_requests_waiting_on_latency() -> None:
    async with aiohttp.ClientSession() as session:
        fake = FakeBland()
        async with fake:
            fake.inject("GET /v1/personas", Fault.latency(30))
            pending = asyncio.ensure_future(
                session.get(fake.url + "/v1/personas", headers={"authorization": "test-key"})
            )
            await fake.wait_for_requests(1, timeout=5)
            started = time.monotonic()
        assert time.monotonic() - started < 2
        async with await pending as response:
            assert response.status == 200


async def test_start_failure_leaves_nothing_running() -> None:
    async with FakeBland() as first:
        second = FakeBland(port=first.port)
        with pytest.raises(OSError, match="address already in use"):
            await second.start()
        with pytest.raises(RuntimeError, match="not running"):
            _ = second.url


# --- auth, routing, envelopes ----------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "wrong"}, {"authorization": "Bearer test-key"}],
    ids=["missing", "wrong", "bearer"],
)
async def test_auth_failures(api: Api, fake: FakeBland, headers: dict[str, str]) -> None:
    reply = await api.get("/v1/personas", auth=False, headers=headers)
    assert reply.status == 401
    assert reply.json == {
        "data": None,
        "errors": [{"error": "AUTH_FAILURE", "message": "Unauthorized"}],
    }
    assert fake.requests[-1].status == 401


async def test_auth_is_checked_on_every_area(api: Api) -> None:
    for path in ("/v1/evals/status", "/v1/evals/workbench-setups", "/v1/nowhere"):
        reply = await api.get(path, auth=False)
        assert reply.status == 401
        assert reply.error["error"] == "AUTH_FAILURE"


async def test_unknown_route_and_wrong_method(api: Api, fake: FakeBland) -> None:
    reply = await api.get("/v1/calls")
    assert reply.status == 404
    assert reply.error["error"] == "NOT_FOUND"
    reply = await api.get("/v1/personas/")  # trailing slash is another path
    assert reply.status == 404
    reply = await api.request("PUT", "/v1/personas")
    assert reply.status == 405
    assert reply.error["error"] == "METHOD_NOT_ALLOWED"
    assert set(reply.headers["Allow"].split(",")) >= {"GET", "POST"}
    assert [r.route for r in fake.requests] == [None, None, None]


async def test_invalid_json_and_non_object_bodies(api: Api) -> None:
    reply = await api.post(
        "/v1/personas", data=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert reply.status == 400
    assert reply.error["error"] == "INVALID_JSON"
    reply = await api.post("/v1/personas", json=["not", "an", "object"])
    assert reply.status == 400
    assert reply.error == {
        "error": "VALIDATION_ERROR",
        "message": "body must be a JSON object",
        "details": {"field": "body"},
    }


async def test_body_too_large(api: Api, fake: FakeBland) -> None:
    reply = await api.post("/v1/personas", data=io.BytesIO(b" " * (16 * 2**20 + 1)))
    assert reply.status == 413
    assert reply.error["error"] == "PAYLOAD_TOO_LARGE"
    assert (fake.requests[-1].status, fake.requests[-1].body) == (413, b"")


async def test_handler_crash_is_a_500_envelope(
    api: Api, fake: FakeBland, caplog: pytest.LogCaptureFixture
) -> None:
    persona = fake.seed_persona(name="P")
    fake.state.personas[persona["id"]]["current_draft_version_id"] = "dangling"
    reply = await api.get(f"/v1/personas/{persona['id']}")
    assert reply.status == 500
    assert reply.error == {"error": "INTERNAL_ERROR", "message": "Internal server error"}
    assert "fake Bland handler failed" in caplog.text


async def test_every_response_has_a_fresh_request_id(api: Api, fake: FakeBland) -> None:
    ok = await api.get("/v1/personas")
    missing = await api.get("/v1/personas/nope")
    denied = await api.get("/v1/personas", auth=False)
    ids = [r.headers["x-request-id"] for r in (ok, missing, denied)]
    assert len(set(ids)) == 3
    assert [r.request_id for r in fake.requests] == ids
    assert all(REQUEST_ID.fullmatch(i) for i in ids)


# --- recorder ----------------------------------------------------------------------


async def test_recorder_contents(api: Api, fake: FakeBland) -> None:
    fake.add_phone_number("+14155551234")
    persona = fake.seed_persona(name="Rec", inbound_numbers=["+14155551234"])
    path = f"/v1/personas/{persona['id']}/inbound/%2B14155551234/settings"
    await api.patch(path, json={"persona_settings": None}, headers={"X-Custom": "yes"})
    await api.delete(f"/v1/personas/{persona['id']}", params={"force": "true"})
    await api.get("/v1/personas", auth=False)

    first, second, third = fake.requests
    assert first == RecordedRequest(
        method="PATCH",
        path=path,
        route="/v1/personas/{persona_id}/inbound/{phone_number}/settings",
        query={},
        headers=first.headers,
        json={"persona_settings": None},
        body=b'{"persona_settings": null}',
        status=200,
        request_id=first.request_id,
    )
    assert first.headers["authorization"] == "test-key"
    assert first.headers["x-custom"] == "yes"
    assert first.headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in first.headers)
    assert (second.method, second.route, second.query) == (
        "DELETE",
        "/v1/personas/{persona_id}",
        {"force": "true"},
    )
    assert (second.json, second.body, second.status) == (None, b"", 200)
    assert (third.status, "authorization" in third.headers) == (401, False)

    snapshot = fake.requests
    fake.clear_requests()
    assert fake.requests == []
    assert len(snapshot) == 3


# --- faults --------------------------------------------------------------------------


async def test_status_fault_with_retry_after_fires_once_and_applies_nothing(
    api: Api, fake: FakeBland
) -> None:
    persona = fake.seed_persona(name="P", draft_changes={"personality_prompt": "new"})
    handle = fake.inject(PROMOTE, Fault.status(429, headers={"Retry-After": "0.05"}), times=1)
    path = f"/v1/personas/{persona['id']}/versions/promote"

    first = await api.post(path)
    assert first.status == 429
    assert first.headers["Retry-After"] == "0.05"
    assert first.error == {"error": "TOO_MANY_REQUESTS", "message": "Too Many Requests"}
    assert len(fake.state.persona_versions) == 2  # not applied

    second = await api.post(path)
    assert second.status == 200
    assert second.data["current_production_version"]["version_number"] == 3
    assert handle.hits == 1
    assert handle.matches == 2
    assert not handle.active
    assert [r.status for r in fake.requests] == [429, 200]


async def test_status_fault_bodies(api: Api, fake: FakeBland) -> None:
    fake.inject("GET /v1/personas", Fault.status(503), times=1)
    fake.inject("GET /v1/personas", Fault.status(500, body={"oops": True}), times=1)
    fake.inject("GET /v1/personas", Fault.status(502, body="<html>bad gateway</html>"), times=1)
    fake.inject(
        "GET /v1/personas",
        Fault.status(418, body=b"teapot", headers={"Content-Type": "text/plain"}),
        times=1,
    )
    fake.inject("GET /v1/personas", Fault.status(204), times=1)
    fake.inject("GET /v1/personas", Fault.status(599), times=1)
    fake.inject("GET /v1/personas", Fault.status(202), times=1)

    reply = await api.get("/v1/personas")
    assert (reply.status, reply.error["error"]) == (503, "INTERNAL_ERROR")
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.json) == (500, {"oops": True})
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.body) == (502, b"<html>bad gateway</html>")
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.body, reply.headers["Content-Type"]) == (
        418,
        b"teapot",
        "text/plain",
    )
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.body) == (204, b"")
    reply = await api.get("/v1/personas")
    assert reply.status == 599
    assert reply.error == {"error": "INTERNAL_ERROR", "message": "Injected fault"}
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.json) == (202, {"data": None, "errors": None})
    assert (await api.get("/v1/personas")).status == 200


async def test_every_and_after(api: Api, fake: FakeBland) -> None:
    every = fake.inject("GET /v1/personas", Fault.status(500), every=2)
    statuses = [(await api.get("/v1/personas")).status for _ in range(4)]
    assert statuses == [200, 500, 200, 500]
    assert every.hits == 2
    every.remove()
    every.remove()  # idempotent

    after = fake.inject("GET /v1/personas", Fault.status(500), after=1, times=2)
    statuses = [(await api.get("/v1/personas")).status for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    assert after.hits == 2

    combined = fake.inject("GET /v1/personas", Fault.status(500), after=1, every=2)
    statuses = [(await api.get("/v1/personas")).status for _ in range(5)]
    assert statuses == [200, 200, 500, 200, 500]
    assert combined.matches == 5


async def test_route_spec_matching(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P")
    fake.inject("/v1/personas/{persona_id}", Fault.status(500))  # any method
    assert (await api.get(f"/v1/personas/{persona['id']}")).status == 500
    assert (await api.patch(f"/v1/personas/{persona['id']}", json={"name": "x"})).status == 500
    assert (await api.get("/v1/personas")).status == 200  # other template
    fake.clear_faults()
    fake.inject("DELETE /v1/personas/{persona_id}", Fault.status(500))
    assert (await api.get(f"/v1/personas/{persona['id']}")).status == 200
    assert (await api.delete(f"/v1/personas/{persona['id']}")).status == 500


def test_inject_rejects_bad_specs_and_counts() -> None:
    fake = FakeBland()
    with pytest.raises(ValueError, match="not a route"):
        fake.inject("GET /v1/persona", Fault.drop())
    with pytest.raises(ValueError, match="not a route"):
        fake.inject("PUT /v1/personas", Fault.drop())
    with pytest.raises(ValueError, match="unknown HTTP method"):
        fake.inject("FETCH /v1/personas", Fault.drop())
    with pytest.raises(ValueError, match="must start with"):
        fake.inject("v1/personas", Fault.drop())
    with pytest.raises(ValueError, match="route spec"):
        fake.inject("GET /v1/personas extra", Fault.drop())
    with pytest.raises(ValueError, match="times"):
        fake.inject("/v1/personas", Fault.drop(), times=0)
    with pytest.raises(ValueError, match="every"):
        fake.inject("/v1/personas", Fault.drop(), every=0)
    with pytest.raises(ValueError, match="after"):
        fake.inject("/v1/personas", Fault.drop(), after=-1)
    with pytest.raises(ValueError, match="status"):
        Fault.status(99)
    with pytest.raises(ValueError, match="seconds"):
        Fault.latency(-1)
    handle = fake.inject("* /v1/personas", Fault.drop())
    assert handle.method is None
    assert "FaultHandle" in repr(handle)


async def test_latency_then_normal_handling(api: Api, fake: FakeBland) -> None:
    handle = fake.inject("POST /v1/personas", Fault.latency(0.1), times=1)
    started = time.monotonic()
    reply = await api.post("/v1/personas", json={"name": "Slow"})
    assert time.monotonic() - started >= 0.1
    assert reply.status == 200
    assert handle.hits == 1
    assert len(fake.state.personas) == 1


async def test_latency_combines_with_an_answering_fault(api: Api, fake: FakeBland) -> None:
    fake.inject("GET /v1/personas", Fault.latency(0.05))
    fake.inject("GET /v1/personas", Fault.status(429))
    started = time.monotonic()
    reply = await api.get("/v1/personas")
    assert time.monotonic() - started >= 0.05
    assert reply.status == 429


async def test_drop_closes_the_connection_and_applies_nothing(fake: FakeBland) -> None:
    fake.inject("POST /v1/personas", Fault.drop(), times=1)
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await session.post(
                fake.url + "/v1/personas",
                json={"name": "Lost"},
                headers={"authorization": "test-key"},
            )
        assert fake.state.personas == {}
        assert fake.requests[-1].status is None
        assert fake.requests[-1].json == {"name": "Lost"}
        async with session.get(
            fake.url + "/v1/personas", headers={"authorization": "test-key"}
        ) as response:
            assert response.status == 200  # the server is fine afterwards


async def test_malformed_body(api: Api, fake: FakeBland) -> None:
    fake.inject("GET /v1/personas", Fault.malformed(), times=1)
    fake.inject("GET /v1/personas", Fault.malformed('{"unexpected": 1}', status=201), times=1)
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.body) == (200, b'{"data": ')
    assert reply.headers["Content-Type"].startswith("application/json")
    reply = await api.get("/v1/personas")
    assert (reply.status, reply.json) == (201, {"unexpected": 1})


async def test_apply_then_drop_changes_state(api: Api, fake: FakeBland) -> None:
    persona = fake.seed_persona(name="P", draft_changes={"personality_prompt": "new"})
    fake.inject(PROMOTE, Fault.apply_then_fail(), times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.post(f"/v1/personas/{persona['id']}/versions/promote")
    assert fake.requests[-1].status is None
    stored = fake.state.personas[persona["id"]]
    production = fake.state.persona_versions[stored["current_production_version_id"]]
    assert production["version_number"] == 3  # the promote happened
    assert production["personality_prompt"] == "new"


async def test_apply_then_fail_with_status_changes_state(api: Api, fake: FakeBland) -> None:
    fake.inject("POST /v1/evals/workbench-setups", Fault.apply_then_fail(502), times=1)
    reply = await api.post("/v1/evals/workbench-setups", json={"name": "QA"})
    assert reply.status == 502
    assert reply.error["error"] == "INTERNAL_ERROR"
    assert len(fake.state.workbench_setups) == 1


async def test_faults_fire_before_auth(api: Api, fake: FakeBland) -> None:
    fake.inject("GET /v1/personas", Fault.status(503), times=1)
    assert (await api.get("/v1/personas", auth=False)).status == 503
    assert (await api.get("/v1/personas", auth=False)).status == 401


# --- Evals gate ----------------------------------------------------------------------


async def test_evals_status_and_gate(api: Api, fake: FakeBland) -> None:
    setup = fake.seed_workbench_setup(name="QA")
    assert (await api.get("/v1/evals/status")).data == {
        "enabled": True,
        "gate": "evals_enabled",
        "reason": None,
    }
    fake.evals_enabled = False
    assert fake.state.evals_enabled is False
    status = (await api.get("/v1/evals/status")).data
    assert status["enabled"] is False
    assert status["gate"] == "evals_enabled"
    assert isinstance(status["reason"], str)
    assert status["reason"]

    gated = await api.get(f"/v1/evals/workbench-setups/{setup['setup']['id']}")
    missing = await api.get("/v1/evals/no-such-thing")
    assert gated.status == missing.status == 404
    assert (
        gated.json
        == missing.json
        == {
            "data": None,
            "errors": [{"error": "NOT_FOUND", "message": "Not found"}],
        }
    )
    assert (await api.post("/v1/evals/workbench-setups", json={"name": "x"})).status == 404
    assert len(fake.state.workbench_setups) == 1
    assert (await api.get("/v1/personas")).status == 200  # personas are not gated

    fake.evals_enabled = True
    assert (await api.get("/v1/evals/workbench-setups")).status == 200


async def test_evals_enabled_constructor_argument() -> None:
    async with FakeBland(evals_enabled=False) as fake:
        assert fake.evals_enabled is False
