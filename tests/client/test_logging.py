"""Logging a person can switch on: BLAND_LOG, the levels of retries, pauses, failures."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from bland_async import (
    AsyncBlandClient,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
)
from bland_async.testing import Fault
from tests.conftest import fast_client

if TYPE_CHECKING:
    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from bland_async import AsyncBlandClient, RetryPolicy
    from bland_async.testing import FakeBland, Fault

    async def main() -> None:
        async with FakeBland(api_key="sk-secret-key") as fake:
            persona = fake.seed_persona("P")
            fake.inject("GET /v1/personas/{persona_id}", Fault.status(503), times=1)
            fake.inject("POST /v1/personas/{persona_id}/versions/promote",
                        Fault.status(429, headers={"Retry-After": "0.05"}), times=1)
            async with AsyncBlandClient(
                api_key="sk-secret-key", base_url=fake.url,
                retry_policy=RetryPolicy(backoff_initial=0.001, backoff_max=0.01),
            ) as bland:
                await bland.personas.get(persona["id"])
                await bland.personas.promote(persona["id"])
                print("ok")

    asyncio.run(main())
    """
)


def _run(level: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env={"BLAND_LOG": level, "PATH": "", "PYTHONPATH": "."},
        check=False,
    )


def test_bland_log_info_prints_retries_and_pauses_to_stderr() -> None:
    result = _run("info")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    lines = result.stderr.splitlines()
    assert any("INFO bland_async: GET /v1/personas/{persona_id}" in ln for ln in lines)
    assert any("retrying in" in ln and "(client-wide pause)" in ln for ln in lines)
    assert not any(" DEBUG " in ln for ln in lines)
    assert "sk-secret-key" not in result.stderr


def test_bland_log_debug_prints_every_request() -> None:
    result = _run("DEBUG")
    assert result.returncode == 0, result.stderr
    assert "DEBUG bland_async: -> GET /v1/personas/{persona_id} attempt=1" in result.stderr
    assert "request_id=req_" in result.stderr
    assert "sk-secret-key" not in result.stderr


def test_without_bland_log_nothing_is_printed() -> None:
    result = _run("")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_bad_bland_log_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAND_LOG", "verbose")
    with pytest.raises(ConfigurationError, match="BLAND_LOG='verbose' is not one of debug"):
        AsyncBlandClient(api_key="k")


async def test_final_failure_is_a_warning_and_reconciliation_is_info(
    fake: FakeBland, caplog: pytest.LogCaptureFixture
) -> None:
    persona = fake.seed_persona("P", draft_changes={"kb_ids": ["k"]})
    fake.inject("GET /v1/personas/{persona_id}", Fault.status(503), times=3)
    fake.inject("POST /v1/personas/{persona_id}/versions/promote", Fault.apply_then_fail(), times=1)
    async with fast_client(fake) as bland:
        with caplog.at_level(logging.INFO, logger="bland_async"):
            with pytest.raises(InternalServerError):
                await bland.personas.get(persona["id"])
            await bland.personas.promote(persona["id"])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"GET /v1/personas/{{persona_id}} failed after 3 attempts: {warnings[0].args[3]}"
    ]
    assert "503" in warnings[0].getMessage()
    reconciled = [r.getMessage() for r in caplog.records if "reconciled" in r.getMessage()]
    assert len(reconciled) == 1
    assert reconciled[0].startswith(f"promote {persona['id']}: reconciled: ")
    assert "test-key" not in caplog.text


async def test_a_401_says_where_the_key_comes_from(fake: FakeBland) -> None:
    async with AsyncBlandClient(api_key="wrong", base_url=fake.url) as bland:
        with pytest.raises(AuthenticationError) as info:
            await bland.personas.list()
    assert "BLAND_API_KEY" in str(info.value)
    assert "wrong" not in str(info.value)
