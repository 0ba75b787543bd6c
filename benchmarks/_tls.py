"""HTTPS for the benchmarks: a CA and a server certificate for 127.0.0.1, made per run.

``trustme`` (the ``bench`` extra) makes them in memory; :meth:`TlsFiles.create` writes
them to a scratch directory. The server (``_server.py --cert --key``) loads the chain and
key; every client process trusts the CA through ``SSL_CERT_FILE`` (read by OpenSSL's
default verify paths: aiohttp's default context, so the SDK's, and httpx's) and
``REQUESTS_CA_BUNDLE`` (requests), and nothing else: each client verifies the server's
certificate as it would in production.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

__all__ = ["TlsFiles", "client_env"]


@attrs.frozen
class TlsFiles:
    """PEM files: the CA clients trust, the server's certificate chain and its key."""

    ca: Path
    chain: Path
    key: Path

    @classmethod
    def create(cls, directory: Path) -> TlsFiles:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        files = cls(
            ca=directory / "ca.pem", chain=directory / "server.pem", key=directory / "key.pem"
        )
        ca.cert_pem.write_to_path(str(files.ca))
        cert.private_key_pem.write_to_path(str(files.key))
        with files.chain.open("wb") as chain:
            for blob in cert.cert_chain_pems:
                chain.write(blob.bytes())
        return files


def client_env(tls: TlsFiles | None) -> dict[str, str]:
    """The environment of a client process: trusting the run's CA when there is one."""
    env = dict(os.environ)
    if tls is not None:
        env["SSL_CERT_FILE"] = str(tls.ca)
        env["REQUESTS_CA_BUNDLE"] = str(tls.ca)
    return env
