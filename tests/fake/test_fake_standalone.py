"""The standalone fake: `python -m bland_async.testing` as a process, and its parts in-process."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import anyio
import pytest

from bland_async.testing import __main__ as standalone_main
from bland_async.testing._standalone import (
    LISTED_PERSONAS_MAX,
    parse_args,
    seed_personas,
    serve,
    startup_error,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from bland_async.testing import FakeBland

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 20.0
LISTENING = re.compile(r"Fake Bland API listening on (http://127\.0\.0\.1:\d+)")
SEEDED = re.compile(r"  (phone number|persona|eval agent|workbench setup) +(\S+) +(\S.*)")
LAST_LINE = "Press Ctrl-C to stop."


# --- helpers -----------------------------------------------------------------------


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def fake_process(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bland_async.testing *args`, stopped (SIGTERM, then kill) on the way out."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bland_async.testing",
        *args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.communicate(), TIMEOUT)
        except TimeoutError:
            process.kill()
            await asyncio.wait_for(process.communicate(), TIMEOUT)


async def read_banner(process: asyncio.subprocess.Process) -> list[str]:
    """The lines the process prints up to and including `Press Ctrl-C to stop.`."""
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or lines[-1] != LAST_LINE:
        raw = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
        assert raw, f"output ended early after {lines!r}"
        lines.append(raw.decode().rstrip("\n"))
    return lines


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM the process; return its exit status and what it wrote on stderr."""
    process.terminate()
    _, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def url_of(first_line: str) -> str:
    """The URL in the `Fake Bland API listening on <url>` line (nothing else on it)."""
    match = LISTENING.fullmatch(first_line)
    assert match, first_line
    return match.group(1)


def seeded(lines: list[str]) -> list[tuple[str, ...]]:
    """`(kind, id, name)` of every seeded-object line."""
    return [match.groups() for line in lines if (match := SEEDED.fullmatch(line))]


async def get_json(session: aiohttp.ClientSession, url: str, key: str) -> Any:
    async with session.get(url, headers={"authorization": key}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["data"]


class BannerSink(io.StringIO):
    """An `out` for `serve` that says when the banner is complete."""

    def __init__(self) -> None:
        super().__init__()
        self.complete = anyio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if LAST_LINE in self.getvalue():
            self.complete.set()
        return written


@contextlib.asynccontextmanager
async def serving(*argv: str) -> AsyncIterator[list[str]]:
    """`serve` in-process, on this loop: yields its banner, then stops it (exit status 0)."""
    stop_event, out, err = asyncio.Event(), BannerSink(), io.StringIO()
    task = asyncio.ensure_future(serve(parse_args(argv), stop=stop_event, out=out, err=err))
    try:
        with anyio.fail_after(TIMEOUT):
            await out.complete.wait()
        yield out.getvalue().splitlines()
    finally:
        stop_event.set()
        status = await asyncio.wait_for(task, TIMEOUT)
    assert status == 0
    assert err.getvalue() == ""


def changed_drafts(personas: list[Any]) -> list[str]:
    """The names of the personas (API JSON) with a draft that differs from production."""
    return [
        p["name"]
        for p in personas
        if p["current_draft_version"] is not None
        and p["current_draft_version"]["personality_prompt"]
        != p["current_production_version"]["personality_prompt"]
    ]


async def check_demo(lines: list[str], key: str) -> None:
    """The `--seed-demo` banner lists what the server at its URL holds, and nothing else."""
    url = url_of(lines[0])
    assert lines[1:3] == [f"API key: {key}", "Seeded demo data:"]
    assert lines[-1] == LAST_LINE
    objects = seeded(lines)
    assert len(objects) == len(lines) - 4  # every line between the header and the footer
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, ident, name in objects:
        by_kind.setdefault(kind, []).append((ident, name))
    counts = {kind: len(found) for kind, found in by_kind.items()}
    assert counts == {"phone number": 3, "persona": 3, "eval agent": 1, "workbench setup": 2}

    async with aiohttp.ClientSession() as session:
        personas = await get_json(session, url + "/v1/personas", key)
        assert [(p["id"], p["name"]) for p in personas] == by_kind["persona"]
        assert changed_drafts(personas) == ["Support Agent"]
        for ident, name in by_kind["eval agent"]:
            agent = await get_json(session, f"{url}/v1/evals/agents/{ident}", key)
            assert agent["agent"]["name"] == name
        for ident, name in by_kind["workbench setup"]:
            setup = await get_json(session, f"{url}/v1/evals/workbench-setups/{ident}", key)
            assert setup["setup"]["name"] == name
        numbers = dict(by_kind["phone number"])  # number -> label, as printed
        attached = {n["phone_number"]: n["label"] for p in personas for n in p["inbound_numbers"]}
        assert len(attached) == 2
        assert attached.items() <= numbers.items()
        # The fake owns the spare number too: attaching it succeeds (an unknown one is a 400).
        scheduler = next(ident for ident, name in by_kind["persona"] if name == "Scheduler")
        async with session.post(
            f"{url}/v1/personas/{scheduler}/inbound/attach",
            json={"inbound_numbers": sorted(set(numbers) - set(attached))},
            headers={"authorization": key},
        ) as response:
            assert response.status == 200, await response.text()
        async with session.get(url + "/v1/personas") as response:
            assert response.status == 401  # the key it printed is the one it wants


# --- as a process ------------------------------------------------------------------


async def test_demo_banner_lists_ids_the_server_holds() -> None:
    async with fake_process("--port", "0", "--api-key", "cli-key", "--seed-demo") as process:
        await check_demo(await read_banner(process), "cli-key")
        status, stderr = await stop(process)
    assert status == 0, stderr
    assert "Traceback" not in stderr


async def test_many_personas_are_counted_not_listed() -> None:
    count = LISTED_PERSONAS_MAX + 5
    async with fake_process("--port", "0", "--personas", str(count)) as process:
        lines = await read_banner(process)
        url = url_of(lines[0])
        assert lines[2:] == [
            f"Seeded {count} personas:",
            f"  {count} personas, Persona 1 to Persona {count}: "
            f"{count // 3} with a changed draft (every third)",
            LAST_LINE,
        ]
        async with aiohttp.ClientSession() as session:
            personas = await get_json(session, url + "/v1/personas?limit=100", "test-key")
        assert [p["name"] for p in personas] == [f"Persona {n}" for n in range(1, count + 1)]
        assert changed_drafts(personas) == [f"Persona {n}" for n in range(3, count + 1, 3)]
        status, stderr = await stop(process)
    assert status == 0, stderr


async def test_busy_port_is_one_line_and_status_2() -> None:
    with busy_port() as port:
        async with fake_process("--port", str(port)) as process:
            stdout, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 2
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert stderr.decode().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use (try --port 0 for a free one)"
    ]


# --- in-process --------------------------------------------------------------------


async def test_serve_in_process_seeds_the_demo() -> None:
    async with serving("--port", "0", "--seed-demo") as lines:
        await check_demo(lines, "test-key")


async def test_serve_in_process_lists_a_few_personas() -> None:
    async with serving("--port", "0", "--personas", "6") as lines:
        assert lines[1:3] == ["API key: test-key", "Seeded 6 personas:"]
        listed = seeded(lines)
        assert [name for _, _, name in listed] == [f"Persona {n}" for n in range(1, 7)]
        async with aiohttp.ClientSession() as session:
            personas = await get_json(session, url_of(lines[0]) + "/v1/personas", "test-key")
    assert [p["id"] for p in personas] == [ident for _, ident, _ in listed]
    assert changed_drafts(personas) == ["Persona 3", "Persona 6"]


async def test_serve_in_process_on_a_busy_port() -> None:
    out, err = io.StringIO(), io.StringIO()
    with busy_port() as port:
        args = parse_args(["--port", str(port), "--seed-demo"])
        assert await serve(args, stop=asyncio.Event(), out=out, err=err) == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        f"error: port {port} on 127.0.0.1 is already in use (try --port 0 for a free one)\n"
    )


def test_main_in_process_on_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with busy_port() as port:
        assert standalone_main.main(["--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use (try --port 0 for a free one)"
    ]


def test_main_takes_the_delegating_cli_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc_info:
        standalone_main.main(["--help"], prog="bland-async fake")
    assert exc_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: bland-async fake [-h] [--host HOST] [--port PORT]")
    assert "--personas N" in out


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            OSError(errno.EACCES, "error while binding:\npermission denied"),
            "error: cannot listen on 127.0.0.1 port 80: error while binding: permission denied",
        ),
        (OSError("no strerror"), "error: cannot listen on 127.0.0.1 port 80: no strerror"),
    ],
)
def test_other_startup_errors_are_one_line(exc: OSError, line: str) -> None:
    assert startup_error(exc, "127.0.0.1", 80) == line


def test_options_and_their_defaults() -> None:
    defaults = parse_args([])
    assert vars(defaults) == {
        "host": "127.0.0.1",
        "port": 8080,
        "api_key": "test-key",
        "seed_demo": False,
        "personas": 0,
    }
    assert parse_args(["--port", "0", "--personas", "3"]).personas == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "argument --port: '70000' is not a TCP port (0 to 65535)"),
        (["--port", "http"], "argument --port: 'http' is not a TCP port (0 to 65535)"),
        (["--personas", "-1"], "argument --personas: '-1' is not a count (0 or more)"),
    ],
)
def test_bad_options_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc_info:
        parse_args(argv, prog="bland-async fake")
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: bland-async fake")
    assert f"bland-async fake: error: {message}" in err


async def test_seed_personas_counts_above_the_listing_limit(fake: FakeBland) -> None:
    count = LISTED_PERSONAS_MAX + 1
    lines = seed_personas(fake, count)
    assert lines == [
        f"  {count} personas, Persona 1 to Persona {count}: 7 with a changed draft (every third)"
    ]
    versions = fake.state.persona_versions
    changed = [
        persona["name"]
        for persona in fake.state.personas.values()
        if versions[persona["current_draft_version_id"]]["personality_prompt"]
        != versions[persona["current_production_version_id"]]["personality_prompt"]
    ]
    assert changed == [f"Persona {n}" for n in range(3, count + 1, 3)]
