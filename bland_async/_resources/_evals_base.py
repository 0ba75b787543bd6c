"""The base of every gated Evals resource: a 404 while Evals is off becomes EvalsDisabledError.

Every ``/v1/evals`` route except ``GET /v1/evals/status`` answers 404 when the feature is
disabled for the organization. On a 404 the status endpoint is asked once; when it says
the feature is off, :class:`EvalsDisabledError` is raised (chained from the 404),
otherwise the original :class:`NotFoundError` propagates. Nothing is cached: the gate
can flip at any time.

Also the request-building shared by the Evals resources: the query and pager of a cursor
list (``cursor_params``/``cursor_iterate``) and the check of a list argument of models
(``checked_items``: rosters and levels).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, TypeVar

from bland_async._errors import BlandError, EvalsDisabledError, InvalidRequestError, NotFoundError
from bland_async._logging import logger
from bland_async._options import check_request_options
from bland_async._pagination import AsyncPager, cursor_pager
from bland_async._resources._base import Resource, page_params
from bland_async._types import UNSET, Unset
from bland_async._validation import check_instance, check_page_params

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, Mapping

    from bland_async._options import RequestOptions
    from bland_async._transport import Transport
    from bland_async.models._common import CursorPage

__all__ = [
    "STATUS_ROUTE",
    "EvalsResource",
    "checked_items",
    "cursor_iterate",
    "cursor_params",
    "evals_disabled_reason",
]

STATUS_ROUTE: Final = "/v1/evals/status"


_T = TypeVar("_T")


class EvalsResource(Resource):
    """A resource under ``/v1/evals`` whose 404s are checked against the feature gate."""

    __slots__ = ()

    async def _list_page(
        self,
        route: str,
        cls: type[_T],
        *,
        path: Mapping[str, str] | None = None,
        limit: object,
        starting_after: object,
        ending_before: object,
        options: RequestOptions,
    ) -> _T:
        """Get one page of a cursor list (its page parameters are checked first)."""
        params = cursor_params(
            limit=limit, starting_after=starting_after, ending_before=ending_before
        )
        return await self._call("GET", route, cls, path=path, params=params, options=options)

    async def _explain_not_found(self, exc: NotFoundError) -> BlandError | None:
        """:class:`EvalsDisabledError` when the status endpoint says Evals is off."""
        disabled, reason = await evals_disabled_reason(self._transport)
        if not disabled:
            return None
        message = "Evals is not enabled for this organization"
        if reason:
            message = f"{message}: {reason}"
        return EvalsDisabledError(
            message,
            reason=reason,
            status=exc.status,
            code=exc.code,
            details=exc.details,
            request_id=exc.request_id,
            headers=exc.headers,
            body=exc.body,
            method=exc.method,
            route=exc.route,
        )


async def evals_disabled_reason(transport: Transport) -> tuple[bool, str | None]:
    """Ask ``GET /v1/evals/status`` whether Evals is off; ``(disabled, reason)``.

    A failing or unreadable status call counts as "not disabled", so the caller's
    original error is the one that surfaces.
    """
    try:
        response = await transport.request("GET", STATUS_ROUTE)
    except BlandError as exc:
        logger.debug("evals status check failed: %r", exc)
        return False, None
    data = response.data
    if not isinstance(data, dict) or data.get("enabled") is not False:
        return False, None
    reason = data.get("reason")
    return True, reason if isinstance(reason, str) else None


# The two halves of every Evals cursor list: ``list`` (one page) sends ``cursor_params``,
# ``iterate`` returns ``cursor_iterate`` over its ``list``.


def cursor_params(
    *, limit: object, starting_after: object, ending_before: object, **filters: object
) -> dict[str, object]:
    """Check a cursor list's page parameters and build its query.

    The query holds ``filters``, then ``limit`` and the two cursors, without the
    ``UNSET`` and ``None`` values.

    Raises:
        InvalidRequestError: ``limit`` outside 1..100, an empty cursor, or both cursors.
    """
    check_page_params(limit=limit, starting_after=starting_after, ending_before=ending_before)
    return page_params(
        **filters, limit=limit, starting_after=starting_after, ending_before=ending_before
    )


def cursor_iterate(
    fetch: Callable[[str | Unset], Awaitable[CursorPage[_T]]],
    *,
    limit: int,
    starting_after: str | Unset = UNSET,
    options: RequestOptions,
) -> AsyncPager[_T]:
    """A pager over a cursor list; its arguments and per-call options are checked at once.

    ``fetch(cursor)`` lists the page after ``cursor`` (``UNSET``: the first page),
    sending ``options`` (the pager's caller passes them to it).

    Raises:
        InvalidRequestError: ``limit`` outside 1..100, an empty ``starting_after``, or a
            bad option.
    """
    check_page_params(limit=limit, starting_after=starting_after)
    check_request_options(options)
    return cursor_pager(fetch, starting_after=starting_after)


def checked_items(
    name: str,
    value: object,
    cls: type[_T],
    *,
    noun: str,
    max_items: int | None = None,
    scope: str = "",
) -> Iterator[tuple[str, _T]]:
    """Check that ``value`` is a list of at most ``max_items`` ``cls``; yield its items.

    Each item comes with its place (``levels[0]``) once it is checked to be a ``cls``, so
    the caller checks its fields before the next item is looked at. ``noun`` and ``scope``
    word the too-long message: ``levels takes at most 5 levels, got 6``.

    Raises:
        InvalidRequestError: ``value`` is not a list (a string is not), is too long, or
            holds something other than a ``cls``.
    """
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidRequestError(f"{name} must be a list of {cls.__name__}")
    if max_items is not None and len(value) > max_items:
        raise InvalidRequestError(
            f"{name} takes at most {max_items} {noun}{scope}, got {len(value)}"
        )
    for i, item in enumerate(value):
        where = f"{name}[{i}]"
        check_instance(where, item, cls)
        yield where, item
