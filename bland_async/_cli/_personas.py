"""``bland-async personas ...``: list, diff, promote (and its dry run), rollback."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, TextIO

from bland_async._bulk import stream_bulk
from bland_async._cli._io import JsonLines, UsageError, one_line, read_ids
from bland_async._cli._parser import EXIT_FAILED, EXIT_OK
from bland_async._cli._progress import progress_display
from bland_async._cli._run import cancel_on_exit
from bland_async._resources._personas import persona_diff

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from bland_async._bulk import BulkOutcome
    from bland_async._cli._io import Context
    from bland_async._cli._progress import ProgressDisplay
    from bland_async._client import AsyncBlandClient
    from bland_async.models import Persona, PersonaDiff

__all__ = ["diff", "list_personas", "promote", "rollback"]

#: Longest name shown in the ``personas list`` table.
_NAME_WIDTH = 40


async def list_personas(client: AsyncBlandClient, args: argparse.Namespace, ctx: Context) -> int:
    """``personas list [--json]``: a table (or JSON lines) of every persona.

    Whether the draft differs comes from the listed persona itself (no extra request).
    """
    if args.json:
        lines = JsonLines(ctx.stdout)
        async for persona in client.personas.iterate():
            production = persona.current_production_version
            lines.write(
                {
                    "id": persona.id,
                    "name": persona.name,
                    "production_version_id": production.id if production else None,
                    "version_number": production.version_number if production else None,
                    "draft_version_id": persona.current_draft_version_id,
                    "changed": persona_diff(persona).changed,
                }
            )
        return EXIT_OK
    rows = [("ID", "NAME", "PRODUCTION", "DRAFT CHANGED")]
    async for persona in client.personas.iterate():
        rows.append(_table_row(persona))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        ctx.stdout.write("  ".join([*cells, row[-1]]) + "\n")
    ctx.stdout.flush()
    return EXIT_OK


def _table_row(persona: Persona) -> tuple[str, str, str, str]:
    name = " ".join(persona.name.split())
    if len(name) > _NAME_WIDTH:
        name = name[: _NAME_WIDTH - 3] + "..."
    production = persona.current_production_version
    if persona.current_draft_version is None:
        changed = "no draft"
    else:
        changed = "yes" if persona_diff(persona).changed else "no"
    return (
        persona.id,
        name,
        f"v{production.version_number}" if production is not None else "-",
        changed,
    )


async def diff(client: AsyncBlandClient, args: argparse.Namespace, ctx: Context) -> int:
    """``personas diff PERSONA_ID``: what promoting the draft would change, readable."""
    result = await client.personas.diff(args.persona_id)
    ctx.stdout.write(f"{result}\n")
    ctx.stdout.flush()
    return EXIT_OK


async def rollback(client: AsyncBlandClient, args: argparse.Namespace, ctx: Context) -> int:
    """``personas rollback PERSONA_ID VERSION_ID``: the new production version, as JSON."""
    persona = await client.personas.rollback(args.persona_id, args.version_id)
    production = persona.current_production_version
    JsonLines(ctx.stdout).write(
        {
            "id": persona.id,
            "production_version_id": production.id if production else None,
            "version_number": production.version_number if production else None,
        }
    )
    return EXIT_OK


def promote_ids(args: argparse.Namespace, ctx: Context) -> list[str]:
    """The ids ``personas promote`` works on (read before the client is built).

    Raises:
        UsageError: No ids were given at all, or ``--from`` cannot be read.
    """
    if not args.ids and args.from_file is None:
        raise UsageError("no persona ids: give PERSONA_ID arguments or --from FILE ('-': stdin)")
    return read_ids(args.ids, args.from_file, ctx.stdin)


async def promote(
    client: AsyncBlandClient, args: argparse.Namespace, ctx: Context, ids: list[str]
) -> int:
    """``personas promote``: promote (or, with ``--dry-run``, diff) every id.

    One JSON line per id as soon as its outcome is final; exit status 1 when any failed.
    """
    with _output(args.output, ctx.stdout) as out:
        lines = JsonLines(out)
        label = "diffing" if args.dry_run else "promoting"
        job: _Job | None = None
        try:
            with progress_display(ctx.stderr, label=label, total=len(ids)) as display:
                lines.printer = display.print_line
                job = _Job(ids, concurrency=args.concurrency, display=display, lines=lines)
                async with cancel_on_exit():
                    if args.dry_run:
                        failed = await job.dry_run(client)
                    else:
                        failed = await job.promote(client, only_if_changed=args.only_if_changed)
        except BaseException:
            _report_unfinished(
                ctx, len(ids), lines.written, job.started if job else 0, dry_run=args.dry_run
            )
            raise
    return EXIT_FAILED if failed else EXIT_OK


class _Job:
    """One bulk job: its ids, how many the workers have taken, where outcomes go."""

    def __init__(
        self, ids: list[str], *, concurrency: int, display: ProgressDisplay, lines: JsonLines
    ) -> None:
        self.ids = ids
        self.concurrency = concurrency
        self.display = display
        self.lines = lines
        #: Ids handed to the workers so far.
        self.started = 0
        #: Outcomes that were failures.
        self.failed = 0

    def _handed_out(self) -> Iterator[str]:
        for item in self.ids:
            self.started += 1
            yield item

    async def promote(self, client: AsyncBlandClient, *, only_if_changed: bool) -> int:
        """Promote every id, writing each outcome; returns how many failed."""
        outcomes = client.personas.promote_each(
            self._handed_out(),
            concurrency=self.concurrency,
            on_progress=self.display,
            only_if_changed=only_if_changed,
            total=len(self.ids),
        )
        async for outcome in outcomes:
            self.lines.write(_outcome_record(outcome))
            self.failed += outcome.error is not None
        return self.failed

    async def dry_run(self, client: AsyncBlandClient) -> int:
        """Diff every id (no promotion), writing each diff; returns how many failed."""
        diffs = stream_bulk(
            self._handed_out(),
            client.personas.diff,
            concurrency=self.concurrency,
            on_progress=self.display,
            total=len(self.ids),
        )
        async for outcome in diffs:
            self.lines.write(_diff_record(outcome))
            self.failed += outcome.error is not None
        return self.failed


def _report_unfinished(
    ctx: Context, total: int, written: int, started: int, *, dry_run: bool
) -> None:
    """Say on stderr, in one line, what a stopped job left unreported."""
    if dry_run:
        ctx.error(f"stopped after {written} of {total} ids; nothing was promoted")
        return
    ctx.error(
        f"stopped after {written} of {total} ids: {started - written} started but not "
        f"reported (their promotion may have been applied), {total - started} not "
        "started; rerun with --only-if-changed to finish"
    )


def _outcome_record(outcome: BulkOutcome[Persona]) -> dict[str, object]:
    if outcome.error is not None:
        return {
            "id": outcome.id,
            "outcome": "failed",
            "production_version_id": None,
            "version_number": None,
            "error": one_line(outcome.error),
            "error_type": type(outcome.error).__name__,
            "may_have_been_applied": bool(getattr(outcome.error, "may_have_been_applied", False)),
        }
    persona = outcome.result
    production = persona.current_production_version if persona is not None else None
    return {
        "id": outcome.id,
        "outcome": "skipped" if outcome.skipped else "promoted",
        "production_version_id": production.id if production else None,
        "version_number": production.version_number if production else None,
        "error": None,
        "error_type": None,
        "may_have_been_applied": None,
    }


def _diff_record(outcome: BulkOutcome[PersonaDiff]) -> dict[str, object]:
    if outcome.error is not None:
        return {
            "id": outcome.id,
            "changed": None,
            "changes": None,
            "error": one_line(outcome.error),
            "error_type": type(outcome.error).__name__,
        }
    result = outcome.result
    assert result is not None
    return {
        "id": outcome.id,
        "changed": result.changed,
        "changes": {
            field: {"production": change.production, "draft": change.draft}
            for field, change in result.changes.items()
        },
        "error": None,
    }


@contextlib.contextmanager
def _output(path: str | None, stdout: TextIO) -> Iterator[TextIO]:
    """``--output`` opened for writing (closed on exit), else ``stdout``.

    Raises:
        UsageError: The file cannot be opened.
    """
    if path is None:
        yield stdout
        return
    try:
        file = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise UsageError(f"cannot open --output {path!r}: {one_line(exc)}") from None
    with file:
        yield file
