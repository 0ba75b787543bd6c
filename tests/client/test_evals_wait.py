"""``evals.runs.wait``: polling with backoff, the deadline, cancellation."""

from __future__ import annotations

import asyncio
import itertools
import pickle
import time
from typing import TYPE_CHECKING, Any

import pytest

from bland_async import (
    APITimeoutError,
    AsyncBlandClient,
    AsyncEvalRuns,
    NotFoundError,
    RunWaitTimeoutError,
)
from bland_async.models import EvalRun, RunStatus
from tests.fixtures import evals as fx
from tests.fixtures.canned import Answer, Canned

if TYPE_CHECKING:
    pass

pytestmark = pytest.mark.anyio

RUN = f"/v1/evals/runs/{fx.RUN_ID}"


def run(status: str, **changes: Any) -> dict[str, Any]:
    return {**fx.EVAL_RUN, "status": status, **changes}


@pytest.mark.parametrize("final", ["COMPLETE", "PARTIAL", "FAILED", "CANCELLED"])
async def test_wait_returns_the_terminal_run(
    final: str, canned: Canned, client: AsyncBlandClient
) -> None:
    canned.on("GET", RUN, run("PENDING"), run("QUEUED"), run("RUNNING"), run(final))
    result = await client.evals.runs.wait(fx.RUN_ID, poll_interval=0.01, timeout=5)
    assert isinstance(result, EvalRun)
    assert result.status == final
    assert result.status.is_terminal
    assert result.request_id is not None
    assert len(canned.seen("GET")) == 4


async def test_wait_returns_at_once_when_already_done(
    canned: Canned, client: AsyncBlandClient
) -> None:
    canned.on("GET", RUN, fx.EVAL_RUN_COMPLETE)
    result = await client.evals.runs.wait(fx.RUN_ID)
    assert result.status is RunStatus.COMPLETE
    assert len(canned.seen("GET")) == 1


async def test_poll_interval_grows(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, *([run("RUNNING")] * 4), run("COMPLETE"))
    await client.evals.runs.wait(fx.RUN_ID, poll_interval=0.02, timeout=5)
    stamps = [r.at for r in canned.seen("GET")]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # Each sleep is at least the interval, and the interval grows by half each time.
    for gap, minimum in zip(gaps, [0.02, 0.03, 0.045, 0.0675], strict=True):
        assert gap >= minimum


async def test_wait_times_out_with_the_last_run(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, run("PENDING"), run("RUNNING", completed_atom_count=1))
    start = time.monotonic()
    with pytest.raises(RunWaitTimeoutError) as info:
        await client.evals.runs.wait(fx.RUN_ID, timeout=0.2, poll_interval=0.05)
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 1.0
    error = info.value
    assert isinstance(error, APITimeoutError)
    assert error.run is not None
    assert error.run.status is RunStatus.RUNNING
    assert error.run.completed_atom_count == 1
    assert error.run_id == fx.RUN_ID
    assert error.timeout == 0.2
    assert fx.RUN_ID in str(error)
    assert "RUNNING" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RunWaitTimeoutError
    assert copy.run == error.run
    assert copy.run_id == fx.RUN_ID
    assert str(copy) == str(error)


async def test_wait_never_sleeps_past_the_deadline(
    canned: Canned, client: AsyncBlandClient
) -> None:
    canned.on("GET", RUN, run("RUNNING"))
    start = time.monotonic()
    with pytest.raises(RunWaitTimeoutError):
        await client.evals.runs.wait(fx.RUN_ID, timeout=0.1, poll_interval=30)
    assert time.monotonic() - start < 1.0
    # A first read, then one last read at the deadline.
    assert len(canned.seen("GET")) == 2


async def test_final_read_at_the_deadline_can_succeed(
    canned: Canned, client: AsyncBlandClient
) -> None:
    canned.on("GET", RUN, run("RUNNING"), run("COMPLETE"))
    result = await client.evals.runs.wait(fx.RUN_ID, timeout=0.1, poll_interval=30)
    assert result.status is RunStatus.COMPLETE


async def test_a_hanging_read_is_abandoned(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, Answer(data=run("RUNNING"), delay=0.5))
    start = time.monotonic()
    with pytest.raises(RunWaitTimeoutError) as info:
        await client.evals.runs.wait(fx.RUN_ID, timeout=0.1, poll_interval=0.01)
    # The deadline plus a grace of min(2 s, timeout) for the read in flight.
    assert time.monotonic() - start < 1.0
    assert info.value.run is None
    assert "last status" not in str(info.value)


async def test_wait_is_cancellable(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, run("RUNNING"))
    task = asyncio.create_task(client.evals.runs.wait(fx.RUN_ID, poll_interval=0.01, timeout=60))
    await canned.wait_for(3, "GET")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    seen = len(canned.seen("GET"))
    attempts = client.stats.requests
    with pytest.raises(TimeoutError):  # a quiet window: no polling after the cancel
        async with asyncio.timeout(0.1):
            await canned.wait_for(seen + 1, "GET")
    assert len(canned.seen("GET")) == seen
    assert client.stats.requests == attempts


async def test_cancelling_during_a_read(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, Answer(data=run("RUNNING"), delay=0.5))
    task = asyncio.create_task(client.evals.runs.wait(fx.RUN_ID, timeout=60))
    await canned.wait_for(1, "GET")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_wait_propagates_errors(canned: Canned, client: AsyncBlandClient) -> None:
    canned.error("GET", RUN, 404, "EVAL_RUN_NOT_FOUND")
    with pytest.raises(NotFoundError) as info:
        await client.evals.runs.wait(fx.RUN_ID, timeout=5)
    assert info.value.code == "EVAL_RUN_NOT_FOUND"


async def test_unknown_status_keeps_polling(canned: Canned, client: AsyncBlandClient) -> None:
    canned.on("GET", RUN, run("PAUSED"), run("COMPLETE"))
    result = await client.evals.runs.wait(fx.RUN_ID, poll_interval=0.01, timeout=5)
    assert result.status is RunStatus.COMPLETE


async def test_a_timeout_error_from_the_read_itself_propagates(
    client: AsyncBlandClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: object, run_id: str) -> EvalRun:
        raise TimeoutError("not ours")

    monkeypatch.setattr(AsyncEvalRuns, "get", broken)
    with pytest.raises(TimeoutError, match="not ours"):
        await client.evals.runs.wait(fx.RUN_ID, timeout=5)
