"""The base of every resource: a transport plus request-and-structure helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from bland_async._converter import structure
from bland_async._errors import ResponseValidationError
from bland_async._transport import READ_ONLY_METHODS
from bland_async._types import Unset

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bland_async._options import RequestOptions
    from bland_async._transport import ApiResponse, Transport

__all__ = ["Resource", "page_params"]

_T = TypeVar("_T")


class Resource:
    """Holds the client's transport; subclasses add the API methods."""

    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _call(
        self,
        method: str,
        route: str,
        cls: type[_T],
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
        json: object = None,
        idempotent: bool | None = None,
        options: RequestOptions | None = None,
    ) -> _T:
        """Send a request and structure its ``data`` into ``cls`` (request id attached)."""
        response = await self._raw(
            method,
            route,
            path=path,
            params=params,
            json=json,
            idempotent=idempotent,
            options=options,
        )
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
        return await self._transport.request(
            method,
            route,
            path_params=path,
            params=params,
            json=json,
            idempotent=idempotent,
            options=options,
        )


def page_params(**params: Any) -> dict[str, object]:
    """Query parameters with ``UNSET`` and ``None`` values dropped."""
    return {k: v for k, v in params.items() if v is not None and not isinstance(v, Unset)}
