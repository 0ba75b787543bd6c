from __future__ import annotations

import io
import subprocess
import sys

import pytest

from bland_async._demo import run_demo

pytestmark = pytest.mark.anyio


async def test_demo_promotes_everything_and_reports() -> None:
    out = io.StringIO()
    code = await run_demo(personas=40, concurrency=8, rate_limit_every=3, out=out)
    text = out.getvalue()
    assert code == 0, text
    assert "promoted: 40   failed: 2" in text
    assert "failed with NO_DRAFT_VERSION: 1" in text
    assert "failed with PERSONA_NOT_FOUND: 1" in text
    assert "answered 429" in text
    assert "promoting: 42/42 (100.0%)" in text
    assert "threshold 80%, run_mode full, 1 agent(s) attached" in text
    assert text.rstrip().endswith("done.")


def test_demo_command_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bland_async",
            "demo",
            "--personas",
            "10",
            "--rate-limit-every",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "promoted: 10   failed: 2" in result.stdout
    assert result.stderr == ""
