"""The base of every gated Evals resource: a 404 while Evals is off becomes EvalsDisabledError.

Every ``/v1/evals`` route except ``GET /v1/evals/status`` answers 404 when the feature is
disabled for the organization. On a 404 the status endpoint is asked once; when it says
the feature is off, :class:`EvalsDisabledError` is raised (chained from the 404),
otherwise the original :class:`NotFoundError` propagates. Nothing is cached: the gate
can flip at any time.

Also the request-building shared by the Evals resources: the query and pager of a cursor
list (``cursor_params``/``cursor_iterate``) and the version fork and update bodies that eval
agents and workbench setups have in common.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

from bland_async._converter import drop_unset
from bland_async._errors import BlandError, EvalsDisabledError, NotFoundError
from bland_async._logging import logger
from bland_async._options import check_request_options
from bland_async._pagination import AsyncPager, cursor_pager
from bland_async._resources._base import Resource, page_params
from bland_async._types import UNSET, Unset
from bland_async._validation import check_name, check_page_params, check_str, check_string_map

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from bland_async._options import RequestOptions
    from bland_async._transport import ApiResponse, Transport
    from bland_async.models._common import CursorPage

__all__ = [
    "STATUS_ROUTE",
    "EvalsResource",
    "cursor_iterate",
    "cursor_params",
    "evals_disabled_reason",
    "fork_body",
    "versioned_update_body",
]

STATUS_ROUTE: Final = "/v1/evals/status"


_T = TypeVar("_T")


class EvalsResource(Resource):
    """A resource under ``/v1/evals`` whose 404s are checked against the feature gate."""

    __slots__ = ()

    async def _raw(
        self,
        method: str,
        route: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
        json: object = None,
        idempotent: bool | None = None,
        options: RequestOptions | None = None,
    ) -> ApiResponse:
        try:
            return await super()._raw(
                method,
                route,
                path=path,
                params=params,
                json=json,
                idempotent=idempotent,
                options=options,
            )
        except NotFoundError as exc:
            disabled, reason = await evals_disabled_reason(self._transport)
            if not disabled:
                raise
            message = "Evals is not enabled for this organization"
            if reason:
                message = f"{message}: {reason}"
            raise EvalsDisabledError(
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
            ) from exc


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


# Eval agents and workbench setups are versioned alike: the same fork and update bodies.


def fork_body(*, name: object, description: object, from_version_id: object) -> dict[str, Any]:
    """Check and build the body that forks a new version from an existing one."""
    check_name(name)
    check_str("description", description, nullable=True)
    check_str("from_version_id", from_version_id, min_len=1)
    return drop_unset(
        {"name": name, "description": description, "from_version_id": from_version_id}
    )


def versioned_update_body(
    *, name: object, description: object, active_version_id: object, metadata: object
) -> dict[str, Any]:
    """Check and build the body that updates an agent's or a setup's own fields."""
    check_name(name)
    check_str("description", description, nullable=True)
    check_str("active_version_id", active_version_id, min_len=1, nullable=True)
    check_string_map("metadata", metadata)
    return drop_unset(
        {
            "name": name,
            "description": description,
            "active_version_id": active_version_id,
            "metadata": metadata,
        }
    )
