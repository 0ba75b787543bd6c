"""Lazy pagers: iterate every item across pages, fetching one page at a time.

Two styles exist in the API: page/limit for personas (stop on a short page) and cursors
for Evals lists (follow ``next_cursor`` while ``has_more``). Both are an
:class:`AsyncPager`, whose :meth:`AsyncPager.next_page` lets the sync facade cross its
portal once per page rather than once per item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from bland_async._types import UNSET, Unset

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from bland_async.models._common import CursorPage

__all__ = ["AsyncPager", "cursor_pager", "page_pager"]

_T = TypeVar("_T")


class AsyncPager(Generic[_T]):
    """An async iterator over every item of a list endpoint, across pages.

    Pages are fetched lazily, one request per page, only as iteration reaches them.
    ``async for item in pager`` yields items; :meth:`next_page` returns whole pages.
    """

    __slots__ = ("__weakref__", "_buffer", "_done", "_fetch", "_index")

    def __init__(self, fetch: Callable[[], Awaitable[list[_T] | None]]) -> None:
        self._fetch = fetch
        self._buffer: list[_T] = []
        self._index = 0
        self._done = False

    def __aiter__(self) -> AsyncIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        while self._index >= len(self._buffer):
            page = await self.next_page()
            if page is None:
                raise StopAsyncIteration
            self._buffer = page
            self._index = 0
        item = self._buffer[self._index]
        self._index += 1
        return item

    async def next_page(self) -> list[_T] | None:
        """Fetch the next page's items; ``None`` once every page has been returned."""
        if self._done:
            return None
        page = await self._fetch()
        if page is None:
            self._done = True
        return page


def page_pager(
    fetch: Callable[[int], Awaitable[list[_T]]], *, limit: int, start_page: int = 1
) -> AsyncPager[_T]:
    """Pager for page/limit lists: fetch pages 1, 2, ... and stop after a short page."""
    state = {"page": start_page, "done": False}

    async def fetch_next() -> list[_T] | None:
        if state["done"]:
            return None
        items = await fetch(state["page"])
        state["page"] += 1
        if len(items) < limit:
            state["done"] = True
        return items or None

    return AsyncPager(fetch_next)


def cursor_pager(
    fetch: Callable[[str | Unset], Awaitable[CursorPage[_T]]],
    *,
    starting_after: str | Unset | None = UNSET,
) -> AsyncPager[_T]:
    """Pager for cursor lists: follow ``next_cursor`` while ``has_more`` is true.

    ``fetch(cursor)`` gets ``UNSET`` for the first page (unless ``starting_after`` is
    given), then each page's ``next_cursor``.
    """
    state: dict[str, str | Unset | bool] = {
        "cursor": UNSET if starting_after is None else starting_after,
        "done": False,
    }

    async def fetch_next() -> list[_T] | None:
        if state["done"]:
            return None
        cursor = state["cursor"]
        page = await fetch(cursor if isinstance(cursor, str) else UNSET)
        next_cursor = page.next_cursor
        if next_cursor is None and page.has_more and page.data:
            # Tolerate a server that sets has_more but omits the cursor: use the last id.
            next_cursor = getattr(page.data[-1], "id", None)
        if not page.has_more or not next_cursor or next_cursor == cursor:
            state["done"] = True
        else:
            state["cursor"] = next_cursor
        return page.data or None

    return AsyncPager(fetch_next)
