"""Stopping a job in-process: Ctrl-C (SIGINT), SIGTERM, a closed stdout."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
import time
from typing import TYPE_CHECKING

import pytest

from bland_async._cli import _run, main
from bland_async.testing import Fault
from tests.cli.conftest import PROMOTE

if TYPE_CHECKING:
    from tests.cli.conftest import ThreadedFake

CHANGED = {"personality_prompt": "Be brief."}


class SignalAfter(io.StringIO):
    """stdout that sends ``signum`` to this process once ``after`` lines are written."""

    def __init__(self, after: int, signum: int = signal.SIGINT) -> None:
        super().__init__()
        self.after = after
        self.signum = signum
        self.lines = 0

    def write(self, text: str) -> int:
        written = super().write(text)
        self.lines += text.count("\n")
        if self.lines == self.after:
            os.kill(os.getpid(), self.signum)
        return written


@pytest.fixture
def slow(served: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """40 personas to promote, each promotion taking 20..30 ms."""
    monkeypatch.setenv("BLAND_API_KEY", "test-key")
    monkeypatch.setenv("BLAND_BASE_URL", served.url)
    ids = [served.seed(f"P{i}", draft_changes=CHANGED) for i in range(40)]
    served.call(served.fake.inject, PROMOTE, Fault.latency(0.02, jitter=0.01))
    return ids


def settle(served: ThreadedFake) -> int:
    """Wait until the fake has answered every request it received; return how many.

    A request sent just before the job stopped may still be on its way: give it time
    to arrive first.
    """
    time.sleep(0.1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        requests = served.call(lambda: served.fake.requests)
        if all(r.status is not None for r in requests):
            return len(requests)
        time.sleep(0.02)
    raise AssertionError("the fake kept requests in flight")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_job_between_lines(
    signum: int, status: int, served: ThreadedFake, slow: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = SignalAfter(5, signum)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["personas", "promote", *slow, "--concurrency", "4"], prog="bland-async") == status
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert out.getvalue().endswith("\n")
    assert 5 <= len(lines) < len(slow)
    for line in lines:
        assert line["outcome"] == "promoted"
        assert served.call(served.fake.promotion_count, line["id"]) == 1
    err = stderr.getvalue()
    assert err.count("\n") == 1
    assert err.startswith(f"bland-async: error: stopped after {len(lines)} of 40 ids: ")
    assert "rerun with --only-if-changed" in err
    # The workers were cancelled, not left running: once the requests in flight are
    # answered, nothing more arrives.
    received = settle(served)
    time.sleep(0.15)
    assert len(served.call(lambda: served.fake.requests)) == received
    assert received < len(slow)


def test_an_interrupted_dry_run(
    served: ThreadedFake, slow: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served.call(served.fake.inject, "GET /v1/personas/{persona_id}", Fault.latency(0.02))
    out = SignalAfter(3)
    monkeypatch.setattr(sys, "stdout", out)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["personas", "promote", *slow, "--dry-run", "--concurrency", "2"]) == 130
    assert all(json.loads(line)["changed"] for line in out.getvalue().splitlines())
    assert "nothing was promoted" in stderr.getvalue()
    assert served.promote_posts() == 0


def test_a_closed_stdout_stops_the_job(
    served: ThreadedFake, slow: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["personas", "promote", *slow, "--concurrency", "2"], prog="b") == 1
    assert stderr.getvalue().startswith("b: error: stopped after 0 of 40 ids: ")
    received = settle(served)
    time.sleep(0.1)
    assert len(served.call(lambda: served.fake.requests)) == received < 40


def test_ctrl_c_outside_the_loop_is_status_130() -> None:
    async def interrupted() -> int:
        raise KeyboardInterrupt

    assert _run.run(interrupted()) == 130


def test_a_cancellation_that_is_not_a_signal_propagates() -> None:
    async def cancelled() -> int:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(1)
        return 0

    with pytest.raises(asyncio.CancelledError):
        _run.run(cancelled())


def test_unexpected_errors_keep_their_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken() -> int:
        raise ZeroDivisionError

    monkeypatch.setattr("bland_async._cli._with_client", lambda *_: broken())
    monkeypatch.setenv("BLAND_API_KEY", "k")
    with pytest.raises(ZeroDivisionError):
        main(["personas", "list"])
