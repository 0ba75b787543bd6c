"""Bounded-concurrency fan-out for bulk jobs (``promote_many``/``promote_each``).

A fixed pool of ``concurrency`` worker tasks pulls ids from one shared iterator, so
memory and scheduling cost stay bounded by ``concurrency`` whatever the number of ids
(one task per id plus a semaphore costs ~10x more CPU per item and grows memory with N).
A failure of one item is recorded and never cancels the others; anything that is not a
:class:`BlandError` (a bug, a cancellation) propagates and stops the job.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Final, Generic, TypeVar, cast

import attrs

from bland_async._errors import BlandError, InvalidRequestError, RateLimitError
from bland_async._pagination import AsyncPager
from bland_async._retry import BULK_RATE_LIMITED_ROUNDS

__all__ = [
    "BulkOp",
    "BulkOutcome",
    "BulkProgress",
    "BulkResult",
    "Skipped",
    "run_bulk",
    "stream_bulk",
]

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class BulkProgress:
    """Counts passed to ``on_progress`` after each item finishes.

    Attributes:
        done: Items finished (succeeded + failed + skipped).
        succeeded: Items that succeeded.
        failed: Items that failed.
        skipped: Items left alone because there was nothing to do (``only_if_changed``).
        total: Number of distinct ids when known: the ``total=`` hint, else the size of
            a sized input; ``None`` for a generator without a hint.
        elapsed: Seconds since the job started (not part of equality).
    """

    done: int
    succeeded: int
    failed: int
    total: int | None
    skipped: int = 0
    elapsed: float = attrs.field(default=0.0, eq=False)

    @property
    def rate(self) -> float:
        """Items finished per second so far (0.0 before the clock has moved)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@attrs.frozen(kw_only=True)
class BulkOutcome(Generic[_T]):
    """The outcome of one id in a bulk job: a result or an error, never both.

    Attributes:
        id: The id this outcome is for.
        result: The result when it succeeded or was skipped, else ``None``.
        error: The error when it failed, else ``None``.
        skipped: Whether the id was left alone because there was nothing to do
            (``only_if_changed``); ``result`` then holds what was read.
    """

    id: str
    result: _T | None = None
    error: BlandError | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether this item succeeded or was skipped (no error)."""
        return self.error is None


@attrs.frozen(kw_only=True)
class BulkResult(Generic[_T]):
    """Everything a bulk job did, in input order.

    Attributes:
        succeeded: id -> result for the ids that succeeded, in input order.
        failed: id -> error for the ids that failed, in input order.
        skipped: id -> what was read, for the ids left alone because there was nothing
            to do (only with ``only_if_changed``; else empty), in input order.
    """

    succeeded: dict[str, _T]
    failed: dict[str, BlandError]
    skipped: dict[str, _T] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """Whether no id failed (every id succeeded or was skipped)."""
        return not self.failed

    def __len__(self) -> int:
        return len(self.succeeded) + len(self.failed) + len(self.skipped)

    def failures_by_code(self) -> dict[str, int]:
        """Count failures by API error code (or exception class name when there is none)."""
        counts: dict[str, int] = {}
        for error in self.failed.values():
            key = getattr(error, "code", None) or type(error).__name__
            counts[key] = counts.get(key, 0) + 1
        return counts

    def __repr__(self) -> str:
        return (
            f"BulkResult(succeeded={len(self.succeeded)}, failed={len(self.failed)}, "
            f"skipped={len(self.skipped)})"
        )


@attrs.frozen
class Skipped(Generic[_T]):
    """What a bulk operation returns for an id it left alone: the value it read."""

    value: _T


#: A bulk operation: one id in, its result (or a :class:`Skipped`) out.
BulkOp = Callable[[str], Awaitable[_T | Skipped[_T]]]


async def _after_refusal(op: BulkOp[_T], item: str) -> _T | Skipped[_T]:
    """``op(item)`` again after a 429 refused it, up to ``BULK_RATE_LIMITED_ROUNDS`` more times.

    A refused request was never applied, so trying again is safe; the client-wide pause
    keeps it gentle, and a bulk job should outlast a rate limit rather than give up
    after the transport's few attempts. A 429 with ``may_have_been_applied`` (an earlier
    request of the same call may have taken effect) is final: resending could apply it
    twice. The first try is :func:`_settle`'s (so the common case costs no extra
    coroutine): ``op`` runs at most ``BULK_RATE_LIMITED_ROUNDS + 1`` times for one id.
    """
    for _ in range(BULK_RATE_LIMITED_ROUNDS - 1):
        try:
            return await op(item)
        except RateLimitError as exc:
            if exc.may_have_been_applied:
                raise
    return await op(item)


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be an integer >= 1, got {concurrency!r}")


class _IdSource:
    """Hands out distinct ids to workers from a sync or async iterable, in input order."""

    __slots__ = ("_async_it", "_lock", "_seen", "_sync_it", "total")

    def __init__(self, ids: Iterable[str] | AsyncIterable[str], total: int | None) -> None:
        self._sync_it: Iterator[str] | None = None
        self._async_it: AsyncIterator[str] | None = None
        self._lock: asyncio.Lock | None = None
        if isinstance(ids, str):
            raise InvalidRequestError("ids must be an iterable of id strings, not one string")
        if isinstance(ids, AsyncIterable):
            self._async_it = aiter(ids)
            self._lock = asyncio.Lock()
            self.total: int | None = total
        else:
            self._sync_it = iter(ids)
            # Sized inputs report a total (distinct ids, so duplicates don't inflate it).
            try:
                self.total = len(dict.fromkeys(ids)) if hasattr(ids, "__len__") else total
            except TypeError:  # unhashable items: count them as given
                self.total = len(ids)  # type: ignore[arg-type]
        self._seen: set[str] = set()

    @property
    def sync(self) -> bool:
        """Whether the ids come from a plain iterable (:meth:`take` may be used)."""
        return self._sync_it is not None

    def take(self) -> str | None:
        """:meth:`next` for a plain iterable, without a coroutine."""
        assert self._sync_it is not None
        seen = self._seen
        for item in self._sync_it:
            if item not in seen:
                seen.add(item)
                return item
        return None

    async def next(self) -> str | None:
        """The next id not handed out before, or ``None`` when exhausted."""
        if self._sync_it is not None:
            return self.take()
        assert self._async_it is not None
        assert self._lock is not None
        async with self._lock:
            async for item in self._async_it:
                if item not in self._seen:
                    self._seen.add(item)
                    return item
            return None


class _Counter:
    __slots__ = ("failed", "on_progress", "skipped", "started", "succeeded", "total")

    def __init__(
        self, total: int | None, on_progress: Callable[[BulkProgress], object] | None
    ) -> None:
        self.succeeded = 0
        self.failed = 0
        self.skipped = 0
        self.total = total
        self.on_progress = on_progress
        self.started = time.monotonic()

    def record(self, *, failed: bool = False, skipped: bool = False) -> None:
        if failed:
            self.failed += 1
        elif skipped:
            self.skipped += 1
        else:
            self.succeeded += 1
        if self.on_progress is not None:
            self.on_progress(
                BulkProgress(
                    done=self.succeeded + self.failed + self.skipped,
                    succeeded=self.succeeded,
                    failed=self.failed,
                    skipped=self.skipped,
                    total=self.total,
                    elapsed=time.monotonic() - self.started,
                )
            )


class _Failed:
    """A failed id's error, where :func:`run_bulk` keeps results."""

    __slots__ = ("error",)

    def __init__(self, error: BlandError) -> None:
        self.error = error


#: Holds an id's place (input order) in :func:`run_bulk`'s results while it runs.
_PENDING: Final = object()


async def _settle(op: BulkOp[_T], item: str) -> _T | Skipped[_T] | _Failed:
    """``op(item)``'s result, or its :class:`BlandError` as :class:`_Failed`.

    A 429 that refused the request goes on in :func:`_after_refusal`.
    """
    try:
        try:
            return await op(item)
        except RateLimitError as exc:
            if exc.may_have_been_applied:
                raise
            return await _after_refusal(op, item)
    except BlandError as exc:
        return _Failed(exc)


def _outcome(item: str, value: _T | Skipped[_T] | _Failed) -> BulkOutcome[_T]:
    """What :func:`_settle` returned for ``item``, as the outcome a stream yields."""
    if isinstance(value, _Failed):
        return BulkOutcome(id=item, error=value.error)
    if isinstance(value, Skipped):
        return BulkOutcome(id=item, result=value.value, skipped=True)
    return BulkOutcome(id=item, result=value)


def _check_total(total: int | None) -> None:
    if total is not None and (isinstance(total, bool) or not isinstance(total, int) or total < 0):
        raise InvalidRequestError(f"total must be an integer >= 0 or None, got {total!r}")


async def run_bulk(
    ids: Iterable[str] | AsyncIterable[str],
    op: BulkOp[_T],
    *,
    concurrency: int,
    on_progress: Callable[[BulkProgress], object] | None = None,
    total: int | None = None,
) -> BulkResult[_T]:
    """Run ``op`` on every distinct id with at most ``concurrency`` in flight.

    Raises:
        InvalidRequestError: ``concurrency`` < 1, ``total`` < 0, or ``ids`` is a single
            string.
    """
    _check_concurrency(concurrency)
    _check_total(total)
    source = _IdSource(ids, total)
    counter = _Counter(source.total, on_progress)
    # id -> its result, Skipped or _Failed; keys in the order the ids were pulled from the
    # one shared iterator (input order), each inserted when its id is taken.
    outcomes: dict[str, object] = {}
    take = source.take if source.sync else None

    async def worker() -> None:
        while (item := take() if take is not None else await source.next()) is not None:
            outcomes[item] = _PENDING  # its place, in input order
            value = await _settle(op, item)
            outcomes[item] = value
            counter.record(failed=isinstance(value, _Failed), skipped=isinstance(value, Skipped))

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    if not counter.failed and not counter.skipped:
        return BulkResult(succeeded=cast("dict[str, _T]", outcomes), failed={}, skipped={})
    succeeded: dict[str, _T] = {}
    failed: dict[str, BlandError] = {}
    skipped: dict[str, _T] = {}
    for item, value in outcomes.items():
        if isinstance(value, _Failed):
            failed[item] = value.error
        elif isinstance(value, Skipped):
            skipped[item] = value.value
        else:
            succeeded[item] = cast("_T", value)
    return BulkResult(succeeded=succeeded, failed=failed, skipped=skipped)


class _Stream(Generic[_T]):
    """Workers feeding a bounded queue; the consumer drains whatever is ready."""

    def __init__(
        self,
        source: _IdSource,
        op: BulkOp[_T],
        concurrency: int,
        on_progress: Callable[[BulkProgress], object] | None,
    ) -> None:
        self._source = source
        self._op = op
        self._concurrency = concurrency
        self._counter = _Counter(source.total, on_progress)
        self._queue: asyncio.Queue[BulkOutcome[_T] | BaseException | None] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._running = 0

    def _start(self) -> None:
        # Room for one finished outcome per worker: memory stays O(concurrency).
        self._queue = asyncio.Queue(maxsize=self._concurrency)
        self._running = self._concurrency
        self._workers = [asyncio.create_task(self._work()) for _ in range(self._concurrency)]

    async def _work(self) -> None:
        assert self._queue is not None
        queue = self._queue
        try:
            while (item := await self._source.next()) is not None:
                value = await _settle(self._op, item)
                self._counter.record(
                    failed=isinstance(value, _Failed), skipped=isinstance(value, Skipped)
                )
                await queue.put(_outcome(item, value))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            await queue.put(exc)
            return
        await queue.put(None)

    async def next_batch(self) -> list[BulkOutcome[_T]] | None:
        if self._queue is None:
            self._start()
        assert self._queue is not None
        batch: list[BulkOutcome[_T]] = []
        while self._running:
            item = await self._queue.get() if not batch else self._queue.get_nowait()
            if item is None:
                self._running -= 1
            elif isinstance(item, BaseException):
                self.cancel()
                raise item
            else:
                batch.append(item)
            if batch and self._queue.empty():
                break
        return batch or None

    def cancel(self) -> None:
        for task in self._workers:
            task.cancel()
        self._running = 0


def stream_bulk(
    ids: Iterable[str] | AsyncIterable[str],
    op: BulkOp[_T],
    *,
    concurrency: int,
    on_progress: Callable[[BulkProgress], object] | None = None,
    total: int | None = None,
) -> AsyncPager[BulkOutcome[_T]]:
    """Like :func:`run_bulk` but yields outcomes as they complete.

    Work starts on the first iteration. Abandoning the iterator (dropping it) cancels
    the workers still running.

    Raises:
        InvalidRequestError: ``concurrency`` < 1, ``total`` < 0, or ``ids`` is a single
            string.
    """
    _check_concurrency(concurrency)
    _check_total(total)
    stream = _Stream(_IdSource(ids, total), op, concurrency, on_progress)
    pager = AsyncPager(stream.next_batch)
    weakref.finalize(pager, stream.cancel)
    return pager
