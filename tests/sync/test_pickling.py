"""Clients pickle as configuration: worker processes promote with their own sessions.

The fake runs standalone (a subprocess, as an operator would run it), so the worker
processes and this one reach it over loopback; the verdict comes from the fake's state.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import pytest

from bland_async import AsyncBlandClient, BlandClient, RetryPolicy, Timeout
from tests.fixtures.standalone import standalone_fake

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    """The standalone fake on a free port (shared by this module's tests); its URL."""
    with standalone_fake("--api-key", "test-key") as url:
        yield url


def _sync_worker(client: BlandClient, persona_id: str) -> int:
    with client:
        persona = client.personas.promote(persona_id)
    assert persona.current_production_version is not None
    return persona.current_production_version.version_number


def _async_worker(client: AsyncBlandClient, persona_id: str) -> int:
    async def run() -> int:
        async with client:
            persona = await client.personas.promote(persona_id)
        assert persona.current_production_version is not None
        return persona.current_production_version.version_number

    return asyncio.run(run())


def _seed(url: str, count: int) -> list[str]:
    with BlandClient(api_key="test-key", base_url=url) as bland:
        ids = [bland.personas.create(name=f"worker {i}").id for i in range(count)]
        for persona_id in ids:
            bland.personas.update(persona_id, personality_prompt="v2")
    return ids


@pytest.mark.parametrize("method", ["spawn", "fork"])
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_clients_promote_from_worker_processes(fake_url: str, method: str, kind: str) -> None:
    ids = _seed(fake_url, 6)
    options = {"api_key": "test-key", "base_url": fake_url, "max_retries": 4}
    client: BlandClient | AsyncBlandClient
    client = BlandClient(**options) if kind == "sync" else AsyncBlandClient(**options)  # type: ignore[arg-type]
    worker = _sync_worker if kind == "sync" else _async_worker
    try:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            numbers = list(pool.map(worker, [client] * len(ids), ids))  # type: ignore[arg-type]
    finally:
        if isinstance(client, BlandClient):
            client.close()
    assert numbers == [3] * len(ids)  # create makes v1 and the draft v2; promote makes v3
    with BlandClient(api_key="test-key", base_url=fake_url) as bland:
        for persona_id in ids:
            versions = bland.personas.versions.list(persona_id)
            production = [v for v in versions if v.version_type == "production"]
            assert [v.version_number for v in production] == [3]
            assert len(versions) == 3  # exactly one promotion per persona


def test_pickle_carries_configuration_not_state() -> None:
    policy = RetryPolicy(backoff_initial=0.2)
    original = AsyncBlandClient(
        api_key="secret-key",
        base_url="http://127.0.0.1:9",
        timeout=Timeout(total=5, connect=1),
        max_retries=4,
        max_concurrency=3,
        retry_policy=policy,
    )
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is AsyncBlandClient
    assert (copy.base_url, copy.max_retries, copy.timeout) == (
        "http://127.0.0.1:9",
        4,
        Timeout(total=5, connect=1),
    )
    assert copy._options == original._options
    assert copy._shared is not original._shared
    assert copy.stats.requests == 0
    assert not copy.closed

    tuned = pickle.loads(pickle.dumps(original.with_options(max_retries=0)))
    assert tuned.max_retries == 0
    assert tuned._owner  # an independent client, not a copy of anything here

    sync = BlandClient(api_key="secret-key", base_url="http://127.0.0.1:9")
    try:
        restored = pickle.loads(pickle.dumps(sync))
        assert type(restored) is BlandClient
        assert restored.base_url == sync.base_url
        assert restored._runtime is not sync._runtime
        restored.close()
        assert restored.closed
        assert not sync.closed
    finally:
        sync.close()
