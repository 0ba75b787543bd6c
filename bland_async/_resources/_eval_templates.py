"""Agent templates: ``client.evals.templates`` and ``client.evals.user_templates``.

Shipped templates are E29-E30; your organization's user templates are E31-E35.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, Unpack, get_args

from bland_async._converter import drop_unset
from bland_async._errors import InvalidRequestError
from bland_async._resources._eval_agents import MODALITIES, ModalityValue, check_levels
from bland_async._resources._evals_base import EvalsResource, cursor_iterate
from bland_async._types import UNSET, Unset
from bland_async._validation import check_one_of, check_str, check_str_list
from bland_async.models._common import CursorPage
from bland_async.models._eval_templates import AgentTemplate, UserTemplate, UserTemplateListItem

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from bland_async._options import RequestOptions
    from bland_async._pagination import AsyncPager
    from bland_async.models._evals import Level

__all__ = ["AsyncEvalTemplates", "AsyncEvalUserTemplates"]

_TEMPLATES: Final = "/v1/evals/agent-templates"
_TEMPLATE: Final = "/v1/evals/agent-templates/{template_key}"
_USER_TEMPLATES: Final = "/v1/evals/user-templates"
_USER_TEMPLATE: Final = "/v1/evals/user-templates/{user_template_id}"
#: Who can see a user template (the values of ``models.Visibility``).
VisibilityValue = Literal["private", "org", "public"]
_VISIBILITIES: Final = get_args(VisibilityValue)
MAX_TEMPLATE_NAME: Final = 120
MAX_TEMPLATE_DESCRIPTION: Final = 4000
MAX_TEMPLATE_CATEGORY: Final = 64
MAX_TEMPLATE_PROMPT: Final = 50000


class AsyncEvalTemplates(EvalsResource):
    """Agent templates shipped by Bland: ``client.evals.templates``."""

    __slots__ = ()

    async def list(self, **options: Unpack[RequestOptions]) -> CursorPage[AgentTemplate]:
        """List every shipped template (one page: ``has_more`` is false).

        Args:
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call("GET", _TEMPLATES, CursorPage[AgentTemplate], options=options)

    async def get(self, template_key: str, **options: Unpack[RequestOptions]) -> AgentTemplate:
        """Get a shipped template by its key (e.g. ``"hallucination_detection"``).

        Args:
            template_key: The shipped template's key, e.g. ``"hallucination_detection"``.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: ``EVAL_AGENT_TEMPLATE_NOT_FOUND``: no template has this key.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call(
            "GET", _TEMPLATE, AgentTemplate, path={"template_key": template_key}, options=options
        )


def _check_template_fields(fields: Mapping[str, object]) -> None:
    """Check the content fields shared by a user template's create and update bodies."""
    check_str("name", fields["name"], min_len=1, max_len=MAX_TEMPLATE_NAME)
    check_str("description", fields["description"], max_len=MAX_TEMPLATE_DESCRIPTION, nullable=True)
    check_str("category", fields["category"], max_len=MAX_TEMPLATE_CATEGORY, nullable=True)
    check_str("system_prompt_md", fields["system_prompt_md"], max_len=MAX_TEMPLATE_PROMPT)
    check_str("prompt_md", fields["prompt_md"], max_len=MAX_TEMPLATE_PROMPT)
    check_levels(fields["levels"])
    check_str_list("target_level_keys", fields["target_level_keys"], item_min_len=1)
    check_one_of("visibility", fields["visibility"], _VISIBILITIES)


class AsyncEvalUserTemplates(EvalsResource):
    """Your organization's agent templates: ``client.evals.user_templates``."""

    __slots__ = ()

    async def list(
        self,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[UserTemplateListItem]:
        """List one page of user templates.

        Args:
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return templates after this template id.
            ending_before: Return templates before this template id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _USER_TEMPLATES,
            CursorPage[UserTemplateListItem],
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
    ) -> AsyncPager[UserTemplateListItem]:
        """Iterate over every user template, one page request at a time.

        Args:
            limit: Page size per request, 1 to 100.
            starting_after: Start after this template id.
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
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        category: str | Unset | None = UNSET,
        modality: ModalityValue | Unset = UNSET,
        system_prompt_md: str | Unset = UNSET,
        prompt_md: str | Unset = UNSET,
        levels: Sequence[Level] | Unset = UNSET,
        target_level_keys: Sequence[str] | Unset = UNSET,
        visibility: VisibilityValue | Unset = UNSET,
        from_agent_id: str | Unset = UNSET,
        from_version_id: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> UserTemplate:
        """Save a template, from an existing agent's content or given inline.

        With ``from_agent_id`` the agent's version (``from_version_id``, default its
        current version) supplies the content and inline fields override it. Not
        retried after an ambiguous failure (it would create a duplicate).

        Args:
            name: 1 to 120 characters.
            description: At most 4000 characters; ``None`` leaves it blank.
            category: Free text, at most 64 characters; ``None`` leaves it blank.
            modality: ``"text"`` or ``"audio"``.
            system_prompt_md: At most 50000 characters.
            prompt_md: At most 50000 characters.
            levels: Levels with keys 1 to 64 characters (unique), labels 1 to 80, a
                prompt each and an optional color.
            target_level_keys: The level keys that count as hitting the target.
            visibility: ``"private"``, ``"org"`` or ``"public"``.
            from_agent_id: Snapshot this eval agent's content.
            from_version_id: The agent version to snapshot; needs ``from_agent_id``.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The source agent or version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        fields: dict[str, object] = {
            "name": name,
            "description": description,
            "category": category,
            "modality": modality,
            "system_prompt_md": system_prompt_md,
            "prompt_md": prompt_md,
            "levels": levels,
            "target_level_keys": target_level_keys,
            "visibility": visibility,
            "from_agent_id": from_agent_id,
            "from_version_id": from_version_id,
        }
        _check_template_fields(fields)
        check_one_of("modality", modality, MODALITIES)
        check_str("from_agent_id", from_agent_id, min_len=1)
        check_str("from_version_id", from_version_id, min_len=1)
        if isinstance(from_agent_id, Unset) and not isinstance(from_version_id, Unset):
            raise InvalidRequestError("from_version_id is only used together with from_agent_id")
        return await self._call(
            "POST", _USER_TEMPLATES, UserTemplate, json=drop_unset(fields), options=options
        )

    async def get(self, user_template_id: str, **options: Unpack[RequestOptions]) -> UserTemplate:
        """Get a user template.

        Args:
            user_template_id: The user template's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The template does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._call(
            "GET",
            _USER_TEMPLATE,
            UserTemplate,
            path={"user_template_id": user_template_id},
            options=options,
        )

    async def update(
        self,
        user_template_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        category: str | Unset | None = UNSET,
        system_prompt_md: str | Unset = UNSET,
        prompt_md: str | Unset = UNSET,
        levels: Sequence[Level] | Unset = UNSET,
        target_level_keys: Sequence[str] | Unset = UNSET,
        visibility: VisibilityValue | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> UserTemplate:
        """Update a user template; only given fields are sent (modality cannot change).

        Args:
            user_template_id: The user template's id.
            name: 1 to 120 characters.
            description: At most 4000 characters; ``None`` clears it.
            category: At most 64 characters; ``None`` clears it.
            system_prompt_md: At most 50000 characters.
            prompt_md: At most 50000 characters.
            levels: Replaces the levels (see :meth:`create`).
            target_level_keys: The level keys that count as hitting the target.
            visibility: ``"private"``, ``"org"`` or ``"public"``.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The template does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        fields: dict[str, object] = {
            "name": name,
            "description": description,
            "category": category,
            "system_prompt_md": system_prompt_md,
            "prompt_md": prompt_md,
            "levels": levels,
            "target_level_keys": target_level_keys,
            "visibility": visibility,
        }
        _check_template_fields(fields)
        return await self._call(
            "PATCH",
            _USER_TEMPLATE,
            UserTemplate,
            path={"user_template_id": user_template_id},
            json=drop_unset(fields),
            options=options,
        )

    async def delete(self, user_template_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a user template (a soft delete; the API answers 204).

        Args:
            user_template_id: The user template's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The template does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        await self._raw(
            "DELETE", _USER_TEMPLATE, path={"user_template_id": user_template_id}, options=options
        )
