"""The demo behind ``python -m bland_async demo``: a bulk promotion against the fake.

It starts the embedded fake Bland server, seeds personas whose drafts changed (plus a few
ids that will fail), makes the server rate-limit some requests, promotes everything
concurrently with a live progress line, edits a draft workbench setup version, and
prints what happened.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from bland_async._client import AsyncBlandClient
from bland_async.models import AttachedAgent
from bland_async.testing import FakeBland, Fault

if TYPE_CHECKING:
    from bland_async._bulk import BulkProgress

__all__ = ["run_demo"]


class _ProgressLine:
    """Rewrites one status line on a terminal; prints a few milestones otherwise."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tty = out.isatty()
        self._last = 0.0
        self._start = time.perf_counter()

    def __call__(self, progress: BulkProgress) -> None:
        now = time.perf_counter()
        finished = progress.done == progress.total
        if not finished and now - self._last < (0.1 if self._tty else 1.0):
            return
        self._last = now
        total = progress.total or 0
        pct = 100 * progress.done / total if total else 100.0
        line = (
            f"  promoting: {progress.done}/{total} ({pct:5.1f}%)  "
            f"ok={progress.succeeded} failed={progress.failed}  "
            f"{progress.done / max(now - self._start, 1e-9):,.0f}/s"
        )
        if self._tty:
            self._out.write("\r" + line + ("\n" if finished else ""))
        else:
            self._out.write(line + "\n")
        self._out.flush()


async def run_demo(
    *,
    personas: int = 1000,
    concurrency: int = 32,
    rate_limit_every: int = 7,
    out: TextIO | None = None,
) -> int:
    """Run the demo; returns a process exit code (0 when everything behaved as expected)."""
    out = out or sys.stdout

    def say(text: str = "") -> None:
        out.write(text + "\n")
        out.flush()

    async with FakeBland() as fake:
        say(f"bland_async demo: fake Bland API at {fake.url}")
        seeded = time.perf_counter()
        ids = [
            fake.seed_persona(
                name=f"Persona {i:05d}",
                draft_changes={"personality_prompt": f"Prompt revision {i}"},
            )["id"]
            for i in range(personas)
        ]
        no_draft = fake.seed_persona(name="Never drafted", with_draft=False)["id"]
        bad_ids = ["00000000-0000-4000-8000-000000000000", no_draft]
        say(
            f"seeded {personas} personas with changed drafts (+{len(bad_ids)} ids that will "
            f"fail) in {time.perf_counter() - seeded:.2f}s"
        )
        if rate_limit_every:
            fake.inject(
                "POST /v1/personas/{persona_id}/versions/promote",
                Fault.status(429, headers={"Retry-After": "0.05"}),
                every=rate_limit_every,
            )
            say(f"the server answers 429 (Retry-After: 0.05) to every {rate_limit_every}th promote")

        async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url) as bland:
            say(f"\n1. promote_many: {len(ids) + len(bad_ids)} ids, concurrency={concurrency}")
            started = time.perf_counter()
            result = await bland.personas.promote_many(
                [*ids, *bad_ids], concurrency=concurrency, on_progress=_ProgressLine(out)
            )
            elapsed = time.perf_counter() - started
            stats = bland.stats
            say(f"   promoted: {len(result.succeeded)}   failed: {len(result.failed)}")
            for code, count in sorted(result.failures_by_code().items()):
                say(f"     failed with {code}: {count}")
            say(
                f"   {elapsed:.2f}s, {stats.requests / elapsed:,.0f} requests/s "
                f"({stats.requests} requests, {stats.retries} retries, "
                f"{stats.rate_limited} answered 429)"
            )
            say(
                f"   paused on rate limits: {stats.rate_limit_pause_seconds:.2f}s of wall time "
                f"(requests waited {stats.rate_limit_wait_seconds:.1f}s in all)"
            )
            sample = result.succeeded[ids[0]]
            production = sample.current_production_version
            assert production is not None
            say(
                f"   sample: {sample.name!r} production v{production.version_number} "
                f"(promoted from draft {production.promoted_from_version_id}, "
                f"prompt {production.personality_prompt!r}, request_id {sample.request_id})"
            )

            say("\n2. edit the draft version of a workbench setup")
            setup = fake.seed_workbench_setup(name="Support QA")
            setup_id = setup["setup"]["id"]
            draft_id = setup["current_version"]["id"]
            version = await bland.evals.workbench_setups.versions.update(
                setup_id,
                draft_id,
                pass_threshold_pct=80,
                description=None,
                run_mode="full",
                attached_agents=[
                    AttachedAgent(
                        eval_agent_id="3f1c7a52-8b1e-4d2a-9c55-0b7f2d9e6a11",
                        eval_agent_version_id="7a9d2e4b-1c3f-4e5a-8b6d-2f0c1e3a5b7d",
                        weight=40,
                        target_level_keys=["good"],
                    )
                ],
            )
            say(
                f"   version {version.version_number} ({version.state}): "
                f"threshold {version.pass_threshold_pct}%, run_mode {version.run_mode}, "
                f"{len(version.attached_agents)} agent(s) attached"
            )
            say(f"   {version!r}")

        expected_failures = {"PERSONA_NOT_FOUND": 1, "NO_DRAFT_VERSION": 1}
        ok = len(result.succeeded) == len(ids) and result.failures_by_code() == expected_failures
        say("\ndone." if ok else "\nunexpected outcome (see above).")
        return 0 if ok else 1
