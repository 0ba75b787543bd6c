"""Async-first Python SDK for the Bland AI Personas and Evals APIs.

``AsyncBlandClient`` is the implementation; ``BlandClient`` is its generated blocking
twin with the same resource tree, names and signatures.
"""

from typing import Any

from bland_async._bulk import BulkOutcome, BulkProgress, BulkResult
from bland_async._client import AsyncBlandClient
from bland_async._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BlandError,
    ConfigurationError,
    ConflictError,
    EvalsDisabledError,
    InternalServerError,
    InvalidRequestError,
    NoDraftVersionError,
    NotFoundError,
    PermissionDeniedError,
    PersonaInUseError,
    PersonaNotFoundError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
    VersionNotEditableError,
    VersionNotFoundError,
)
from bland_async._options import PollOptions, RequestOptions, Timeout
from bland_async._pagination import AsyncPager
from bland_async._raw import RawResponse
from bland_async._resources._eval_agents import AsyncEvalAgents, AsyncEvalAgentVersions
from bland_async._resources._eval_runs import AsyncEvalRuns, RunWaitTimeoutError
from bland_async._resources._eval_templates import AsyncEvalTemplates, AsyncEvalUserTemplates
from bland_async._resources._evals import AsyncEvals
from bland_async._resources._personas import (
    AsyncPersonaInbound,
    AsyncPersonas,
    AsyncPersonaVersions,
)
from bland_async._resources._workbench_setups import (
    AsyncWorkbenchSetups,
    AsyncWorkbenchSetupVersions,
)
from bland_async._retry import RetryPolicy
from bland_async._stats import ClientStats
from bland_async._sync import (
    BlandClient,
    EvalAgents,
    EvalAgentVersions,
    EvalRuns,
    Evals,
    EvalTemplates,
    EvalUserTemplates,
    PersonaInbound,
    Personas,
    PersonaVersions,
    WorkbenchSetups,
    WorkbenchSetupVersions,
)
from bland_async._sync_runtime import LoopThreadCallError, SyncPager
from bland_async._types import UNSET, Unset
from bland_async.models._common import CursorPage

__all__ = [
    "UNSET",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBlandClient",
    "AsyncEvalAgentVersions",
    "AsyncEvalAgents",
    "AsyncEvalRuns",
    "AsyncEvalTemplates",
    "AsyncEvalUserTemplates",
    "AsyncEvals",
    "AsyncPager",
    "AsyncPersonaInbound",
    "AsyncPersonaVersions",
    "AsyncPersonas",
    "AsyncWorkbenchSetupVersions",
    "AsyncWorkbenchSetups",
    "AuthenticationError",
    "BadRequestError",
    "BlandClient",
    "BlandError",
    "BulkOutcome",
    "BulkProgress",
    "BulkResult",
    "ClientStats",
    "ConfigurationError",
    "ConflictError",
    "CursorPage",
    "EvalAgentVersions",
    "EvalAgents",
    "EvalRuns",
    "EvalTemplates",
    "EvalUserTemplates",
    "Evals",
    "EvalsDisabledError",
    "InternalServerError",
    "InvalidRequestError",
    "LoopThreadCallError",
    "NoDraftVersionError",
    "NotFoundError",
    "PermissionDeniedError",
    "PersonaInUseError",
    "PersonaInbound",
    "PersonaNotFoundError",
    "PersonaVersions",
    "Personas",
    "PollOptions",
    "RateLimitError",
    "RawResponse",
    "RequestOptions",
    "ResponseValidationError",
    "RetryPolicy",
    "RunWaitTimeoutError",
    "SyncPager",
    "Timeout",
    "UnprocessableEntityError",
    "Unset",
    "VersionNotEditableError",
    "VersionNotFoundError",
    "WorkbenchSetupVersions",
    "WorkbenchSetups",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("bland-async")
    raise AttributeError(f"module 'bland_async' has no attribute {name!r}")
