"""Fixtures of the CLI suite.

``main()`` runs its own event loop, so the in-process tests serve the fake from a
background thread with its own loop (:class:`ThreadedFake`); ``cli`` points the CLI's
environment at it and runs ``main([...])`` with captured streams. The subprocess tests
run the CLI as a user does, against a standalone fake (:func:`standalone`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pytest

from bland_async._cli import main
from bland_async.testing import FakeBland

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_T = TypeVar("_T")

ROOT = Path(__file__).resolve().parents[2]
PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"
#: Upper bound on any one subprocess step (a hung child fails the test, not the suite).
STEP_TIMEOUT = 30.0


class ThreadedFake:
    """A :class:`FakeBland` served by its own event loop in a daemon thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.fake: FakeBland = self._await(self._start())

    async def _start(self) -> FakeBland:
        fake = FakeBland(api_key="test-key")
        await fake.start()
        return fake

    def _await(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``fn(*args, **kwargs)`` on the fake's loop thread and return its result."""
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    @property
    def url(self) -> str:
        return self.fake.url

    def seed(self, name: str = "P", **kwargs: Any) -> str:
        """Seed a persona (on the loop thread); returns its id."""
        persona: dict[str, Any] = self.call(self.fake.seed_persona, name, **kwargs)
        return str(persona["id"])

    def promote_posts(self) -> int:
        """How many promote POSTs the fake has received."""
        requests = self.call(lambda: self.fake.requests)
        return sum(1 for r in requests if r.method == "POST" and r.route and "promote" in r.route)

    def close(self) -> None:
        self._await(self.fake.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture
def served() -> Iterator[ThreadedFake]:
    """A fake in a background thread (API key ``test-key``)."""
    server = ThreadedFake()
    try:
        yield server
    finally:
        server.close()


@attrs.frozen
class Result:
    """What one ``main([...])`` call did."""

    code: int
    out: str
    err: str

    def lines(self) -> list[dict[str, Any]]:
        """stdout parsed as JSON lines."""
        return [json.loads(line) for line in self.out.splitlines()]


class Cli:
    """Runs ``main(argv)`` in-process with the environment pointed at a fake."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *argv: str, stdin: str = "") -> Result:
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self._capsys.readouterr()
        code = main(list(argv), prog="bland-async")
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def cli(
    served: ThreadedFake, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """``main([...])`` against ``served`` (BLAND_API_KEY and BLAND_BASE_URL set)."""
    monkeypatch.setenv("BLAND_API_KEY", "test-key")
    monkeypatch.setenv("BLAND_BASE_URL", served.url)
    return Cli(capsys, monkeypatch)


# --- subprocess helpers --------------------------------------------------------------


def cli_env(url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: the key, the fake's URL, no inherited BLAND_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLAND_")}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.pop("COVERAGE_PROCESS_START", None)
    if url is not None:
        env.update(BLAND_API_KEY="test-key", BLAND_BASE_URL=url)
    env.update(extra)
    return env


def run_cli(
    *argv: str, url: str | None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m bland_async ARGV`` as a user runs it (stdout and stderr are pipes).

    Args:
        argv: The arguments.
        url: The fake's URL (sets BLAND_API_KEY and BLAND_BASE_URL), or None for neither.
        env: More environment variables.
    """
    return subprocess.run(
        [sys.executable, "-m", "bland_async", *argv],
        env=cli_env(url, **(env or {})),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


class Standalone:
    """A fake server subprocess: its URL, and its ``stats`` when it is ``fake_server``."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.seeded: dict[str, list[str]] = {}

    def stats(self) -> dict[str, Any]:
        """Promotion counts and request counts (``tests.cli.fake_server`` only)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        stats: dict[str, Any] = json.loads(_readline(self.process))
        return stats


def _readline(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    stdout = process.stdout
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(stdout.readline).result(timeout=STEP_TIMEOUT)


def start_standalone(argv: list[str]) -> Standalone:
    """Start ``python ARGV``; its first line must be ``Fake Bland API listening on <url>``."""
    process = subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        env=cli_env(None),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = _readline(process)
    assert first.startswith("Fake Bland API listening on http://127.0.0.1:"), first
    return Standalone(process, first.split()[-1])


def stop_standalone(server: Standalone) -> None:
    """Stop the fake: end of input (``fake_server``), else SIGINT (``bland_async fake``)."""
    process = server.process
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=2 if server.seeded else 0.01)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover (a hung fake)
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
