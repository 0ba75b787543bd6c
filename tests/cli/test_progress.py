"""The progress display of ``personas promote``: rich bar, plain lines, or nothing."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import sys
import threading
from typing import TYPE_CHECKING

import pytest

from bland_async._cli import _progress, main

if TYPE_CHECKING:
    from tests.cli.conftest import ThreadedFake

CHANGED = {"personality_prompt": "Be brief."}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class TerminalIO(io.StringIO):
    """A StringIO that says it is a terminal (and has no file descriptor)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def env(served: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "test-key")
    monkeypatch.setenv("BLAND_BASE_URL", served.url)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("env")
def test_a_terminal_gets_the_rich_bar(
    served: ThreadedFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [served.seed(f"P{i}", draft_changes=CHANGED) for i in range(3)]
    stderr = TerminalIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["personas", "promote", *ids], prog="bland-async") == 0
    drawn = stderr.getvalue()
    assert "promoting" in drawn
    assert "━" in drawn  # rich's bar
    assert "3/3" in ANSI.sub("", drawn)
    assert "\x1b[" in drawn  # cursor control: a live bar, not lines
    # The JSON lines went to stdout (not a terminal here), untouched by the bar.
    out = capsys.readouterr().out
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["promoted"] * 3


@pytest.mark.usefixtures("env")
def test_without_rich_a_terminal_gets_plain_lines(
    served: ThreadedFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for module in ("rich", "rich.console", "rich.progress"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setattr(_progress, "_PLAIN_INTERVAL", 0.0)
    ids = [served.seed(f"P{i}", draft_changes=CHANGED) for i in range(3)]
    same = served.seed("S")
    stderr = TerminalIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["personas", "promote", *ids, same, "--only-if-changed"], prog="x") == 0
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("promoting: 4/4 done, 3 ok, 1 skipped, 0 failed (")
    assert "\x1b" not in stderr.getvalue()
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_plain_lines_come_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    from bland_async._bulk import BulkProgress

    stream = TerminalIO()
    clock = iter([0.0, 0.5, 1.2, 1.3])
    monkeypatch.setattr(_progress, "_clock", lambda: next(clock))
    display = _progress._PlainLines(stream, "promoting")  # starts at 0.0
    for done in (1, 2, 3):
        display(BulkProgress(done=done, succeeded=done, failed=0, total=None, elapsed=1.0))
    display.close()
    display.close()  # nothing pending: nothing more
    assert stream.getvalue().splitlines() == [
        "promoting: 2 done, 2 ok, 0 skipped, 0 failed (2/s, 1.0s)",
        "promoting: 3 done, 3 ok, 0 skipped, 0 failed (3/s, 1.0s)",
    ]


def test_a_closed_stderr_is_not_a_terminal() -> None:
    closed = io.StringIO()
    closed.close()
    with _progress.progress_display(closed, label="x", total=1) as display:
        assert type(display) is _progress.ProgressDisplay


@pytest.mark.usefixtures("env")
def test_lines_to_the_same_terminal_print_above_the_bar(
    served: ThreadedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [served.seed(f"P{i}", draft_changes=CHANGED) for i in range(5)]
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the slave side closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    terminal = open(slave, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    try:
        monkeypatch.setattr(sys, "stdout", terminal)
        monkeypatch.setattr(sys, "stderr", terminal)
        assert main(["personas", "promote", *ids], prog="bland-async") == 0
    finally:
        terminal.close()
        reader.join(timeout=5)
        os.close(master)
    text = ANSI.sub("", b"".join(chunks).decode())
    for persona in ids:
        assert f'{{"id": "{persona}", "outcome": "promoted"' in text
    assert "━" in text


def test_same_terminal_needs_two_file_descriptors() -> None:
    assert not _progress._same_terminal(TerminalIO(), TerminalIO())
    assert not _progress._same_terminal(io.StringIO(), TerminalIO())
