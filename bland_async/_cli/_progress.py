"""Progress of a bulk job on stderr: a rich bar on a terminal, nothing otherwise.

``rich`` is optional (the ``cli`` extra). Without it a terminal gets a plain progress
line every second instead; a stderr that is not a terminal (a pipe, a file, CI logs)
gets nothing at all.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.progress import Progress as RichProgress

    from bland_async._bulk import BulkProgress

__all__ = ["ProgressDisplay", "progress_display"]

#: Seconds between two plain progress lines.
_PLAIN_INTERVAL = 1.0
#: The clock of the plain lines.
_clock = time.monotonic


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):  # closed or detached
        return False


def _same_terminal(a: TextIO, b: TextIO) -> bool:
    """Whether ``a`` and ``b`` are the same terminal device."""
    if not (_isatty(a) and _isatty(b)):
        return False
    try:
        return os.path.samestat(os.fstat(a.fileno()), os.fstat(b.fileno()))
    except (OSError, ValueError):  # no file descriptor (io.UnsupportedOperation is an OSError)
        return False


class ProgressDisplay:
    """Shows nothing: the display when stderr is not a terminal, and the base of the others.

    Call it with each ``BulkProgress``; write output lines through :meth:`print_line`.
    """

    def __call__(self, progress: BulkProgress) -> None:
        """Show ``progress`` (here: nothing)."""

    def print_line(self, out: TextIO, line: str) -> None:
        """Write ``line`` and a newline to ``out``, flushed."""
        out.write(line + "\n")
        out.flush()

    def close(self) -> None:
        """Finish the display."""


class _PlainLines(ProgressDisplay):
    """A progress line on stderr every second, and one when the job ends."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._last_shown = _clock()
        self._pending: BulkProgress | None = None

    def __call__(self, progress: BulkProgress) -> None:
        self._pending = progress
        now = _clock()
        if now - self._last_shown >= _PLAIN_INTERVAL:
            self._last_shown = now
            self._show()

    def _show(self) -> None:
        progress, self._pending = self._pending, None
        if progress is None:
            return
        of = f"/{progress.total}" if progress.total is not None else ""
        self._stream.write(
            f"{self._label}: {progress.done}{of} done, {progress.succeeded} ok, "
            f"{progress.skipped} skipped, {progress.failed} failed "
            f"({progress.rate:,.0f}/s, {progress.elapsed:,.1f}s)\n"
        )
        self._stream.flush()

    def close(self) -> None:
        self._show()


class _RichBar(ProgressDisplay):
    """A ``rich`` progress bar on stderr; output lines to the same terminal go above it."""

    def __init__(self, bar: RichProgress, stream: TextIO, label: str, total: int | None) -> None:
        self._bar = bar
        self._stream = stream
        self._task = bar.add_task(label, total=total, ok=0, skipped=0, failed=0, rate=0.0)
        bar.start()

    def __call__(self, progress: BulkProgress) -> None:
        self._bar.update(
            self._task,
            completed=progress.done,
            ok=progress.succeeded,
            skipped=progress.skipped,
            failed=progress.failed,
            rate=progress.rate,
        )

    def print_line(self, out: TextIO, line: str) -> None:
        if _same_terminal(out, self._stream):
            # Drawn by the bar's console, so the bar moves below the line instead of
            # overwriting it; it is the same terminal either way.
            self._bar.console.print(
                line, markup=False, highlight=False, emoji=False, soft_wrap=True
            )
        else:
            super().print_line(out, line)

    def close(self) -> None:
        self._bar.stop()


def _rich_bar(stream: TextIO, label: str, total: int | None) -> _RichBar:
    """The rich bar (raises ``ImportError`` without rich)."""
    from rich.console import Console  # noqa: PLC0415 (optional, and only for a terminal)
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "[green]{task.fields[ok]} ok[/] {task.fields[skipped]} skipped "
            "[red]{task.fields[failed]} failed[/]"
        ),
        TextColumn("{task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        redirect_stdout=False,
        redirect_stderr=False,
    )
    return _RichBar(bar, stream, label, total)


@contextlib.contextmanager
def progress_display(stream: TextIO, *, label: str, total: int | None) -> Iterator[ProgressDisplay]:
    """The progress display for a job of ``total`` items, on ``stream`` (stderr).

    A rich bar when ``stream`` is a terminal and rich is installed, plain lines when it
    is a terminal without rich, and nothing when it is not a terminal. The display is
    finished when the block exits, however it exits.
    """
    display: ProgressDisplay
    if not _isatty(stream):
        display = ProgressDisplay()
    else:
        try:
            display = _rich_bar(stream, label, total)
        except ImportError:
            display = _PlainLines(stream, label)
    try:
        yield display
    finally:
        display.close()
