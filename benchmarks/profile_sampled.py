"""Profiles of the real benchmark clients, the SDK's next to the floor's.

``bench_promote`` says how much CPU a client costs; this says where it goes. Each variant
runs as ``bench_promote`` runs it (the client classes of ``benchmarks/_clients.py``, a fresh
client process, ``benchmarks/_server.py`` in a process of its own), and py-spy (the
``bench`` extra) samples the client process while it promotes. From the repository root::

    python -m benchmarks.profile_sampled                  # floor vs promote_many at c=64
    python -m benchmarks.profile_sampled --native         # C frames too (GC, parser, SSL)
    python -m benchmarks.profile_sampled --tls            # the same over HTTPS
    python -m benchmarks.profile_sampled --variants aiohttp,promote_many,sync_bulk
    python -m benchmarks.profile_sampled --variants aiohttp@16,sync_per_call@16 --gil --nonblocking
    python -m benchmarks.profile_sampled --callgrind --n 2000 --rounds 1   # instructions

How: the client process warms up, then waits; ``py-spy record --pid`` attaches to it (this
needs root or ``kernel.yama.ptrace_scope = 0``; it works here), and only then does the
timed section start; when it ends the client waits again while py-spy is stopped, so a
profile holds the timed promotions and nothing else (no imports, warm-up, teardown or
interpreter shutdown). Where attaching is refused, ``--launch`` runs the client as py-spy's
own child (``py-spy record -- python ...``, which ptrace allows) and keeps only the stacks
under the timed section: the main thread's (the facade's loop thread is left out then).

py-spy samples at ``--rate`` Hz, leaving out threads idle in a system call (the loop in
``epoll_wait``), so samples stand for CPU; for threaded clients (the facade), ``--gil``
keeps only the thread holding the GIL (py-spy counts a thread waiting on a lock as busy)
and ``--nonblocking`` stops py-spy pausing 17 threads per sample. Each frame's share of a
variant's samples becomes µs per request with the CPU per request the client process
measured itself (``getrusage``) over the same section. Printed: for each variant the top
functions by self time; then the difference to the first variant (the floor) by library
(C frames count as their Python caller's, except the garbage collector's), by function
(self) and by function (inclusive). Variants alternate over ``--rounds`` runs and their
samples are pooled. ``--keep DIR`` keeps the raw collapsed stacks (flamegraph.pl, speedscope).

``--callgrind`` runs each variant under valgrind's callgrind instead (apt ``valgrind``),
instrumentation switched on and off around the same timed section, and prints user-space
instructions per request: ~50 times slower, but repeatable to ~0.5 % from run to run where
CPU time on this shared 2-core VM moves by 30 %. Kernel time (system calls) is not in it.
That is the measure each change to the SDK's hot path was judged by (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

from benchmarks._clients import CLIENTS, persona_ids

ROOT = Path(__file__).resolve().parent.parent
#: The function the timed section runs in (``--launch`` keeps only the stacks under it).
MARKER = "_timed_section"
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


# --- the client process -------------------------------------------------------------------


def _timed_section(client: Any, ids: list[str]) -> int:
    ok: int = client.run(ids)
    return ok


def child(spec: dict[str, Any]) -> None:
    """Warm the client up, wait for a line on stdin (``--pid`` mode), run, report."""
    cls = CLIENTS[spec["client"]]
    c, n = spec["concurrency"], spec["n"]
    client = cls(spec["url"], c)
    client.open()
    try:
        opened = time.perf_counter()
        client.run(list(persona_ids(1, cls.warmup(c, spec["warmup"]))))
        extra = 0
        while time.perf_counter() - opened < cls.warmup_seconds(c):
            client.run(list(persona_ids(2, max(200, 2 * c), extra)))
            extra += max(200, 2 * c)
        ids = list(persona_ids(3, n))
        gc.collect()
        if spec["wait"]:
            print(f"WARM {os.getpid()}", flush=True)
            sys.stdin.readline()
        usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        ok = _timed_section(client, ids)
        wall1, usage1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        if spec["wait"]:  # the profiler stops here: closing and exiting are not measured
            print("TIMED", flush=True)
            sys.stdin.readline()
    finally:
        client.close()
    result = {
        "ok": ok,
        "n": n,
        "cpu_s": usage1.ru_utime + usage1.ru_stime - usage0.ru_utime - usage0.ru_stime,
        "user_s": usage1.ru_utime - usage0.ru_utime,
        "wall_s": wall1 - wall0,
    }
    print("RESULT " + json.dumps(result), flush=True)


# --- running one profile ------------------------------------------------------------------


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    return found


def _child_command(spec: dict[str, Any]) -> list[str]:
    return [sys.executable, "-m", "benchmarks.profile_sampled", "--child", json.dumps(spec)]


def _result(stdout: str) -> dict[str, Any]:
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(f"the client process printed no result:\n{stdout[-2000:]}")


def _handshake(client: subprocess.Popen[str], word: str) -> None:
    assert client.stdin is not None
    client.stdin.write(word + "\n")
    client.stdin.flush()


def _expect(client: subprocess.Popen[str], word: str) -> None:
    assert client.stdout is not None
    line = client.stdout.readline()
    if not line.startswith(word):
        raise RuntimeError(f"the client process said {line!r}, not {word}")


def profile_one(
    spec: dict[str, Any],
    out: Path,
    *,
    rate: int,
    flags: tuple[str, ...],
    launch: bool,
    env: dict[str, str],
) -> dict[str, Any]:
    """Run one client process under py-spy; its result, with the raw profile at ``out``."""
    flags = ("--rate", str(rate), "--format", "raw", "--output", str(out), *flags)
    spy = _py_spy()
    if launch:
        command = [spy, "record", *flags, "--", *_child_command({**spec, "wait": False})]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"py-spy failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return _result(done.stdout)
    spy_process: subprocess.Popen[str] | None = None

    def start(pid: int) -> None:
        nonlocal spy_process
        spy_process = subprocess.Popen(
            [spy, "record", *flags, "--pid", str(pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)  # py-spy attaches (and prints nothing useful to wait on)
        if spy_process.poll() is not None:
            assert spy_process.stderr is not None
            raise RuntimeError(
                "py-spy could not attach (ptrace refused? try --launch):\n"
                + spy_process.stderr.read()[-2000:]
            )

    def stop(pid: int) -> None:
        assert spy_process is not None
        spy_process.send_signal(signal.SIGINT)  # py-spy writes its profile and exits
        spy_process.wait(timeout=60)

    return _timed_child(_child_command({**spec, "wait": True}), env, start=start, stop=stop)


def _timed_child(
    command: list[str],
    env: dict[str, str],
    *,
    start: Callable[[int], None],
    stop: Callable[[int], None],
) -> dict[str, Any]:
    """Run a client process, calling ``start``/``stop`` (with its pid) around its timed run."""
    client = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert client.stdin is not None
    assert client.stdout is not None
    try:
        line = client.stdout.readline()
        if not line.startswith("WARM "):
            raise RuntimeError(f"the client process did not warm up: {line!r}")
        start(client.pid)
        _handshake(client, "GO")
        _expect(client, "TIMED")
        stop(client.pid)
        _handshake(client, "GO")
        stdout = client.stdout.read()
        client.wait(timeout=600)
    finally:
        with contextlib.suppress(ProcessLookupError):
            client.kill()
    return _result(stdout)


def count_instructions(spec: dict[str, Any], out: Path, *, env: dict[str, str]) -> dict[str, Any]:
    """Run one client process under callgrind, counting only the timed section.

    Instructions executed in user space (the kernel's share of a request, its system
    calls, is not counted): repeatable to about ±0.5 % from run to run where CPU
    time on this machine moves by 30 %, so small changes show. About 50 times slower.
    """
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install valgrind)")

    def instrument(on: str) -> Callable[[int], None]:
        def switch(pid: int) -> None:
            command = ["callgrind_control", f"--instr={on}", str(pid)]
            subprocess.run(command, check=True, capture_output=True)

        return switch

    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        *_child_command({**spec, "wait": True}),
    ]
    result = _timed_child(command, env, start=instrument("on"), stop=instrument("off"))
    for text in out.read_text(errors="replace").splitlines():
        if text.startswith("totals:"):
            result["instructions"] = int(text.split()[1])
            break
    else:
        raise RuntimeError(f"no totals in {out}")
    return result


# --- reading profiles ---------------------------------------------------------------------


class Profile:
    """Pooled collapsed stacks of one variant, and the CPU they stand for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stacks: Counter[tuple[str, ...]] = Counter()
        self.cpu_s = 0.0
        self.n = 0
        self.wall_s = 0.0

    def add(self, raw: Path, result: dict[str, Any], *, only_marked: bool) -> None:
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = tuple(stack.split(";"))
            if only_marked and not any(f.startswith(MARKER + " ") for f in frames):
                continue
            self.stacks[frames] += int(count)
        self.cpu_s += result["cpu_s"]
        self.n += result["n"]
        self.wall_s += result["wall_s"]

    @property
    def samples(self) -> int:
        return sum(self.stacks.values())

    @property
    def cpu_us(self) -> float:
        """CPU µs per request, as the client process measured it."""
        return self.cpu_s / self.n * 1e6

    def per_request(self, counts: Counter[str]) -> dict[str, float]:
        """Sample counts as CPU µs per request."""
        scale = self.cpu_us / max(1, self.samples)
        return {key: value * scale for key, value in counts.items()}

    def self_by(self, key: str, *, lines: bool = False) -> dict[str, float]:
        counts: Counter[str] = Counter()
        for frames, count in self.stacks.items():
            if key == "library":
                counts[stack_library(frames)] += count
            else:
                counts[function(frames[-1], lines=lines)] += count
        return self.per_request(counts)

    def inclusive(self) -> dict[str, float]:
        counts: Counter[str] = Counter()
        for frames, count in self.stacks.items():
            for name in {function(frame) for frame in frames}:
                counts[name] += count
        return self.per_request(counts)


def function(frame: str, *, lines: bool = False) -> str:
    """``func (file)``: a frame without its line number (unless ``lines``)."""
    match = _FRAME.match(frame)
    if match is None:
        return frame
    if lines and match["line"]:
        return f"{match['func']} ({match['file']}:{match['line']})"
    return f"{match['func']} ({match['file']})"


#: C functions of CPython's cyclic garbage collector (``--native`` shows them).
_GC_FUNCTIONS = frozenset({"gc_collect_main", "gc_collect_with_callback", "collect"})


def _file(frame: str) -> str:
    match = _FRAME.match(frame)
    return match["file"] if match else frame


def _is_python(frame: str) -> bool:
    file = _file(frame)
    return file.endswith(".py") or file.startswith("<")


def library(frame: str) -> str:
    """The package a Python frame's code belongs to (``asyncio``, ``aiohttp`` ...)."""
    file = _file(frame)
    if file.startswith("<attrs generated"):
        return "attrs (generated __init__)"
    if file.startswith("<bland_async structure"):
        return "bland_async (generated structure)"
    if file.startswith("<frozen "):
        return file.removeprefix("<frozen ").removesuffix(">")
    if file.startswith("<"):
        return file
    return file.split("/", 1)[0].removesuffix(".py")


def stack_library(frames: tuple[str, ...]) -> str:
    """Whom a sample is charged to: the GC, else the innermost Python frame's package.

    C frames (``--native``) count as the Python code that called them, except the
    garbage collector's, which gets a row of its own wherever it was triggered.
    """
    for frame in reversed(frames):
        match = _FRAME.match(frame)
        if match is not None and match["func"] in _GC_FUNCTIONS:
            return "GC (CPython's cyclic collector)"
    for frame in reversed(frames):
        if _is_python(frame):
            return library(frame)
    return "native, no Python frame"


def _table(
    title: str, columns: list[Profile], rows: dict[str, list[float]], top: int, *, diff: bool
) -> list[str]:
    names = [p.name for p in columns]
    width = max([40, *(len(r) for r in list(rows)[:top])])
    head = f"  {'':<{width}}" + "".join(f"{n[:14]:>15}" for n in names)
    if diff:
        head += f"{'+us/req':>10}"
    lines = [title, head]
    for name, values in list(rows.items())[:top]:
        line = f"  {name:<{width}}" + "".join(f"{v:15.1f}" for v in values)
        if diff:
            line += f"{values[-1] - values[0]:+10.1f}"
        lines.append(line)
    return lines


def report(profiles: list[Profile], top: int, *, lines: bool) -> list[str]:
    out: list[str] = []
    summary = ["CPU µs/request measured by each client process (its share of samples below)"]
    for p in profiles:
        summary.append(
            f"  {p.name:<28} {p.cpu_us:7.1f} µs/req   {p.samples:,} samples, "
            f"{p.n:,} requests, {p.n / p.wall_s:,.0f} req/s"
        )
    out += [*summary, ""]
    for p in profiles:
        by_self = sorted(p.self_by("function", lines=lines).items(), key=lambda kv: -kv[1])
        rows = {name: [value] for name, value in by_self}
        out += _table(f"{p.name}: top functions by self time, µs/req", [p], rows, top, diff=False)
        out.append("")
    if len(profiles) < 2:
        return out
    base = profiles[0]
    for key, title in (("library", "library (self time)"), ("function", "function (self time)")):
        tables = [p.self_by(key, lines=lines) for p in profiles]
        names = set().union(*tables)
        rows = {
            name: [t.get(name, 0.0) for t in tables]
            for name in sorted(
                names, key=lambda n: -abs(tables[-1].get(n, 0) - tables[0].get(n, 0))
            )
        }
        total = [p.cpu_us for p in profiles]
        out += _table(f"by {title}, µs/req, vs {base.name}", profiles, rows, top, diff=True)
        out.append(f"  {'total':<40}" + "".join(f"{v:15.1f}" for v in total))
        out.append("")
    tables = [p.inclusive() for p in profiles]
    # Leave out the frames nearly every sample passes through (the loop, the pool's
    # workers, the layers wrapping the whole request): they say nothing.
    names = {
        name
        for table, p in zip(tables, profiles, strict=True)
        for name, value in table.items()
        if value < 0.8 * p.cpu_us
    }
    rows = {
        name: [t.get(name, 0.0) for t in tables]
        for name in sorted(names, key=lambda n: -(tables[-1].get(n, 0) - tables[0].get(n, 0)))
    }
    out += _table(
        f"by function (inclusive, frames under 80% of the total), µs/req, vs {base.name}: "
        "most added first",
        profiles,
        rows,
        top,
        diff=True,
    )
    return out


# --- main ---------------------------------------------------------------------------------


def _variants(text: str, concurrency: int) -> list[tuple[str, int]]:
    variants = []
    for item in text.split(","):
        name, _, c = item.partition("@")
        if name not in CLIENTS:
            raise SystemExit(f"unknown client {name!r}; known: {', '.join(CLIENTS)}")
        variants.append((name, int(c) if c else concurrency))
    return variants


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="py-spy profiles of the benchmark clients.")
    parser.add_argument(
        "--variants",
        default="aiohttp,promote_many",
        help="comma-separated clients of bench_promote, each optionally @concurrency; "
        "the first is the base of the differences (default aiohttp,promote_many)",
    )
    parser.add_argument("--concurrency", type=int, default=64, help="default concurrency (64)")
    parser.add_argument("--n", type=int, default=20_000, help="timed promotions per run")
    parser.add_argument("--warmup", type=int, default=1000, help="least warm-up promotions")
    parser.add_argument("--rounds", type=int, default=2, help="runs per variant, pooled (2)")
    parser.add_argument("--rate", type=int, default=200, help="samples per second (200)")
    parser.add_argument("--top", type=int, default=25, help="rows per table (25)")
    parser.add_argument("--lines", action="store_true", help="keep line numbers in functions")
    parser.add_argument("--native", action="store_true", help="sample C frames too")
    parser.add_argument(
        "--gil",
        action="store_true",
        help="only samples holding the GIL (threaded clients: threads waiting on a lock "
        "are not idle to py-spy)",
    )
    parser.add_argument(
        "--nonblocking",
        action="store_true",
        help="do not pause the process to sample (pausing 17 threads 200 times a second "
        "slows a threaded client several times over)",
    )
    parser.add_argument("--launch", action="store_true", help="py-spy launches the client")
    parser.add_argument("--tls", action="store_true", help="HTTPS (a CA made for the run)")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="count instructions per request under valgrind instead of sampling",
    )
    parser.add_argument("--keep", type=Path, help="keep the raw profiles in this directory")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0

    variants = _variants(args.variants, args.concurrency)
    if args.callgrind:
        return _main_callgrind(args, variants)
    profiles = {v: Profile(f"{v[0]}@{v[1]}") for v in variants}
    with _served(args) as (url, env, keep):
        for round_index in range(args.rounds):
            order = variants if round_index % 2 == 0 else variants[::-1]
            for name, c in order:
                spec = _spec(args, name, c, url)
                out = keep / f"{name}-c{c}-{round_index}.txt"
                result = profile_one(
                    spec,
                    out,
                    rate=args.rate,
                    flags=_spy_flags(args),
                    launch=args.launch,
                    env=env,
                )
                profiles[(name, c)].add(out, result, only_marked=args.launch)
                _log(round_index, args.rounds, name, c, result)
    scheme = "https" if args.tls else "http"
    print(
        f"py-spy {args.rate} Hz, {'attached after warm-up' if not args.launch else 'launched'}"
        f"{''.join(', ' + f.lstrip('-') for f in _spy_flags(args))}; {scheme}; "
        f"{args.rounds} round(s) of "
        f"{args.n:,} promotions per variant"
    )
    print("\n".join(report(list(profiles.values()), args.top, lines=args.lines)))
    return 0


@contextlib.contextmanager
def _served(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The benchmark server (HTTPS with ``--tls``): its URL, the clients' environment, and
    where raw profiles go (``--keep``, else a scratch directory removed afterwards)."""
    from benchmarks._server import start_server_process
    from benchmarks._tls import TlsFiles, client_env

    with tempfile.TemporaryDirectory(prefix="bland-profile-") as scratch:
        tls = TlsFiles.create(Path(scratch)) if args.tls else None
        keep = args.keep or Path(scratch)
        keep.mkdir(parents=True, exist_ok=True)
        server, url = start_server_process(tls=tls)
        try:
            yield url, client_env(tls), keep
        finally:
            server.terminate()
            server.wait()


def _spy_flags(args: argparse.Namespace) -> tuple[str, ...]:
    chosen = {"--native": args.native, "--gil": args.gil, "--nonblocking": args.nonblocking}
    return tuple(flag for flag, on in chosen.items() if on)


def _spec(args: argparse.Namespace, name: str, c: int, url: str) -> dict[str, Any]:
    return {"client": name, "concurrency": c, "n": args.n, "warmup": args.warmup, "url": url}


def _log(round_index: int, rounds: int, name: str, c: int, result: dict[str, Any]) -> None:
    if result["ok"] != result["n"]:
        raise RuntimeError(f"{name}: only {result['ok']}/{result['n']} ok")
    extra = (
        f", {result['instructions'] / result['n']:,.0f} instructions/req"
        if ("instructions" in result)
        else ""
    )
    print(
        f"  round {round_index + 1}/{rounds} {name}@{c}: "
        f"{result['cpu_s'] / result['n'] * 1e6:.0f} µs/req{extra}",
        file=sys.stderr,
        flush=True,
    )


def _main_callgrind(args: argparse.Namespace, variants: list[tuple[str, int]]) -> int:
    counts: dict[tuple[str, int], list[float]] = {v: [] for v in variants}
    with _served(args) as (url, env, keep):
        for round_index in range(args.rounds):
            for name, c in variants:
                out = keep / f"callgrind.{name}-c{c}-{round_index}.out"
                result = count_instructions(_spec(args, name, c, url), out, env=env)
                _log(round_index, args.rounds, name, c, result)
                counts[(name, c)].append(result["instructions"] / result["n"])
    base = min(counts[variants[0]])
    print(
        f"user-space instructions per request (callgrind, timed section only; "
        f"{'https' if args.tls else 'http'}; {args.rounds} run(s) of {args.n:,}, the lowest)"
    )
    for (name, c), values in counts.items():
        low = min(values)
        print(f"  {name + '@' + str(c):<24} {low:11,.0f}  x{low / base:.2f}  {low - base:+11,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
