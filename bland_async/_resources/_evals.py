"""The Evals namespace: ``client.evals``, its feature status and its sub-resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from bland_async._resources._base import Resource
from bland_async._resources._eval_agents import AsyncEvalAgents
from bland_async._resources._eval_runs import AsyncEvalRuns
from bland_async._resources._eval_templates import AsyncEvalTemplates, AsyncEvalUserTemplates
from bland_async._resources._evals_base import STATUS_ROUTE
from bland_async._resources._workbench_setups import AsyncWorkbenchSetups
from bland_async.models._evals import EvalsStatus

if TYPE_CHECKING:
    from bland_async._options import RequestOptions
    from bland_async._transport import Transport

__all__ = ["AsyncEvals"]


class AsyncEvals(Resource):
    """Evals: ``client.evals``.

    Attributes:
        agents: Eval agents (LLM judges) and their versions.
        workbench_setups: Workbench setups (agent rosters) and their versions.
        runs: Eval runs and their results.
        templates: Agent templates shipped by Bland.
        user_templates: Your organization's agent templates.
    """

    __slots__ = ("agents", "runs", "templates", "user_templates", "workbench_setups")

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.agents = AsyncEvalAgents(transport)
        self.workbench_setups = AsyncWorkbenchSetups(transport)
        self.runs = AsyncEvalRuns(transport)
        self.templates = AsyncEvalTemplates(transport)
        self.user_templates = AsyncEvalUserTemplates(transport)

    async def status(self, **options: Unpack[RequestOptions]) -> EvalsStatus:
        """Tell whether Evals is enabled for the organization (this route is never gated).

        When it is off, every other Evals call raises :class:`EvalsDisabledError`.

        Args:
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            AuthenticationError: The API key is missing or invalid.
        """
        return await self._call("GET", STATUS_ROUTE, EvalsStatus, options=options)
