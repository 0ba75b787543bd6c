"""The Evals namespace: ``client.evals`` and its sub-resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bland_async._resources._base import Resource
from bland_async._resources._workbench_setups import AsyncWorkbenchSetups

if TYPE_CHECKING:
    from bland_async._transport import Transport

__all__ = ["AsyncEvals"]


class AsyncEvals(Resource):
    """Evals: ``client.evals``."""

    __slots__ = ("workbench_setups",)

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.workbench_setups = AsyncWorkbenchSetups(transport)
