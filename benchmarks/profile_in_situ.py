"""The SDK's layers measured in place: against the benchmark server, in one process.

``profile_overhead`` times each layer in a tight loop with the network stubbed out; this
times the same layers where they really run, between aiohttp's and asyncio's own work,
each as a variant of one fixed pool of ``--concurrency`` workers promoting ``--n`` ids
against ``benchmarks/_server.py`` (its own process):

- the floor: raw aiohttp on a bare session, reading the bytes (as in ``bench_promote``);
- the same request through the SDK's own session and per-request options;
- plus ``orjson.loads`` of the envelope;
- plus ``structure()`` into a ``Persona`` (the result dropped);
- ``Transport.request`` (the SDK's whole request path, no structuring);
- ``personas.promote`` (the result dropped), and ``personas.promote_many``.

Rounds rotate the variants; reported: median user CPU µs/request over the rounds and the
median over rounds of each variant's ratio to the floor of the same round. Run from the
repository root::

    python -m benchmarks.profile_in_situ [--rounds 11]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
from yarl import URL

from benchmarks._clients import API_KEY, persona_ids
from benchmarks._server import start_server_process
from bland_async import AsyncBlandClient
from bland_async._converter import structure
from bland_async.models import Persona

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

_PROMOTE = "/v1/personas/{persona_id}/versions/promote"


async def _pool(ids: Sequence[str], workers: int, one: Callable[[str], Awaitable[Any]]) -> None:
    it = iter(ids)

    async def worker() -> None:
        for persona_id in it:
            await one(persona_id)

    await asyncio.gather(*(worker() for _ in range(workers)))


async def _measure(url: str, n: int, c: int, rounds: int) -> dict[str, list[float]]:
    bare = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), headers={"authorization": API_KEY}
    )
    bland = AsyncBlandClient(api_key=API_KEY, base_url=url)
    transport = bland._transport
    ours = await bland._shared.holder.get()
    timeout = transport._timeout

    def path(persona_id: str) -> URL:
        return URL(f"{url}/v1/personas/{persona_id}/versions/promote", encoded=True)

    async def floor(persona_id: str) -> None:
        async with bare.post(f"{url}/v1/personas/{persona_id}/versions/promote") as r:
            await r.read()

    async def read(persona_id: str) -> tuple[bytes, str | None]:
        async with ours.request(
            "POST", path(persona_id), timeout=timeout, allow_redirects=False
        ) as r:
            return await r.read(), r.headers.get("x-request-id")

    async def decoded(persona_id: str) -> None:
        body, _ = await read(persona_id)
        orjson.loads(body)

    async def structured(persona_id: str) -> None:
        body, request_id = await read(persona_id)
        structure(orjson.loads(body)["data"], Persona, request_id=request_id)

    async def request(persona_id: str) -> None:
        await transport.request(
            "POST", _PROMOTE, path_params={"persona_id": persona_id}, idempotent=False
        )

    async def promote(persona_id: str) -> None:
        await bland.personas.promote(persona_id)

    variants: dict[str, Callable[[list[str]], Awaitable[Any]]] = {
        "floor (bare session, bytes)": lambda ids: _pool(ids, c, floor),
        "SDK session and options, bytes": lambda ids: _pool(ids, c, read),
        "  + orjson.loads": lambda ids: _pool(ids, c, decoded),
        "  + structure(), dropped": lambda ids: _pool(ids, c, structured),
        "Transport.request": lambda ids: _pool(ids, c, request),
        "personas.promote, dropped": lambda ids: _pool(ids, c, promote),
        "personas.promote_many (kept)": lambda ids: bland.personas.promote_many(ids, concurrency=c),
    }
    user: dict[str, list[float]] = {name: [] for name in variants}
    try:
        tag = 0
        for run in variants.values():  # warm every path up once
            tag += 1
            await run(list(persona_ids(tag, max(300, 2 * c))))
        names = list(variants)
        for round_index in range(rounds):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                tag += 1
                ids = list(persona_ids(tag, n))
                gc.collect()
                before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
                await variants[name](ids)
                user[name].append(
                    (resource.getrusage(resource.RUSAGE_SELF).ru_utime - before) / n * 1e6
                )
    finally:
        await bare.close()
        await bland.aclose()
    return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The SDK's layers, measured in place.")
    parser.add_argument("--n", type=int, default=2000, help="promotions per variant per round")
    parser.add_argument("--concurrency", type=int, default=64, help="workers (64)")
    parser.add_argument("--rounds", type=int, default=11, help="rounds (11)")
    args = parser.parse_args(argv)
    server, url = start_server_process()
    try:
        user = asyncio.run(_measure(url, args.n, args.concurrency, args.rounds))
    finally:
        server.terminate()
        server.wait()
    floor = user["floor (bare session, bytes)"]
    width = max(map(len, user))
    print(
        f"user CPU µs/request at c={args.concurrency}, {args.rounds} rounds of {args.n:,}: "
        "median, and median of the per-round ratio to the floor"
    )
    for name, values in user.items():
        ratio = statistics.median(v / f for v, f in zip(values, floor, strict=True))
        print(f"  {name:<{width}}  {statistics.median(values):7.1f}  x{ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
