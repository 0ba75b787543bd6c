"""What CPython's cyclic garbage collector costs ``promote_many``, and why.

One process, ``benchmarks/_server.py`` in another. Each client warms up, then promotes
``--n`` fresh ids at ``--concurrency`` with ``gc.callbacks`` timing every collection (CPU
time of this thread) and, for the youngest generation, counting the objects it walks.
The clients are ``bench_promote``'s (``benchmarks/_clients.py``: ``promote_many``, the
structured floor, the floor) and ``promote_each`` with its outcomes dropped. From the
repository root::

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
import gc
import resource
import statistics
import time
from typing import TYPE_CHECKING, Any

from benchmarks._clients import CLIENTS, PromoteMany, persona_ids
from benchmarks._server import start_server_process

if TYPE_CHECKING:
    from collections.abc import Sequence


class Collections:
    """Per generation: collections, CPU seconds; objects walked by the youngest's."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.young_sizes: list[int] = []
        self.young_seconds: list[float] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = info["generation"]
        if phase == "start":
            if generation == 0:  # counted before the clock starts
                self.young_sizes.append(len(gc.get_objects(generation=0)))
            self._start = time.thread_time()
            return
        took = time.thread_time() - self._start
        self.count[generation] += 1
        self.seconds[generation] += took
        if generation == 0:
            self.young_seconds.append(took)


class PromoteEachDropped(PromoteMany):
    """``promote_each`` over the ids, every outcome dropped as it arrives (nothing kept)."""

    name = "promote_each"
    label = "promote_each (outcomes dropped)"

    async def _run(self, ids: Sequence[str]) -> int:
        ok = 0
        async for outcome in self._bland.personas.promote_each(ids, concurrency=self.concurrency):
            ok += outcome.ok
        return ok


def measure(cls: type[Any], url: str, n: int, c: int, tag: int) -> None:
    """Warm ``cls``'s client up, then time ``n`` promotions with the collector watched."""
    client = cls(url, c)
    client.open()
    try:
        for round_index in range(3):  # connections, hooks, caches
            client.run(list(persona_ids(tag, 1000, start=round_index * 1000)))
        ids = list(persona_ids(tag, n, start=3000))
        gc.collect()
        clock = Collections()
        gc.callbacks.append(clock)
        before = resource.getrusage(resource.RUSAGE_SELF)
        try:
            ok = client.run(ids)
        finally:
            after = resource.getrusage(resource.RUSAGE_SELF)
            gc.callbacks.remove(clock)
    finally:
        client.close()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{cls.label}: {ok:,} of {n:,} promotions, {cpu / n * 1e6:.0f} µs/req of CPU")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The garbage collector's share.")
    parser.add_argument("--n", type=int, default=3000, help="promotions per variant (3000)")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    variants = [
        CLIENTS["promote_many"],
        PromoteEachDropped,
        CLIENTS["aiohttp_structured"],
        CLIENTS["aiohttp"],
    ]
    server, url = start_server_process()
    try:
        for tag, cls in enumerate(variants, start=1):
            measure(cls, url, args.n, args.concurrency, tag)
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
