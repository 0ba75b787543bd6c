"""The base of every resource: a transport plus request-and-structure helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Unpack

from bland_async._converter import structure
from bland_async._errors import NotFoundError, ResponseValidationError
from bland_async._transport import READ_ONLY_METHODS
from bland_async._types import Unset

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bland_async._errors import BlandError
    from bland_async._options import RequestOptions
    from bland_async._transport import ApiResponse, Transport

__all__ = ["Resource", "page_params"]

_T = TypeVar("_T")


class _Request(TypedDict, total=False):
    """The parts of a request besides its method and route (see :meth:`Resource._raw`)."""

    path: Mapping[str, str] | None
    params: Mapping[str, object] | None
    json: object
    idempotent: bool | None
    options: RequestOptions | None


class Resource:
    """Holds the client's transport; subclasses add the API methods."""

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _call(
        self, method: str, route: str, cls: type[_T], **request: Unpack[_Request]
    ) -> _T:
        """Send a request and structure its ``data`` into ``cls`` (request id attached)."""
        response = await self._raw(method, route, **request)
        try:
            return structure(response.data, cls, request_id=response.request_id)
        except ResponseValidationError as exc:  # answered 2xx: a write was applied
            exc.may_have_been_applied = method not in READ_ONLY_METHODS
            raise

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
        """Send a request; a 404 is raised as :meth:`_explain_not_found` makes it."""
        try:
            return await self._transport.request(
                method,
                route,
                path_params=path,
                params=params,
                json=json,
                idempotent=idempotent,
                options=options,
            )
        except NotFoundError as exc:
            explained = await self._explain_not_found(exc)
            if explained is None:
                raise
            raise explained from exc

    async def _explain_not_found(self, exc: NotFoundError) -> BlandError | None:
        """The error to raise instead of the 404 ``exc`` (chained from it); ``None``: ``exc``."""
        return None  # a plain resource has nothing to add: the 404 stands


def page_params(**params: Any) -> dict[str, object]:
    """Query parameters with ``UNSET`` and ``None`` values dropped."""
    return {k: v for k, v in params.items() if v is not None and not isinstance(v, Unset)}
