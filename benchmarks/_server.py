"""A minimal, fast HTTP/1.1 keep-alive server for client benchmarks (stdlib only).

It answers two routes with one precomputed ~1.6 KB persona envelope shaped like
the documented persona object (a persona with its production and draft versions embedded):

- ``POST /v1/personas/{id}/versions/promote``
- ``GET /v1/personas/{id}``

Anything else gets a 404 error envelope. Raw asyncio, no parsing beyond the request line
and ``content-length``, so the server costs little next to the client being measured
(``bland_async.testing`` is a full aiohttp.web app: the wrong server for throughput).

Run it in its own process, from the command line::

    python -m benchmarks._server --port 8765      # prints "READY http://127.0.0.1:8765"

or from a benchmark::

    from benchmarks._server import start_server_process
    process, url = start_server_process()
    try:
        ...
    finally:
        process.terminate()
        process.wait()
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks._tls import TlsFiles

__all__ = ["PERSONA_BODY", "serve", "start_server_process"]

_TS = "2025-06-01T12:00:00.000Z"


def _version(
    version_id: str, number: int, kind: str, promoted_from: str | None
) -> dict[str, object]:
    return {
        "id": version_id,
        "persona_id": "0b5d1c2e-8f3a-4c6e-9d7b-2a1f0e9c8b7a",
        "version_type": kind,
        "version_number": number,
        "orchestration_prompt": None,
        "personality_prompt": "You are a friendly support agent.",
        "pathway_conditions": None,
        "kb_ids": [],
        "call_config": {
            "voice": "June",
            "record": True,
            "language": "en-US",
            "max_duration": 30,
        },
        "default_tools": [],
        "promoted_from_version_id": promoted_from,
        "promoted_at": _TS if kind == "production" else None,
        "promoted_by": "7c9e6679-7425-40de-944b-e07fc1f90ae7" if kind == "production" else None,
        "created_at": _TS,
        "updated_at": _TS,
    }


def _persona() -> dict[str, object]:
    draft = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    production = "6fa459ea-ee8a-3ca4-894e-db77e160355e"
    return {
        "id": "0b5d1c2e-8f3a-4c6e-9d7b-2a1f0e9c8b7a",
        "name": "Customer Support",
        "role": "Support",
        "description": "Answers inbound support calls.",
        "tags": ["Customer Support"],
        "image_url": None,
        "created_at": _TS,
        "updated_at": _TS,
        "deleted_at": None,
        "user_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "current_production_version_id": production,
        "current_draft_version_id": draft,
        "inbound_numbers": [],
        "current_production_version": _version(production, 3, "production", draft),
        "current_draft_version": _version(draft, 2, "draft", None),
    }


#: The response body: ``{"data": <persona>, "errors": null}`` (~1.6 KB).
PERSONA_BODY = json.dumps({"data": _persona(), "errors": None}, separators=(",", ":")).encode()


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "x-request-id: req_00000000000000000000000000000000\r\n"
        "\r\n"
    )
    return head.encode() + body


_OK = _response("200 OK", PERSONA_BODY)
_NOT_FOUND = _response(
    "404 Not Found",
    b'{"data":null,"errors":[{"error":"NOT_FOUND","message":"Not found"}]}',
)


def _answer(method: bytes, path: bytes) -> bytes:
    parts = path.split(b"?", 1)[0].split(b"/")
    # ['', 'v1', 'personas', '{id}'] or ['', 'v1', 'personas', '{id}', 'versions', 'promote']
    if len(parts) >= 4 and parts[1] == b"v1" and parts[2] == b"personas" and parts[3]:
        if method == b"GET" and len(parts) == 4:
            return _OK
        if method == b"POST" and len(parts) == 6 and parts[4:] == [b"versions", b"promote"]:
            return _OK
    return _NOT_FOUND


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                break
            lines = head.split(b"\r\n")
            method, path, _ = lines[0].split(b" ", 2)
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await reader.readexactly(length)
            writer.write(_answer(method, path))
            if close:
                break
            if writer.transport.get_write_buffer_size() > 65536:
                await writer.drain()
    except (ConnectionError, ValueError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def serve(
    host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
) -> None:
    """Serve until cancelled (over TLS with ``ssl_context``); prints ``READY <url>``."""
    server = await asyncio.start_server(_handle, host, port, backlog=1024, ssl=ssl_context)
    bound = server.sockets[0].getsockname()[1]
    scheme = "https" if ssl_context is not None else "http"
    print(f"READY {scheme}://{host}:{bound}", flush=True)
    async with server:
        await server.serve_forever()


def start_server_process(
    port: int = 0, host: str = "127.0.0.1", tls: TlsFiles | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start the server in a child process; return ``(process, base_url)`` once it listens.

    With ``tls`` (``benchmarks._tls.TlsFiles``) it serves HTTPS with that certificate.
    Terminate the process when done (``process.terminate(); process.wait()``).
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--host", host, "--port", str(port)]
    if tls is not None:
        command += ["--cert", str(tls.chain), "--key", str(tls.key)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"benchmark server failed to start: {line!r}")
    return process, line.removeprefix("READY ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--cert", help="serve HTTPS with this PEM certificate chain")
    parser.add_argument("--key", help="the certificate's PEM private key")
    args = parser.parse_args()
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, context))


if __name__ == "__main__":
    main()
