"""A raw asyncio TCP server on loopback that answers HTTP requests with a chosen misbehaviour.

The fake server (``bland_async.testing``) speaks correct HTTP through aiohttp; this one
writes bytes by hand, so it can break framing, reset the socket mid-body, drip, hang, or
send something that is not HTTP at all. It parses each request head (and its body, by
``Content-Length``), records it, and hands the connection to the behaviour.

It also keeps count of connections: ``connections`` accepted, ``open`` still open, and
:meth:`RawServer.wait_all_closed` waits until the peer (or the behaviour) closed every one.
A connection counts as closed once the server saw EOF or a reset from the client, or
closed it itself.

Usage::

    async with RawServer(respond(502, b"<html>bad gateway</html>")) as server:
        ...  # point a client at server.url
        assert len(server.requests) == 2
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "Behaviour",
    "Connection",
    "RawServer",
    "Request",
    "drip",
    "hang_after_headers",
    "head",
    "huge_json",
    "raw_bytes",
    "reset_mid_body",
    "respond",
    "truncated",
]

#: The start of a JSON body, for behaviours that send only part of one.
_PARTIAL = b'{"data": {"id": "p1", "name": "partial'


@dataclass(frozen=True)
class Request:
    """One request as the server read it (header names lowercased)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class Connection:
    """One accepted connection, as a behaviour sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.peer_gone = False

    async def read_request(self) -> Request | None:
        """The next request on the connection, or ``None`` once the client closed it."""
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            self.peer_gone = True
            return None
        except (ConnectionError, OSError):
            self.peer_gone = True
            return None
        lines = raw.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = b""
        length = int(headers.get("content-length", "0") or "0")
        if length:
            try:
                body = await self.reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                self.peer_gone = True
                return None
        return Request(method, target, headers, body)

    async def send(self, data: bytes) -> bool:
        """Write ``data`` and drain; ``False`` if the client is gone."""
        if self.peer_gone or self.writer.is_closing():
            return False
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError):
            self.peer_gone = True
            return False
        return True

    async def wait_for_eof(self, within: float | None = None) -> bool:
        """Wait until the client closes the connection (discarding anything it sends).

        Returns ``True`` at EOF (or a reset), ``False`` if ``within`` seconds passed first.
        """
        if self.peer_gone:
            return True
        try:
            async with asyncio.timeout(within):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except (ConnectionError, OSError):
            pass
        self.peer_gone = True
        return True

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN (``SO_LINGER`` 0, then abort)."""
        if self.writer.is_closing():
            return
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def close(self) -> None:
        """Close cleanly (a FIN after whatever is buffered); idempotent."""
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


#: Answers one request; returns ``True`` to keep the connection for another request.
Behaviour = Callable[[Connection, Request], Awaitable[bool]]


class RawServer:
    """A loopback server (port 0) that answers every request with ``behaviour``.

    Attributes:
        connections: Connections accepted so far.
        open: Connections not yet closed by either side.
        requests: Every request read, in order, across all connections.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self._behaviour = behaviour
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._conns: set[Connection] = set()
        self._changed: asyncio.Condition | None = None
        self.connections = 0
        self.open = 0
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "the server is not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> RawServer:
        self._changed = asyncio.Condition()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        # Abort what is still open: each handler then sees EOF and ends on its own
        # (cancelling them instead makes asyncio 3.11 log the cancelled callbacks).
        for conn in list(self._conns):
            conn.writer.transport.abort()
        tasks = list(self._tasks)
        if tasks:
            _done, stuck = await asyncio.wait(tasks, timeout=2.0)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await self._server.wait_closed()

    async def wait_all_closed(self, within: float) -> bool:
        """Wait until every accepted connection is closed; ``False`` if ``within`` passed."""
        assert self._changed is not None
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(lambda: self.open == 0)
        except TimeoutError:
            return False
        return True

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self.open += 1
        conn = Connection(reader, writer)
        self._conns.add(conn)
        try:
            while True:
                request = await conn.read_request()
                if request is None:
                    break
                self.requests.append(request)
                if not await self._behaviour(conn, request):
                    break
        except Exception as exc:  # a bug in a behaviour: recorded, the test can show it
            self.errors.append(exc)
        finally:
            await conn.close()
            self.open -= 1
            self._conns.discard(conn)
            self._tasks.discard(task)
            assert self._changed is not None
            async with self._changed:
                self._changed.notify_all()


# --- behaviours -------------------------------------------------------------------------


def head(status_line: str, headers: Mapping[str, str]) -> bytes:
    """A response head: the status line as given, the headers, the blank line."""
    lines = [status_line, *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(status_line: str, body: bytes, headers: Mapping[str, str] | None = None) -> Behaviour:
    """A well-formed response with ``Content-Length``; the connection is kept alive."""
    all_headers = {"Content-Length": str(len(body)), **(headers or {})}

    async def behaviour(conn: Connection, _request: Request) -> bool:
        return await conn.send(head(status_line, all_headers) + body)

    return behaviour


def raw_bytes(data: bytes) -> Behaviour:
    """Send ``data`` as the whole answer, then wait for the client to close."""

    async def behaviour(conn: Connection, _request: Request) -> bool:
        await conn.send(data)
        await conn.wait_for_eof()
        return False

    return behaviour


def reset_mid_body(*, declared: int = 1000, sent: int = 10) -> Behaviour:
    """Headers with ``Content-Length: declared``, ``sent`` body bytes, then a TCP RST."""

    async def behaviour(conn: Connection, _request: Request) -> bool:
        await conn.send(head("HTTP/1.1 200 OK", _json_headers(declared)) + b"{" * sent)
        # The fault's shape: the reset lands a little after the partial body, as from a
        # peer dying mid-transfer. The server cannot see the client's read, and nothing
        # asserted depends on it (a reset either way is an APIConnectionError).
        await asyncio.sleep(0.05)  # not a barrier (see above)
        conn.reset()
        return False

    return behaviour


def truncated(*, declared: int = 1000, sent: int = 20) -> Behaviour:
    """Headers with ``Content-Length: declared``, ``sent`` body bytes, then a clean close."""

    async def behaviour(conn: Connection, _request: Request) -> bool:
        await conn.send(head("HTTP/1.1 200 OK", _json_headers(declared)) + _PARTIAL[:sent])
        return False

    return behaviour


def hang_after_headers(*, declared: int = 100) -> Behaviour:
    """Headers, then no body at all until the client gives up and closes."""

    async def behaviour(conn: Connection, _request: Request) -> bool:
        await conn.send(head("HTTP/1.1 200 OK", _json_headers(declared)))
        await conn.wait_for_eof()
        return False

    return behaviour


def drip(*, interval: float = 1.0, declared: int = 100) -> Behaviour:
    """Headers, then one body byte every ``interval`` seconds until the client closes."""

    async def behaviour(conn: Connection, _request: Request) -> bool:
        await conn.send(head("HTTP/1.1 200 OK", _json_headers(declared)))
        for _ in range(declared):
            if not await conn.send(b" "):
                break
            if await conn.wait_for_eof(within=interval):
                break
        return False

    return behaviour


def huge_json(size: int, *, chunk: int = 256 * 1024, chunked: bool = False) -> Behaviour:
    """A 200 whose body is ``size`` bytes of valid JSON, streamed piece by piece.

    With ``Content-Length`` by default; ``chunked=True`` sends it with
    ``Transfer-Encoding: chunked`` instead, so the client cannot know the size up front.
    The body is never built whole; writing stops as soon as the client is gone.
    """
    prefix = b'{"data": {"id": "p1", "name": "'
    suffix = b'"}, "errors": null}'
    filler = size - len(prefix) - len(suffix)
    assert filler >= 0
    block = b"a" * chunk

    def frame(data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data) if chunked else data

    async def behaviour(conn: Connection, _request: Request) -> bool:
        headers = (
            {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
            if chunked
            else _json_headers(size)
        )
        if not await conn.send(head("HTTP/1.1 200 OK", headers) + frame(prefix)):
            return False
        left = filler
        while left:
            piece = block if left >= chunk else block[:left]
            if not await conn.send(frame(piece)):
                return False
            left -= len(piece)
        return await conn.send(frame(suffix) + (b"0\r\n\r\n" if chunked else b""))

    return behaviour


def _json_headers(length: int) -> dict[str, str]:
    return {"Content-Type": "application/json", "Content-Length": str(length)}
