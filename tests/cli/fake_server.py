"""A standalone fake for the CLI's subprocess tests: many personas, optional latency.

``python -m tests.cli.fake_server --personas 300 --changed 0.3 --latency 0.05``

Prints ``Fake Bland API listening on <url>`` first, then one JSON line
``{"ids": [...], "changed": [...]}`` (every seeded persona, and those whose draft
differs), then serves until stdin closes. Each line ``stats`` written to stdin
answers one JSON line: ``{"promotions": {id: count}, "promote_posts": n,
"requests": n}`` (``promotion_count`` per persona, promote POSTs received).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bland_async.testing import FakeBland, Fault

PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"


def _stats(fake: FakeBland, ids: list[str]) -> dict[str, object]:
    requests = fake.requests
    return {
        "promotions": {i: fake.promotion_count(i) for i in ids},
        "promote_posts": sum(
            1 for r in requests if r.method == "POST" and r.path.endswith("/versions/promote")
        ),
        "requests": len(requests),
    }


async def _serve(args: argparse.Namespace) -> None:
    async with FakeBland(api_key="test-key", seed=1) as fake:
        ids: list[str] = []
        changed: list[str] = []
        for i in range(args.personas):
            # Exactly floor(personas * changed) drafts differ, spread evenly.
            drafted = int((i + 1) * args.changed) > int(i * args.changed)
            persona = fake.seed_persona(
                f"Persona {i:05d}",
                personality_prompt="Be helpful.",
                draft_changes={"personality_prompt": f"Revision {i}"} if drafted else None,
            )
            ids.append(persona["id"])
            if drafted:
                changed.append(persona["id"])
        if args.latency > 0:
            fake.inject(PROMOTE, Fault.latency(args.latency, jitter=args.latency / 2))
        print(f"Fake Bland API listening on {fake.url}", flush=True)
        print(json.dumps({"ids": ids, "changed": changed}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "stats":
                print(json.dumps(_stats(fake, ids)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.cli.fake_server")
    parser.add_argument("--personas", type=int, default=300)
    parser.add_argument("--changed", type=float, default=1.0, help="fraction with a new draft")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to promotes")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
