"""``bland-async evals runs wait``: wait for an eval run to finish."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bland_async._cli._io import JsonLines
from bland_async._cli._parser import EXIT_FAILED, EXIT_OK
from bland_async.models import RunStatus

if TYPE_CHECKING:
    import argparse

    from bland_async._cli._io import Context
    from bland_async._client import AsyncBlandClient

__all__ = ["wait_run"]


async def wait_run(client: AsyncBlandClient, args: argparse.Namespace, ctx: Context) -> int:
    """Poll the run until it is terminal; print it as one JSON line.

    Returns:
        0 when the run ended ``COMPLETE``, 1 when it ended ``PARTIAL``, ``FAILED`` or
        ``CANCELLED``. A timeout (``RunWaitTimeoutError``) propagates: one line, exit 1.
    """
    run = await client.evals.runs.wait(args.run_id, timeout=args.timeout)
    JsonLines(ctx.stdout).write(run.to_dict())
    return EXIT_OK if run.status == RunStatus.COMPLETE else EXIT_FAILED
