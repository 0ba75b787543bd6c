"""The CLI as a user runs it: ``python -m bland_async ...`` against a standalone fake."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.cli.conftest import (
    ROOT,
    STEP_TIMEOUT,
    cli_env,
    run_cli,
    start_standalone,
    stop_standalone,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.cli.conftest import Standalone

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: The program name of ``<this python> -m bland_async``, as typed (``python3 -m ...``).
MODULE_PROG = f"{Path(sys.executable).name} -m bland_async"


@pytest.fixture
def demo() -> Iterator[Standalone]:
    """``bland-async fake --port 0 --seed-demo``: three personas, one with a changed draft."""
    server = start_standalone(["-m", "bland_async", "fake", "--port", "0", "--seed-demo"])
    try:
        yield server
    finally:
        stop_standalone(server)


def many(personas: int, *, changed: float = 1.0, latency: float = 0.0) -> Standalone:
    """``tests.cli.fake_server``: ``personas`` personas, ``changed`` of them drafted."""
    argv = ["-m", "tests.cli.fake_server", "--personas", str(personas)]
    server = start_standalone([*argv, "--changed", str(changed), "--latency", str(latency)])
    assert server.process.stdout is not None
    server.seeded = json.loads(server.process.stdout.readline())
    return server


@pytest.fixture
def forty() -> Iterator[Standalone]:
    """40 personas, 12 (30 %) with a draft that differs from production."""
    server = many(40, changed=0.3)
    try:
        yield server
    finally:
        stop_standalone(server)


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_list_and_diff(demo: Standalone) -> None:
    table = run_cli("personas", "list", url=demo.url)
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "PRODUCTION", "DRAFT", "CHANGED"]
    names = {" ".join(row.split()[1:-2]): row.split()[-1] for row in rows if "draft" not in row}
    assert names == {"Support Agent": "yes", "Sales Agent": "no"}
    assert rows[-1].split()[1:] == ["Scheduler", "v1", "no", "draft"]

    listed = jsonl(run_cli("personas", "list", "--json", url=demo.url).stdout)
    support = next(p for p in listed if p["name"] == "Support Agent")
    assert support["changed"] is True

    diff = run_cli("personas", "diff", support["id"], url=demo.url)
    assert diff.returncode == 0
    assert "personality_prompt" in diff.stdout
    assert '+ "You are a patient, concise support agent."' in diff.stdout


def test_release_then_rerun_skips_everything(forty: Standalone, tmp_path: Path) -> None:
    ids, changed = forty.seeded["ids"], set(forty.seeded["changed"])
    assert len(changed) == 12
    source = tmp_path / "ids.txt"
    source.write_text("\n".join(ids) + "\n\n")
    out = tmp_path / "release.jsonl"

    dry = run_cli("personas", "promote", "--from", str(source), "--dry-run", url=forty.url)
    assert dry.returncode == 0
    assert {d["id"] for d in jsonl(dry.stdout) if d["changed"]} == changed
    assert forty.stats()["promote_posts"] == 0  # the dry run sent no promotion

    argv = ["personas", "promote", "--from", str(source), "--only-if-changed", "--output"]
    release = run_cli(*argv, str(out), url=forty.url)
    assert release.returncode == 0, release.stderr
    assert (release.stdout, release.stderr) == ("", "")
    outcomes = {line["id"]: line["outcome"] for line in jsonl(out.read_text())}
    assert outcomes == {i: "promoted" if i in changed else "skipped" for i in ids}
    stats = forty.stats()
    assert stats["promote_posts"] == 12
    assert {i for i, n in stats["promotions"].items() if n} == changed

    rerun = run_cli(*argv, str(out), url=forty.url)
    assert rerun.returncode == 0
    assert {line["outcome"] for line in jsonl(out.read_text())} == {"skipped"}
    assert len(out.read_text().splitlines()) == 40
    after = forty.stats()
    assert after["promote_posts"] == 12  # the rerun sent none
    assert after["promotions"] == stats["promotions"]


def test_exit_statuses(forty: Standalone, tmp_path: Path) -> None:
    one = forty.seeded["changed"][0]
    assert run_cli("personas", "promote", one, url=forty.url).returncode == 0
    failed = run_cli("personas", "promote", one, "nope", url=forty.url)
    assert failed.returncode == 1
    assert {line["outcome"] for line in jsonl(failed.stdout)} == {"promoted", "failed"}

    missing = run_cli("personas", "diff", "nope", url=forty.url)
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1
    assert "PERSONA_NOT_FOUND" in missing.stderr

    for argv, env in [
        (["personas", "list"], {}),  # no key
        (["personas", "promote", "--from", str(tmp_path / "missing.txt")], {"BLAND_API_KEY": "k"}),
        (["personas", "promote", one, "--concurrency", "lots"], {"BLAND_API_KEY": "k"}),
    ]:
        usage = run_cli(*argv, url=None, env={"BLAND_BASE_URL": forty.url, **env})
        assert usage.returncode == 2, (argv, usage.stderr)
        assert usage.stderr.count("\n") == 1, usage.stderr
        assert "Traceback" not in usage.stderr
        assert usage.stderr.startswith(MODULE_PROG)
        assert usage.stdout == ""


def test_help_and_version_name_the_program_as_typed() -> None:
    module = run_cli("--help", url=None)
    assert module.returncode == 0
    assert module.stdout.startswith(f"usage: {MODULE_PROG} [-h]")
    script = Path(sys.executable).parent / "bland-async"
    if not script.exists():  # pragma: no cover (not installed as a package)
        pytest.skip("the bland-async console script is not installed")
    result = subprocess.run(
        [str(script), "personas", "promote", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(None),
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: bland-async personas promote ")
    version = subprocess.run(
        [str(script), "--version"],
        capture_output=True,
        text=True,
        env=cli_env(None),
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert re.fullmatch(r"bland-async \d+\.\d+\.\d+\S*\n", version.stdout)


def read_pty(master: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # every slave side closed
            return
        if not data:
            return
        chunks.append(data)


def test_a_terminal_shows_the_rich_bar_and_a_pipe_nothing(forty: Standalone) -> None:
    ids = forty.seeded["ids"][:20]
    piped = run_cli("personas", "promote", *ids, url=forty.url)
    assert piped.returncode == 0
    assert piped.stderr == ""  # stderr is a pipe: no progress at all

    master, slave = pty.openpty()
    chunks: list[bytes] = []
    reader = threading.Thread(target=read_pty, args=(master, chunks), daemon=True)
    reader.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bland_async", "personas", "promote", *ids],
            env=cli_env(forty.url, TERM="xterm-256color", COLUMNS="120"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
            cwd=ROOT,
        )
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)
    assert result.returncode == 0
    assert len(jsonl(result.stdout)) == 20  # stdout stays pure JSON lines
    drawn = b"".join(chunks).decode()
    assert "\x1b[?25l" in drawn  # rich hides the cursor while the bar is live
    assert "━" in drawn
    assert "promoting" in drawn
    assert "20/20" in ANSI.sub("", drawn)


def test_sigint_mid_job_leaves_only_complete_final_lines(tmp_path: Path) -> None:
    server = many(300, latency=0.04)
    try:
        out = tmp_path / "release.jsonl"
        source = tmp_path / "ids.txt"
        source.write_text("\n".join(server.seeded["ids"]) + "\n")
        job = subprocess.Popen(
            [
                *(sys.executable, "-m", "bland_async", "personas", "promote"),
                *("--from", str(source), "--concurrency", "8", "--output", str(out)),
            ],
            env=cli_env(server.url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        deadline = time.monotonic() + STEP_TIMEOUT
        while (not out.exists() or out.read_text().count("\n") < 30) and job.poll() is None:
            assert time.monotonic() < deadline, "the job wrote too few lines"
            time.sleep(0.01)
        job.send_signal(signal.SIGINT)
        stdout, stderr = job.communicate(timeout=STEP_TIMEOUT)
        assert job.returncode == 130, stderr
        assert stdout == ""
        assert "Traceback" not in stderr
        assert stderr.count("\n") == 1
        assert "rerun with --only-if-changed" in stderr

        text = out.read_text()
        assert text.endswith("\n")  # never a half line
        lines = jsonl(text)
        assert 30 <= len(lines) < 300
        assert all(line["outcome"] == "promoted" for line in lines)
        assert len({line["id"] for line in lines}) == len(lines)
        time.sleep(0.2)  # promotions the server was still working on finish
        promotions = server.stats()["promotions"]
        for line in lines:  # every line written is true of the server
            assert promotions[line["id"]] == 1
            assert line["version_number"] == 3
        finished = sum(1 for n in promotions.values() if n)
        # Applied without a line: at most the 8 in flight and the 8 the stream had queued.
        assert len(lines) <= finished <= len(lines) + 2 * 8
        assert all(n <= 1 for n in promotions.values())
    finally:
        stop_standalone(server)
