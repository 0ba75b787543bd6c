"""Run the fake Bland API standalone: `python -m bland_async.testing --port 8080`.

The options, the seeding, the banner and the startup errors live in
`_standalone` (tested in-process); this module only adds the Ctrl-C / SIGTERM
handling around `_standalone.serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from ._standalone import PROG, parse_args, seed_demo, serve

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

__all__ = ["main", "seed_demo"]


async def _serve_until_signalled(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still works
            loop.add_signal_handler(signum, stop.set)
    return await serve(args, stop=stop, out=sys.stdout, err=sys.stderr)


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    """Run the standalone fake server until Ctrl-C or SIGTERM; return the exit status.

    Args:
        argv: the arguments (default `sys.argv[1:]`): `--host`, `--port`,
            `--api-key`, `--seed-demo`, `--personas N`.
        prog: the program name usage and errors show (a CLI that delegates
            here passes its own, e.g. `bland-async fake`).

    Returns:
        0 once stopped, 2 when the server could not listen (one line on stderr).
    """
    args = parse_args(argv, prog)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_serve_until_signalled(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
