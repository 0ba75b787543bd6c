"""Workbench setups: ``client.evals.workbench_setups`` and ``.versions`` (E11-E20)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Unpack

from bland_async._bulk import BulkProgress, BulkResult, run_bulk
from bland_async._converter import drop_unset
from bland_async._errors import InvalidRequestError, VersionNotEditableError
from bland_async._options import RequestOptions, check_request_options
from bland_async._resources import _versioned as versioned
from bland_async._resources._eval_run_body import RUN_MODES, RunModeValue
from bland_async._resources._evals_base import EvalsResource, checked_items, cursor_iterate
from bland_async._types import UNSET, Unset
from bland_async._validation import (
    check_instance,
    check_int_range,
    check_name,
    check_number_range,
    check_one_of,
    check_str,
    check_str_list,
)
from bland_async.models._common import AttachedAgent, CursorPage
from bland_async.models._workbench import (
    WorkbenchSetupListItem,
    WorkbenchSetupPublishResult,
    WorkbenchSetupVersion,
    WorkbenchSetupVersionListItem,
    WorkbenchSetupWithVersion,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence

    from bland_async._pagination import AsyncPager
    from bland_async._transport import Transport

__all__ = ["AsyncWorkbenchSetupVersions", "AsyncWorkbenchSetups"]

#: The setup routes: ``/v1/evals/workbench-setups``, ``.../{setup_id}`` and so on.
_ROUTES: Final = versioned.Routes("/v1/evals/workbench-setups", "setup_id")
MAX_SETUP_AGENTS: Final = 20
MAX_CALL_IDS: Final = 5000


class AsyncWorkbenchSetupVersions(EvalsResource):
    """Versions of a workbench setup: ``client.evals.workbench_setups.versions``."""

    __slots__ = ()

    async def list(
        self,
        setup_id: str,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[WorkbenchSetupVersionListItem]:
        """List one page of a setup's versions.

        Args:
            setup_id: The workbench setup.
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return versions after this version id.
            ending_before: Return versions before this version id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            NotFoundError: The setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _ROUTES.versions,
            CursorPage[WorkbenchSetupVersionListItem],
            path=_ROUTES.path(setup_id),
            limit=limit,
            starting_after=starting_after,
            ending_before=ending_before,
            options=options,
        )

    def iterate(
        self,
        setup_id: str,
        *,
        limit: int = 100,
        starting_after: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[WorkbenchSetupVersionListItem]:
        """Iterate over every version of a setup, one page request at a time.

        Args:
            setup_id: The workbench setup's id.
            limit: Page size per request, 1 to 100.
            starting_after: Start after this version id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        return cursor_iterate(
            lambda cursor: self.list(setup_id, limit=limit, starting_after=cursor, **options),
            limit=limit,
            starting_after=starting_after,
            options=options,
        )

    async def create(
        self,
        setup_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        from_version_id: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> WorkbenchSetupVersion:
        """Fork a new editable version from an existing one (default: the current draft).

        This is how a published (archived) configuration is edited: fork it, then
        :meth:`update` the fork. Not retried after an ambiguous failure.

        Args:
            setup_id: The workbench setup.
            name: 1 to 200 characters, not only whitespace (default: the source
                version's name).
            description: A description, or ``None`` for none.
            from_version_id: The version to copy (default: the current draft).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``name`` is empty, only whitespace or longer than
                200 characters.
            NotFoundError: The setup or source version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.fork_version(
            self,
            _ROUTES,
            WorkbenchSetupVersion,
            setup_id,
            name=name,
            description=description,
            from_version_id=from_version_id,
            options=options,
        )

    async def get(
        self, setup_id: str, version_id: str, **options: Unpack[RequestOptions]
    ) -> WorkbenchSetupVersion:
        """Get one version of a workbench setup.

        Args:
            setup_id: The workbench setup's id.
            version_id: The setup version's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The setup or version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.get_version(
            self, _ROUTES, WorkbenchSetupVersion, setup_id, version_id, options=options
        )

    async def update(
        self,
        setup_id: str,
        version_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        attached_agents: Sequence[AttachedAgent] | Unset = UNSET,
        pass_threshold_pct: int | Unset | None = UNSET,
        run_mode: RunModeValue | Unset = UNSET,
        default_test_config_id: str | Unset | None = UNSET,
        default_call_ids: Sequence[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> WorkbenchSetupVersion:
        """Update an editable (draft or forked) setup version; only given fields are sent.

        Args:
            setup_id: The workbench setup.
            version_id: The version; it must be ``editable``.
            name: 1 to 200 characters, not only whitespace.
            description: New description; ``None`` clears it.
            attached_agents: Replaces the whole list; at most 20, each with all four
                fields (``eval_agent_id``, ``eval_agent_version_id``, ``weight`` 0-100,
                and at least one ``target_level_keys`` entry).
            pass_threshold_pct: Integer 0 to 100; ``None`` clears it.
            run_mode: ``"text"``, ``"audio"`` or ``"full"``.
            default_test_config_id: ``None`` clears it.
            default_call_ids: Replaces the list; at most 5000 call ids.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            VersionNotEditableError: The version is archived (published); fork it first.
            NotFoundError: The setup or version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        body = _version_body(
            name=name,
            description=description,
            attached_agents=attached_agents,
            pass_threshold_pct=pass_threshold_pct,
            run_mode=run_mode,
            default_test_config_id=default_test_config_id,
            default_call_ids=default_call_ids,
        )
        return await self._patch(setup_id, version_id, body, options)

    async def _patch(
        self, setup_id: str, version_id: str, body: dict[str, object], options: RequestOptions
    ) -> WorkbenchSetupVersion:
        return await versioned.update_version(
            self, _ROUTES, WorkbenchSetupVersion, setup_id, version_id, body=body, options=options
        )

    async def _edit(
        self, setup_id: str, version_id: str, body: dict[str, object], options: RequestOptions
    ) -> WorkbenchSetupVersion:
        try:
            return await self._patch(setup_id, version_id, body, options)
        except VersionNotEditableError:
            pass  # refused, so nothing was applied: fork the published version instead
        fork = await self.create(setup_id, from_version_id=version_id, **options)
        return await self._patch(setup_id, fork.id, body, options)

    async def edit(
        self,
        setup_id: str,
        version_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        attached_agents: Sequence[AttachedAgent] | Unset = UNSET,
        pass_threshold_pct: int | Unset | None = UNSET,
        run_mode: RunModeValue | Unset = UNSET,
        default_test_config_id: str | Unset | None = UNSET,
        default_call_ids: Sequence[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> WorkbenchSetupVersion:
        """Change a version whatever its state: update it, or fork it and update the fork.

        An ``editable`` version is updated in place (one PATCH). A published
        (``archived``) one cannot be, so the API refuses the PATCH; then a new editable
        version is forked from it (``create(from_version_id=...)``) and the fork is
        updated. Compare ``result.id`` with ``version_id`` to tell which happened. The
        arguments are :meth:`update`'s, checked before anything is sent.

        The fork is a create: after a failure that may have reached the server it is
        not resent (that could leave two forks) and the error has
        ``may_have_been_applied=True``.

        Args:
            setup_id: The workbench setup's id.
            version_id: The setup version's id.
            name: As in :meth:`update`.
            description: As in :meth:`update`.
            attached_agents: As in :meth:`update`.
            pass_threshold_pct: As in :meth:`update`.
            run_mode: As in :meth:`update`.
            default_test_config_id: As in :meth:`update`.
            default_call_ids: As in :meth:`update`.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            The version edited: ``version_id`` itself, or the new fork.

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The setup or version does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        body = _version_body(
            name=name,
            description=description,
            attached_agents=attached_agents,
            pass_threshold_pct=pass_threshold_pct,
            run_mode=run_mode,
            default_test_config_id=default_test_config_id,
            default_call_ids=default_call_ids,
        )
        return await self._edit(setup_id, version_id, body, options)

    async def update_many(
        self,
        setup_id: str,
        version_ids: Iterable[str] | AsyncIterable[str],
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        attached_agents: Sequence[AttachedAgent] | Unset = UNSET,
        pass_threshold_pct: int | Unset | None = UNSET,
        run_mode: RunModeValue | Unset = UNSET,
        default_test_config_id: str | Unset | None = UNSET,
        default_call_ids: Sequence[str] | Unset = UNSET,
        fork_archived: bool = False,
        concurrency: int = 16,
        on_progress: Callable[[BulkProgress], object] | None = None,
        total: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> BulkResult[WorkbenchSetupVersion]:
        """Apply the same change to many versions of a setup concurrently.

        The bulk contract of ``personas.promote_many``: at most ``concurrency``
        updates in flight, one failure recorded in ``failed`` without cancelling the
        others, duplicate ids done once, 429 pauses shared by the whole client. The
        fields are :meth:`update`'s and are checked once, before anything is sent.

        Args:
            setup_id: The workbench setup.
            version_ids: The versions to change (any iterable or async iterable).
            name: As in :meth:`update` (1 to 200 characters).
            description: As in :meth:`update` (``None`` clears it).
            attached_agents: As in :meth:`update` (replaces the whole list).
            pass_threshold_pct: As in :meth:`update` (0 to 100; ``None`` clears it).
            run_mode: As in :meth:`update`.
            default_test_config_id: As in :meth:`update` (``None`` clears it).
            default_call_ids: As in :meth:`update` (replaces the list).
            fork_archived: ``False`` (default): a published version fails with
                ``VersionNotEditableError``. ``True``: it is forked and the fork
                updated, as :meth:`edit` does (``succeeded`` then maps the given id to
                the fork).
            concurrency: Updates in flight at once (default 16).
            on_progress: Called after each id with a ``BulkProgress``.
            total: How many ids to expect, for progress over a generator.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            ``BulkResult`` with ``succeeded`` (version id -> the version changed) and
            ``failed`` (version id -> error), in input order.

        Raises:
            InvalidRequestError: A field breaks a documented limit, ``concurrency`` < 1
                or ``version_ids`` is a single string.
        """
        body = _version_body(
            name=name,
            description=description,
            attached_agents=attached_agents,
            pass_threshold_pct=pass_threshold_pct,
            run_mode=run_mode,
            default_test_config_id=default_test_config_id,
            default_call_ids=default_call_ids,
        )
        check_instance("fork_archived", fork_archived, bool)
        check_request_options(options)
        change = self._edit if fork_archived else self._patch

        async def op(version_id: str) -> WorkbenchSetupVersion:
            return await change(setup_id, version_id, body, options)

        return await run_bulk(
            version_ids, op, concurrency=concurrency, on_progress=on_progress, total=total
        )


def _version_body(
    *,
    name: object,
    description: object,
    attached_agents: object,
    pass_threshold_pct: object,
    run_mode: object,
    default_test_config_id: object,
    default_call_ids: object,
) -> dict[str, object]:
    """Check and build the body that updates a setup version."""
    check_name(name)
    check_str("description", description, nullable=True)
    check_int_range("pass_threshold_pct", pass_threshold_pct, 0, 100, nullable=True)
    check_one_of("run_mode", run_mode, RUN_MODES)
    check_str("default_test_config_id", default_test_config_id, min_len=1, nullable=True)
    check_str_list("default_call_ids", default_call_ids, max_items=MAX_CALL_IDS, item_min_len=1)
    if not isinstance(attached_agents, Unset):
        check_setup_agents(attached_agents)
    return drop_unset(
        {
            "name": name,
            "description": description,
            "attached_agents": attached_agents,
            "pass_threshold_pct": pass_threshold_pct,
            "run_mode": run_mode,
            "default_test_config_id": default_test_config_id,
            "default_call_ids": default_call_ids,
        }
    )


def check_setup_agents(agents: object) -> None:
    """A setup version's roster: at most 20 agents, each with all four fields."""
    roster = checked_items(
        "attached_agents", agents, AttachedAgent, noun="agents", max_items=MAX_SETUP_AGENTS
    )
    for where, agent in roster:
        for field in ("eval_agent_version_id", "weight", "target_level_keys"):
            if getattr(agent, field) is None:
                raise InvalidRequestError(
                    f"{where}.{field} is required on a workbench setup version"
                )
        check_str(f"{where}.eval_agent_id", agent.eval_agent_id, min_len=1)
        check_str(f"{where}.eval_agent_version_id", agent.eval_agent_version_id, min_len=1)
        check_number_range(f"{where}.weight", agent.weight, 0, 100)
        check_str_list(
            f"{where}.target_level_keys", agent.target_level_keys, min_items=1, item_min_len=1
        )


class AsyncWorkbenchSetups(EvalsResource):
    """Workbench setups: ``client.evals.workbench_setups``."""

    __slots__ = ("versions",)

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.versions = AsyncWorkbenchSetupVersions(transport)

    async def list(
        self,
        *,
        limit: int | Unset = UNSET,
        starting_after: str | Unset = UNSET,
        ending_before: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> CursorPage[WorkbenchSetupListItem]:
        """List one page of the organization's workbench setups.

        Args:
            limit: Page size, 1 to 100 (API default 25).
            starting_after: Return setups after this setup id.
            ending_before: Return setups before this setup id (exclusive with
                ``starting_after``).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` out of range, or both cursors given.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await self._list_page(
            _ROUTES.collection,
            CursorPage[WorkbenchSetupListItem],
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
    ) -> AsyncPager[WorkbenchSetupListItem]:
        """Iterate over every workbench setup, one page request at a time.

        Args:
            limit: Page size per request, 1 to 100.
            starting_after: Start after this setup id.
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
        **options: Unpack[RequestOptions],
    ) -> WorkbenchSetupWithVersion:
        """Create a workbench setup with an empty editable draft (version 1).

        Configure the draft with ``versions.update`` (agents, threshold, run mode),
        then :meth:`publish`. Not retried after an ambiguous failure.

        Args:
            name: 1 to 200 characters, not only whitespace.
            description: A description, or ``None`` for none.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``name`` is empty, only whitespace or longer than
                200 characters.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        check_name(name)
        check_str("description", description, nullable=True)
        return await self._call(
            "POST",
            _ROUTES.collection,
            WorkbenchSetupWithVersion,
            json=drop_unset({"name": name, "description": description}),
            options=options,
        )

    async def get(
        self, setup_id: str, **options: Unpack[RequestOptions]
    ) -> WorkbenchSetupWithVersion:
        """Get a workbench setup with its current (draft) version.

        Args:
            setup_id: The workbench setup's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.get_object(
            self, _ROUTES, WorkbenchSetupWithVersion, setup_id, options
        )

    async def update(
        self,
        setup_id: str,
        *,
        name: str | Unset = UNSET,
        description: str | Unset | None = UNSET,
        active_version_id: str | Unset | None = UNSET,
        metadata: Mapping[str, str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> WorkbenchSetupWithVersion:
        """Update setup-level fields; agents, threshold and run mode live on a version.

        Args:
            setup_id: The workbench setup.
            name: 1 to 200 characters, not only whitespace.
            description: New description; ``None`` clears it.
            active_version_id: Point the published version at another archived
                version (e.g. to roll back); ``None`` unpublishes the setup.
            metadata: String keys and values.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: An argument breaks a documented limit.
            NotFoundError: The setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.update_object(
            self,
            _ROUTES,
            WorkbenchSetupWithVersion,
            setup_id,
            name=name,
            description=description,
            active_version_id=active_version_id,
            metadata=metadata,
            options=options,
        )

    async def delete(self, setup_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a workbench setup (a soft delete; the API answers 204).

        Args:
            setup_id: The workbench setup's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: The setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        await versioned.delete_object(self, _ROUTES, setup_id, options)

    async def publish(
        self, setup_id: str, **options: Unpack[RequestOptions]
    ) -> WorkbenchSetupPublishResult:
        """Publish the setup's draft as a new archived version and open a new draft.

        The draft needs at least one attached agent, each with at least one target
        level key. Not retried after an ambiguous failure (it could publish twice).

        Args:
            setup_id: The workbench setup's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            UnprocessableEntityError: The draft fails the publish checks.
            NotFoundError: The setup does not exist.
            EvalsDisabledError: Evals is not enabled for the organization.
        """
        return await versioned.publish(
            self, _ROUTES, WorkbenchSetupPublishResult, setup_id, options
        )
