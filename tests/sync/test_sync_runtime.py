"""The sync facade's runtime: threads, interrupts, exit, running loops, close."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

import bland_async._sync_runtime as runtime_module
from bland_async import (
    BlandClient,
    BlandError,
    ConfigurationError,
    LoopThreadCallError,
    SyncPager,
)
from bland_async._sync_runtime import SyncRuntime
from bland_async.models import Persona
from bland_async.testing import Fault
from tests.conftest import bulk_workers
from tests.sync._helpers import ThreadedFake, stderr_noise_removed, waiting_for_a_result

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

LOOP_THREAD = "bland-sync-loop"


def loop_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == LOOP_THREAD}


def client_for(server: ThreadedFake | str, **kwargs: Any) -> BlandClient:
    url = server if isinstance(server, str) else server.url
    return BlandClient(api_key="test-key", base_url=url, **kwargs)


def requests_to(server: ThreadedFake, route: str) -> Callable[[], int]:
    return lambda: sum(r.route == route for r in list(server.fake.requests))


def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)  # the poll interval of a bounded wait, not a barrier


# --------------------------------------------------------------------------- construction


def test_construction_validates_at_once_and_starts_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BLAND_API_KEY", raising=False)
    before = loop_threads()
    with pytest.raises(ConfigurationError, match="API key"):
        BlandClient()
    with pytest.raises(ConfigurationError):
        BlandClient(api_key="k", base_url="ftp://nowhere")
    client = BlandClient(api_key="k", base_url="http://127.0.0.1:9")
    assert loop_threads() == before  # cheap: the loop thread starts on the first call
    assert client.base_url == "http://127.0.0.1:9"
    assert not client.closed
    assert repr(client).startswith("BlandClient(base_url='http://127.0.0.1:9'")
    client.close()
    assert client.closed
    assert loop_threads() == before


def test_calls_forward_and_return_models(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    persona = threaded_fake.seed_persona(name="Support")
    got = sync_client.personas.get(persona["id"])
    assert isinstance(got, Persona)
    assert got.name == "Support"
    promoted = sync_client.personas.promote(persona["id"])
    assert promoted.current_production_version is not None
    assert promoted.current_production_version.version_number == 3
    assert sync_client.stats.requests == 2


def test_a_call_is_one_thread_hop(
    sync_client: BlandClient, threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller blocks once per call (on the result), not also while the task is spawned.

    anyio's stock ``BlockingPortal.start_task_soon`` waits for the loop thread to spawn the
    task before returning: two blocking waits (two thread hops) per call.
    """
    import concurrent.futures

    persona = threaded_fake.seed_persona()
    sync_client.personas.get(persona["id"])  # the loop thread is up
    caller = threading.get_ident()
    waits: list[str] = []
    original = concurrent.futures.Future.result

    def counting_result(self: concurrent.futures.Future[Any], timeout: float | None = None) -> Any:
        if threading.get_ident() == caller:
            waits.append("wait")
        return original(self, timeout)

    monkeypatch.setattr(concurrent.futures.Future, "result", counting_result)
    for _ in range(3):
        sync_client.personas.get(persona["id"])
    assert waits == ["wait"] * 3


def test_errors_raised_on_the_loop_reach_the_caller(sync_client: BlandClient) -> None:
    from bland_async import PersonaNotFoundError

    with pytest.raises(PersonaNotFoundError):
        sync_client.personas.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError, match="limit"):
        sync_client.personas.list(limit=0)  # validated before anything is sent


def test_with_options_shares_the_loop_thread_and_session(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    persona = threaded_fake.seed_persona()
    before = loop_threads()
    sync_client.personas.get(persona["id"])
    copy = sync_client.with_options(max_retries=0)
    assert isinstance(copy, BlandClient)
    assert copy.max_retries == 0
    assert sync_client.max_retries == 2
    copy.personas.get(persona["id"])
    assert len(loop_threads() - before) == 1
    assert copy.stats.requests == 2  # shared counters
    copy.close()  # a copy owns nothing: the original keeps its loop thread and session
    assert not sync_client.closed
    assert sync_client.personas.get(persona["id"]).id == persona["id"]
    assert len(loop_threads() - before) == 1


# --------------------------------------------------------------------------- iteration


def test_iterate_crosses_the_portal_once_per_page(
    sync_client: BlandClient, threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        threaded_fake.seed_persona(name=f"P{i}")
    hops: list[object] = []
    real_call = SyncRuntime.call

    def counting_call(self: SyncRuntime, fn: Callable[..., Any], /, *a: Any, **k: Any) -> Any:
        hops.append(fn)
        return real_call(self, fn, *a, **k)

    monkeypatch.setattr(SyncRuntime, "call", counting_call)
    pager = sync_client.personas.iterate(limit=2)
    assert isinstance(pager, SyncPager)
    assert hops == []  # lazy
    names = [p.name for p in pager]
    assert names == [f"P{i}" for i in range(5)]
    # Pages of 2, 2 and 1 (the short page ends it): three requests, one hop each, plus
    # the hop that learns there is nothing more (no request).
    lists = [r for r in threaded_fake.fake.requests if r.route == "/v1/personas"]
    assert len(lists) == 3
    assert len(hops) == 4
    with pytest.raises(ValueError, match="limit"):
        sync_client.personas.iterate(limit=0)  # validated at call time, as async


def test_dropping_a_promote_each_iterator_cancels_its_workers_on_the_loop(
    threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # asyncio's debug mode raises when a task is cancelled from a foreign thread.
    monkeypatch.setenv("PYTHONASYNCIODEBUG", "1")
    ids = [threaded_fake.seed_persona(name=f"P{i}")["id"] for i in range(12)]
    threaded_fake.call(
        threaded_fake.fake.inject,
        "POST /v1/personas/{persona_id}/versions/promote",
        Fault.latency(0.15),
    )

    def promotions() -> int:
        return sum(
            r.route == "/v1/personas/{persona_id}/versions/promote"
            for r in threaded_fake.fake.requests
        )

    client = client_for(threaded_fake)
    try:
        outcomes = client.personas.promote_each(ids, concurrency=3)
        first = next(outcomes)
        assert first.ok

        async def find_workers() -> set[asyncio.Task[object]]:
            return bulk_workers()

        workers = client._runtime.call(find_workers)
        assert len(workers) == 3
        del outcomes  # abandoned early: its workers must stop, cancelled on the loop
        gc.collect()

        async def all_cancelled() -> bool:
            _, running = await asyncio.wait(workers, timeout=5)
            return not running and all(task.cancelled() for task in workers)

        assert client._runtime.call(all_cancelled), "the workers outlived their iterator"
        # The workers are gone: every request they began is counted, and no more arrive.
        attempts = client.stats.requests
        with pytest.raises(TimeoutError):  # a quiet window, waited for on the fake's side
            threaded_fake.run(threaded_fake.fake.wait_for_requests(attempts + 1, timeout=0.4))
        assert client.stats.requests == attempts
        assert promotions() <= attempts < len(ids)
        assert client.personas.get(ids[0]).id == ids[0]
    finally:
        client.close()


# --------------------------------------------------------------------------- thread safety


def test_many_threads_share_one_client(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    persona = threaded_fake.seed_persona()
    n_threads, per_thread = 16, 15
    barrier = threading.Barrier(n_threads)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    before = loop_threads()

    def work() -> None:
        barrier.wait()  # every thread makes the first (starting) call at once
        try:
            for _ in range(per_thread):
                got = sync_client.personas.get(persona["id"]).id
                with lock:
                    results.append(got)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == [persona["id"]] * (n_threads * per_thread)
    assert len(loop_threads() - before) == 1  # one loop thread, however many callers
    assert sync_client.stats.requests == n_threads * per_thread


# --------------------------------------------------------------------------- interrupts


class ClosingProxy:
    """A TCP proxy in front of the fake that notices when a client connection closes."""

    def __init__(self, server: ThreadedFake) -> None:
        self._server = server
        self.connections = 0
        self.closed = threading.Event()
        self._tcp: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._handlers: list[asyncio.Task[None]] = []
        port = server.run(self._start())
        self.url = f"http://127.0.0.1:{port}"

    async def _start(self) -> int:
        self._tcp = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._tcp.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.append(handler)
        host, port = self._server.url.removeprefix("http://").split(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self._writers += [writer, up_writer]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()

        upstream = asyncio.ensure_future(pump(up_reader, writer))
        try:
            await pump(reader, up_writer)  # returns when the *client* closes its side
            self.closed.set()
        finally:
            upstream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upstream
            for w in (writer, up_writer):
                w.close()

    def close(self) -> None:
        async def stop() -> None:
            assert self._tcp is not None
            self._tcp.close()
            for w in self._writers:
                w.close()
            async with asyncio.timeout(5):  # until the closed transports have closed
                for w in self._writers:
                    with contextlib.suppress(ConnectionError):
                        await w.wait_closed()
                await asyncio.gather(*self._handlers, return_exceptions=True)
                await self._tcp.wait_closed()

        self._server.run(stop())


class _AlarmError(Exception):
    pass


@contextlib.contextmanager
def alarm_handler() -> Iterator[None]:
    def raise_alarm(signum: int, frame: object) -> None:
        raise _AlarmError("timed out")

    previous = signal.signal(signal.SIGALRM, raise_alarm)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("signum", "expected"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGALRM, _AlarmError)],
    ids=["ctrl-c", "timeout-signal"],
)
def test_interrupt_cancels_the_call_and_releases_its_connection(
    threaded_fake: ThreadedFake, signum: int, expected: type[BaseException]
) -> None:
    assert threading.current_thread() is threading.main_thread()
    persona = threaded_fake.seed_persona()
    proxy = ClosingProxy(threaded_fake)
    client = client_for(proxy.url, timeout=10, max_retries=0)
    try:
        client.personas.get(persona["id"])  # one pooled keep-alive connection
        assert proxy.connections == 1
        assert not proxy.closed.is_set()
        threaded_fake.call(
            threaded_fake.fake.inject,
            "GET /v1/personas/{persona_id}",
            Fault.latency(3.0),
            times=1,
        )
        main = threading.main_thread()

        def interrupt_once_in_flight() -> None:
            # The fake holds the GET (it answers in 3 s) and the main thread waits on it.
            route = "GET /v1/personas/{persona_id}"
            threaded_fake.run(threaded_fake.fake.wait_for_requests(2, route=route))
            wait_for(lambda: waiting_for_a_result(main))
            assert main.ident is not None
            signal.pthread_kill(main.ident, signum)

        interrupter = threading.Thread(target=interrupt_once_in_flight)
        started = time.monotonic()
        with alarm_handler():
            interrupter.start()
            with pytest.raises(expected):
                client.personas.get(persona["id"])
        elapsed = time.monotonic() - started
        interrupter.join(5)
        assert elapsed < 2.0  # it did not wait for the slow response
        # The cancelled request's connection was closed, not left busy on the loop.
        assert proxy.closed.wait(1.0)
        # And the client still works (on a new connection).
        assert client.personas.get(persona["id"]).id == persona["id"]
        assert proxy.connections == 2
    finally:
        client.close()
        proxy.close()


# --------------------------------------------------------------------------- event loops


def test_call_from_a_thread_running_a_loop_works_and_warns_once(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    persona = threaded_fake.seed_persona()

    async def notebook_cell() -> list[str]:
        with pytest.warns(RuntimeWarning, match="AsyncBlandClient") as record:
            ids = [sync_client.personas.get(persona["id"]).id for _ in range(3)]
        assert len(record) == 1  # once, not per call
        assert record[0].filename == __file__  # attributed to the caller's line
        return ids

    assert asyncio.run(notebook_cell()) == [persona["id"]] * 3


def test_call_from_its_own_loop_thread_raises_instead_of_deadlocking(
    sync_client: BlandClient, threaded_fake: ThreadedFake
) -> None:
    persona = threaded_fake.seed_persona()

    async def callback_on_the_loop() -> None:
        sync_client.personas.get(persona["id"])

    started = time.monotonic()
    with pytest.raises(LoopThreadCallError, match="deadlock") as info:
        sync_client._runtime.call(callback_on_the_loop)
    assert time.monotonic() - started < 2.0
    assert isinstance(info.value, BlandError)
    assert isinstance(info.value, RuntimeError)
    assert sync_client.personas.get(persona["id"]).id == persona["id"]


# --------------------------------------------------------------------------- close


def test_calls_after_close_raise_the_sdk_error(
    threaded_fake: ThreadedFake,
) -> None:
    persona = threaded_fake.seed_persona()
    before = loop_threads()
    with client_for(threaded_fake) as client:
        client.personas.get(persona["id"])
        pager = client.personas.iterate()
    assert client.closed
    assert loop_threads() == before  # the loop thread ended
    for attempt in (
        lambda: client.personas.get(persona["id"]),
        lambda: client.evals.workbench_setups.versions.get("s", "v"),
        lambda: next(pager),
        lambda: next(iter(client.personas.iterate())),
    ):
        with pytest.raises(BlandError, match="closed") as info:
            attempt()
        assert type(info.value) is BlandError  # the SDK's own error, never anyio's
    client.close()  # idempotent


def test_close_cancels_calls_in_flight_in_other_threads(threaded_fake: ThreadedFake) -> None:
    persona = threaded_fake.seed_persona()
    client = client_for(threaded_fake, max_retries=0)
    client.personas.get(persona["id"])
    for route in ("GET /v1/personas/{persona_id}", "GET /v1/personas"):
        threaded_fake.call(threaded_fake.fake.inject, route, Fault.latency(3.0), times=1)
    pager = client.personas.iterate()
    outcome: list[BaseException] = []
    lock = threading.Lock()

    def in_flight(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as exc:
            with lock:
                outcome.append(exc)

    workers = [
        threading.Thread(target=in_flight, args=(lambda: client.personas.get(persona["id"]),)),
        threading.Thread(target=in_flight, args=(pager.next_page,)),  # SyncPager's hop
    ]
    for worker in workers:
        worker.start()
    wait_for(lambda: len(threaded_fake.fake.requests) == 3)  # both slow requests are out
    started = time.monotonic()
    client.close()
    for worker in workers:
        worker.join(5)
    assert time.monotonic() - started < 2.0
    assert len(outcome) == 2
    for exc in outcome:
        # The SDK's error, not concurrent.futures.CancelledError or asyncio's.
        assert type(exc) is BlandError
        assert "closed" in str(exc)
        assert "in flight" in str(exc)
        assert exc.__suppress_context__  # no CancelledError in its traceback


def test_a_call_in_flight_when_the_exit_finalizer_runs_raises_the_sdk_error(
    threaded_fake: ThreadedFake,
) -> None:
    """At exit, the finalizer of a never-closed client cancels a daemon thread's call.

    The waiting thread must get ``BlandError``, not ``concurrent.futures.CancelledError``
    (``tests/sync/test_sync_exit.py`` runs the same at a real interpreter exit).
    """
    persona = threaded_fake.seed_persona()
    client = client_for(threaded_fake, max_retries=0)
    try:
        client.personas.get(persona["id"])
        threaded_fake.call(
            threaded_fake.fake.inject, "GET /v1/personas/{persona_id}", Fault.latency(3.0)
        )
        gets = requests_to(threaded_fake, "/v1/personas/{persona_id}")
        outcome: list[BaseException] = []

        def slow() -> None:
            try:
                client.personas.get(persona["id"])
            except BaseException as exc:
                outcome.append(exc)

        worker = threading.Thread(target=slow, daemon=True)
        worker.start()
        wait_for(lambda: gets() == 2)
        thread = client._runtime._thread
        assert thread is not None
        started = time.monotonic()
        thread.shutdown(runtime_module.EXIT_TIMEOUT)  # what the finalizer runs at exit
        worker.join(5)
        assert time.monotonic() - started < 2.0
        assert len(outcome) == 1
        assert type(outcome[0]) is BlandError
        assert "interpreter is exiting" in str(outcome[0])
        assert "in flight" in str(outcome[0])
        assert outcome[0].__suppress_context__  # no CancelledError in its traceback
        assert not client._runtime.closed  # close() was not called
        # A call after that shutdown: the SDK's error too, not anyio's RuntimeError.
        with pytest.raises(BlandError, match="interpreter is exiting") as info:
            client.personas.get(persona["id"])
        assert type(info.value) is BlandError
    finally:
        client.close()


def test_a_call_submitted_as_the_loop_stops_raises_the_sdk_error(
    threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Submitted after the stop was requested, before the portal stopped accepting calls."""
    persona = threaded_fake.seed_persona()
    client = client_for(threaded_fake, max_retries=0)
    runtime = client._runtime
    try:
        client.personas.get(persona["id"])
        thread = runtime._thread
        assert thread is not None
        loop, stop = thread.loop, thread._stop
        assert loop is not None
        assert stop is not None
        blocking = threading.Event()
        stop_queued = threading.Event()
        spawn_queued = threading.Event()
        original = loop.call_soon_threadsafe

        def recording(callback: Callable[..., object], *args: Any, **kwargs: Any) -> Any:
            handle = original(callback, *args, **kwargs)
            if callback == stop.set:
                stop_queued.set()
            elif stop_queued.is_set() and getattr(callback, "__name__", "") == "spawn":
                spawn_queued.set()
            return handle

        async def block_the_loop() -> None:
            blocking.set()
            # Blocks the loop on purpose, until the stop and then the call's spawn are
            # queued behind it (not a sleep: released by the spawn being queued).
            spawn_queued.wait(5)

        blocker = threading.Thread(target=runtime.call, args=(block_the_loop,))
        blocker.start()
        assert blocking.wait(5)
        monkeypatch.setattr(loop, "call_soon_threadsafe", recording)
        # The stop is queued on the (blocked) loop, then this call's spawn behind it.
        stopper = threading.Thread(target=thread.shutdown, args=(runtime_module.CLOSE_TIMEOUT,))
        stopper.start()
        assert stop_queued.wait(5)
        assert thread.stopping
        started = time.monotonic()
        with pytest.raises(BlandError, match="interpreter is exiting") as info:
            client.personas.get(persona["id"])
        assert type(info.value) is BlandError
        assert spawn_queued.is_set()  # it was queued behind the stop, as intended
        assert time.monotonic() - started < 3.0
        blocker.join(5)
        stopper.join(5)
        assert not stopper.is_alive()
    finally:
        client.close()


def test_a_call_spawned_after_the_portal_stopped_raises_the_sdk_error(
    threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its spawn runs on the loop after the portal's task group has exited.

    The caller checked that the portal was running just before it stopped; the check is
    skipped here to make that race certain.
    """
    from bland_async import AsyncBlandClient

    persona = threaded_fake.seed_persona()
    client = client_for(threaded_fake, max_retries=0)
    runtime = client._runtime
    client.personas.get(persona["id"])
    thread = runtime._thread
    assert thread is not None
    assert thread.portal is not None
    closing = threading.Event()
    called = asyncio.Event()  # set on the loop once the test's call has been refused
    real_aclose = AsyncBlandClient.aclose

    async def slow_aclose(self: AsyncBlandClient) -> None:
        closing.set()  # the portal has stopped; the loop still runs
        with contextlib.suppress(TimeoutError):  # bounded: the close must still happen
            async with asyncio.timeout(runtime_module.CLOSE_TIMEOUT / 2):
                await called.wait()
        await real_aclose(self)

    monkeypatch.setattr(AsyncBlandClient, "aclose", slow_aclose)
    monkeypatch.setattr(thread.portal, "_check_running", lambda: None)
    stopper = threading.Thread(target=thread.shutdown, args=(runtime_module.CLOSE_TIMEOUT,))
    stopper.start()
    try:
        assert closing.wait(5)
        with pytest.raises(BlandError, match="interpreter is exiting") as info:
            client.personas.get(persona["id"])
        assert type(info.value) is BlandError
    finally:
        loop = thread.loop
        assert loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed already (a failure above)
            loop.call_soon_threadsafe(called.set)
        stopper.join(5)
        client.close()


def test_a_call_whose_spawn_the_closing_loop_dropped_raises_instead_of_hanging(
    threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spawn scheduled just as the loop closes is dropped: its caller must not wait forever."""
    persona = threaded_fake.seed_persona()
    client = client_for(threaded_fake, max_retries=0)
    client.personas.get(persona["id"])
    thread = client._runtime._thread
    assert thread is not None
    loop = thread.loop
    assert loop is not None
    scheduled = threading.Event()
    original = loop.call_soon_threadsafe

    def dropping_spawns(callback: Callable[..., object], *args: Any, **kwargs: Any) -> Any:
        if getattr(callback, "__name__", "") == "spawn":
            scheduled.set()
            return None  # as if loop.close() had cleared it from the ready queue
        return original(callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_soon_threadsafe", dropping_spawns)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.personas.get(persona["id"])
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    assert scheduled.wait(5)
    client.close()
    worker.join(5)
    assert not worker.is_alive(), "the caller waits forever"
    assert len(outcome) == 1
    assert type(outcome[0]) is BlandError
    assert "closed" in str(outcome[0])
    assert "in flight" in str(outcome[0])
    assert outcome[0].__suppress_context__  # no CancelledError in its traceback


# --------------------------------------------------------------------------- process exit

_NEVER_CLOSED = textwrap.dedent(
    """
    import gc, sys, threading, time
    from bland_async import BlandClient

    url, persona_id = sys.argv[1], sys.argv[2]

    # Collected while the process runs: its finalizer stops its loop thread.
    dropped = BlandClient(api_key="test-key", base_url=url)
    dropped.personas.get(persona_id)
    del dropped
    gc.collect()
    deadline = time.monotonic() + 5
    while any(t.name == "bland-sync-loop" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the loop thread outlived its client"
        time.sleep(0.01)  # the poll interval of a bounded wait, not a barrier

    # Never closed, still referenced at exit, with a pooled keep-alive connection.
    kept = BlandClient(api_key="test-key", base_url=url)
    kept.personas.get(persona_id)
    copy = kept.with_options(max_retries=0)
    copy.personas.get(persona_id)
    unused = BlandClient(api_key="test-key", base_url=url)
    print("ok", flush=True)
    """
)


def test_a_client_never_closed_lets_the_process_exit_promptly_and_quietly(
    threaded_fake: ThreadedFake,
) -> None:
    persona = threaded_fake.seed_persona()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-c", _NEVER_CLOSED, threaded_fake.url, persona["id"]],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert stderr_noise_removed(result.stderr) == ""
    assert elapsed < 10.0


def test_exit_shutdown_is_skipped_in_a_foreign_process(
    sync_client: BlandClient, threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    persona = threaded_fake.seed_persona()
    sync_client.personas.get(persona["id"])
    thread = sync_client._runtime._thread
    assert thread is not None
    monkeypatch.setattr(runtime_module.os, "getpid", lambda: thread.pid + 1)
    thread.shutdown(1.0)  # what the finalizer runs: a no-op outside the owning process
    monkeypatch.undo()
    assert sync_client.personas.get(persona["id"]).id == persona["id"]


def test_closing_a_with_options_copy_leaves_the_original_working(
    threaded_fake: ThreadedFake, sync_client: BlandClient
) -> None:
    persona = threaded_fake.seed_persona()
    with sync_client.with_options(max_retries=5) as copy:
        assert copy.personas.get(persona["id"]).id == persona["id"]
    assert copy.closed
    assert not sync_client.closed
    with pytest.raises(BlandError, match="closed"):
        copy.personas.get(persona["id"])
    assert sync_client.personas.get(persona["id"]).id == persona["id"]
    other = sync_client.with_options(timeout=5)
    sync_client.close()
    assert other.closed
    with pytest.raises(BlandError, match="closed"):
        other.personas.get(persona["id"])
