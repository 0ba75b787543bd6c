"""The operator command line: ``bland-async`` (also ``python -m bland_async``).

``main`` parses the arguments (``_parser``), then runs the command on its own event
loop (``_run``: Ctrl-C cancels it, exit status 130). The commands live in
``_personas`` and ``_evals``; ``fake`` and ``demo`` hand over to
``bland_async.testing.__main__`` and ``bland_async._demo``. The SDK is imported only
once a command runs, so ``--help`` and usage errors stay fast.

Exit status: 0 success, 1 a failed id or API call, 2 a usage or configuration error
(one line on stderr, no traceback), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import TYPE_CHECKING

from bland_async._cli._io import Context, UsageError, one_line
from bland_async._cli._parser import EXIT_FAILED, EXIT_OK, EXIT_USAGE, build_parser

if TYPE_CHECKING:
    import argparse
    from collections.abc import Awaitable, Callable, Sequence

    from bland_async._client import AsyncBlandClient

    Handler = Callable[[AsyncBlandClient, argparse.Namespace, Context], Awaitable[int]]

__all__ = ["main"]


def default_prog() -> str:
    """The program name as the user typed it: the console script's, or ``python -m ...``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if name in ("", "-c", "__main__.py"):
        python = os.path.basename(sys.orig_argv[0]) if sys.orig_argv else "python"
        return f"{python or 'python'} -m bland_async"
    return name.removesuffix(".exe")


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line and return its exit status (it never calls ``sys.exit``).

    Args:
        argv: The arguments (default ``sys.argv[1:]``).
        prog: The program name for help and errors (default: as the user typed it).
    """
    prog = prog or default_prog()
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, a usage error
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    ctx = Context(prog, sys.stdin, sys.stdout, sys.stderr)
    try:
        return _dispatch(args, ctx)
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except UsageError as exc:
        ctx.error(str(exc))
        return EXIT_USAGE
    except Exception as exc:
        from bland_async._errors import (  # noqa: PLC0415 (fast help)
            BlandError,
            ConfigurationError,
            InvalidRequestError,
        )

        if isinstance(exc, ConfigurationError | InvalidRequestError):
            ctx.error(one_line(exc))
            return EXIT_USAGE
        if isinstance(exc, BlandError):
            ctx.error(one_line(exc))
            return EXIT_FAILED
        raise


def _dispatch(args: argparse.Namespace, ctx: Context) -> int:
    from bland_async._cli._run import run  # noqa: PLC0415 (fast help)

    if args.command == "fake":
        return _fake(args, ctx.prog)
    if args.command == "demo":
        from bland_async._demo import run_demo  # noqa: PLC0415 (fast help)

        return run(
            run_demo(
                personas=args.personas,
                concurrency=args.concurrency,
                rate_limit_every=args.rate_limit_every,
            )
        )
    from bland_async._cli import _evals, _personas  # noqa: PLC0415 (fast help)

    handler: Handler
    if args.command == "evals":
        handler = _evals.wait_run
    elif args.action == "list":
        handler = _personas.list_personas
    elif args.action == "diff":
        handler = _personas.diff
    elif args.action == "rollback":
        handler = _personas.rollback
    else:
        ids = _personas.promote_ids(args, ctx)  # usage errors before the key is checked
        handler = functools.partial(_personas.promote, ids=ids)
    if not os.environ.get("BLAND_API_KEY", "").strip():
        raise UsageError("no API key: set the BLAND_API_KEY environment variable")
    return run(_with_client(handler, args, ctx))


async def _with_client(handler: Handler, args: argparse.Namespace, ctx: Context) -> int:
    from bland_async._client import AsyncBlandClient  # noqa: PLC0415 (fast help)

    async with AsyncBlandClient(base_url=args.base_url) as client:
        return await handler(client, args, ctx)


def _fake(args: argparse.Namespace, prog: str) -> int:
    """``fake``: the standalone fake server (``python -m bland_async.testing``)."""
    from bland_async.testing.__main__ import main as serve  # noqa: PLC0415 (fast help)

    argv: list[str] = []
    for flag, value in (
        ("--host", args.host),
        ("--port", args.port),
        ("--api-key", args.api_key),
        ("--personas", args.personas),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if args.seed_demo:
        argv.append("--seed-demo")
    return serve(argv, prog=f"{prog} fake")
