"""What the CLI reads and writes: persona ids in, JSON lines and one-line errors out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TextIO

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["Context", "JsonLines", "UsageError", "one_line", "read_ids"]


class UsageError(Exception):
    """A problem with how the command was called (exit status 2)."""


def one_line(error: BaseException) -> str:
    """``error`` as one line: its message and notes, whitespace runs collapsed."""
    parts = [str(error) or type(error).__name__, *getattr(error, "__notes__", ())]
    return " ".join("; ".join(parts).split())


@attrs.frozen
class Context:
    """The program name and the streams a command reads and writes.

    Attributes:
        prog: The program name as the user typed it (``bland-async``, ...).
        stdin: Where ``--from -`` reads ids.
        stdout: Where results go.
        stderr: Where errors and progress go.
    """

    prog: str
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO

    def error(self, message: str) -> None:
        """Write ``<prog>: error: <message>`` as one line on stderr."""
        self.stderr.write(f"{self.prog}: error: {' '.join(message.split())}\n")
        self.stderr.flush()


def read_ids(positional: Iterable[str], from_file: str | None, stdin: TextIO) -> list[str]:
    """The distinct ids of the arguments, then of ``from_file`` (``-``: stdin), in order.

    Each id is stripped; blank lines (and blank arguments) are ignored.

    Raises:
        UsageError: ``from_file`` cannot be read or decoded.
    """
    lines = list(positional)
    if from_file is not None:
        try:
            if from_file == "-":
                lines.extend(stdin.read().splitlines())
            else:
                with open(from_file, encoding="utf-8") as file:
                    lines.extend(file.read().splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            name = "stdin" if from_file == "-" else repr(from_file)
            raise UsageError(f"cannot read --from {name}: {one_line(exc)}") from None
    return list(dict.fromkeys(stripped for line in lines if (stripped := line.strip())))


class JsonLines:
    """Writes one JSON object per line, each flushed as soon as it is written.

    A line is written with a single ``write`` call and never awaited in between, so a
    cancellation (Ctrl-C) can only fall between lines.

    Args:
        out: The stream (stdout or the ``--output`` file).
        printer: Writes a finished line instead of ``out.write`` (the progress bar
            uses this to print above itself when ``out`` is the same terminal).

    Attributes:
        printer: As the argument; may be set later.
        written: Lines written so far.
    """

    def __init__(self, out: TextIO, printer: Callable[[TextIO, str], None] | None = None) -> None:
        self._out = out
        self.printer = printer
        self.written = 0

    def write(self, record: dict[str, object]) -> None:
        """Write ``record`` as one line (ASCII JSON, so any terminal encoding copes)."""
        line = json.dumps(record)
        if self.printer is not None:
            self.printer(self._out, line)
        else:
            self._out.write(line + "\n")
            self._out.flush()
        self.written += 1
