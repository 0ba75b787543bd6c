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
    assert "1 field(s) differ" in text
    assert "promoted: 12   skipped: 29   failed: 1" in text
    assert "failed with PERSONA_NOT_FOUND: 1" in text
    assert "answered 429" in text
    assert "promoting: 42/42 (100.0%)  promoted=12 skipped=29 failed=1" in text
    assert "promoted: 0   skipped: 41   failed: 1   promote requests sent: 0" in text
    assert "production is now v4, with v1's prompt 'You are a helpful assistant.'" in text
    assert "threshold 80%, run_mode full, 1 agent(s)" in text
    assert text.rstrip().endswith("done.")
    assert all(len(line) < 200 for line in text.splitlines())


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
    assert "promoted: 3   skipped: 8   failed: 1" in result.stdout
    assert result.stderr == ""
