"""The command surface of ``bland-async``: every command, option and help text.

Nothing here imports the SDK, so ``--help`` and usage errors stay fast.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser"]

#: Every id succeeded or was skipped; the single-shot command succeeded.
EXIT_OK = 0
#: An id failed, an API call failed, or the eval run did not complete.
EXIT_FAILED = 1
#: A usage or configuration error (bad flag, missing key, unreadable --from file).
EXIT_USAGE = 2
#: Stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

_EXIT_STATUS = """\
environment:
  BLAND_API_KEY   the API key (required by the API commands)
  BLAND_BASE_URL  the API's base URL (default https://api.bland.ai); --base-url wins

exit status:
  0    success: every id promoted or skipped
  1    an id failed, or an API call failed
  2    usage or configuration error (bad flag, no API key, unreadable --from file)
  130  interrupted (Ctrl-C)
"""

_PROMOTE_EPILOG = """\
Each id's outcome is written as one JSON line as soon as it is final, to --output or
stdout, with the keys id, outcome (promoted, skipped or failed), production_version_id,
version_number, error (null or a one-line message), error_type and may_have_been_applied.
--dry-run writes one line per id with id, changed and changes ({field: {production,
draft}}) instead, and sends no promotion.

A progress bar is drawn on stderr when stderr is a terminal, nothing otherwise.

Ctrl-C stops the job: promotions in flight are cancelled (the server may still apply
them; rerun with --only-if-changed to finish), the lines written so far stay complete,
and the exit status is 130.

exit status: 0 every id promoted or skipped, 1 any id failed, 2 usage or configuration
error, 130 interrupted.
"""

_WAIT_EPILOG = """\
Prints the run in its terminal state as one JSON line on stdout.

exit status: 0 when the run ended COMPLETE; 1 when it ended PARTIAL, FAILED or
CANCELLED, did not finish within --timeout, or could not be read (one line on stderr);
2 usage or configuration error.
"""


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 (fast help)

    try:
        return version("bland-async")
    except PackageNotFoundError:  # pragma: no cover (running from a source tree)
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: print ``bland-async <version>`` (read when asked, not at start)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"bland-async {_version()}\n")
        sys.stdout.flush()
        parser.exit(EXIT_OK)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Build the ``bland-async`` parser; ``prog`` is the program name shown in help."""
    # --base-url is global; it may also follow a subcommand (SUPPRESS keeps the global one).
    base_url = _Parser(add_help=False)
    base_url.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="the API's base URL (default: $BLAND_BASE_URL, else https://api.bland.ai)",
    )
    parser = _Parser(
        prog=prog,
        description="Operate Bland AI personas and evals from the command line.",
        epilog=_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="the API's base URL (default: $BLAND_BASE_URL, else https://api.bland.ai)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_personas(commands, base_url)
    _add_evals(commands, base_url)
    _add_fake(commands)
    _add_demo(commands)
    return parser


def _add_personas(
    commands: argparse._SubParsersAction[_Parser],
    base_url: _Parser,
) -> None:
    personas = commands.add_parser(
        "personas", help="list, diff, promote and roll back personas", description="Personas."
    )
    actions = personas.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        parents=[base_url],
        help="list every persona",
        description=(
            "List every persona: id, name, production version number and whether the "
            "draft differs from production."
        ),
    )
    listing.add_argument(
        "--json", action="store_true", help="one JSON line per persona instead of a table"
    )

    diff = actions.add_parser(
        "diff",
        parents=[base_url],
        help="show what promoting a persona's draft would change",
        description="Print the configuration fields in which the draft differs from production.",
    )
    diff.add_argument("persona_id", metavar="PERSONA_ID")

    promote = actions.add_parser(
        "promote",
        parents=[base_url],
        help="promote personas' drafts to production",
        description="Promote the drafts of many personas concurrently.",
        epilog=_PROMOTE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    promote.add_argument("ids", nargs="*", metavar="PERSONA_ID", help="personas to promote")
    promote.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="read persona ids from FILE ('-' for stdin), one a line; blank lines are ignored",
    )
    promote.add_argument(
        "--concurrency",
        type=_positive_int,
        default=16,
        metavar="N",
        help="requests in flight at once (default 16)",
    )
    promote.add_argument(
        "--only-if-changed",
        action="store_true",
        help="read each persona first; skip it when its draft equals production",
    )
    promote.add_argument(
        "--dry-run",
        action="store_true",
        help="print each persona's diff as a JSON line; send no promotion",
    )
    promote.add_argument(
        "--output",
        metavar="FILE.jsonl",
        help="write the JSON lines to this file (created or truncated) instead of stdout",
    )

    rollback = actions.add_parser(
        "rollback",
        parents=[base_url],
        help="make an earlier version live again",
        description=(
            "Make VERSION_ID's configuration live again as a new production version; "
            "prints the persona's id, production_version_id and version_number."
        ),
    )
    rollback.add_argument("persona_id", metavar="PERSONA_ID")
    rollback.add_argument("version_id", metavar="VERSION_ID")


def _add_evals(
    commands: argparse._SubParsersAction[_Parser],
    base_url: _Parser,
) -> None:
    evals = commands.add_parser("evals", help="eval runs", description="Evals.")
    resources = evals.add_subparsers(dest="resource", metavar="RESOURCE", required=True)
    runs = resources.add_parser("runs", help="eval runs", description="Eval runs.")
    actions = runs.add_subparsers(dest="action", metavar="ACTION", required=True)
    wait = actions.add_parser(
        "wait",
        parents=[base_url],
        help="wait until a run finishes",
        description="Poll an eval run until it is COMPLETE, PARTIAL, FAILED or CANCELLED.",
        epilog=_WAIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    wait.add_argument("run_id", metavar="RUN_ID")
    wait.add_argument(
        "--timeout",
        type=_seconds,
        default=600.0,
        metavar="S",
        help="give up after S seconds (default 600)",
    )


def _add_fake(commands: argparse._SubParsersAction[_Parser]) -> None:
    fake = commands.add_parser(
        "fake",
        help="serve a stateful fake of the Bland API until Ctrl-C",
        description=(
            "Serve bland_async.testing's fake Bland API; the first line printed is "
            "'Fake Bland API listening on <url>'."
        ),
    )
    fake.add_argument("--host", help="interface (default 127.0.0.1)")
    fake.add_argument("--port", type=_port, help="TCP port, 0 for a free one (default 8080)")
    fake.add_argument("--api-key", help="the accepted API key (default test-key)")
    fake.add_argument(
        "--seed-demo", action="store_true", help="start with demo personas, numbers and setups"
    )
    fake.add_argument(
        "--personas",
        type=_non_negative_int,
        metavar="N",
        help="also seed N simple personas, every third with a changed draft",
    )


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="bulk-promote personas against the embedded fake API",
        description="Bulk-promote personas against an embedded fake API and report.",
    )
    demo.add_argument(
        "--personas", type=_non_negative_int, default=1000, help="personas to promote (1000)"
    )
    demo.add_argument(
        "--concurrency", type=_positive_int, default=32, help="promotions in flight (32)"
    )
    demo.add_argument(
        "--rate-limit-every",
        type=_non_negative_int,
        default=7,
        help="the fake answers 429 to every Nth promote; 0 disables (7)",
    )
