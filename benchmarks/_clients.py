"""The clients ``bench_promote`` measures, behind one blocking interface.

Each client is built for a base URL and a concurrency, then ``run(ids)`` promotes every id
(``POST /v1/personas/{id}/versions/promote``) with at most ``concurrency`` requests in flight
and returns how many succeeded. Async clients run on one event loop kept for the client's
life (warm-up and timed run share it, as they share connections). Third-party imports happen
inside each client, so a client's process loads only its own stack (RSS stays its own).
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["API_KEY", "CLIENTS", "Client", "persona_ids", "promote_path"]

API_KEY = "bench-key"
#: Threads of the ``BlandClient`` per-call row (the issue's "per-call from 16 threads").
FACADE_THREADS = 16
#: Most threads the requests client uses (a sync script's thread pool; more only adds GIL churn).
REQUESTS_MAX_THREADS = 64


def persona_ids(tag: int, count: int, start: int = 0) -> Iterator[str]:
    """Distinct UUID-shaped persona ids (36 characters, like real ones)."""
    for i in range(start, start + count):
        yield f"{tag:08x}-0000-4000-8000-{i:012x}"


def promote_path(persona_id: str) -> str:
    return f"/v1/personas/{persona_id}/versions/promote"


class Client:
    """A client under test: ``open()``, ``run(ids)`` any number of times, ``close()``."""

    #: Short name used on the command line and in results.
    name: ClassVar[str]
    #: Row label in the table.
    label: ClassVar[str]
    #: Slow clients get fewer requests per run (``--n-slow``); per-request figures still.
    slow: ClassVar[bool] = False

    def __init__(self, url: str, concurrency: int) -> None:
        self.url = url
        self.concurrency = concurrency

    @classmethod
    def workers(cls, concurrency: int) -> int:
        """Requests in flight (or threads) this client uses at ``concurrency``."""
        return concurrency

    @classmethod
    def warmup(cls, concurrency: int, minimum: int) -> int:
        """Promotions to run before timing: enough to open every connection twice over."""
        return max(minimum, 2 * concurrency)

    @classmethod
    def warmup_seconds(cls, concurrency: int) -> float:
        """Least time from ``open()`` to the timed run (warm-up continues until then)."""
        return 0.0

    def open(self) -> None:
        pass

    def run(self, ids: Sequence[str]) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _AsyncClient(Client):
    """An asyncio client driven from this thread by one long-lived event loop."""

    def open(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._open())

    def run(self, ids: Sequence[str]) -> int:
        return self._loop.run_until_complete(self._run(ids))

    def close(self) -> None:
        self._loop.run_until_complete(self._close())
        self._loop.close()

    async def _open(self) -> None:
        pass

    async def _run(self, ids: Sequence[str]) -> int:
        raise NotImplementedError

    async def _close(self) -> None:
        pass


class RawAiohttp(_AsyncClient):
    """The floor: aiohttp reading the response bytes, nothing decoded.

    ``concurrency`` worker tasks share one iterator of ids (the cheapest fan-out).
    """

    name = "aiohttp"
    label = "raw aiohttp, read bytes (floor)"

    async def _open(self) -> None:
        import aiohttp

        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), headers={"authorization": API_KEY}
        )

    async def _run(self, ids: Sequence[str]) -> int:
        session, base = self._session, self.url
        it = iter(ids)
        ok = 0

        async def worker() -> None:
            nonlocal ok
            for persona_id in it:
                async with session.post(f"{base}/v1/personas/{persona_id}/versions/promote") as r:
                    await r.read()
                    ok += r.status == 200

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return ok

    async def _close(self) -> None:
        await self._session.close()


class StructuredAiohttp(RawAiohttp):
    """The least any SDK with models does: aiohttp, ``orjson.loads``, the SDK's ``structure``.

    The floor's loop, with each body decoded and structured into a ``Persona`` that is kept
    (as ``promote_many`` keeps its results), and nothing else: no envelope or status checks,
    no retries, no reconciliation. What ``promote_many`` costs beyond this row is the SDK's
    own layers; what this row costs beyond the floor is decoding, structuring, and keeping
    the results alive (the garbage collector walks them).
    """

    name = "aiohttp_structured"
    label = "raw aiohttp + orjson + structure, kept"

    async def _run(self, ids: Sequence[str]) -> int:
        import orjson

        from bland_async._converter import structure
        from bland_async.models import Persona

        session, base = self._session, self.url
        it = iter(ids)
        kept: list[Persona] = []

        async def worker() -> None:
            for persona_id in it:
                async with session.post(f"{base}/v1/personas/{persona_id}/versions/promote") as r:
                    body = orjson.loads(await r.read())
                    kept.append(structure(body["data"], Persona, request_id=None))

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return len(kept)


class PromoteMany(_AsyncClient):
    """``AsyncBlandClient.personas.promote_many(ids, concurrency=c)``."""

    name = "promote_many"
    label = "AsyncBlandClient promote_many"

    async def _open(self) -> None:
        from bland_async import AsyncBlandClient

        self._bland = AsyncBlandClient(api_key=API_KEY, base_url=self.url)

    async def _run(self, ids: Sequence[str]) -> int:
        result = await self._bland.personas.promote_many(ids, concurrency=self.concurrency)
        return len(result.succeeded)

    async def _close(self) -> None:
        await self._bland.aclose()


class FacadeBulk(Client):
    """``BlandClient.personas.promote_many(ids, concurrency=c)``: the whole batch in one hop."""

    name = "sync_bulk"
    label = "BlandClient promote_many (1 hop)"

    def open(self) -> None:
        from bland_async import BlandClient

        self._bland = BlandClient(api_key=API_KEY, base_url=self.url)

    def run(self, ids: Sequence[str]) -> int:
        result = self._bland.personas.promote_many(ids, concurrency=self.concurrency)
        return len(result.succeeded)

    def close(self) -> None:
        self._bland.close()


class _ThreadedClient(Client):
    """A blocking per-request function called from ``workers(concurrency)`` threads.

    The threads pull ids from one shared iterator and keep their results (every client but
    the floor hands back all its results). Not ``ThreadPoolExecutor.map``: on this machine
    that alone costs ~55 µs of CPU per item with 16 threads (a future, a queue hand-off and a
    wake-up per item) against ~10-15 µs for this, and that cost belongs to neither client.
    With one thread it is a plain loop (a sequential script).
    """

    def one(self, persona_id: str) -> Any:
        raise NotImplementedError

    def run(self, ids: Sequence[str]) -> int:
        threads = self.workers(self.concurrency)
        if threads == 1:
            return len([self.one(persona_id) for persona_id in ids])
        work = iter(ids)
        lock = threading.Lock()
        results: list[list[Any]] = [[] for _ in range(threads)]

        def worker(mine: list[Any]) -> None:
            one = self.one
            while True:
                with lock:
                    persona_id = next(work, None)
                if persona_id is None:
                    return
                mine.append(one(persona_id))

        pool = [threading.Thread(target=worker, args=(mine,)) for mine in results]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return sum(len(mine) for mine in results)


class FacadePerCall(_ThreadedClient):
    """``BlandClient.personas.promote(id)`` from ``concurrency`` threads: a portal hop per call."""

    name = "sync_per_call"
    label = "BlandClient promote, per call"

    def open(self) -> None:
        from bland_async import BlandClient

        self._bland = BlandClient(api_key=API_KEY, base_url=self.url)
        self.one = self._bland.personas.promote  # type: ignore[method-assign]

    def close(self) -> None:
        self._bland.close()


class RequestsPool(_ThreadedClient):
    """requests: one shared ``Session`` (its pool sized to the threads), ``.json()`` per response.

    Threads: ``min(concurrency, 64)`` (past 64, more threads only add GIL churn); one thread
    is a sequential loop.
    """

    name = "requests"
    label = "requests + thread pool"
    slow = True

    @classmethod
    def workers(cls, concurrency: int) -> int:
        return min(concurrency, REQUESTS_MAX_THREADS)

    def open(self) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        threads = self.workers(self.concurrency)
        self._session = requests.Session()
        self._session.headers["authorization"] = API_KEY
        self._session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=threads))

    def one(self, persona_id: str) -> Any:
        response = self._session.post(f"{self.url}/v1/personas/{persona_id}/versions/promote")
        response.raise_for_status()
        return response.json()["data"]

    def close(self) -> None:
        self._session.close()


class HttpxPydantic(_AsyncClient):
    """httpx ``AsyncClient`` + pydantic models: ``gather`` over every id with a semaphore.

    The stack of Bland's own SDK and of openai-python. The connection pool allows
    ``concurrency`` connections, all kept alive (httpx's default keeps 20, which would churn
    connections at c >= 64); each body is validated with ``model_validate_json``
    (pydantic-core parses the bytes itself: the fastest pydantic path).
    """

    name = "httpx_pydantic"
    label = "httpx AsyncClient + pydantic"
    slow = True

    @classmethod
    def warmup_seconds(cls, concurrency: int) -> float:
        # With many requests in flight httpcore's pool scans every connection for every
        # request it assigns. A CPU-bound client leaves most of its c connections idle, and
        # only once they reach the keep-alive expiry (5 s) and close does httpx settle at
        # its steady cost per request, 3-6x lower than in those first 5 seconds. Measuring
        # the transient would be unfair to httpx: it is warmed up past it.
        return 6.0 if concurrency > 1 else 0.0

    async def _open(self) -> None:
        import httpx

        from benchmarks._pydantic_models import PersonaResponse

        self._model = PersonaResponse
        c = self.concurrency
        self._client = httpx.AsyncClient(
            base_url=self.url,
            headers={"authorization": API_KEY},
            limits=httpx.Limits(max_connections=c, max_keepalive_connections=c),
            timeout=60.0,
        )

    async def _run(self, ids: Sequence[str]) -> int:
        client, model = self._client, self._model
        semaphore = asyncio.Semaphore(self.concurrency)

        async def promote(persona_id: str) -> Any:
            async with semaphore:
                response = await client.post(promote_path(persona_id))
            response.raise_for_status()
            return model.model_validate_json(response.content).data

        results = await asyncio.gather(*(promote(persona_id) for persona_id in ids))
        return len(results)

    async def _close(self) -> None:
        await self._client.aclose()


CLIENTS: dict[str, type[Client]] = {
    cls.name: cls
    for cls in (
        RawAiohttp,
        StructuredAiohttp,
        PromoteMany,
        FacadeBulk,
        FacadePerCall,
        HttpxPydantic,
        RequestsPool,
    )
}
