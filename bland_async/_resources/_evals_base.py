"""The base of every gated Evals resource: a 404 while Evals is off becomes EvalsDisabledError.

Every ``/v1/evals`` route except ``GET /v1/evals/status`` answers 404 when the feature is
disabled for the organization. On a 404 the status endpoint is asked once; when it says
the feature is off, :class:`EvalsDisabledError` is raised (chained from the 404),
otherwise the original :class:`NotFoundError` propagates. Nothing is cached: the gate
can flip at any time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from bland_async._errors import BlandError, EvalsDisabledError, NotFoundError
from bland_async._resources._base import Resource

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bland_async._transport import ApiResponse, Transport

__all__ = ["STATUS_ROUTE", "EvalsResource", "evals_disabled_reason"]

STATUS_ROUTE: Final = "/v1/evals/status"

logger: Final = logging.getLogger("bland_async")


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
    ) -> ApiResponse:
        try:
            return await super()._raw(
                method, route, path=path, params=params, json=json, idempotent=idempotent
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
