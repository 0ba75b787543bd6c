"""A call in flight when a never-closed ``BlandClient`` is shut down at interpreter exit.

At exit the runtime's finalizer stops the loop thread, which cancels the calls still
running on it. A daemon thread waiting on one of them must see a ``BlandError`` (not
``concurrent.futures.CancelledError``), nothing else may print a traceback, and the
process must still exit promptly. Whether the daemon thread gets to run between the
cancellation and interpreter finalization is a race, so the scenario runs several times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from tests.sync._helpers import stderr_noise_removed

#: Child runs per test: the daemon thread wakes before finalization in most, not all.
RUNS = 5
#: Seconds one child may take (it exits in about a second).
CHILD_TIMEOUT = 20

_IN_FLIGHT_AT_EXIT = textwrap.dedent(
    """
    import asyncio, sys, threading, time
    from bland_async import BlandClient, BlandError
    from bland_async.testing import FakeBland, Fault

    # The fake runs in this process, on a loop of its own in a daemon thread.
    fake_loop = asyncio.new_event_loop()
    threading.Thread(target=fake_loop.run_forever, name="fake", daemon=True).start()

    async def start_fake():
        fake = FakeBland(api_key="test-key")
        await fake.start()
        persona = fake.seed_persona(draft_changes={"personality_prompt": "Be brief."})
        fake.inject("GET /v1/personas/{persona_id}", Fault.latency(5))
        return fake, persona["id"]

    fake, persona_id = asyncio.run_coroutine_threadsafe(start_fake(), fake_loop).result(10)

    def in_flight():
        return sum(r.method == "GET" for r in list(fake.requests))

    # Never closed, and still referenced at exit.
    client = BlandClient(api_key="test-key", base_url=fake.url, timeout=30, max_retries=0)

    def slow():
        try:
            client.personas.get(persona_id)
        except BaseException as exc:
            names = " ".join(f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__)
            # One write: finalization may freeze this thread between two.
            sys.stdout.write(f"thread saw: {names} | {exc}\\n")
            sys.stdout.flush()
            if sys.argv[1] == "reraise":
                raise  # reported by threading.excepthook, as a user's thread would

    def waiting_for_its_result():
        # The slow thread's stack: Condition.wait, called by Future.result.
        frame = sys._current_frames().get(slow_thread.ident)
        while frame is not None:
            code = frame.f_code
            if code.co_name == "result" and "concurrent" in code.co_filename:
                return True
            frame = frame.f_back
        return False

    def wait_until(condition, what):
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, what
            time.sleep(0.01)  # the poll interval of a bounded wait, not a barrier

    slow_thread = threading.Thread(target=slow, name="slow-call", daemon=True)
    slow_thread.start()
    wait_until(in_flight, "the request never reached the fake")
    wait_until(waiting_for_its_result, "the slow thread never waited for its result")
    print("exiting", flush=True)
    """
)


def test_a_call_in_flight_at_exit_gets_a_bland_error_and_the_process_exits_quietly() -> None:
    reports: list[str] = []
    for run in range(RUNS):
        mode = "reraise" if run % 2 else "report"
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-X", "dev", "-c", _IN_FLIGHT_AT_EXIT, mode],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
            env={**os.environ, "PYTHONWARNINGS": "default"},
        )
        elapsed = time.monotonic() - started
        context = f"run {run} ({mode}):\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        assert result.returncode == 0, context
        assert "CancelledError" not in result.stdout, context
        lines = result.stdout.splitlines(keepends=True)
        assert lines[0] == "exiting\n", context
        # The daemon thread may be frozen by finalization before it reports (or, in
        # theory, while it does); when it does report, it saw the SDK's error.
        seen = [line for line in lines[1:] if line.startswith("thread saw:")]
        seen = [line.rstrip("\n") for line in seen if line.endswith("\n")]
        assert len(seen) <= 1, context
        for line in seen:
            assert "bland_async._errors.BlandError" in line, context
            assert "CancelledError" not in line, context
            assert "interpreter is exiting" in line, context
        reports += seen
        stderr = stderr_noise_removed(result.stderr)
        assert "CancelledError" not in stderr, context
        assert "concurrent.futures" not in stderr, context
        if mode == "report":
            assert stderr == "", context
        else:
            assert_only_the_threads_bland_error(stderr, context)
        assert elapsed < 10.0, context
    # The thread reports in most runs; if it reported in none, the scenario would no
    # longer exercise the race (the cancellation reaching a waiting caller).
    assert reports, "the daemon thread never reported before the process exited"


def assert_only_the_threads_bland_error(stderr: str, context: str) -> None:
    """``stderr`` is empty, or the user's thread reporting its BlandError (maybe cut short).

    The report is printed by ``threading.excepthook`` in the daemon thread, which
    interpreter finalization may freeze mid-way: only complete lines are checked.
    """
    header = "Exception in thread slow-call:\n"
    assert stderr.startswith(header) or header.startswith(stderr), context
    lines = stderr.splitlines(keepends=True)
    complete = [line for line in lines if line.endswith("\n")]
    # Outside the indented frames, only the header lines and the exception's own line.
    for line in complete:
        if line.startswith((" ", "Exception in thread", "Traceback")):
            continue
        assert line.startswith("bland_async._errors.BlandError: "), context
