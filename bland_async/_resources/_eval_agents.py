"""Eval agents: ``client.evals.agents`` and ``.versions`` (docs/api-notes.md: E1-E10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal, Unpack, get_args

from bland_async._converter import drop_unset
from bland_async._errors import InvalidRequestError
from bland_async._resources import _versioned as versioned
from bland_async._resources._evals_base import EvalsResource, checked_items, cursor_iterate
from bland_async._types import UNSET, Unset
from bland_async._validation import (
    check_name,
    check_number_range,
    check_one_of,
    check_str,
    check_str_list,
)
from bland_async.models._common import CursorPage
from bland_async.models._eval_agents import (
    EvalAgentListItem,
    EvalAgentPublishResult,
    EvalAgentVersion,
    EvalAgentVersionListItem,
    EvalAgentWithVersion,
)
from bland_async.models._evals import Level

if TYPE_CHECKING:
    from bland_async._options import RequestOptions
    from bland_async._pagination import AsyncPager
    from bland_async._transport import Transport

__all__ = ["AsyncEvalAgentVersions", "AsyncEvalAgents", "check_levels", "check_target_level_keys"]

#: The agent routes: ``/v1/evals/agents``, ``.../{eval_agent_id}`` and so on.
_ROUTES: Final = versioned.Routes("/v1/evals/agents", "eval_agent_id")
#: What an agent grades (the values of ``models.Modality``).
ModalityValue = Literal["text", "audio"]
MODALITIES: Final = get_args(ModalityValue)
LEVEL_COLORS: Final = ("rose", "amber", "gold", "emerald", "blue", "indigo", "violet", "fog")
MAX_AGENT_PROMPT: Final = 8000
MAX_AGENT_LEVELS: Final = 5


def check_levels(levels: object, *, max_items: int | None = None) -> None:
    """A list of :class:`Level`: keys 1-64 and unique, labels 1-80, prompt, color enum."""
    if isinstance(levels, Unset):
        return
    seen: set[str] = set()
    for where, level in checked_items("levels", levels, Level, noun="levels", max_items=max_items):
        check_str(f"{where}.level_key", level.level_key, min_len=1, max_len=64)
        check_str(f"{where}.label", level.label, min_len=1, max_len=80)
        check_str(f"{where}.prompt_md", level.prompt_md, min_len=1)
        if level.color is not None:
            check_one_of(f"{where}.color", level.color, LEVEL_COLORS)
        if level.level_key in seen:
            raise InvalidRequestError(f"{where}.level_key {level.level_key!r} is not unique")
        seen.add(level.level_key)


def check_target_level_keys(target_level_keys: object, levels: object) -> None:
    """Target keys are strings; with ``levels`` in the same call they must match them.

    No levels (pass/fail) means no target keys; otherwise every key names a level.
    """
    check_str_list("target_level_keys", target_level_keys, item_min_len=1)
    if isinstance(target_level_keys, Unset) or isinstance(levels, Unset):
        return
    assert isinstance(target_level_keys, Sequence)
    assert isinstance(levels, Sequence)
    if not levels:
        if target_level_keys:
            raise InvalidRequestError(
                "target_level_keys must be empty for a pass/fail agent (no levels)"
            )
        return
    keys = {level.level_key for level in levels}
    for i, key in enumerate(target_level_keys):
        if key not in keys:
            raise InvalidRequestError(
                f"target_level_keys[{i}] {key!r} does not match any level_key in levels"
            )


class AsyncEvalAgentVersions(EvalsResource):
    """Versions of an eval agent: ``client.evals.agents.versions``."""

    __slots__ = ()

    async def list(
        self,
        eval_agent_id: str,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[EvalAgentVersionListItem]:
        """List one page of an eval agent's versions.

        Args:
            eval_agent_id: The eval agent.
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return versions after this version id.
            ending_before: Return versions before this version id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            NotFoundError: The agent does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _ROUTES.versions,
            CursorPage[EvalAgentVersionListItem],
            path=_ROUTES.path(eval_agent_id),
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            options=options,
        )

    def iterate(
        self,
        eval_agent_id: str,
        *,
        limit: int = 100,
        starting_after: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[EvalAgentVersionListItem]:
        """Iterate over every version of an eval agent, one page request at a time.

        Args:
            eval_agent_id: The eval agent.
            limit: Page size per request, 1 to 100.
            starting_after: Start after this version id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        return cursor_iterate(
            lambda cursor: self.list(eval_agent_id, limit=limit, starting_after=cursor, **options),
            limit=limit,
            starting_after=starting_after,
            options=options,
        )

    async def create(
        self,
        eval_agent_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        from_version_id: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> EvalAgentVersion:
        """Fork a new editable version from an existing one (default: the current draft).

        Modality, prompts, levels, targets and weight are copied from the source. This
        is how a published (archived) version is edited: fork it, then :meth:`update`.
        Not retried after an ambiguous failure.

        Args:
            eval_agent_id: The eval agent.
            name: 1 to 200 characters.
            description: A description, or ``None`` for none.
            from_version_id: The version to copy (default: the current draft).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``name`` is empty or longer than 200 characters.
            NotFoundError: The agent or source version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.fork_version(
            self,
            _ROUTES,
            EvalAgentVersion,
            eval_agent_id,
            name=name,
            description=description,
            from_version_id=from_version_id,
            options=options,
        )

    async def get(
        self, eval_agent_id: str, version_id: str, **options: Unpack[RequestOptions]
    ) -> EvalAgentVersion:
        """Get one version of an eval agent.

        Args:
            eval_agent_id: The eval agent's id.
            version_id: The agent version's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: ``EVAL_AGENT_VERSION_NOT_FOUND``: no such version of this agent.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.get_version(
            self, _ROUTES, EvalAgentVersion, eval_agent_id, version_id, options=options
        )

    async def update(
        self,
        eval_agent_id: str,
        version_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        modality: ModalityValue | Unset = UNSET,
        system_prompt_md: str | Unset = UNSET,
        prompt_md: str | Unset = UNSET,
        levels: Sequence[Level] | Unset = UNSET,
        target_level_keys: Sequence[str] | Unset = UNSET,
        weight: float | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> EvalAgentVersion:
        """Update an editable (draft or forked) agent version; only given fields are sent.

        Publishing later requires 0 levels (pass/fail) or 2 to 5 (graded), with every
        target key naming a level.

        Args:
            eval_agent_id: The eval agent.
            version_id: The version; it must be ``editable``.
            name: 1 to 200 characters.
            description: New description; ``None`` clears it.
            modality: ``"text"`` (grades the transcript) or ``"audio"`` (the recording).
            system_prompt_md: Judge system prompt, at most 8000 characters.
            prompt_md: Grading prompt, at most 8000 characters.
            levels: Replaces the levels; at most 5, ``[]`` for pass/fail. Keys 1 to 64
                characters and unique, labels 1 to 80, a prompt each, optional color.
            target_level_keys: Levels that count as hitting the target; empty for
                pass/fail, and each must match a level when ``levels`` is also given.
            weight: Weight in the overall score, 0 to 100.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            VersionNotEditableError: The version is archived (published); fork it first.
            NotFoundError: The agent or version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        check_name(name)
        check_str("description", description, nullable=True)
        check_one_of("modality", modality, MODALITIES)
        check_str("system_prompt_md", system_prompt_md, max_len=MAX_AGENT_PROMPT)
        check_str("prompt_md", prompt_md, max_len=MAX_AGENT_PROMPT)
        check_levels(levels, max_items=MAX_AGENT_LEVELS)
        check_target_level_keys(target_level_keys, levels)
        check_number_range("weight", weight, 0, 100)
        body = drop_unset(
            {
                "name": name,
                "description": description,
                "modality": modality,
                "system_prompt_md": system_prompt_md,
                "prompt_md": prompt_md,
                "levels": levels,
                "target_level_keys": target_level_keys,
                "weight": weight,
            }
        )
        return await versioned.update_version(
            self, _ROUTES, EvalAgentVersion, eval_agent_id, version_id, body=body, options=options
        )


class AsyncEvalAgents(EvalsResource):
    """Eval agents (LLM judges): ``client.evals.agents``."""

    __slots__ = ("versions",)

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.versions = AsyncEvalAgentVersions(transport)

    async def list(
        self,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[EvalAgentListItem]:
        """List one page of the organization's eval agents.

        Args:
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return agents after this agent id.
            ending_before: Return agents before this agent id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _ROUTES.collection,
            CursorPage[EvalAgentListItem],
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            options=options,
        )

    def iterate(
        self,
        *,
        limit: int = 100,
        starting_after: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[EvalAgentListItem]:
        """Iterate over every eval agent, one page request at a time.

        Args:
            limit: Page size per request, 1 to 100.
            starting_after: Start after this agent id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        return cursor_iterate(
            lambda cursor: self.list(limit=limit, starting_after=cursor, **options),
            limit=limit,
            starting_after=starting_after,
            options=options,
        )

    async def create(
        self,
        *,
        name: str,
        description: str | Unset | None = UNSET,
        template_key: str | Unset | None = UNSET,
        user_template_id: str | Unset | None = UNSET,
        modality: ModalityValue | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> EvalAgentWithVersion:
        """Create an eval agent with an editable draft (version 1), optionally from a template.

        Seeding copies the template's prompts and levels; the agent does not follow
        later template changes. Set ``metadata`` afterwards with :meth:`update`.
        Not retried after an ambiguous failure (it would create a duplicate).

        Args:
            name: 1 to 200 characters.
            description: A description, or ``None`` for none.
            template_key: Seed from a shipped template (see ``evals.templates.list()``).
            user_template_id: Seed from a user template; wins over ``template_key``.
            modality: ``"text"`` or ``"audio"``.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The template does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        check_name(name)
        check_str("description", description, nullable=True)
        check_str("template_key", template_key, min_len=1, nullable=True)
        check_str("user_template_id", user_template_id, min_len=1, nullable=True)
        check_one_of("modality", modality, MODALITIES)
        return await self._call(
            "POST",
            _ROUTES.collection,
            EvalAgentWithVersion,
            json=drop_unset(
                {
                    "name": name,
                    "description": description,
                    "template_key": template_key,
                    "user_template_id": user_template_id,
                    "modality": modality,
                }
            ),
            options=options,
        )

    async def get(
        self, eval_agent_id: str, **options: Unpack[RequestOptions]
    ) -> EvalAgentWithVersion:
        """Get an eval agent with its current (draft) version.

        Args:
            eval_agent_id: The eval agent's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The agent does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.get_object(
            self, _ROUTES, EvalAgentWithVersion, eval_agent_id, options
        )

    async def update(
        self,
        eval_agent_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        active_version_id: str | Unset | None = UNSET,
        metadata: Mapping[str, str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> EvalAgentWithVersion:
        """Update agent-level fields; prompts and levels are changed on a version.

        Args:
            eval_agent_id: The eval agent.
            name: 1 to 200 characters.
            description: New description; ``None`` clears it.
            active_version_id: Point the published version at this (archived) version;
                ``None`` unpublishes the agent.
            metadata: Replaces the whole metadata object; string keys and values.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The agent does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.update_object(
            self,
            _ROUTES,
            EvalAgentWithVersion,
            eval_agent_id,
            name=name,
            description=description,
            active_version_id=active_version_id,
            metadata=metadata,
            options=options,
        )

    async def delete(self, eval_agent_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete an eval agent (a soft delete; the API answers 204).

        Args:
            eval_agent_id: The eval agent's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The agent does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        await versioned.delete_object(self, _ROUTES, eval_agent_id, options)

    async def publish(
        self, eval_agent_id: str, **options: Unpack[RequestOptions]
    ) -> EvalAgentPublishResult:
        """Publish the agent's draft as a new archived version and open a new draft.

        The draft must be pass/fail (0 levels, no target keys) or graded (2 to 5
        levels, every target key naming a level). Not retried after an ambiguous
        failure (it could publish twice).

        Args:
            eval_agent_id: The eval agent's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            UnprocessableEntityError: The draft fails the publish checks.
            NotFoundError: The agent does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.publish(
            self, _ROUTES, EvalAgentPublishResult, eval_agent_id, options
        )
