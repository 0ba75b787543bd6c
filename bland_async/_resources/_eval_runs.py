"""Eval runs: ``client.evals.runs`` (docs/api-notes.md: E21-E28) and waiting for a run to finish."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Final, Literal, Unpack, get_args

from bland_async._converter import structure
from bland_async._errors import APITimeoutError, InvalidRequestError
from bland_async._resources._eval_run_body import (
    TRIGGERS,
    RunModeValue,
    TriggeredByValue,
    call_result_page_data,
    run_body,
)
from bland_async._resources._evals_base import EvalsResource, cursor_iterate, cursor_params
from bland_async._types import UNSET, Unset
from bland_async._validation import check_instance, check_one_of, check_str
from bland_async.models._common import CursorPage
from bland_async.models._eval_runs import (
    AgentResult,
    AgentSnapshot,
    CallResult,
    CallResultPage,
    EvalRun,
    EvalRunListItem,
    RunEstimate,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from bland_async._options import PollOptions, RequestOptions
    from bland_async._pagination import AsyncPager
    from bland_async.models._common import AttachedAgent

__all__ = ["AsyncEvalRuns", "RunWaitTimeoutError"]

_RUNS: Final = "/v1/evals/runs"
_RUN: Final = "/v1/evals/runs/{run_id}"
_ESTIMATES: Final = "/v1/evals/runs/estimates"
_CANCEL: Final = "/v1/evals/runs/{run_id}/cancellations"
_CALL_RESULTS: Final = "/v1/evals/runs/{run_id}/call-results"
_AGENT_RESULTS: Final = "/v1/evals/runs/{run_id}/agent-results"
_SNAPSHOTS: Final = "/v1/evals/runs/{run_id}/agent-snapshots"
#: Polling of :meth:`AsyncEvalRuns.wait`: the interval grows by this factor up to the cap.
POLL_BACKOFF: Final = 1.5
POLL_INTERVAL_MAX: Final = 15.0
#: How long after the deadline a read that is still in flight may finish.
READ_GRACE: Final = 2.0

#: A run status to filter on (the values of ``models.RunStatus``).
RunStatusFilter = Literal[
    "PENDING", "QUEUED", "RUNNING", "COMPLETE", "PARTIAL", "FAILED", "CANCELLED"
]
_STATUSES: Final = get_args(RunStatusFilter)


class RunWaitTimeoutError(APITimeoutError):
    """:meth:`AsyncEvalRuns.wait` reached its timeout before the run finished.

    The run keeps going on the server; wait again or cancel it.

    Attributes:
        run: The last state of the run that was read, or ``None`` if none was.
        run_id: The run waited on.
        timeout: The timeout that passed, in seconds.
    """

    def __init__(self, message: str, *, run: EvalRun | None, run_id: str, timeout: float) -> None:
        super().__init__(message, method="GET", route=_RUN)
        self.run = run
        self.run_id = run_id
        self.timeout = timeout


def _check_positive(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidRequestError(f"{name} must be a positive number of seconds, got {value!r}")


def _check_run_filters(
    eval_agent_id: object, workbench_setup_id: object, status: object, triggered_by: object
) -> None:
    check_str("eval_agent_id", eval_agent_id, min_len=1)
    check_str("workbench_setup_id", workbench_setup_id, min_len=1)
    check_one_of("status", status, _STATUSES)
    check_one_of("triggered_by", triggered_by, TRIGGERS)


class AsyncEvalRuns(EvalsResource):
    """Eval runs ("experiments") and their results: ``client.evals.runs``."""

    __slots__ = ()

    async def list(
        self,
        *,
        eval_agent_id: str | Unset = UNSET,
        workbench_setup_id: str | Unset = UNSET,
        status: RunStatusFilter | Unset = UNSET,
        triggered_by: TriggeredByValue | Unset = UNSET,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[EvalRunListItem]:
        """List one page of eval runs, optionally filtered.

        Args:
            eval_agent_id: Only runs that included this agent.
            workbench_setup_id: Only runs started from this setup.
            status: Only runs in this status (e.g. ``"RUNNING"``).
            triggered_by: Only runs started this way (``"auto"``: post-call evals).
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return runs after this run id.
            ending_before: Return runs before this run id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument is out of range, or both cursors given.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        params = cursor_params(
            eval_agent_id=eval_agent_id,
            workbench_setup_id=workbench_setup_id,
            status=status,
            triggered_by=triggered_by,
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
        )
        _check_run_filters(eval_agent_id, workbench_setup_id, status, triggered_by)
        return await self._call(
            "GET", _RUNS, CursorPage[EvalRunListItem], params=params, options=options
        )

    def iterate(
        self,
        *,
        eval_agent_id: str | Unset = UNSET,
        workbench_setup_id: str | Unset = UNSET,
        status: RunStatusFilter | Unset = UNSET,
        triggered_by: TriggeredByValue | Unset = UNSET,
        limit: int = 100,
        starting_after: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[EvalRunListItem]:
        """Iterate over every matching run, one page request at a time.

        Args:
            eval_agent_id: Only runs that included this agent.
            workbench_setup_id: Only runs started from this setup.
            status: Only runs in this status.
            triggered_by: Only runs started this way.
            limit: Page size per request, 1 to 100.
            starting_after: Start after this run id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument is out of range.
        """
        pager = cursor_iterate(
            lambda cursor: self.list(
                eval_agent_id=eval_agent_id,
                workbench_setup_id=workbench_setup_id,
                status=status,
                triggered_by=triggered_by,
                limit=limit,
                starting_after=cursor,
                **options,
            ),
            limit=limit,
            starting_after=starting_after,
            options=options,
        )
        # Checked after the page parameters, as :meth:`list` checks them.
        _check_run_filters(eval_agent_id, workbench_setup_id, status, triggered_by)
        return pager

    async def create(
        self,
        *,
        call_ids: Sequence[str],
        attached_agents: Sequence[AttachedAgent] | Unset = UNSET,
        run_mode: RunModeValue | Unset = UNSET,
        pass_threshold_pct: float | Unset = UNSET,
        workbench_setup_id: str | Unset = UNSET,
        workbench_setup_version_id: str | Unset = UNSET,
        triggered_by: TriggeredByValue | Unset = UNSET,
        metadata: Mapping[str, str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> EvalRun:
        """Start an eval run; it comes back ``PENDING``. Poll with :meth:`wait`.

        Give a non-empty ``attached_agents`` or a pinned setup version (both setup
        fields). A billing record must be on file; :meth:`estimate` first to see the
        cost. Not retried after an ambiguous failure (it could start and bill twice).

        Args:
            call_ids: 1 to 5000 call ids to score.
            attached_agents: At most 50; only ``eval_agent_id`` is required on each (the
                agent's published version is used when ``eval_agent_version_id`` is
                omitted). Overrides the setup version's roster.
            run_mode: ``"text"`` (API default), ``"audio"`` or ``"full"``.
            pass_threshold_pct: 0 to 100; omit to run without a threshold.
            workbench_setup_id: The setup; required with ``workbench_setup_version_id``.
            workbench_setup_version_id: The pinned setup version; its roster is used
                when ``attached_agents`` is omitted.
            triggered_by: ``"manual"`` (API default), ``"auto"`` or ``"backfill"``.
            metadata: String keys and values.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented rule.
            NotFoundError: An agent, setup or call does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        body = run_body(
            call_ids=call_ids,
            attached_agents=attached_agents,
            run_mode=run_mode,
            pass_threshold_pct=pass_threshold_pct,
            workbench_setup_id=workbench_setup_id,
            workbench_setup_version_id=workbench_setup_version_id,
            triggered_by=triggered_by,
            metadata=metadata,
        )
        return await self._call("POST", _RUNS, EvalRun, json=body, options=options)

    async def estimate(
        self,
        *,
        call_ids: Sequence[str],
        attached_agents: Sequence[AttachedAgent] | Unset = UNSET,
        run_mode: RunModeValue | Unset = UNSET,
        pass_threshold_pct: float | Unset = UNSET,
        workbench_setup_id: str | Unset = UNSET,
        workbench_setup_version_id: str | Unset = UNSET,
        triggered_by: TriggeredByValue | Unset = UNSET,
        metadata: Mapping[str, str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> RunEstimate:
        """Estimate what a run with these arguments would cost (nothing is started).

        Takes the same arguments and rules as :meth:`create`. Safe to retry.

        Args:
            call_ids: As in :meth:`create`.
            attached_agents: As in :meth:`create`.
            run_mode: As in :meth:`create`.
            pass_threshold_pct: As in :meth:`create`.
            workbench_setup_id: As in :meth:`create`.
            workbench_setup_version_id: As in :meth:`create`.
            triggered_by: As in :meth:`create`.
            metadata: As in :meth:`create`.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented rule.
            NotFoundError: An agent or setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        body = run_body(
            call_ids=call_ids,
            attached_agents=attached_agents,
            run_mode=run_mode,
            pass_threshold_pct=pass_threshold_pct,
            workbench_setup_id=workbench_setup_id,
            workbench_setup_version_id=workbench_setup_version_id,
            triggered_by=triggered_by,
            metadata=metadata,
        )
        return await self._call(
            "POST", _ESTIMATES, RunEstimate, json=body, idempotent=True, options=options
        )

    async def get(self, run_id: str, **options: Unpack[RequestOptions]) -> EvalRun:
        """Get a run with its status, counts and (once available) summary.

        Args:
            run_id: The eval run's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call("GET", _RUN, EvalRun, path={"run_id": run_id}, options=options)

    async def cancel(self, run_id: str, **options: Unpack[RequestOptions]) -> EvalRun:
        """Cancel a pending or running run; atoms already scored stay (and are billed).

        Args:
            run_id: The eval run's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            ConflictError: The run has already finished.
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call("POST", _CANCEL, EvalRun, path={"run_id": run_id}, options=options)

    async def wait(
        self,
        run_id: str,
        *,
        timeout: float = 600.0,  # noqa: ASYNC109 (the contract; a deadline over many polls)
        poll_interval: float = 2.0,
        **options: Unpack[PollOptions],
    ) -> EvalRun:
        """Poll a run until it is ``COMPLETE``, ``PARTIAL``, ``FAILED`` or ``CANCELLED``.

        The run is read at once, then after ``poll_interval`` seconds, the interval
        growing by half after each read up to 15 s (or ``poll_interval`` if larger).
        No sleep runs past the deadline: the last read happens at the deadline, and a
        read still in flight shortly after it (2 s, or ``timeout`` if smaller) is
        abandoned. Cancelling the calling task stops the wait at once (the run itself
        goes on); errors of a read (after the client's retries) propagate.

        Args:
            run_id: The run.
            timeout: Seconds to wait in all (default 600).
            poll_interval: Seconds before the second read (default 2).
            **options: Per-call options for each poll: ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``PollOptions``).

        Returns:
            The run in its terminal state.

        Raises:
            InvalidRequestError: ``timeout`` or ``poll_interval`` is not a positive,
                finite number.
            RunWaitTimeoutError: The run had not finished after ``timeout`` seconds;
                ``.run`` is the last state read (``None`` if no read completed).
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        _check_positive("timeout", timeout)
        _check_positive("poll_interval", poll_interval)
        check_str("run_id", run_id, min_len=1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        read_deadline = deadline + min(READ_GRACE, timeout)
        interval = poll_interval
        cap = max(poll_interval, POLL_INTERVAL_MAX)
        last: EvalRun | None = None
        while True:
            scope = asyncio.timeout_at(read_deadline)
            try:
                async with scope:
                    last = await self.get(run_id, **options)
            except TimeoutError:
                if not scope.expired():
                    raise
                break
            if last.status.is_terminal:
                return last
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(interval, remaining))
            interval = min(interval * POLL_BACKOFF, cap)
        status = f"; last status {last.status.value}" if last is not None else ""
        raise RunWaitTimeoutError(
            f"run {run_id} did not finish within {timeout:g} s{status}",
            run=last,
            run_id=run_id,
            timeout=timeout,
        )

    async def call_results(
        self,
        run_id: str,
        *,
        include_agent_results: bool | Unset = UNSET,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CallResultPage:
        """List one page of a run's per-call results, with the run's status.

        Args:
            run_id: The run.
            include_agent_results: Embed each call's verdicts in ``agent_results``
                (API default false).
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return results after this result id.
            ending_before: Return results before this result id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument is out of range, or both cursors given.
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        params = cursor_params(
            include_agent_results=include_agent_results,
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
        )
        check_instance("include_agent_results", include_agent_results, bool)
        response = await self._raw(
            "GET", _CALL_RESULTS, path={"run_id": run_id}, params=params, options=options
        )
        return structure(
            call_result_page_data(response.body), CallResultPage, request_id=response.request_id
        )

    def iterate_call_results(
        self,
        run_id: str,
        *,
        include_agent_results: bool = False,
        limit: int = 100,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[CallResult]:
        """Iterate over every call result of a run, one page request at a time.

        Args:
            run_id: The run.
            include_agent_results: Embed each call's verdicts in ``agent_results``.
            limit: Page size per request, 1 to 100.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        pager = cursor_iterate(
            lambda cursor: self.call_results(
                run_id,
                include_agent_results=include_agent_results,
                limit=limit,
                starting_after=cursor,
                **options,
            ),
            limit=limit,
            options=options,
        )
        # Checked after ``limit``, as :meth:`call_results` checks it.
        check_instance("include_agent_results", include_agent_results, bool)
        return pager

    async def agent_results(
        self,
        run_id: str,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[AgentResult]:
        """List one page of a run's verdicts (one per call and agent).

        Args:
            run_id: The run.
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return verdicts after this result id.
            ending_before: Return verdicts before this result id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _AGENT_RESULTS,
            CursorPage[AgentResult],
            path={"run_id": run_id},
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            options=options,
        )

    def iterate_agent_results(
        self, run_id: str, *, limit: int = 100, **options: Unpack[RequestOptions]
    ) -> AsyncPager[AgentResult]:
        """Iterate over every verdict of a run, one page request at a time.

        Args:
            run_id: The run.
            limit: Page size per request, 1 to 100.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        return cursor_iterate(
            lambda cursor: self.agent_results(
                run_id, limit=limit, starting_after=cursor, **options
            ),
            limit=limit,
            options=options,
        )

    async def agent_snapshots(
        self, run_id: str, **options: Unpack[RequestOptions]
    ) -> CursorPage[AgentSnapshot]:
        """List the agent versions frozen into a run, in roster order (a single page).

        Args:
            run_id: The eval run's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The run does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call(
            "GET", _SNAPSHOTS, CursorPage[AgentSnapshot], path={"run_id": run_id}, options=options
        )
