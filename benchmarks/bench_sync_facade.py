"""What the sync facade costs, against the async client doing the same work.

Both clients promote personas against ``benchmarks/_server.py`` (a raw asyncio HTTP/1.1
keep-alive server in its own process, answering a ~1.6 KB persona envelope), in one run,
round-robin, so that machine noise hits every variant alike:

- per call, 1 caller: ``await bland.personas.promote(id)`` in a loop, against the facade's
  ``bland.personas.promote(id)`` from one thread (one portal hop per call);
- per call, 16 callers: 16 tasks sharing one async client, against 16 threads sharing one
  ``BlandClient``;
- bulk: ``personas.promote_many(ids, concurrency=16)``, async, against the same call
  through the facade (one portal hop for the whole batch).

Metric: client CPU microseconds per request (this process's CPU time: every thread of
the client, the facade's loop thread included; the server runs elsewhere), req/s (wall
clock), and the facade's CPU ratio to the async client at the same concurrency. Medians
over the rounds.

Run from the repository root::

    python benchmarks/bench_sync_facade.py [--requests 1500] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script: make `benchmarks` and the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from benchmarks._server import start_server_process
from bland_async import AsyncBlandClient, BlandClient

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

CONCURRENCY = 16
API_KEY = "bench-key"

#: (variant name, the async variant it is compared with, or None for an async variant)
VARIANTS: list[tuple[str, str | None]] = [
    ("async, 1 task", None),
    ("facade, 1 thread", "async, 1 task"),
    (f"async, {CONCURRENCY} tasks", None),
    (f"facade, {CONCURRENCY} threads", f"async, {CONCURRENCY} tasks"),
    ("async promote_many", None),
    ("facade promote_many (1 hop)", "async promote_many"),
]


class Sample:
    """One measured run: CPU seconds, wall seconds, requests."""

    def __init__(self, cpu: float, wall: float, requests: int) -> None:
        self.cpu_us = cpu / requests * 1e6
        self.rate = requests / wall


def measure(run: Callable[[], object], requests: int) -> Sample:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return Sample(time.process_time() - cpu, time.perf_counter() - wall, requests)


async def measure_async(run: Callable[[], Awaitable[object]], requests: int) -> Sample:
    cpu, wall = time.process_time(), time.perf_counter()
    await run()
    return Sample(time.process_time() - cpu, time.perf_counter() - wall, requests)


def ids(n: int, tag: str) -> list[str]:
    return [f"persona-{tag}-{i:06d}" for i in range(n)]


# --------------------------------------------------------------------------- async variants


async def async_round(url: str, n: int) -> dict[str, Sample]:
    results: dict[str, Sample] = {}
    async with AsyncBlandClient(api_key=API_KEY, base_url=url) as bland:
        promote = bland.personas.promote
        # Warm up: open the pool's connections, fill caches.
        await asyncio.gather(*(promote(i) for i in ids(4 * CONCURRENCY, "warm")))

        async def sequential() -> None:
            for persona_id in ids(n, "seq"):
                await promote(persona_id)

        async def concurrent() -> None:
            work = iter(ids(n, "conc"))

            async def worker() -> None:
                for persona_id in work:
                    await promote(persona_id)

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

        async def bulk() -> None:
            report = await bland.personas.promote_many(ids(n, "bulk"), concurrency=CONCURRENCY)
            assert len(report.succeeded) == n, report.failed

        results["async, 1 task"] = await measure_async(sequential, n)
        results[f"async, {CONCURRENCY} tasks"] = await measure_async(concurrent, n)
        results["async promote_many"] = await measure_async(bulk, n)
    return results


# --------------------------------------------------------------------------- facade variants


def facade_round(bland: BlandClient, n: int) -> dict[str, Sample]:
    promote = bland.personas.promote

    def sequential() -> None:
        for persona_id in ids(n, "seq"):
            promote(persona_id)

    def threaded() -> None:
        work = iter(ids(n, "thr"))
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    persona_id = next(work, None)
                if persona_id is None:
                    return
                promote(persona_id)

        threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def bulk() -> None:
        report = bland.personas.promote_many(ids(n, "bulk"), concurrency=CONCURRENCY)
        assert len(report.succeeded) == n, report.failed

    return {
        "facade, 1 thread": measure(sequential, n),
        f"facade, {CONCURRENCY} threads": measure(threaded, n),
        "facade promote_many (1 hop)": measure(bulk, n),
    }


# --------------------------------------------------------------------------- driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="requests per variant")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    n: int = args.requests

    process, url = start_server_process()
    started = time.perf_counter()
    samples: dict[str, list[Sample]] = {name: [] for name, _ in VARIANTS}
    try:
        with BlandClient(api_key=API_KEY, base_url=url) as bland:
            bland.personas.promote_many(ids(4 * CONCURRENCY, "warm"), concurrency=CONCURRENCY)
            for round_index in range(args.rounds):
                # Alternate which client goes first, so drift affects both alike.
                order = [0, 1] if round_index % 2 == 0 else [1, 0]
                for which in order:
                    got = asyncio.run(async_round(url, n)) if which == 0 else facade_round(bland, n)
                    for name, sample in got.items():
                        samples[name].append(sample)
                print(f"  round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        process.terminate()
        process.wait()
    elapsed = time.perf_counter() - started

    medians = {
        name: (
            statistics.median(s.cpu_us for s in runs),
            statistics.median(s.rate for s in runs),
        )
        for name, runs in samples.items()
    }
    print()
    print(
        f"sync facade vs async client: {n} promotions per variant, {args.rounds} rounds, "
        f"medians; Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"{threading.active_count()} threads now"
    )
    print(f"{'variant':<30} {'CPU us/req':>11} {'req/s':>9} {'CPU ratio':>10} {'+us/req':>8}")
    for name, baseline in VARIANTS:
        cpu, rate = medians[name]
        if baseline is None:
            ratio, extra = "1.00x", ""
        else:
            base_cpu = medians[baseline][0]
            ratio, extra = f"{cpu / base_cpu:.2f}x", f"{cpu - base_cpu:+.0f}"
        print(f"{name:<30} {cpu:>11.0f} {rate:>9.0f} {ratio:>10} {extra:>8}")
    print(f"(ratio: facade CPU per request / async at the same concurrency; {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
