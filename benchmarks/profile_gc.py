"""What CPython's cyclic garbage collector costs ``promote_many``, and why.

One process, ``benchmarks/_server.py`` in another. The client warms up, then promotes
``--n`` fresh ids at ``--concurrency`` with ``gc.callbacks`` timing every collection (CPU
time of this thread) and, for the youngest generation, counting the objects it walks.
Then the same for ``promote_each`` with the outcomes dropped (nothing kept), and for the
floor (raw aiohttp reading bytes). From the repository root::

    python -m benchmarks.profile_gc
    python -m benchmarks.profile_gc --n 20000

What it shows (benchmarks/README.md): a collection of the youngest generation runs each
time container objects allocated outnumber those freed by 700 (CPython's default
threshold). ``promote_many`` keeps every persona it returns, 13 container objects each
(the persona, its two versions, their call configs, lists and dicts), so one runs every
~60 promotions, and each walks every young object still alive, the requests in flight
included: thousands of objects at c=64. With nothing kept, hardly any run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import time
from typing import Any

import aiohttp

from benchmarks._clients import API_KEY
from benchmarks._server import start_server_process
from bland_async import AsyncBlandClient


class Collections:
    """Per generation: collections, CPU seconds; objects walked by the youngest's."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.young_sizes: list[int] = []
        self.young_seconds: list[float] = []
        self._generation = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = info["generation"]
        if phase == "start":
            if generation == 0:  # counted before the clock starts
                self.young_sizes.append(len(gc.get_objects(generation=0)))
            self._generation, self._start = generation, time.thread_time()
            return
        took = time.thread_time() - self._start
        self.count[generation] += 1
        self.seconds[generation] += took
        if generation == 0:
            self.young_seconds.append(took)


def _ids(tag: str, n: int) -> list[str]:
    return [f"{tag}-{i:08d}" for i in range(n)]


async def _floor(url: str, n: int, c: int) -> None:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), headers={"authorization": API_KEY}
    ) as session:

        async def run(ids: list[str]) -> None:
            it = iter(ids)

            async def worker() -> None:
                for persona_id in it:
                    path = f"/v1/personas/{persona_id}/versions/promote"
                    async with session.post(url + path) as response:
                        await response.read()

            await asyncio.gather(*(worker() for _ in range(c)))

        await run(_ids("floor-warm", 3000))
        gc.collect()
        clock = Collections()
        gc.callbacks.append(clock)
        before = resource.getrusage(resource.RUSAGE_SELF)
        try:
            await run(_ids("floor", n))
        finally:
            after = resource.getrusage(resource.RUSAGE_SELF)
            gc.callbacks.remove(clock)
    _report("raw aiohttp reading bytes (the floor)", n, clock, before, after)


def _report(
    label: str,
    n: int,
    clock: Collections,
    before: resource.struct_rusage,
    after: resource.struct_rusage,
) -> None:
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{label}: {n:,} promotions, {cpu / n * 1e6:.0f} µs/req of CPU")
    for generation in range(3):
        print(
            f"  generation {generation}: {clock.count[generation]:4d} collections, "
            f"{clock.seconds[generation] / n * 1e6:5.1f} µs/req"
        )
    if clock.young_sizes:
        print(
            f"  youngest generation: median {statistics.median(clock.young_sizes):,.0f} objects "
            f"walked, median {statistics.median(clock.young_seconds) * 1e6:,.0f} µs a collection"
        )


async def _sdk(url: str, n: int, c: int, *, keep: bool) -> None:
    async with AsyncBlandClient(api_key=API_KEY, base_url=url) as client:
        for round_index in range(3):  # warm-up: connections, hooks, caches
            await client.personas.promote_many(_ids(f"w{round_index}", 1000), concurrency=c)
        ids = _ids("keep" if keep else "drop", n)
        gc.collect()
        clock = Collections()
        gc.callbacks.append(clock)
        before = resource.getrusage(resource.RUSAGE_SELF)
        try:
            if keep:
                result = await client.personas.promote_many(ids, concurrency=c)
                assert len(result.succeeded) == n
            else:
                async for _ in client.personas.promote_each(ids, concurrency=c):
                    pass
        finally:
            after = resource.getrusage(resource.RUSAGE_SELF)
            gc.callbacks.remove(clock)
    label = "promote_many (results kept)" if keep else "promote_each (outcomes dropped)"
    _report(label, n, clock, before, after)


async def _main(url: str, n: int, c: int) -> None:
    await _sdk(url, n, c, keep=True)
    await _sdk(url, n, c, keep=False)
    await _floor(url, n, c)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The garbage collector's share.")
    parser.add_argument("--n", type=int, default=3000, help="promotions per variant (3000)")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    server, url = start_server_process()
    try:
        asyncio.run(_main(url, args.n, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
