"""Run the fake Bland API standalone: `python -m bland_async.testing --port 8080`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from ._server import FakeBland

if TYPE_CHECKING:
    from collections.abc import Sequence


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bland_async.testing",
        description="Serve a stateful fake of the Bland Personas and Evals API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="TCP port, 0 for a free one (default 8080)"
    )
    parser.add_argument(
        "--api-key", default="test-key", help="the accepted API key (default test-key)"
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="start with demo data: phone numbers, personas, workbench setups",
    )
    return parser.parse_args(argv)


def seed_demo(fake: FakeBland) -> None:
    """Fill `fake` with a small, realistic data set."""
    fake.add_phone_number("+14155550100", label="Support line")
    fake.add_phone_number("+14155550101", label="Sales line")
    fake.add_phone_number("+14155550102", label="Spare")
    fake.seed_persona(
        "Support Agent",
        role="Customer support",
        description="Answers billing and account questions.",
        tags=["Customer Support"],
        call_config={"voice": "June", "language": "en-US", "record": True, "max_duration": 30},
        personality_prompt="You are a patient, friendly support agent.",
        draft_changes={"personality_prompt": "You are a patient, concise support agent."},
        inbound_numbers=["+14155550100"],
    )
    fake.seed_persona(
        "Sales Agent",
        role="Outbound sales",
        tags=["Sales"],
        inbound_numbers=["+14155550101"],
    )
    fake.seed_persona("Scheduler", with_draft=False)
    judge = fake.seed_eval_agent(
        "Hallucinations", template_key="hallucination_detection", publish=True
    )
    published = fake.state.eval_agents[judge["agent"]["id"]]["active_version_id"]
    version = fake.state.eval_agent_versions[published]
    agent = {
        "eval_agent_id": judge["agent"]["id"],
        "eval_agent_version_id": published,
        "weight": 60,
        "target_level_keys": version["target_level_keys"],
    }
    fake.seed_workbench_setup(
        "Onboarding quality check",
        description="Scores onboarding calls.",
        metadata={"team": "support"},
        attached_agents=[agent],
        pass_threshold_pct=80,
        publish=True,
    )
    fake.seed_workbench_setup("Sales QA (draft)", run_mode="full")


async def _serve(args: argparse.Namespace) -> None:
    async with FakeBland(api_key=args.api_key, host=args.host, port=args.port) as fake:
        if args.seed_demo:
            seed_demo(fake)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still works
                loop.add_signal_handler(signum, stop.set)
        print(f"Fake Bland API listening on {fake.url}", flush=True)
        print(f"API key: {fake.api_key}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the standalone fake server; returns the exit status."""
    args = _parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
