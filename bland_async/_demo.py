"""The demo behind ``python -m bland_async demo``: a bulk promotion against the fake.

It starts the embedded fake Bland server, seeds personas (3 in 10 with an edited draft,
plus ids that will be skipped or fail), makes the server rate-limit some requests, and
walks a release: diff one persona, promote only the changed ones concurrently with a
live progress line, rerun the release (everything skipped), roll one persona back, and
edit a published workbench setup version by forking it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from bland_async._client import AsyncBlandClient
from bland_async.testing import FakeBland, Fault

if TYPE_CHECKING:
    from bland_async._bulk import BulkProgress
    from bland_async.models import WorkbenchSetupVersion

__all__ = ["run_demo"]


class _ProgressLine:
    """Rewrites one status line on a terminal; prints a few milestones otherwise."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tty = out.isatty()
        self._last = 0.0

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
            f"promoted={progress.succeeded} skipped={progress.skipped} "
            f"failed={progress.failed}  {progress.rate:,.0f}/s"
        )
        if self._tty:
            self._out.write("\r" + line + ("\n" if finished else ""))
        else:
            self._out.write(line + "\n")
        self._out.flush()


def _changed(index: int) -> bool:
    """Which seeded personas get an edited draft: 3 in every 10."""
    return index % 10 < 3


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
                personality_prompt="You are a helpful assistant.",
                draft_changes=(
                    {"personality_prompt": f"You are a concise assistant (rev {i})."}
                    if _changed(i)
                    else None
                ),
            )["id"]
            for i in range(personas)
        ]
        changed = sum(_changed(i) for i in range(personas))
        no_draft = fake.seed_persona(name="Never drafted", with_draft=False)["id"]
        missing = "00000000-0000-4000-8000-000000000000"
        release = [*ids, no_draft, missing]
        say(
            f"seeded {personas} personas, {changed} with an edited draft, plus one without a "
            f"draft and one id that does not exist ({time.perf_counter() - seeded:.2f}s)"
        )
        if rate_limit_every:
            fake.inject(
                "POST /v1/personas/{persona_id}/versions/promote",
                Fault.status(429, headers={"Retry-After": "0.05"}),
                every=rate_limit_every,
            )
            say(f"the server answers 429 (Retry-After: 0.05) to every {rate_limit_every}th promote")

        async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url) as bland:
            say("\n1. diff: what would promoting one persona change?")
            for line in str(await bland.personas.diff(ids[0])).splitlines():
                say(f"   {line}")

            say(
                f"\n2. release: promote_many(only_if_changed=True), {len(release)} ids, "
                f"concurrency={concurrency}"
            )
            started = time.perf_counter()
            result = await bland.personas.promote_many(
                release,
                concurrency=concurrency,
                only_if_changed=True,
                on_progress=_ProgressLine(out),
            )
            elapsed = time.perf_counter() - started
            stats = bland.stats
            say(
                f"   promoted: {len(result.succeeded)}   skipped: {len(result.skipped)}   "
                f"failed: {len(result.failed)}"
            )
            for code, count in sorted(result.failures_by_code().items()):
                say(f"     failed with {code}: {count}")
            say(
                f"   {elapsed:.2f}s, {stats.requests} requests ({stats.retries} retries, "
                f"{stats.rate_limited} answered 429, paused "
                f"{stats.rate_limit_pause_seconds:.2f}s on rate limits)"
            )

            say("\n3. rerun the same release (as after a crash): nothing is promoted twice")
            fake.clear_requests()
            rerun = await bland.personas.promote_many(
                release, concurrency=concurrency, only_if_changed=True
            )
            posts = sum(1 for r in fake.requests if r.route == _PROMOTE_ROUTE)
            say(
                f"   promoted: {len(rerun.succeeded)}   skipped: {len(rerun.skipped)}   "
                f"failed: {len(rerun.failed)}   promote requests sent: {posts}"
            )

            say("\n4. rollback: make the previous production version live again")
            target = next(p for p in result.succeeded.values())
            versions = await bland.personas.versions.list(target.id)
            previous = next(v for v in versions if v.version_type == "archived")
            rolled = await bland.personas.rollback(target.id, previous.id)
            live = rolled.current_production_version
            assert live is not None
            say(
                f"   {rolled.name}: production is now v{live.version_number}, with v"
                f"{previous.version_number}'s prompt {live.personality_prompt!r}"
            )

            say("\n5. edit a published workbench setup version (forks it, edits the fork)")
            edited = await _edit_published_setup(fake, bland)
            say(
                f"   new version {edited.version_number} ({edited.state}) forked from "
                f"{edited.created_from_version_id}: threshold {edited.pass_threshold_pct}%, "
                f"run_mode {edited.run_mode}, {len(edited.attached_agents)} agent(s)"
            )

        ok = (
            len(result.succeeded) == changed
            and len(result.skipped) == personas - changed + 1
            and result.failures_by_code() == {"PERSONA_NOT_FOUND": 1}
            and posts == 0
            and len(rerun.skipped) == personas + 1
            and live.personality_prompt == previous.personality_prompt
        )
        say("\ndone." if ok else "\nunexpected outcome (see above).")
        return 0 if ok else 1


_PROMOTE_ROUTE = "/v1/personas/{persona_id}/versions/promote"


async def _edit_published_setup(fake: FakeBland, bland: AsyncBlandClient) -> WorkbenchSetupVersion:
    judge = fake.seed_eval_agent(
        "Hallucinations", template_key="hallucination_detection", publish=True
    )["agent"]
    agent = fake.state.eval_agent_versions[judge["active_version_id"]]
    seeded = fake.seed_workbench_setup(
        "Support QA",
        attached_agents=[
            {
                "eval_agent_id": judge["id"],
                "eval_agent_version_id": judge["active_version_id"],
                "weight": 100,
                "target_level_keys": agent["target_level_keys"],
            }
        ],
        pass_threshold_pct=70,
        publish=True,
    )
    setup = seeded["setup"]
    return await bland.evals.workbench_setups.versions.edit(
        setup["id"], setup["active_version_id"], pass_threshold_pct=80, run_mode="full"
    )
