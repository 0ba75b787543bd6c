"""Promote benchmark: the SDK against raw aiohttp, httpx + pydantic and requests.

One command, from the repository root::

    python -m benchmarks.bench_promote            # full run (< 5 minutes on 2 cores)
    python -m benchmarks.bench_promote --quick    # a smoke run (~1 minute)

A fast raw-asyncio keep-alive server (``benchmarks/_server.py``, a precomputed ~1.6 KB promote
response) runs in its own process, started once, so the client is the bottleneck. Every
(client, concurrency, repeat) cell runs in a fresh subprocess: it warms the client up, then
times N promotions (distinct persona ids), and reports the CPU its own process used over the
timed section (``getrusage(RUSAGE_SELF)``: every thread of the client, the facade's loop
thread included), wall-clock req/s, peak RSS and RSS growth over the pre-run baseline.
Within a repeat the client order rotates, to spread machine noise over every client. The
table shows medians over the repeats and ratios to raw aiohttp at the same concurrency.

Then the HTTPS pass (``--skip-tls`` leaves it out): the floor, ``promote_many`` and the
facade's bulk call at c=64 against the same server over TLS, with a CA and certificate made
for the run (``benchmarks/_tls.py``, trustme) that every client process trusts through
``SSL_CERT_FILE``; its table puts each client's HTTP and HTTPS figures side by side, each
ratio taken to the floor over the same scheme.

Two more sections check behaviour rather than speed:

- memory: ``promote_each`` over 100,000 ids from a generator, RSS growth in a subprocess;
- rate limits: ``promote_many`` against ``bland_async.testing.FakeBland`` answering every
  third promote with ``429 Retry-After: 0.05``: every id promoted exactly once, and the total
  requests stay under 1.6x the ids.

Results go to stdout (a table plus the targets, PASS/MISS) and to
``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks._clients import CLIENTS, FACADE_THREADS, REQUESTS_MAX_THREADS, persona_ids

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
FLOOR = "aiohttp"
HEADLINE_C = 64
#: Id namespace of time-based warm-up batches (distinct from every timed id).
EXTRA_WARMUP_TAG = 0x8000_0000

#: (client, concurrencies) in table order. The floor also runs at 16, the thread count of
#: the facade's per-call row, so that row is compared at the same number in flight.
PLAN: list[tuple[str, tuple[int, ...]]] = [
    ("aiohttp", (1, FACADE_THREADS, 64, 256)),
    ("aiohttp_structured", (HEADLINE_C,)),
    ("promote_many", (1, 64, 256)),
    ("sync_bulk", (1, 64, 256)),
    ("sync_per_call", (1, FACADE_THREADS)),
    ("httpx_pydantic", (1, 64, 256)),
    ("requests", (1, 64, 256)),
]

#: The HTTPS pass: the same children against the same server over TLS (a CA made for the
#: run, trusted through SSL_CERT_FILE; see benchmarks/_tls.py), at the headline concurrency.
TLS_PLAN: list[tuple[str, tuple[int, ...]]] = [
    ("aiohttp", (HEADLINE_C,)),
    ("aiohttp_structured", (HEADLINE_C,)),
    ("promote_many", (HEADLINE_C,)),
    ("sync_bulk", (HEADLINE_C,)),
]

PACKAGES = (
    "bland-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "anyio",
    "orjson",
    "httpx",
    "httpcore",
    "sniffio",
    "pydantic",
    "pydantic-core",
    "requests",
    "urllib3",
    "trustme",
    "cryptography",
)


# --- helpers shared by the parent and the children ------------------------------------


def _proc_status_kb(field: str) -> int | None:
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def current_rss_kb() -> int:
    rss = _proc_status_kb("VmRSS")
    return rss if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux); whether that worked."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_rss_since_reset_kb(reset: bool) -> int:
    hwm = _proc_status_kb("VmHWM") if reset else None
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result), flush=True)


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


# --- children ---------------------------------------------------------------------------


def child_bench(spec: dict[str, Any]) -> None:
    """One client, one concurrency: warm up, then time ``n`` promotions."""
    client_cls = CLIENTS[spec["client"]]
    concurrency, n, tag = spec["concurrency"], spec["n"], spec["tag"]
    warm = list(persona_ids(tag, spec["warmup"]))
    ids = list(persona_ids(tag, n, start=spec["warmup"]))
    client = client_cls(spec["url"], concurrency)
    opened = time.perf_counter()
    client.open()
    try:
        warmed = client.run(warm)
        extra = 0
        while time.perf_counter() - opened < client_cls.warmup_seconds(concurrency):
            batch = list(persona_ids(tag | EXTRA_WARMUP_TAG, max(200, 2 * concurrency), extra))
            extra += len(batch)
            warmed += client.run(batch)
        gc.collect()
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        reset = reset_peak_rss()
        base_rss = current_rss_kb()
        usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        ok = client.run(ids)
        wall1, usage1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        peak_after = peak_rss_since_reset_kb(reset)
    finally:
        client.close()
    _emit(
        {
            "client": spec["client"],
            "concurrency": concurrency,
            "workers": client_cls.workers(concurrency),
            "n": n,
            "ok": ok,
            "warmup_ok": warmed,
            "cpu_s": _cpu(usage1) - _cpu(usage0),
            "user_s": usage1.ru_utime - usage0.ru_utime,
            "sys_s": usage1.ru_stime - usage0.ru_stime,
            "wall_s": wall1 - wall0,
            "base_rss_kb": base_rss,
            "peak_rss_kb": max(peak_before, peak_after),
            "growth_kb": peak_after - base_rss,
        }
    )


def child_memory(spec: dict[str, Any]) -> None:
    """``promote_each`` over ``n`` ids from a generator: RSS growth over the warmed baseline."""
    import asyncio

    from bland_async import AsyncBlandClient

    n, concurrency, tag = spec["n"], spec["concurrency"], spec["tag"]

    async def main() -> dict[str, Any]:
        async with AsyncBlandClient(api_key="bench-key", base_url=spec["url"]) as bland:
            warm = 0
            async for outcome in bland.personas.promote_each(
                persona_ids(tag ^ 0xFFFF, spec["warmup"]), concurrency=concurrency
            ):
                warm += outcome.ok
            gc.collect()
            reset = reset_peak_rss()
            base_rss = current_rss_kb()
            usage0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            ok = failed = 0
            async for outcome in bland.personas.promote_each(
                persona_ids(tag, n), concurrency=concurrency
            ):
                if outcome.ok:
                    ok += 1
                else:
                    failed += 1
            wall1, usage1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            peak = peak_rss_since_reset_kb(reset)
            end_rss = current_rss_kb()
        return {
            "n": n,
            "concurrency": concurrency,
            "ok": ok,
            "failed": failed,
            "warmup_ok": warm,
            "cpu_s": _cpu(usage1) - _cpu(usage0),
            "wall_s": wall1 - wall0,
            "base_rss_kb": base_rss,
            "peak_rss_kb": peak,
            "end_rss_kb": end_rss,
            "growth_kb": peak - base_rss,
            "peak_reset": reset,
        }

    _emit(asyncio.run(main()))


def child_ratelimit(spec: dict[str, Any]) -> None:
    """``promote_many`` against FakeBland answering every third promote with a 429."""
    import asyncio

    from bland_async import AsyncBlandClient
    from bland_async.testing import FakeBland, Fault

    route = "/v1/personas/{persona_id}/versions/promote"
    n, concurrency = spec["n"], spec["concurrency"]

    def versions_by_persona(fake: FakeBland) -> dict[str, set[str]]:
        grouped: dict[str, set[str]] = {}
        for version_id, record in fake.state.persona_versions.items():
            grouped.setdefault(record["persona_id"], set()).add(version_id)
        return grouped

    async def main() -> dict[str, Any]:
        async with FakeBland(api_key="bench-key") as fake:
            ids = [
                fake.seed_persona(name=f"Bench {i}", draft_changes={"personality_prompt": "x"})[
                    "id"
                ]
                for i in range(n)
            ]
            before = versions_by_persona(fake)
            fake.clear_requests()
            handle = fake.inject(
                f"POST {route}", Fault.status(429, headers={"Retry-After": "0.05"}), every=3
            )
            async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url) as bland:
                wall0 = time.perf_counter()
                result = await bland.personas.promote_many(ids, concurrency=concurrency)
                wall = time.perf_counter() - wall0
                stats = bland.stats
            after = versions_by_persona(fake)
            new_production = 0
            wrong: list[str] = []
            for persona_id in ids:
                new = after.get(persona_id, set()) - before.get(persona_id, set())
                current = fake.state.personas[persona_id]["current_production_version_id"]
                if len(new) == 1 and current in new:
                    new_production += 1
                else:
                    wrong.append(f"{persona_id}: {len(new)} new versions")
            posts = [r for r in fake.requests if r.method == "POST" and r.route == route]
            statuses = Counter(str(r.status) for r in posts)
            other = [r for r in fake.requests if not (r.method == "POST" and r.route == route)]
        return {
            "ids": n,
            "concurrency": concurrency,
            "succeeded": len(result.succeeded),
            "failed": len(result.failed),
            "promoted_exactly_once": new_production,
            "wrong": wrong[:10],
            "promote_requests": len(posts),
            "other_requests": len(other),
            "statuses": dict(statuses),
            "fault_hits": handle.hits,
            "client_requests": stats.requests,
            "client_rate_limited": stats.rate_limited,
            "pause_s": stats.rate_limit_pause_seconds,
            "wall_s": wall,
        }

    _emit(asyncio.run(main()))


CHILDREN = {"bench": child_bench, "memory": child_memory, "ratelimit": child_ratelimit}


# --- parent -----------------------------------------------------------------------------


def _server_cpu_s(pid: int) -> float | None:
    """CPU seconds the server process has used so far (Linux ``/proc``), for a sanity check."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(
    mode: str, spec: dict[str, Any], timeout: float = 600.0, env: dict[str, str] | None = None
) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.bench_promote", "--child", mode, json.dumps(spec)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(
        f"child {mode} {spec} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    )


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions: dict[str, str] = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(samples: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    cells: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for sample in samples:
        cells.setdefault((sample["client"], sample["concurrency"]), []).append(sample)
    table: dict[tuple[str, int], dict[str, Any]] = {}
    for key, runs in cells.items():
        cpu_us = [r["cpu_s"] / r["n"] * 1e6 for r in runs]
        table[key] = {
            "client": key[0],
            "concurrency": key[1],
            "workers": runs[0]["workers"],
            "n": runs[0]["n"],
            "repeats": len(runs),
            "cpu_us": _median(cpu_us),
            "cpu_us_all": sorted(cpu_us),
            "rps": _median([r["n"] / r["wall_s"] for r in runs]),
            "peak_rss_mb": _median([r["peak_rss_kb"] / 1024 for r in runs]),
            "growth_mb": _median([r["growth_kb"] / 1024 for r in runs]),
            "server_us": _median([r["server_us"] for r in runs if r.get("server_us") is not None]),
        }
    floor_by_repeat = {
        (r["repeat"], r["concurrency"]): r["cpu_s"] / r["n"]
        for r in samples
        if r["client"] == FLOOR
    }
    for (client, c), row in table.items():
        floor = table.get((FLOOR, c))
        if floor is None:
            continue
        row["cpu_ratio"] = row["cpu_us"] / floor["cpu_us"]
        row["rps_ratio"] = row["rps"] / floor["rps"]
        row["rss_ratio"] = row["peak_rss_mb"] / floor["peak_rss_mb"]
        # The same ratio taken within each repeat (runs close in time), then the median:
        # a cross-check on the ratio of medians above.
        row["cpu_ratio_paired"] = _median(
            [
                r["cpu_s"] / r["n"] / floor_by_repeat[(r["repeat"], c)]
                for r in cells[(client, c)]
                if (r["repeat"], c) in floor_by_repeat
            ]
        )
    return table


def _target(
    name: str, value: float | None, limit: float, unit: str, *, at_most: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {"target": name, "limit": limit, "unit": unit, "at_most": at_most}
    if value is None or math.isnan(value):
        return {**entry, "value": None, "pass": False}
    return {**entry, "value": value, "pass": value <= limit if at_most else value >= limit}


def _info(name: str, value: float | None, note: str) -> dict[str, Any]:
    """A line without a target, printed as ``info`` with ``note``."""
    entry = _target(name, value, 0.0, "x", at_most=True)
    entry.update({"pass": True, "headline": False, "info": note})
    return entry


def evaluate(
    table: dict[tuple[str, int], dict[str, Any]],
    memory: dict[str, Any] | None,
    ratelimit: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    def ratio(client: str, c: int) -> float | None:
        row = table.get((client, c))
        return row.get("cpu_ratio") if row else None

    targets = [
        _target(
            f"promote_many CPU/req vs floor at c={HEADLINE_C}",
            ratio("promote_many", HEADLINE_C),
            1.3,
            "x",
            at_most=True,
        ),
        _target(
            f"BlandClient bulk (1 hop) CPU/req vs floor at c={HEADLINE_C}",
            ratio("sync_bulk", HEADLINE_C),
            1.4,
            "x",
            at_most=True,
        ),
        _target(
            f"BlandClient per-call, {FACADE_THREADS} threads, vs floor at c={FACADE_THREADS}",
            ratio("sync_per_call", FACADE_THREADS),
            2.5,
            "x",
            at_most=True,
        ),
    ]
    targets.append(
        _info(
            f"raw aiohttp + orjson + structure, kept, CPU/req vs floor at c={HEADLINE_C}",
            ratio("aiohttp_structured", HEADLINE_C),
            "the least an SDK with models does",
        )
    )
    ours = table.get(("promote_many", HEADLINE_C))
    least = table.get(("aiohttp_structured", HEADLINE_C))
    targets.append(
        _info(
            f"promote_many CPU/req / raw aiohttp + orjson + structure at c={HEADLINE_C}",
            ours["cpu_us"] / least["cpu_us"] if ours and least else None,
            "what the SDK's own layers add",
        )
    )
    for c in (1, HEADLINE_C, 256):
        ours, theirs = table.get(("promote_many", c)), table.get(("httpx_pydantic", c))
        advantage = theirs["cpu_us"] / ours["cpu_us"] if ours and theirs else None
        entry = _target(
            f"httpx+pydantic CPU/req / promote_many CPU/req at c={c}",
            advantage,
            8.0,
            "x",
            at_most=False,
        )
        entry["headline"] = c == HEADLINE_C
        targets.append(entry)
    if memory is not None:
        targets.append(
            _target(
                f"promote_each over {memory['n']:,} ids ({memory['ok']:,} ok, "
                f"{memory['failed']} failed): peak RSS growth",
                memory["growth_kb"] / 1024 if memory["failed"] == 0 else None,
                40.0,
                "MB",
                at_most=True,
            )
        )
    if ratelimit is not None:
        ids = ratelimit["ids"]
        exact = ratelimit["promoted_exactly_once"] == ids and ratelimit["succeeded"] == ids
        targets.append(
            _target(
                f"429 one in three: ids promoted exactly once (of {ids:,})",
                float(ratelimit["promoted_exactly_once"]) if exact else None,
                float(ids),
                "ids",
                at_most=False,
            )
        )
        total = ratelimit["promote_requests"] + ratelimit["other_requests"]
        targets.append(
            _target(
                f"429 one in three: total requests / ids ({total:,} requests)",
                total / ids,
                1.6,
                "x",
                at_most=True,
            )
        )
    return targets


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def print_table(table: dict[tuple[str, int], dict[str, Any]]) -> list[str]:
    """The results as a Markdown table (medians; CPU range = fastest..slowest run)."""
    lines = [
        "| client | c | CPU µs/req | CPU range | x floor | req/s | x floor | peak RSS MB "
        "| x floor | RSS growth MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for client, concurrencies in PLAN:
        for c in concurrencies:
            row = table.get((client, c))
            if row is None:
                continue
            c_text = str(c)
            if client in ("sync_per_call", "requests") and row["workers"] > 1:
                c_text = f"{c} ({row['workers']} threads)"
            spread = row["cpu_us_all"]
            lines.append(
                f"| {CLIENTS[client].label} | {c_text} | {row['cpu_us']:.0f} "
                f"| {spread[0]:.0f}..{spread[-1]:.0f} | {_fmt_ratio(row.get('cpu_ratio'))} "
                f"| {row['rps']:,.0f} | {_fmt_ratio(row.get('rps_ratio'))} "
                f"| {row['peak_rss_mb']:.1f} | {_fmt_ratio(row.get('rss_ratio'))} "
                f"| {row['growth_mb']:.1f} |"
            )
    return lines


def target_lines(targets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for t in targets:
        headline = t.get("headline", True)
        verdict = ("PASS" if t["pass"] else "MISS") if headline else "info"
        unit = "x" if t["unit"] == "x" else f" {t['unit']}"
        if t["value"] is None:
            value = "n/a"
        elif t["unit"] == "ids":
            value = f"{t['value']:,.0f}"
        else:
            value = f"{t['value']:.2f}"
        bound = "<=" if t["at_most"] else ">="
        target = f"target {bound} {t['limit']:,g}{unit}"
        if not headline:
            target = (
                f"no target: {t['info']}"
                if t.get("info")
                else (f"the target applies at c={HEADLINE_C}")
            )
        lines.append(f"{verdict}  {t['target']}: {value}{unit} ({target})")
    return lines


class Settings:
    """What one invocation runs (from the command line)."""

    def __init__(self, args: argparse.Namespace) -> None:
        quick = args.quick
        self.quick: bool = quick
        self.n: int = args.n or (1000 if quick else 3000)
        self.n_slow: int = args.n_slow or (300 if quick else 1000)
        self.repeats: int = args.repeats or (1 if quick else 5)
        self.warmup: int = args.warmup
        self.memory_ids: int = args.memory_ids or (10_000 if quick else 100_000)
        self.ratelimit_ids: int = args.ratelimit_ids or (300 if quick else 2000)
        self.checks: bool = not args.skip_checks
        only = set(args.only.split(",")) if args.only else None
        unknown = (only or set()) - set(CLIENTS)
        if unknown:
            raise SystemExit(f"unknown clients {sorted(unknown)}; known: {sorted(CLIENTS)}")
        self.plan = [(client, cs) for client, cs in PLAN if only is None or client in only]
        self.tls_plan = (
            []
            if args.skip_tls
            else [(client, cs) for client, cs in TLS_PLAN if only is None or client in only]
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_slow": self.n_slow,
            "repeats": self.repeats,
            "warmup_min": self.warmup,
            "memory_ids": self.memory_ids,
            "ratelimit_ids": self.ratelimit_ids,
            "facade_threads": FACADE_THREADS,
            "requests_max_threads": REQUESTS_MAX_THREADS,
            "quick": self.quick,
            "tls_plan": self.tls_plan,
        }


class Clock:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def log(self, message: str) -> None:
        print(f"  [{time.perf_counter() - self.started:4.0f}s] {message}", flush=True)


def run_speed(
    settings: Settings,
    server: subprocess.Popen[str],
    url: str,
    clock: Clock,
    *,
    plan: list[tuple[str, tuple[int, ...]]] | None = None,
    env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Every (client, concurrency) cell, ``repeats`` times, each in a fresh subprocess.

    Within a repeat, concurrency-major, with the client order rotated from one repeat to the
    next, so that a noisy stretch of the machine does not always hit the same client.
    """
    samples: list[dict[str, Any]] = []
    plan = settings.plan if plan is None else plan
    scheme = url.split(":", 1)[0]
    concurrencies = sorted({c for _, cs in plan for c in cs})
    tag = 0
    for repeat in range(settings.repeats):
        for c in concurrencies:
            clients = [client for client, cs in plan if c in cs]
            shift = repeat % len(clients)
            for client in clients[shift:] + clients[:shift]:
                tag += 1
                cls = CLIENTS[client]
                spec = {
                    "client": client,
                    "concurrency": c,
                    "n": settings.n_slow if cls.slow else settings.n,
                    "warmup": cls.warmup(c, settings.warmup),
                    "url": url,
                    "tag": tag,
                }
                server0 = _server_cpu_s(server.pid)
                sample = run_child("bench", spec, env=env)
                server1 = _server_cpu_s(server.pid)
                if server0 is not None and server1 is not None:
                    # Warm-up included: only a sanity check that the server is not the limit.
                    served = sample["n"] + sample["warmup_ok"]
                    sample["server_us"] = (server1 - server0) / served * 1e6
                sample["repeat"] = repeat
                sample["scheme"] = scheme
                samples.append(sample)
                clock.log(
                    f"repeat {repeat + 1}/{settings.repeats} {scheme:>5} {client:>15} c={c:<3} "
                    f"{sample['cpu_s'] / sample['n'] * 1e6:6.0f} µs/req "
                    f"{sample['n'] / sample['wall_s']:6.0f} req/s "
                    f"peak RSS {sample['peak_rss_kb'] / 1024:5.1f} MB"
                )
                if sample["ok"] != sample["n"]:
                    raise RuntimeError(f"{client} c={c}: only {sample['ok']}/{sample['n']} ok")
    return samples


def check_lines(memory: dict[str, Any] | None, ratelimit: dict[str, Any] | None) -> list[str]:
    lines = []
    if memory is not None:
        lines.append(
            f"promote_each memory check: {memory['n']:,} ids (a generator) at "
            f"c={memory['concurrency']}: {memory['ok']:,} ok, {memory['failed']} failed; "
            f"RSS baseline {memory['base_rss_kb'] / 1024:.1f} MB, peak "
            f"{memory['peak_rss_kb'] / 1024:.1f} MB, growth {memory['growth_kb'] / 1024:.1f} MB; "
            f"{memory['cpu_s'] / memory['n'] * 1e6:.0f} µs/req, "
            f"{memory['n'] / memory['wall_s']:,.0f} req/s"
        )
    if ratelimit is not None:
        lines.append(
            f"429 check: {ratelimit['ids']:,} ids at c={ratelimit['concurrency']}: "
            f"{ratelimit['succeeded']:,} succeeded, {ratelimit['failed']} failed, "
            f"{ratelimit['promoted_exactly_once']:,} promoted exactly once; "
            f"{ratelimit['promote_requests']:,} promote POSTs {ratelimit['statuses']} + "
            f"{ratelimit['other_requests']} other requests; client paused "
            f"{ratelimit['pause_s']:.2f}s in all, job took {ratelimit['wall_s']:.1f}s"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Promote benchmark (see module docstring).")
    parser.add_argument("--n", type=int, help="timed promotions per run, fast clients (3000)")
    parser.add_argument(
        "--n-slow", type=int, help="timed promotions per run, httpx and requests (1000)"
    )
    parser.add_argument("--repeats", type=int, help="runs per cell, medians reported (5)")
    parser.add_argument("--warmup", type=int, default=300, help="least warm-up promotions")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--memory-ids", type=int, help="ids for the promote_each memory check")
    parser.add_argument("--ratelimit-ids", type=int, help="ids for the 429 check")
    parser.add_argument("--skip-checks", action="store_true", help="only the speed table")
    parser.add_argument("--skip-tls", action="store_true", help="no HTTPS pass")
    parser.add_argument("--only", help=f"comma-separated clients: {', '.join(CLIENTS)}")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        mode, spec = args.child
        CHILDREN[mode](json.loads(spec))
        return 0

    settings = Settings(args)
    machine = machine_info()
    print(
        f"machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}\n"
        "versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    )
    print(
        f"plan: N={settings.n} (httpx, requests: {settings.n_slow}), repeats={settings.repeats}"
        f"; memory check {settings.memory_ids:,} ids; 429 check {settings.ratelimit_ids:,} ids",
        flush=True,
    )
    clock = Clock()
    memory = ratelimit = None
    server, url = _start_server()
    try:
        samples = run_speed(settings, server, url, clock)
        if settings.checks:
            memory = run_child(
                "memory",
                {
                    "url": url,
                    "n": settings.memory_ids,
                    "concurrency": HEADLINE_C,
                    "warmup": 500,
                    "tag": 0xBEEF,
                },
            )
            clock.log(f"memory check: RSS growth {memory['growth_kb'] / 1024:.1f} MB")
    finally:
        server.terminate()
        server.wait()
    tls_samples = run_tls(settings, clock) if settings.tls_plan else []
    if settings.checks:
        ratelimit = run_child("ratelimit", {"n": settings.ratelimit_ids, "concurrency": HEADLINE_C})
        clock.log(f"429 check: promote statuses {ratelimit['statuses']}")

    table = summarize(samples)
    tls_table = summarize(tls_samples)
    targets = evaluate(table, memory, ratelimit) + tls_targets(table, tls_table)
    elapsed = time.perf_counter() - clock.started
    print()
    print("\n".join(print_table(table)))
    if tls_table:
        print()
        print("\n".join(print_tls_table(table, tls_table)))
    print()
    print("\n".join([*check_lines(memory, ratelimit), "", *target_lines(targets)]))
    print(f"\ntotal {elapsed:.0f}s")

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine,
        "config": settings.as_dict(),
        "table": list(table.values()),
        "tls_table": list(tls_table.values()),
        "targets": targets,
        "memory": memory,
        "ratelimit": ratelimit,
        "samples": samples + tls_samples,
        "elapsed_s": elapsed,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {args.output}")
    return 0


def run_tls(settings: Settings, clock: Clock) -> list[dict[str, Any]]:
    """The HTTPS pass: a TLS server with a certificate made now, clients trusting its CA."""
    import tempfile

    from benchmarks._server import start_server_process
    from benchmarks._tls import TlsFiles, client_env

    with tempfile.TemporaryDirectory(prefix="bland-bench-tls-") as scratch:
        tls = TlsFiles.create(Path(scratch))
        server, url = start_server_process(tls=tls)
        try:
            return run_speed(
                settings, server, url, clock, plan=settings.tls_plan, env=client_env(tls)
            )
        finally:
            server.terminate()
            server.wait()


def tls_targets(
    table: dict[tuple[str, int], dict[str, Any]], tls_table: dict[tuple[str, int], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Informational lines: each client's ratio to the floor over HTTPS, next to HTTP's."""
    entries = []
    for (client, c), row in tls_table.items():
        if client == FLOOR or "cpu_ratio" not in row:
            continue
        http = table.get((client, c), {}).get("cpu_ratio")
        http_text = f"{http:.2f}x" if http is not None else "n/a"
        entries.append(
            _info(
                f"{CLIENTS[client].label} CPU/req vs floor at c={c} over HTTPS "
                f"(over HTTP: {http_text})",
                row["cpu_ratio"],
                "HTTPS for comparison",
            )
        )
    return entries


def print_tls_table(
    table: dict[tuple[str, int], dict[str, Any]], tls_table: dict[tuple[str, int], dict[str, Any]]
) -> list[str]:
    """HTTP and HTTPS side by side: CPU per request and the ratio to each scheme's floor."""
    lines = [
        "| client | c | HTTP CPU µs/req | x floor | HTTPS CPU µs/req | HTTPS range | x floor "
        "| HTTPS req/s | TLS cost µs/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for client, concurrencies in TLS_PLAN:
        for c in concurrencies:
            row = tls_table.get((client, c))
            if row is None:
                continue
            http = table.get((client, c))
            http_cpu = f"{http['cpu_us']:.0f}" if http else "-"
            http_ratio = _fmt_ratio(http.get("cpu_ratio")) if http else "-"
            extra = f"{row['cpu_us'] - http['cpu_us']:+.0f}" if http else "-"
            spread = row["cpu_us_all"]
            lines.append(
                f"| {CLIENTS[client].label} | {c} | {http_cpu} | {http_ratio} "
                f"| {row['cpu_us']:.0f} | {spread[0]:.0f}..{spread[-1]:.0f} "
                f"| {_fmt_ratio(row.get('cpu_ratio'))} | {row['rps']:,.0f} | {extra} |"
            )
    return lines


def _start_server() -> tuple[subprocess.Popen[str], str]:
    from benchmarks._server import start_server_process

    return start_server_process()


if __name__ == "__main__":
    sys.exit(main())
