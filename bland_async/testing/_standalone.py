"""The standalone fake (`python -m bland_async.testing`): its options, data, banner and errors.

`serve` runs one fake until told to stop. It prints `Fake Bland API listening
on <url>` first (other tools parse that line), then the API key, then what it
seeded (ids to copy into commands), then `Press Ctrl-C to stop.`, flushing
each line. A port in use, or any other error while binding, is one line on
`err` and exit status 2, never a traceback. `__main__` only adds the signal
handling around it.
"""

from __future__ import annotations

import argparse
import errno
from typing import TYPE_CHECKING, Final, TextIO

from ._server import FakeBland

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Sequence

__all__ = [
    "EXIT_STARTUP_ERROR",
    "LISTED_PERSONAS_MAX",
    "PROG",
    "parse_args",
    "seed_demo",
    "seed_personas",
    "serve",
    "startup_error",
]

#: The program name usage and errors show by default.
PROG: Final = "python -m bland_async.testing"
#: The exit status when the server cannot start (as for a usage error).
EXIT_STARTUP_ERROR: Final = 2
#: Up to this many `--personas` are listed one by one; more are counted.
LISTED_PERSONAS_MAX: Final = 20
_PORT_MAX: Final = 65535


def _whole_number(lo: int, hi: int | None, what: str) -> Callable[[str], int]:
    """An argparse `type`: a whole number within `[lo, hi]` (`what` names it in the error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None, prog: str = PROG) -> argparse.Namespace:
    """Parse the standalone fake's command line (argparse exits 2 on a bad one)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve a stateful fake of the Bland Personas and Evals API until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_whole_number(0, _PORT_MAX, f"a TCP port (0 to {_PORT_MAX})"),
        default=8080,
        help="TCP port, 0 for a free one (default 8080)",
    )
    parser.add_argument(
        "--api-key", default="test-key", help="the accepted API key (default test-key)"
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="start with demo data: phone numbers, personas, an eval agent, workbench setups",
    )
    parser.add_argument(
        "--personas",
        type=_whole_number(0, None, "a count (0 or more)"),
        default=0,
        metavar="N",
        help="also seed N simple personas, every third with a changed draft (default 0)",
    )
    return parser.parse_args(argv)


def _line(kind: str, ident: str, name: str) -> str:
    return f"  {kind:<15} {ident:<36}  {name}"


def seed_demo(fake: FakeBland) -> list[str]:
    """Fill `fake` with a small, realistic data set; return one line per object seeded.

    A line is the kind (`phone number`, `persona`, `eval agent`, `workbench
    setup`), the id (for a phone number, the number) and the name or label.
    """
    lines: list[str] = []
    for number, label in (
        ("+14155550100", "Support line"),
        ("+14155550101", "Sales line"),
        ("+14155550102", "Spare"),
    ):
        fake.add_phone_number(number, label=label)
        lines.append(_line("phone number", number, label))
    personas = (
        fake.seed_persona(
            "Support Agent",
            role="Customer support",
            description="Answers billing and account questions.",
            tags=["Customer Support"],
            call_config={"voice": "June", "language": "en-US", "record": True, "max_duration": 30},
            personality_prompt="You are a patient, friendly support agent.",
            draft_changes={"personality_prompt": "You are a patient, concise support agent."},
            inbound_numbers=["+14155550100"],
        ),
        fake.seed_persona(
            "Sales Agent", role="Outbound sales", tags=["Sales"], inbound_numbers=["+14155550101"]
        ),
        fake.seed_persona("Scheduler", with_draft=False),
    )
    lines += [_line("persona", persona["id"], persona["name"]) for persona in personas]
    judge = fake.seed_eval_agent(
        "Hallucinations", template_key="hallucination_detection", publish=True
    )["agent"]
    lines.append(_line("eval agent", judge["id"], judge["name"]))
    published = fake.state.eval_agent_versions[judge["active_version_id"]]
    roster = {
        "eval_agent_id": judge["id"],
        "eval_agent_version_id": published["id"],
        "weight": 60,
        "target_level_keys": published["target_level_keys"],
    }
    setups = (
        fake.seed_workbench_setup(
            "Onboarding quality check",
            description="Scores onboarding calls.",
            metadata={"team": "support"},
            attached_agents=[roster],
            pass_threshold_pct=80,
            publish=True,
        ),
        fake.seed_workbench_setup("Sales QA (draft)", run_mode="full"),
    )
    lines += [_line("workbench setup", s["setup"]["id"], s["setup"]["name"]) for s in setups]
    return lines


def seed_personas(fake: FakeBland, count: int) -> list[str]:
    """Seed `count` personas `Persona 1`, `Persona 2`, ...; every third one's draft differs.

    The others have a draft identical to production, so a bulk release has
    something to promote on every third persona and nothing on the rest.

    Returns:
        One line per persona (as `seed_demo` writes them), or, above
        `LISTED_PERSONAS_MAX` personas, a single line with their count.
    """
    seeded = [
        fake.seed_persona(
            f"Persona {n}",
            draft_changes={"personality_prompt": f"You are persona {n}, revised."}
            if n % 3 == 0
            else None,
        )
        for n in range(1, count + 1)
    ]
    if count > LISTED_PERSONAS_MAX:
        return [
            f"  {count} personas, Persona 1 to Persona {count}: "
            f"{count // 3} with a changed draft (every third)"
        ]
    return [_line("persona", persona["id"], persona["name"]) for persona in seeded]


def startup_error(exc: OSError, host: str, port: int) -> str:
    """The one line that says why the fake could not listen on `host`:`port`."""
    if exc.errno == errno.EADDRINUSE:
        return f"error: port {port} on {host} is already in use (try --port 0 for a free one)"
    reason = " ".join(str(exc.strerror or exc).split())
    return f"error: cannot listen on {host} port {port}: {reason}"


async def serve(args: argparse.Namespace, *, stop: asyncio.Event, out: TextIO, err: TextIO) -> int:
    """Run the fake `args` describe (see `parse_args`) until `stop` is set.

    Returns:
        The exit status: 0 once stopped, `EXIT_STARTUP_ERROR` when it could not
        listen (the reason is one line on `err`).
    """
    fake = FakeBland(api_key=args.api_key, host=args.host, port=args.port)
    try:
        await fake.start()
    except OSError as exc:
        print(startup_error(exc, args.host, args.port), file=err, flush=True)
        return EXIT_STARTUP_ERROR
    try:
        print(f"Fake Bland API listening on {fake.url}", file=out, flush=True)
        print(f"API key: {fake.api_key}", file=out, flush=True)
        seeded: list[str] = []
        if args.seed_demo:
            seeded += ["Seeded demo data:", *seed_demo(fake)]
        if args.personas:
            seeded += [f"Seeded {args.personas} personas:", *seed_personas(fake, args.personas)]
        for line in (*seeded, "Press Ctrl-C to stop."):
            print(line, file=out, flush=True)
        await stop.wait()
    finally:
        await fake.aclose()
    return 0
