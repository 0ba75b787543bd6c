"""The sync facade's runtime: one event loop thread per client, and the call path into it.

``BlandClient`` (generated in ``bland_async/_sync/``) owns a :class:`SyncRuntime`. On the
first call the runtime starts a daemon thread running ``anyio.run()`` (asyncio backend)
with a :class:`anyio.from_thread.BlockingPortal` inside; the ``AsyncBlandClient``'s
aiohttp session is created on that loop (lazily, by the transport) and only ever touched
there. A call submits the coroutine with ``portal.start_task_soon`` (a portal whose
submission does not wait for the loop: see :func:`_one_hop_portal`) and waits on the
returned :class:`concurrent.futures.Future`: one thread hop there, the result back.

Life cycle (each point is pinned by tests in ``tests/sync/``):

- thread-safe: any number of threads may share one client; only the loop thread touches
  aiohttp objects, so no locks are needed around them.
- interrupt-safe: if the waiting thread is interrupted (Ctrl-C, a signal-based timeout),
  the task is cancelled and given a moment to unwind, so its connection is released
  instead of staying busy on the loop.
- exit-safe: a client never closed is shut down by :func:`weakref.finalize` (which runs
  at exit, before interpreter finalization) with bounded waits. Not by garbage collection
  of an entered portal context manager, which hangs the interpreter at exit. A call still
  in flight then (in a daemon thread) is cancelled and raises
  :class:`~bland_async.BlandError`, never ``concurrent.futures.CancelledError``.
- fork-safe: in a child process the inherited loop thread does not exist. An at-fork
  hook marks the inherited aiohttp connector closed without touching its transports
  (closing them would remove the parent's sockets from the epoll set parent and child
  share) and keeps the inherited objects alive; the child's first call starts its own
  loop thread and session.
- loop-aware: a call from the facade's own loop thread would deadlock and raises; a call
  from a thread running another event loop works (it blocks that loop) and warns once.
- closed-aware: after ``close()`` every call raises :class:`~bland_async.BlandError`, and
  so does every call in flight when ``close()`` is called (from another thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import os
import sys
import threading
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Final, Generic, ParamSpec, TypeVar

from bland_async._errors import BlandError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Self

    from anyio.from_thread import BlockingPortal

    from bland_async._client import AsyncBlandClient
    from bland_async._pagination import AsyncPager

__all__ = [
    "LoopThreadCallError",
    "SyncClient",
    "SyncPager",
    "SyncResource",
    "SyncRuntime",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")

#: Seconds ``close()`` waits for the session to close and the loop thread to end.
CLOSE_TIMEOUT: Final = 5.0
#: Seconds a never-closed client's shutdown may take at interpreter exit.
EXIT_TIMEOUT: Final = 1.0
#: Seconds an interrupted call waits for its cancelled task to unwind.
CANCEL_GRACE: Final = 1.0
#: Seconds to wait for a new loop thread to be ready.
START_TIMEOUT: Final = 10.0

_get_running_loop = asyncio._get_running_loop  # C-level; public API raises when there is none


class LoopThreadCallError(BlandError, RuntimeError):
    """A ``BlandClient`` was called from its own event loop thread, where it would deadlock.

    This happens when code running on the facade's loop (for example an ``on_progress``
    callback) calls the sync client. Use the values passed to the callback instead, or
    ``AsyncBlandClient`` from async code.
    """


def _closed_error() -> BlandError:
    return BlandError("this BlandClient is closed; create a new one")


def _stopped_error() -> BlandError:
    # A call made while the loop thread stops without close(): the finalizer at exit.
    return BlandError("this BlandClient was closed (or the interpreter is exiting)")


def _in_flight_error() -> BlandError:
    return BlandError(
        "this BlandClient was closed (or the interpreter is exiting) while the call was in flight"
    )


def _cancelled_error() -> BlandError:
    return BlandError("the call was cancelled on the BlandClient's event loop")


class _Call:
    """One submitted call: the coroutine wrapper, and a way to wait for it to unwind."""

    __slots__ = ("finished", "waiter")

    def __init__(self) -> None:
        self.finished = False
        self.waiter: threading.Event | None = None

    async def run(
        self, fn: Callable[..., Awaitable[_T]], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> _T:
        try:
            return await fn(*args, **kwargs)
        finally:
            # Ordering matters: the waiting thread sets `waiter`, then reads `finished`.
            self.finished = True
            waiter = self.waiter
            if waiter is not None:
                waiter.set()

    def wait_unwound(self, timeout: float) -> None:
        """Block until :meth:`run` has finished (cancellation included), at most ``timeout``."""
        waiter = threading.Event()
        self.waiter = waiter
        if not self.finished:
            waiter.wait(timeout)


def _one_hop_portal(
    loop: asyncio.AbstractEventLoop, unfinished: set[concurrent.futures.Future[Any]]
) -> BlockingPortal:  # call it on ``loop``
    """Make anyio's ``BlockingPortal``, with a submission that does not wait for the loop.

    ``BlockingPortal.start_task_soon`` blocks the caller until the loop thread has spawned
    the task (a thread hop), and then the caller waits on the result (a second one). This
    portal schedules the spawn with ``call_soon_threadsafe`` and returns at once, so a
    call costs one hop; the task still runs in the portal's task group through
    ``_call_func`` (a cancel scope tied to the future), so cancelling the future and
    ``portal.stop(cancel_remaining=True)`` behave as before. Relies on two private
    members of anyio's portal (``_task_group``, ``_call_func``): pinned by
    ``tests/sync/test_sync_runtime.py``.

    Every submitted future stays in ``unfinished`` until it is done, so that the loop
    thread can cancel the ones nothing will resolve any more once its loop has closed
    (see :meth:`_LoopThread._run`).
    """
    from anyio.from_thread import BlockingPortal  # noqa: PLC0415

    class OneHopPortal(BlockingPortal):
        def _spawn_task_from_thread(
            self,
            func: Callable[..., Any],
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
            name: object,
            future: concurrent.futures.Future[Any],
        ) -> None:
            def spawn() -> None:
                try:
                    self._task_group.start_soon(
                        self._call_func, func, args, kwargs, future, name=name
                    )
                except RuntimeError:
                    # The portal stopped after the caller checked it was running (its
                    # task group no longer takes tasks): cancelled like a call in flight,
                    # so the caller raises BlandError.
                    future.cancel()
                except BaseException as exc:
                    if future.set_running_or_notify_cancel():
                        future.set_exception(exc)

            # Tracked before it is scheduled. A spawn scheduled just as the loop closes is
            # dropped by it; the loop thread then finds the future here once the loop is
            # closed (from then on scheduling raises instead) and cancels it.
            unfinished.add(future)
            future.add_done_callback(unfinished.discard)
            try:
                # Run it in the loop's own context (not the caller's): anyio detects its
                # backend from there.
                loop.call_soon_threadsafe(spawn, context=loop_context)
            except BaseException:  # the loop is closed: the caller gets this error
                unfinished.discard(future)
                raise

    loop_context = contextvars.copy_context()
    return OneHopPortal()


class _LoopThread:
    """A daemon thread running an asyncio loop with a blocking portal.

    It holds the async client (to close it on the way out) but never the
    :class:`SyncRuntime`, so a runtime can be garbage-collected (and finalized) while its
    loop thread is alive.
    """

    __slots__ = (
        "_client",
        "_error",
        "_ready",
        "_stop",
        "_unfinished",
        "ident",
        "loop",
        "pid",
        "portal",
        "stopping",
        "thread",
    )

    def __init__(self, client: AsyncBlandClient) -> None:
        self._client = client
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._unfinished: set[concurrent.futures.Future[Any]] = set()
        #: Set once the loop is being stopped (by close() or the exit finalizer), before
        #: the calls in flight are cancelled: their callers read it to explain why.
        self.stopping = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.portal: BlockingPortal | None = None
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="bland-sync-loop", daemon=True)
        self.ident: int | None = None

    def start(self) -> None:
        """Start the thread and wait until its portal accepts calls."""
        self.thread.start()
        self.ident = self.thread.ident
        if not self._ready.wait(START_TIMEOUT):
            raise BlandError("the BlandClient loop thread did not start")
        if self._error is not None:
            raise BlandError("the BlandClient loop thread failed to start") from self._error

    def _run(self) -> None:
        import anyio  # noqa: PLC0415

        try:
            anyio.run(self._main, backend="asyncio")
        except BaseException as exc:  # reported to the thread that started us
            self._error = exc
        finally:
            self.stopping = True
            # The loop is closed: a future still unfinished now never will be (its spawn
            # was dropped by the closing loop). Cancel it, so that its caller raises
            # BlandError instead of waiting forever.
            for future in list(self._unfinished):
                future.cancel()
            self._ready.set()

    async def _main(self) -> None:
        import anyio  # noqa: PLC0415

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with _one_hop_portal(self.loop, self._unfinished) as portal:
                self.portal = portal
                self._ready.set()
                await self._stop.wait()
                self.stopping = True
                # Calls still in flight are cancelled: their callers get BlandError.
                await portal.stop(cancel_remaining=True)
        finally:
            with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
                await self._client.aclose()

    def shutdown(self, timeout: float) -> None:
        """Stop the loop (closing the session on it) and wait at most ``timeout`` seconds.

        Skipped in a forked child (the thread is the parent's) and during interpreter
        finalization (threads can no longer be joined safely). From the loop thread itself
        it only requests the stop.
        """
        if os.getpid() != self.pid or sys.is_finalizing():
            return
        loop, stop = self.loop, self._stop
        if loop is None or stop is None:
            return
        self.stopping = True
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:  # the loop is already closed
            return
        if threading.get_ident() != self.ident:
            self.thread.join(timeout)


# Every runtime with a live loop thread, for the at-fork hook.
_RUNTIMES: weakref.WeakSet[SyncRuntime] = weakref.WeakSet()
# Objects inherited through fork(): kept alive (never finalized) in the child.
_INHERITED: list[object] = []
_fork_hook_installed = False
_fork_hook_lock = threading.Lock()


def _install_fork_hook() -> None:
    global _fork_hook_installed
    with _fork_hook_lock:
        if not _fork_hook_installed and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_installed = True


def _after_fork_in_child() -> None:
    for runtime in list(_RUNTIMES):
        runtime._forget_parent_loop()
    _RUNTIMES.clear()


class SyncRuntime:
    """The loop thread and call path shared by a ``BlandClient`` and its ``with_options`` copies.

    Construction is cheap: the thread starts on the first call. Calls are thread-safe.

    Args:
        client: The async client to run on the loop thread. Its session is created there,
            on first use, by the client's transport.
    """

    __slots__ = ("__weakref__", "_client", "_closed", "_lock", "_thread", "_warned")

    def __init__(self, client: AsyncBlandClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._thread: _LoopThread | None = None
        self._closed = False
        self._warned = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def call(self, fn: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run ``await fn(*args, **kwargs)`` on the loop thread and return its result.

        One hop: the call is submitted with ``portal.start_task_soon`` (which returns at
        once) and this thread waits on the returned future. If the wait is interrupted
        (``KeyboardInterrupt``, a signal handler raising), the task is cancelled and given
        up to ``CANCEL_GRACE`` seconds to unwind before the interruption propagates.

        A cancellation this thread did not cause (the client closed by another thread,
        or shut down by its finalizer at interpreter exit while a daemon thread waits
        here) raises :class:`~bland_async.BlandError`, never a ``CancelledError``.

        Raises:
            BlandError: The client is closed, or was closed (or shut down at interpreter
                exit) during the call.
            LoopThreadCallError: Called from the client's own loop thread.
            Exception: Whatever ``fn`` raised.
        """
        if self._closed:
            raise _closed_error()
        thread = self._thread or self._start()
        running = _get_running_loop()
        if running is not None:
            self._check_loop(running, thread)
        portal = thread.portal
        assert portal is not None
        call = _Call()
        try:
            future = portal.start_task_soon(call.run, fn, args, kwargs)
        except RuntimeError:  # the portal or its loop stopped: closed meanwhile, or exiting
            if self._closed:
                raise _closed_error() from None
            if thread.stopping:
                raise _stopped_error() from None
            raise
        try:
            result: _T = future.result()
        except concurrent.futures.CancelledError:
            # Not this thread's doing (an interrupt lands below, and cancels the future
            # only after its wait ended): the loop cancelled the task.
            if self._closed or thread.stopping:
                raise _in_flight_error() from None
            raise _cancelled_error() from None
        except BaseException:
            if not future.done():
                # Interrupted while waiting: cancel the task so it releases its connection.
                future.cancel()
                call.wait_unwound(CANCEL_GRACE)
            raise
        return result

    def _check_loop(self, running: asyncio.AbstractEventLoop, thread: _LoopThread) -> None:
        if running is thread.loop:
            raise LoopThreadCallError(
                "a BlandClient method was called from the client's own event loop thread "
                "(e.g. from a callback it runs), which would deadlock; in async code use "
                "AsyncBlandClient"
            )
        with self._lock:
            if self._warned:
                return
            self._warned = True
        warnings.warn(
            "BlandClient was called from a thread that is running an asyncio event loop; "
            "the call works but blocks that loop until it returns. Use AsyncBlandClient "
            "(await ...) in async code.",
            RuntimeWarning,
            stacklevel=4,
        )

    def _start(self) -> _LoopThread:
        with self._lock:
            if self._closed:
                raise _closed_error()
            thread = self._thread
            if thread is None:
                thread = _LoopThread(self._client)
                thread.start()
                _install_fork_hook()
                _RUNTIMES.add(self)
                # At exit (or when the runtime is collected), close the session and stop
                # the thread within EXIT_TIMEOUT. The callback holds the thread, not self.
                weakref.finalize(self, thread.shutdown, EXIT_TIMEOUT)
                self._thread = thread
            return thread

    def close(self) -> None:
        """Close the async client's session on the loop, then stop the loop thread.

        Idempotent and thread-safe; calls in flight in other threads are cancelled and
        raise :class:`~bland_async.BlandError`. Waits at most ``CLOSE_TIMEOUT`` seconds.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is None:
                # Never used: run the loop briefly anyway, so the async client is closed
                # the same way (its `closed` reads True) on the loop it belongs to.
                thread = _LoopThread(self._client)
                thread.start()
                self._thread = thread
        thread.shutdown(CLOSE_TIMEOUT)

    def release_on_loop(self, box: list[Any]) -> None:
        """Empty ``box`` on the loop thread, so its contents are finalized there.

        An async pager dropped by a sync caller may have finalizers that
        touch the loop (cancelling worker tasks, closing an async generator); those are
        not thread-safe, so the last reference is dropped on the loop's own thread. With
        no loop thread running, ``box`` is emptied here.
        """
        thread = self._thread
        loop = thread.loop if thread is not None else None
        if loop is not None and thread is not None and thread.pid == os.getpid():
            try:
                loop.call_soon_threadsafe(box.clear)
            except RuntimeError:  # the loop is closed
                pass
            else:
                return
        box.clear()

    def _forget_parent_loop(self) -> None:
        """In a forked child: drop the parent's loop thread and session without closing them.

        Runs in the at-fork hook, before any other code in the child. The inherited
        connector is marked closed *without* touching its transports, and every inherited
        object is kept alive, so nothing here ever closes (or unregisters from the shared
        epoll set) a socket the parent is still using. The next call starts a new loop
        thread, on which the transport creates a new session.
        """
        self._lock = threading.Lock()  # another thread of the parent may have held it
        thread, self._thread = self._thread, None
        if thread is None:
            return
        _INHERITED.append(thread)
        _INHERITED.extend(self._client._forget_session_after_fork())


class SyncResource:
    """Base of the generated sync resources: forwards calls to an async twin."""

    __slots__ = ("_runtime",)

    _runtime: SyncRuntime

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class SyncClient(SyncResource):
    """Base of the generated ``BlandClient`` (no ``__slots__``: clients are weak-referenceable)."""

    _async: AsyncBlandClient
    _runtime: SyncRuntime

    def _close(self) -> None:
        """Close this client: a ``with_options`` copy alone, else the runtime and session."""
        if not self._async._release_copy():
            self._runtime.close()

    def _bind(self, runtime: SyncRuntime, async_client: AsyncBlandClient) -> None:
        raise NotImplementedError  # generated in each client class

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as configuration: the copy starts its own loop thread and session lazily.

        The pickle holds the options, the API key among them (treat it as a secret).
        """
        return (_unpickle_client, (type(self), self._async))

    def __repr__(self) -> str:
        text = repr(self._async)
        prefix = type(self._async).__name__
        if text.startswith(prefix):
            text = type(self).__name__ + text[len(prefix) :]
        return text


class SyncPager(Generic[_T]):
    """An iterator over every item of a list endpoint, fetching one page per thread hop.

    Returned by the sync ``iterate()`` methods. Pages are fetched lazily, as iteration
    reaches them, by the async pager running on the client's loop.
    """

    __slots__ = ("_buffer", "_index", "_pager", "_runtime")

    def __init__(self, runtime: SyncRuntime, pager: AsyncPager[_T]) -> None:
        self._runtime = runtime
        self._pager: list[AsyncPager[_T]] = [pager]  # a box: see __del__
        self._buffer: list[_T] = []
        self._index = 0

    def __del__(self) -> None:
        # Let the async pager be finalized on the loop thread (e.g. promote_each cancels
        # its workers when its pager is dropped early).
        # Nothing to report from a finalizer (e.g. at exit, with modules torn down).
        with contextlib.suppress(Exception):
            self._runtime.release_on_loop(self._pager)

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> _T:
        while self._index >= len(self._buffer):
            page = self.next_page()
            if page is None:
                raise StopIteration
            self._buffer = page
            self._index = 0
        item = self._buffer[self._index]
        self._index += 1
        return item

    def next_page(self) -> list[_T] | None:
        """Fetch the next page's items; ``None`` once every page has been returned.

        Raises:
            BlandError: The request failed, or the client is closed.
        """
        return self._runtime.call(self._pager[0].next_page)


def _unpickle_client(cls: type[SyncClient], async_client: AsyncBlandClient) -> SyncClient:
    """Unpickle a sync client around the (already unpickled, fresh) async client."""
    client = object.__new__(cls)
    client._bind(SyncRuntime(async_client), async_client)
    return client
