"""A/B checks of what ``promote_many`` costs in place, one candidate at a time.

Each candidate is the SDK's ``promote_many`` at ``--concurrency`` with one thing changed (a
patch applied only while its rounds run, in this process; nothing here changes the SDK),
or a diagnostic that removes a cost the SDK must pay, to size it. Every variant gets its own
client; rounds rotate the variants, each promoting ``--n`` fresh ids against
``benchmarks/_server.py`` (its own process). Reported: the median over rounds of each
variant's CPU µs/request minus the baseline's in the same round (noise between neighbouring
rounds is far smaller than between runs), the median ratio, and the CPU the garbage
collector took (timed with ``gc.callbacks``). From the repository root::

    python -m benchmarks.profile_candidates                 # every candidate, 11 rounds
    python -m benchmarks.profile_candidates --only gc-off,no-skip-headers --rounds 21

The candidates (``--list`` prints them):
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import resource
import statistics
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from benchmarks._clients import API_KEY, persona_ids
from benchmarks._server import start_server_process
from bland_async import AsyncBlandClient
from bland_async import _transport as transport_module

if TYPE_CHECKING:
    from collections.abc import Iterator

_PROMOTE = "/v1/personas/{persona_id}/versions/promote"


class GcClock:
    """CPU seconds spent in the garbage collector, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._start
            self.collections[info["generation"]] += 1


class Variant:
    """A way to promote ``ids``: a client, and a patch active only while it runs."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.doc = doc

    async def open(self, url: str, c: int) -> None:
        self.c = c
        self.bland = AsyncBlandClient(api_key=API_KEY, base_url=url)

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        yield

    async def run(self, ids: list[str]) -> object:
        return await self.bland.personas.promote_many(ids, concurrency=self.c)

    async def close(self) -> None:
        await self.bland.aclose()


class Baseline(Variant):
    pass


class Floor(Variant):
    async def open(self, url: str, c: int) -> None:
        self.c, self.url = c, url
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), headers={"authorization": API_KEY}
        )

    async def run(self, ids: list[str]) -> object:
        session, base, it = self.session, self.url, iter(ids)

        async def worker() -> None:
            for persona_id in it:
                async with session.post(f"{base}/v1/personas/{persona_id}/versions/promote") as r:
                    await r.read()

        await asyncio.gather(*(worker() for _ in range(self.c)))
        return None

    async def close(self) -> None:
        await self.session.close()


class GcOff(Variant):
    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        gc.disable()
        try:
            yield
        finally:
            gc.enable()


class Dropped(Variant):
    """The same pool and promotions, results not kept (``promote_each``, outcomes dropped)."""

    async def run(self, ids: list[str]) -> object:
        async for _ in self.bland.personas.promote_each(ids, concurrency=self.c):
            pass
        return None


class BarePool(Variant):
    """``personas.promote`` from a bare worker pool, results kept in a list."""

    async def run(self, ids: list[str]) -> object:
        it, results, promote = iter(ids), [], self.bland.personas.promote

        async def worker() -> None:
            for persona_id in it:
                results.append(await promote(persona_id))

        await asyncio.gather(*(worker() for _ in range(self.c)))
        return results


class SkipHeaders(Variant):
    """The owned session as it was: ``skip_auto_headers=("Content-Type",)``, aiohttp's request."""

    async def open(self, url: str, c: int) -> None:
        await super().open(url, c)
        holder = self.bland._shared.holder
        await holder.get()
        old = holder._session
        assert old is not None
        holder._session = aiohttp.ClientSession(
            headers=holder._default_headers,
            timeout=aiohttp.ClientTimeout(total=None),
            connector=aiohttp.TCPConnector(limit=100, limit_per_host=0),
            skip_auto_headers=("Content-Type",),
        )
        await old.close()


class NoTotalTimeout(Variant):
    """No per-request aiohttp ``total`` timeout (no TimerHandle armed: diagnostic)."""

    async def open(self, url: str, c: int) -> None:
        await super().open(url, c)
        self.bland._transport._timeout = aiohttp.ClientTimeout(total=None, connect=10)


class NoNoteExchange(Variant):
    """``note_exchange`` replaced by a no-op (the raw view's context-variable read)."""

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        original = transport_module.note_exchange
        transport_module.note_exchange = lambda *a, **k: None
        try:
            yield
        finally:
            transport_module.note_exchange = original


VARIANTS: dict[str, tuple[type[Variant], str]] = {
    "baseline": (Baseline, "promote_many as it is"),
    "floor": (Floor, "raw aiohttp reading the bytes (bench_promote's floor)"),
    "gc-off": (GcOff, "gc.disable() during the round (diagnostic only)"),
    "dropped": (Dropped, "promote_each, outcomes dropped: the cost of keeping results"),
    "bare-pool": (BarePool, "personas.promote from a bare pool: the bulk layer's cost"),
    "skip-headers": (SkipHeaders, "the session's former skip_auto_headers=('Content-Type',)"),
    "no-total-timeout": (NoTotalTimeout, "no aiohttp total timeout timer (diagnostic)"),
    "no-note-exchange": (NoNoteExchange, "note_exchange made a no-op"),
}


async def measure(
    url: str, names: list[str], n: int, c: int, rounds: int
) -> dict[str, dict[str, list[float]]]:
    variants = [VARIANTS[name][0](name, VARIANTS[name][1]) for name in names]
    clock = GcClock()
    gc.callbacks.append(clock)
    results: dict[str, dict[str, list[float]]] = {v.name: {"cpu": [], "gc": []} for v in variants}
    try:
        for v in variants:
            await v.open(url, c)
        tag = 0
        for v in variants:  # warm up
            for _ in range(2):
                tag += 1
                with v.patched():
                    await v.run(list(persona_ids(tag, max(500, 4 * c))))
        for round_index in range(rounds):
            shift = round_index % len(variants)
            for v in variants[shift:] + variants[:shift]:
                tag += 1
                ids = list(persona_ids(tag, n))
                gc.collect()
                with v.patched():
                    gc_before = clock.seconds
                    before = resource.getrusage(resource.RUSAGE_SELF)
                    kept = await v.run(ids)
                    after = resource.getrusage(resource.RUSAGE_SELF)
                    gc_s = clock.seconds - gc_before
                del kept
                cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                results[v.name]["cpu"].append(cpu / n * 1e6)
                results[v.name]["gc"].append(gc_s / n * 1e6)
    finally:
        gc.callbacks.remove(clock)
        for v in variants:
            await v.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A/B checks of promote_many's costs.")
    parser.add_argument("--only", help="comma-separated variants (baseline is always run)")
    parser.add_argument("--n", type=int, default=2000, help="promotions per variant per round")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--list", action="store_true", help="list the variants")
    args = parser.parse_args(argv)
    if args.list:
        for name, (_, doc) in VARIANTS.items():
            print(f"  {name:<20} {doc}")
        return 0
    names = list(VARIANTS) if not args.only else ["baseline", *args.only.split(",")]
    names = list(dict.fromkeys(names))
    unknown = set(names) - set(VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; --list shows them")
    server, url = start_server_process()
    try:
        results = asyncio.run(measure(url, names, args.n, args.concurrency, args.rounds))
    finally:
        server.terminate()
        server.wait()
    base = results["baseline"]["cpu"]
    print(
        f"CPU µs/request at c={args.concurrency}, {args.rounds} rounds of {args.n:,}: median; "
        "median of the per-round difference and ratio to the baseline; GC µs/request"
    )
    print(f"  {'variant':<20} {'CPU':>7} {'vs base':>8} {'ratio':>6} {'GC':>6}  what")
    for name, values in results.items():
        cpu = values["cpu"]
        delta = statistics.median(v - b for v, b in zip(cpu, base, strict=True))
        ratio = statistics.median(v / b for v, b in zip(cpu, base, strict=True))
        print(
            f"  {name:<20} {statistics.median(cpu):7.1f} {delta:+8.1f} {ratio:6.2f} "
            f"{statistics.median(values['gc']):6.1f}  {VARIANTS[name][1]}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
