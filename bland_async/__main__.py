"""``python -m bland_async`` and the ``bland-async`` console script (see ``bland_async._cli``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; returns the exit status."""
    from bland_async._cli import main as cli_main  # noqa: PLC0415 (keeps `--help` fast)

    return cli_main(argv, prog)


if __name__ == "__main__":
    sys.exit(main())
