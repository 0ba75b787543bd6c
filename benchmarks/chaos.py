"""A promotion job under faults on every route, judged by the fake's own state.

    python -m benchmarks.chaos                 # the documented full run: 10,000 ids
    python -m benchmarks.chaos --ids 2000      # the size CI runs (tests/chaos)

The fake answers every request to every route (the promote POST and the reconciliation
GETs alike) with, in this order of precedence: 2 % applied-then-dropped (the server
applies the request, then closes the connection without answering), 5 % a 500 or 503
(2.5 % each), 30 % a 429 with ``Retry-After``, and latency on 20 % of requests. Then
the fake's state, not the client's report, decides:

- duplicates: ids the fake promoted more than once (must be 0);
- lost: ids in neither ``succeeded`` nor ``failed`` (must be 0);
- false success: ids reported promoted whose draft is not live (must be 0);
- hidden apply: ids reported failed, promoted by the fake, whose error does not say
  ``may_have_been_applied=True`` (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import attrs

from bland_async import AsyncBlandClient, BlandError
from bland_async.testing import FakeBland, Fault

ROUTES = "*"
PROMOTE = "POST /v1/personas/{persona_id}/versions/promote"


@attrs.frozen(kw_only=True)
class ChaosReport:
    """What a chaos run did, counted from the fake's state."""

    ids: int
    succeeded: int
    failed: int
    failed_may_have_applied: int
    failed_applied: int
    duplicates: int
    lost: int
    false_success: int
    hidden_apply: int
    requests: int
    posts: int
    faults: dict[str, int]
    seconds: float

    @property
    def holds(self) -> bool:
        """Whether every promise held."""
        return not (self.duplicates or self.lost or self.false_success or self.hidden_apply)

    def lines(self) -> list[str]:
        """A human-readable summary."""
        faults = ", ".join(f"{k} {v}" for k, v in self.faults.items())
        return [
            f"ids {self.ids}: succeeded {self.succeeded}, failed {self.failed} "
            f"({self.failed_may_have_applied} say may_have_been_applied; "
            f"{self.failed_applied} of them were in fact applied)",
            f"duplicates {self.duplicates}, lost {self.lost}, false success "
            f"{self.false_success}, failed-but-applied without the flag {self.hidden_apply}",
            f"requests {self.requests} ({self.requests / self.ids:.2f} per id), promote POSTs "
            f"{self.posts} ({self.posts / self.ids:.2f} per id), in {self.seconds:.1f} s",
            f"faults fired: {faults}",
        ]


def install_faults(fake: FakeBland, *, retry_after: str = "0.01") -> dict[str, Any]:
    """Put the chaos schedule on every route; returns the handles by name."""
    return {
        "latency": fake.inject(ROUTES, Fault.latency(0.0, jitter=0.02), probability=0.2),
        "applied-then-dropped": fake.inject(ROUTES, Fault.apply_then_fail(), probability=0.02),
        "500": fake.inject(ROUTES, Fault.status(500), probability=0.025),
        "503": fake.inject(ROUTES, Fault.status(503), probability=0.025),
        "429": fake.inject(
            ROUTES, Fault.status(429, headers={"Retry-After": retry_after}), probability=0.3
        ),
    }


def _draft_is_live(persona: dict[str, Any], versions: dict[str, Any]) -> bool:
    production = versions.get(persona["current_production_version_id"])
    draft = versions.get(persona["current_draft_version_id"])
    return (
        production is not None
        and draft is not None
        and production["promoted_from_version_id"] == draft["id"]
        and production["promoted_at"] is not None
        and production["promoted_at"] >= draft["updated_at"]
    )


async def run_chaos(
    n_ids: int, *, seed: int = 1, concurrency: int = 64, max_retries: int = 2
) -> ChaosReport:
    """Promote ``n_ids`` fresh personas through the chaos schedule and judge the result."""
    async with FakeBland(seed=seed) as fake:
        ids = [
            fake.seed_persona(f"P{i}", draft_changes={"personality_prompt": f"v2 of {i}"})["id"]
            for i in range(n_ids)
        ]
        handles = install_faults(fake)
        started = time.perf_counter()
        async with AsyncBlandClient(
            api_key=fake.api_key, base_url=fake.url, max_retries=max_retries
        ) as bland:
            report = await bland.personas.promote_many(ids, concurrency=concurrency)
        seconds = time.perf_counter() - started
        fake.clear_faults()
        requests = fake.requests
        counts = {i: fake.promotion_count(i) for i in ids}
        state = fake.state
        live = {i: _draft_is_live(state.personas[i], state.persona_versions) for i in ids}
    return judge(
        ids,
        report.succeeded,
        report.failed,
        counts,
        live,
        requests=len(requests),
        posts=sum(1 for r in requests if r.method == "POST"),
        faults={name: h.hits for name, h in handles.items()},
        seconds=seconds,
    )


def judge(
    ids: list[str],
    succeeded: dict[str, Any],
    failed: dict[str, BlandError],
    promotions: dict[str, int],
    live: dict[str, bool],
    *,
    requests: int,
    posts: int,
    faults: dict[str, int],
    seconds: float,
) -> ChaosReport:
    """Compare the client's report with the fake's state, id by id."""
    applied_failed = [i for i in failed if promotions[i] > 0]
    return ChaosReport(
        ids=len(ids),
        succeeded=len(succeeded),
        failed=len(failed),
        failed_may_have_applied=sum(
            1 for e in failed.values() if getattr(e, "may_have_been_applied", False)
        ),
        failed_applied=len(applied_failed),
        duplicates=sum(1 for i in ids if promotions[i] > 1),
        lost=sum(1 for i in ids if (i in succeeded) == (i in failed)),
        false_success=sum(1 for i in succeeded if promotions[i] != 1 or not live[i]),
        hidden_apply=sum(
            1 for i in applied_failed if not getattr(failed[i], "may_have_been_applied", False)
        ),
        requests=requests,
        posts=posts,
        faults=faults,
        seconds=seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=__doc__)
    parser.add_argument("--ids", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--runs", type=int, default=1, help="seeds seed, seed+1, ...")
    args = parser.parse_args()
    held = True
    for run in range(args.runs):
        seed = args.seed + run
        report = asyncio.run(run_chaos(args.ids, seed=seed, concurrency=args.concurrency))
        print(f"== seed {seed}")
        for line in report.lines():
            print("  " + line)
        print("  PASS" if report.holds else "  MISS")
        held = held and report.holds
    raise SystemExit(0 if held else 1)


if __name__ == "__main__":
    main()
