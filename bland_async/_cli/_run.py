"""Running a command's coroutine: its own event loop, Ctrl-C as cancellation.

SIGINT (and SIGTERM) cancel the main task through a loop signal handler, so the command
unwinds at its current ``await``: never in the middle of writing a line. The command's
``finally`` blocks (cancel the job's tasks, close the client, close the output file)
run, then :func:`run` returns 130 (143 for SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING, TypeVar

from bland_async._cli._parser import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine

__all__ = ["cancel_on_exit", "run"]

_T = TypeVar("_T")

#: How long the tasks of an interrupted job get to finish cancelling.
_CANCEL_GRACE = 5.0


def run(command: Coroutine[object, object, int]) -> int:
    """Run ``command`` to its exit status; a signal to stop it gives 128 + the signal."""
    try:
        return asyncio.run(_interruptible(command))
    except KeyboardInterrupt:  # Ctrl-C before the loop's handler was installed or after
        return EXIT_INTERRUPTED


async def _interruptible(command: Coroutine[object, object, int]) -> int:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def stop(signum: int) -> None:
        received.append(signum)
        task.cancel()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; not main thread
            loop.add_signal_handler(signum, stop, signum)
            installed.append(signum)
    try:
        return await command
    except asyncio.CancelledError:
        if not received:
            raise
        task.uncancel()
        return 128 + received[0]
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


@contextlib.asynccontextmanager
async def cancel_on_exit() -> AsyncIterator[None]:
    """Cancel, and wait for, every task started inside the block when it exits.

    A bulk job's workers are tasks the job started; when the job is interrupted (or
    fails) they must stop before the client's session closes, not when they are
    garbage collected. The CLI owns its event loop, so every task started while the
    block runs belongs to the job.
    """
    before = asyncio.all_tasks()
    try:
        yield
    finally:
        spawned = asyncio.all_tasks() - before
        for task in spawned:
            task.cancel()
        if spawned:
            await asyncio.wait(spawned, timeout=_CANCEL_GRACE)
