"""Where a promotion's client CPU goes, with the network taken out.

``bench_promote`` measures whole clients against a server; this splits the SDK's own
Python work per request into layers, each timed in this process with the HTTP exchange
replaced by a canned response (``Transport._attempt`` returns the benchmark server's
~1.6 KB persona envelope at once), so aiohttp and the kernel cost nothing here:

- ``orjson.loads`` of the envelope, and ``structure()`` of its ``data`` into a ``Persona``;
- ``Transport.request`` (URL, retries loop, envelope checks, the JSON decode);
- ``personas.promote`` (the above plus structuring, the resource layer);
- ``personas.promote_many`` (the above plus the worker pool, and every result kept);
- one ``BlandClient`` portal hop for a no-op coroutine, against a plain
  ``asyncio.run_coroutine_threadsafe`` hop, from 1 and 16 threads.

Minimum over ``--repeats`` runs (CPU time of this process, µs per item). Run from the
repository root::

    python -m benchmarks.profile_overhead
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
import timeit
from typing import TYPE_CHECKING, Any

import orjson
from multidict import CIMultiDict, CIMultiDictProxy

from benchmarks._server import PERSONA_BODY
from bland_async import AsyncBlandClient, BlandClient
from bland_async._converter import structure
from bland_async._transport import Transport
from bland_async.models import Persona

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

_HEADERS = CIMultiDictProxy(CIMultiDict({"content-type": "application/json", "x-request-id": "r"}))
_PROMOTE = "/v1/personas/{persona_id}/versions/promote"


async def _canned_attempt(*_: Any, **__: Any) -> tuple[int, Any, bytes]:
    return 200, _HEADERS, PERSONA_BODY


def _cpu_per_item(run: Callable[[], object], items: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best / items * 1e6


def _layers(n: int, repeats: int) -> list[tuple[str, float]]:
    data = orjson.loads(PERSONA_BODY)["data"]
    rows = [
        (
            "orjson.loads(envelope)",
            min(timeit.repeat(lambda: orjson.loads(PERSONA_BODY), number=n, repeat=repeats))
            / n
            * 1e6,
        ),
        (
            "structure(data, Persona)",
            min(
                timeit.repeat(
                    lambda: structure(data, Persona, request_id="r"), number=n, repeat=repeats
                )
            )
            / n
            * 1e6,
        ),
    ]
    original = Transport._attempt
    Transport._attempt = staticmethod(_canned_attempt)  # type: ignore[method-assign,assignment]
    try:
        loop = asyncio.new_event_loop()
        bland = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
        transport = bland._transport
        ids = [f"00000000-0000-4000-8000-{i:012x}" for i in range(n)]

        async def request_only() -> None:
            for persona_id in ids:
                await transport.request(
                    "POST", _PROMOTE, path_params={"persona_id": persona_id}, idempotent=False
                )

        async def promote() -> None:
            for persona_id in ids:
                await bland.personas.promote(persona_id)

        async def promote_many() -> None:
            await bland.personas.promote_many(ids, concurrency=64)

        def on_loop(fn: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], object]:
            return lambda: loop.run_until_complete(fn())

        for name, fn in (
            ("Transport.request", request_only),
            ("personas.promote", promote),
            ("personas.promote_many (results kept)", promote_many),
        ):
            rows.append((name, _cpu_per_item(on_loop(fn), n, repeats)))
        loop.run_until_complete(bland.aclose())
        loop.close()
    finally:
        Transport._attempt = original  # type: ignore[method-assign]
    return rows


def _hops(n: int, repeats: int) -> list[tuple[str, float]]:
    async def noop() -> None:
        return None

    client = BlandClient(api_key="k", base_url="http://127.0.0.1:9")
    runtime = client._runtime
    runtime.call(noop)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def threaded(call: Callable[[], object], threads: int) -> Callable[[], object]:
        def run() -> None:
            def work() -> None:
                for _ in range(n // threads):
                    call()

            pool = [threading.Thread(target=work) for _ in range(threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()

        return run

    def plain() -> object:
        return asyncio.run_coroutine_threadsafe(noop(), loop).result()

    rows = []
    try:
        for threads in (1, 16):
            rows.append(
                (
                    f"BlandClient hop, no-op, {threads} thread(s)",
                    _cpu_per_item(threaded(lambda: runtime.call(noop), threads), n, repeats),
                )
            )
            rows.append(
                (
                    f"run_coroutine_threadsafe, no-op, {threads} thread(s)",
                    _cpu_per_item(threaded(plain, threads), n, repeats),
                )
            )
    finally:
        client.close()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Client CPU per request, layer by layer.")
    parser.add_argument("--n", type=int, default=5000, help="items per run (5000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs, minimum reported (5)")
    args = parser.parse_args(argv)
    rows = _layers(args.n, args.repeats) + _hops(args.n, args.repeats)
    width = max(len(name) for name, _ in rows)
    print(f"CPU µs per item, minimum of {args.repeats} runs of {args.n:,} (network stubbed out)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
