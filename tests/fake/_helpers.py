"""Raw-HTTP helpers for the tests of `bland_async.testing` (the fixtures are in conftest.py)."""

from __future__ import annotations

import json as jsonlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp

    from bland_async.testing import FakeBland

REQUEST_ID = re.compile(r"req_[0-9a-f]{32}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_NO_BODY: Any = object()


@dataclass(frozen=True)
class Reply:
    """One answered request: status, headers and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def data(self) -> Any:
        """The success payload; asserts the standard success envelope."""
        payload = self.json
        assert set(payload) == {"data", "errors"}, payload
        assert payload["errors"] is None, payload
        return payload["data"]

    @property
    def error(self) -> dict[str, Any]:
        """The single error object of a standard error envelope."""
        payload = self.json
        assert set(payload) == {"data", "errors"}, payload
        assert payload["data"] is None, payload
        assert isinstance(payload["errors"], list), payload
        assert len(payload["errors"]) == 1, payload
        error: dict[str, Any] = payload["errors"][0]
        return error


class Api:
    """A thin raw-HTTP helper bound to one fake (sends the right key by default)."""

    def __init__(self, session: aiohttp.ClientSession, fake: FakeBland) -> None:
        self.session = session
        self.fake = fake

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _NO_BODY,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        sent = {"authorization": self.fake.api_key} if auth else {}
        sent.update(headers or {})
        kwargs: dict[str, Any] = {"params": params, "headers": sent}
        if json is not _NO_BODY:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        async with self.session.request(method, self.fake.url + path, **kwargs) as response:
            body = await response.read()
            reply = Reply(response.status, CIMultiDict(response.headers), body)
        assert REQUEST_ID.fullmatch(reply.headers.get("x-request-id", "")), reply.headers
        return reply

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("DELETE", path, **kwargs)


def assert_validation_error(reply: Reply, field: str) -> None:
    """Assert a 400 VALIDATION_ERROR naming `field` (in details and in the message)."""
    assert reply.status == 400, reply.body
    error = reply.error
    assert error["error"] == "VALIDATION_ERROR", error
    assert error["details"] == {"field": field}, error
    assert field in error["message"], error
