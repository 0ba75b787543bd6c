"""Command line: ``python -m bland_async demo [--personas N] [--concurrency C]``."""

from __future__ import annotations

import argparse
import asyncio
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m bland_async")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="bulk-promote personas against the embedded fake API")
    demo.add_argument("--personas", type=int, default=1000, help="personas to promote (1000)")
    demo.add_argument("--concurrency", type=int, default=32, help="promotions in flight (32)")
    demo.add_argument(
        "--rate-limit-every",
        type=int,
        default=7,
        help="the fake answers 429 to every Nth promote; 0 disables (7)",
    )
    args = parser.parse_args(argv)
    from bland_async._demo import run_demo  # noqa: PLC0415 (keeps `--help` fast)

    return asyncio.run(
        run_demo(
            personas=args.personas,
            concurrency=args.concurrency,
            rate_limit_every=args.rate_limit_every,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
