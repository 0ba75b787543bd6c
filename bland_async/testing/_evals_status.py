"""The Evals feature gate: `GET /v1/evals/status` (E0) and the 404 it implies."""

from __future__ import annotations

from aiohttp import web

from ._common import ok
from ._state import state_of

__all__ = ["is_gated", "routes"]

STATUS_PATH = "/v1/evals/status"

routes = web.RouteTableDef()


def is_gated(method: str, path: str) -> bool:
    """Return whether a request falls under the Evals gate (everything but E0)."""
    if path != "/v1/evals" and not path.startswith("/v1/evals/"):
        return False
    return not (method == "GET" and path == STATUS_PATH)


@routes.get(STATUS_PATH)
async def evals_status(request: web.Request) -> web.Response:
    """E0: whether Evals is enabled for the organization (never gated)."""
    state = state_of(request)
    return ok(
        {
            "enabled": state.evals_enabled,
            "gate": "evals_enabled",
            "reason": None if state.evals_enabled else state.evals_disabled_reason,
        }
    )
