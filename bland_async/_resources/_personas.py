"""Personas: ``client.personas``, ``.versions`` and ``.inbound`` (docs/api-notes.md: P1-P11)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, Unpack

from bland_async._bulk import (
    BulkOp,
    BulkOutcome,
    BulkProgress,
    BulkResult,
    Skipped,
    run_bulk,
    stream_bulk,
)
from bland_async._converter import drop_unset, set_request_id, to_json_value
from bland_async._errors import (
    APIConnectionError,
    APIStatusError,
    BlandError,
    InvalidRequestError,
    ResponseValidationError,
)
from bland_async._logging import logger
from bland_async._options import RequestOptions, check_request_options
from bland_async._pagination import AsyncPager, page_pager
from bland_async._resources._base import Resource, page_params
from bland_async._retry import Fate, Outcome, fate, parse_retry_after
from bland_async._types import UNSET, Unset
from bland_async._validation import (
    check_e164,
    check_instance,
    check_int_range,
    check_str,
    check_str_list,
)
from bland_async.models._personas import (
    CallConfig,
    InboundNumberSettings,
    PathwayCondition,
    Persona,
    PersonaDeleteResult,
    PersonaInboundNumbers,
    PersonaSettings,
    PersonaVersion,
)
from bland_async.models._release import CONFIG_FIELDS, FieldChange, PersonaDiff

if TYPE_CHECKING:
    import builtins

    from bland_async._transport import Transport

__all__ = ["AsyncPersonaInbound", "AsyncPersonaVersions", "AsyncPersonas", "persona_diff"]

_PERSONAS: Final = "/v1/personas"
_PERSONA: Final = "/v1/personas/{persona_id}"
_PROMOTE: Final = "/v1/personas/{persona_id}/versions/promote"
_VERSIONS: Final = "/v1/personas/{persona_id}/versions"
_VERSION: Final = "/v1/personas/{persona_id}/versions/{version_id}"
_ATTACH: Final = "/v1/personas/{persona_id}/inbound/attach"
_DETACH: Final = "/v1/personas/{persona_id}/inbound/detach"
_SETTINGS: Final = "/v1/personas/{persona_id}/inbound/{phone_number}/settings"


class AsyncPersonaVersions(Resource):
    """Read a persona's versions: ``client.personas.versions``."""

    __slots__ = ()

    async def list(
        self, persona_id: str, **options: Unpack[RequestOptions]
    ) -> builtins.list[PersonaVersion]:
        """List every version of a persona, newest ``version_number`` first (unpaginated).

        Args:
            persona_id: The persona's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            PersonaNotFoundError: The persona does not exist.
        """
        return await self._call(
            "GET", _VERSIONS, list[PersonaVersion], path={"persona_id": persona_id}, options=options
        )

    async def get(
        self, persona_id: str, version_id: str, **options: Unpack[RequestOptions]
    ) -> PersonaVersion:
        """Get one version of a persona by its id.

        Args:
            persona_id: The persona's id.
            version_id: The version's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            VersionNotFoundError: No such version; ``details`` lists the available ones.
        """
        return await self._call(
            "GET",
            _VERSION,
            PersonaVersion,
            path={"persona_id": persona_id, "version_id": version_id},
            options=options,
        )


class AsyncPersonaInbound(Resource):
    """Phone numbers served by a persona: ``client.personas.inbound``."""

    __slots__ = ()

    async def attach(
        self, persona_id: str, numbers: Sequence[str], **options: Unpack[RequestOptions]
    ) -> PersonaInboundNumbers:
        """Attach phone numbers (E.164, owned by the account) to a persona.

        Safe to retry: attaching an attached number again changes nothing.

        Args:
            persona_id: The persona.
            numbers: E.164 numbers such as ``"+14155551234"`` (at least one).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: A number is not E.164, or the list is empty.
            BadRequestError: ``INVALID_INBOUND_NUMBERS``: a number is not the account's.
        """
        return await self._send_numbers(_ATTACH, persona_id, numbers, options)

    async def detach(
        self, persona_id: str, numbers: Sequence[str], **options: Unpack[RequestOptions]
    ) -> PersonaInboundNumbers:
        """Detach phone numbers from a persona; they lose their per-number settings.

        Only numbers attached to this persona are affected. Safe to retry.

        Args:
            persona_id: The persona's id.
            numbers: E.164 numbers to detach (at least one).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: A number is not E.164, or the list is empty.
            PersonaNotFoundError: The persona does not exist.
        """
        return await self._send_numbers(_DETACH, persona_id, numbers, options)

    async def _send_numbers(
        self, route: str, persona_id: str, numbers: Sequence[str], options: RequestOptions
    ) -> PersonaInboundNumbers:
        """Check and POST an attach or detach (safe to retry: the same set comes out)."""
        check_e164("numbers", numbers)
        return await self._call(
            "POST",
            route,
            PersonaInboundNumbers,
            path={"persona_id": persona_id},
            json={"inbound_numbers": list(numbers)},
            idempotent=True,
            options=options,
        )

    async def update_settings(
        self,
        persona_id: str,
        phone_number: str,
        settings: PersonaSettings | None,
        **options: Unpack[RequestOptions],
    ) -> InboundNumberSettings:
        """Set one attached number's persona settings; ``None`` clears them.

        Args:
            persona_id: The persona the number is attached to.
            phone_number: The E.164 number (it is percent-encoded in the path).
            settings: The overrides, or ``None`` to fall back to the persona's defaults.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NotFoundError: ``INBOUND_NOT_FOUND``: the number is not attached to this persona.
        """
        check_e164("phone_number", [phone_number])
        check_instance("settings", settings, PersonaSettings, nullable=True)
        return await self._call(
            "PATCH",
            _SETTINGS,
            InboundNumberSettings,
            path={"persona_id": persona_id, "phone_number": phone_number},
            json=drop_unset({"persona_settings": settings}),
            options=options,
        )


class AsyncPersonas(Resource):
    """Personas: ``client.personas``."""

    __slots__ = ("inbound", "versions")

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.versions = AsyncPersonaVersions(transport)
        self.inbound = AsyncPersonaInbound(transport)

    async def list(
        self,
        *,
        page: int | Unset = UNSET,
        limit: int | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> builtins.list[Persona]:
        """List one page of the organization's personas.

        Args:
            page: Page number, from 1 (API default 1).
            limit: Page size, 1 to 100 (API default 20).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``page`` < 1 or ``limit`` outside 1..100.
        """
        check_int_range("page", page, 1)
        check_int_range("limit", limit, 1, 100)
        return await self._call(
            "GET",
            _PERSONAS,
            list[Persona],
            params=page_params(page=page, limit=limit),
            options=options,
        )

    def iterate(
        self, *, limit: int = 100, **options: Unpack[RequestOptions]
    ) -> AsyncPager[Persona]:
        """Iterate over every persona, fetching ``limit`` per request as iteration goes.

        Stops after the first page shorter than ``limit``.

        Args:
            limit: Page size per request, 1 to 100 (default 100).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``limit`` outside 1..100.
        """
        check_int_range("limit", limit, 1, 100)
        check_request_options(options)

        async def fetch(page: int) -> builtins.list[Persona]:
            return await self.list(page=page, limit=limit, **options)

        return page_pager(fetch, limit=limit)

    async def create(
        self,
        *,
        name: str,
        role: str | Unset = UNSET,
        description: str | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        image_url: str | Unset = UNSET,
        call_config: CallConfig | Unset = UNSET,
        orchestration_prompt: str | Unset = UNSET,
        personality_prompt: str | Unset = UNSET,
        default_tools: Sequence[Mapping[str, object]] | Unset = UNSET,
        pathway_conditions: Sequence[PathwayCondition] | Unset = UNSET,
        kb_ids: Sequence[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Persona:
        """Create a persona; its configuration becomes both production and draft.

        Not retried after a failure that may have reached the server (it would create a
        duplicate); such failures raise with ``may_have_been_applied=True``.

        Args:
            name: Display name (not empty).
            role: The persona's role, e.g. ``"Customer support"``.
            description: A description.
            tags: Tags (strings).
            image_url: Profile image URL.
            call_config: Call settings (a ``CallConfig``).
            orchestration_prompt: The orchestration prompt.
            personality_prompt: The behaviour (personality) prompt.
            default_tools: Tool definitions (objects; the API does not document their schema).
            pathway_conditions: Routing rules (``PathwayCondition``, all five fields each).
            kb_ids: Knowledge-base ids.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: A field has the wrong type or ``name`` is empty.
        """
        body = _persona_body(
            name=name,
            role=role,
            description=description,
            tags=tags,
            image_url=image_url,
            call_config=call_config,
            orchestration_prompt=orchestration_prompt,
            personality_prompt=personality_prompt,
            default_tools=default_tools,
            pathway_conditions=pathway_conditions,
            kb_ids=kb_ids,
        )
        return await self._call("POST", _PERSONAS, Persona, json=body, options=options)

    async def get(self, persona_id: str, **options: Unpack[RequestOptions]) -> Persona:
        """Get a persona with its production and draft versions and inbound numbers.

        Args:
            persona_id: The persona's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            PersonaNotFoundError: The persona does not exist.
        """
        return await self._call(
            "GET", _PERSONA, Persona, path={"persona_id": persona_id}, options=options
        )

    async def update(
        self,
        persona_id: str,
        *,
        name: str | Unset = UNSET,
        role: str | Unset = UNSET,
        description: str | Unset = UNSET,
        tags: Sequence[str] | Unset = UNSET,
        image_url: str | Unset = UNSET,
        call_config: CallConfig | Unset = UNSET,
        orchestration_prompt: str | Unset = UNSET,
        personality_prompt: str | Unset = UNSET,
        default_tools: Sequence[Mapping[str, object]] | Unset = UNSET,
        pathway_conditions: Sequence[PathwayCondition] | Unset = UNSET,
        kb_ids: Sequence[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Persona:
        """Update a persona. Configuration fields go to the draft; promote to make them live.

        Persona-level fields (``name``, ``role``, ``description``, ``tags``,
        ``image_url``) apply at once. The API documents ``name`` as required on this
        call, so when it is not given the persona is read first and its current name sent.
        Lists (``tags``, ``kb_ids``, ...) replace the existing ones.

        Args:
            persona_id: The persona's id.
            name: Display name (not empty).
            role: The persona's role, e.g. ``"Customer support"``.
            description: A description.
            tags: Tags (strings).
            image_url: Profile image URL.
            call_config: Call settings (a ``CallConfig``).
            orchestration_prompt: The orchestration prompt.
            personality_prompt: The behaviour (personality) prompt.
            default_tools: Tool definitions (objects; the API does not document their schema).
            pathway_conditions: Routing rules (``PathwayCondition``, all five fields each).
            kb_ids: Knowledge-base ids.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: A field has the wrong type.
            PersonaNotFoundError: The persona does not exist.
        """
        body = _persona_body(
            name=name,
            role=role,
            description=description,
            tags=tags,
            image_url=image_url,
            call_config=call_config,
            orchestration_prompt=orchestration_prompt,
            personality_prompt=personality_prompt,
            default_tools=default_tools,
            pathway_conditions=pathway_conditions,
            kb_ids=kb_ids,
        )
        if "name" not in body:
            body["name"] = (await self.get(persona_id, **options)).name
        return await self._call(
            "PATCH", _PERSONA, Persona, path={"persona_id": persona_id}, json=body, options=options
        )

    async def delete(
        self, persona_id: str, *, force: bool = False, **options: Unpack[RequestOptions]
    ) -> PersonaDeleteResult:
        """Delete a persona with all its versions.

        Args:
            persona_id: The persona.
            force: Delete even when phone numbers still use it (they are detached).
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            PersonaInUseError: Numbers use it and ``force`` is false;
                ``details["phone_numbers_using"]`` lists them.
            PersonaNotFoundError: The persona does not exist.
        """
        check_instance("force", force, bool)
        return await self._call(
            "DELETE",
            _PERSONA,
            PersonaDeleteResult,
            path={"persona_id": persona_id},
            params={"force": True} if force else None,
            options=options,
        )

    async def promote(
        self, persona_id: str, *, only_if_changed: bool = False, **options: Unpack[RequestOptions]
    ) -> Persona:
        """Promote the persona's current draft to a new production version.

        With ``only_if_changed=True`` the persona is read first (one GET), and when its
        draft's configuration equals production's (see :meth:`diff`), or it has no draft,
        that persona is returned and no promotion is sent. Rerunning a release after a
        crash therefore promotes only what is still pending.

        The previous production version is archived; the draft stays as it is. Promote
        is not idempotent, so it is never resent blindly:

        - After a server failure (500, 503) the persona is re-read once; if nothing was
          applied the promotion is sent again (at most ``max_retries`` more times).
        - When the outcome is unknown (the response was lost to a reset connection or a
          read timeout, or a gateway answered 502/504 while the server may still be
          working), the persona is re-read up to ``max_retries + 1`` times, with
          backoff, and the promotion is never sent again.

        The call succeeds when a re-read shows production holding the current draft:
        promoted from it at or after its last edit. That is the end state a promotion
        guarantees, whichever request made it (an earlier promotion of the same,
        unchanged draft counts). Otherwise, once the promotion may have been applied,
        every error it raises has ``may_have_been_applied=True`` (whatever went wrong
        with the re-reads: a 429, a 5xx, a timeout), so nothing above it may resend.
        Only a refusal of the POST itself (a 429 after the transport's retries, a 4xx)
        or a failure that never reached the server has ``may_have_been_applied=False``.
        A flaky network never yields two new production versions for one call.

        Args:
            persona_id: The persona's id.
            only_if_changed: Read the persona first and send no promotion when its draft equals
                production (or it has no draft); see :meth:`diff`.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            NoDraftVersionError: The persona has no draft to promote.
            PersonaNotFoundError: The persona does not exist.
            RateLimitError: The POST was refused on every attempt (never applied).
            APIConnectionError: The network kept failing, or the outcome stayed unknown
                (``may_have_been_applied`` tells which).
            InternalServerError: The server kept failing (``may_have_been_applied``
                tells whether it may have applied).
            ResponseValidationError: The answer and the re-reads could not be read
                (``may_have_been_applied=True``).
        """
        check_instance("only_if_changed", only_if_changed, bool)
        if only_if_changed:
            result = await self._promote_if_changed(persona_id, options)
            return result.value if isinstance(result, Skipped) else result
        return await self._promote(persona_id, options)

    async def _promote_if_changed(
        self, persona_id: str, options: RequestOptions
    ) -> Persona | Skipped[Persona]:
        """Promote unless the draft equals production; then the persona read, as skipped."""
        persona = await self.get(persona_id, **options)
        if not persona_diff(persona).changed:
            return Skipped(persona)
        return await self._promote(persona_id, options)

    async def _promote(self, persona_id: str, options: RequestOptions) -> Persona:
        """Send the promotion and reconcile (the contract is :meth:`promote`'s)."""
        transport = self._transport.for_call(options)
        rounds = transport.options.max_retries + 1
        error: APIConnectionError | APIStatusError | ResponseValidationError
        for round_index in range(rounds):
            try:
                return await self._call(
                    "POST",
                    _PROMOTE,
                    Persona,
                    path={"persona_id": persona_id},
                    idempotent=False,
                    options=options,
                )
            except (APIConnectionError, APIStatusError) as exc:
                kind = _fate_of(exc)
                if not kind.may_have_applied:
                    raise  # refused or settled by the server: nothing was applied
                error = exc
            except ResponseValidationError as exc:
                # A 2xx (applied) whose body could not be read: look at the persona instead.
                kind, error = Fate.UNKNOWN, exc
            # It may have been applied, perhaps is still being applied: look, with backoff.
            resend = kind is Fate.FAILED and round_index + 1 < rounds
            looks = 1 if kind is Fate.FAILED else rounds
            reconciled, read_error = await self._look(persona_id, round_index, looks, options)
            if reconciled is not None:
                transport.counters.count_reconciled()
                logger.info(
                    "promote %s: reconciled: %s, and a re-read shows production holding the draft",
                    persona_id,
                    error,
                )
                return reconciled
            if read_error is None and resend:
                # A settled failure, and the read shows nothing applied: resend.
                logger.info(
                    "promote %s: %s; a re-read shows nothing applied, sending it again",
                    persona_id,
                    error,
                )
                continue
            if read_error is not None or kind is Fate.UNKNOWN:
                error.may_have_been_applied = True
                error.add_note(
                    f"promote: {looks} re-read(s) of persona {persona_id} "
                    + (
                        f"failed ({read_error})"
                        if read_error is not None
                        else "did not show the promotion applied (it may still be)"
                    )
                )
            else:  # every POST answered a failure and the last read showed nothing applied
                error.may_have_been_applied = False
            raise error from read_error
        raise AssertionError("unreachable")  # pragma: no cover

    async def _look(
        self, persona_id: str, round_index: int, looks: int, options: RequestOptions
    ) -> tuple[Persona | None, BlandError | None]:
        """Re-read the persona up to ``looks`` times until production holds the draft.

        Returns the persona once production holds the draft (else ``None``), and the
        error of the last read when it failed.
        """
        policy = self._transport.options.retry_policy
        read_error: BlandError | None = None
        for look in range(looks):
            await asyncio.sleep(policy.backoff_ceiling(round_index + look))
            try:
                persona = await self.get(persona_id, **options)
            except BlandError as exc:
                read_error = exc  # a 429 or a blip on the read: look again later
                if isinstance(exc, APIStatusError) and _fate_of(exc) is Fate.DONE:
                    break  # gone, forbidden, ...: looking again will not tell more
                continue
            if _production_reflects_draft(persona):
                return persona, None
            read_error = None
        return None, read_error

    async def promote_many(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = 16,
        on_progress: Callable[[BulkProgress], object] | None = None,
        only_if_changed: bool = False,
        total: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> BulkResult[Persona]:
        """Promote many personas concurrently and report every outcome.

        At most ``concurrency`` promotions are in flight. A failure of one id is
        recorded in ``failed`` and never cancels the others; duplicate ids are promoted
        once. Each promotion reconciles like :meth:`promote`, and a 429 pauses the whole
        client (not just one task), so a large job slows down instead of stampeding.

        Args:
            ids: Persona ids (a list, any iterable, or an async iterable).
            concurrency: Promotions in flight at once (default 16).
            on_progress: Called after each id finishes with a ``BulkProgress``
                (``done``, ``succeeded``, ``failed``, ``skipped``, ``total``,
                ``elapsed``, ``rate``); an exception it raises stops the job.
            only_if_changed: Read each persona first and leave it alone (in
                ``skipped``) when its draft equals production; a rerun of a finished
                release sends no promotion.
            total: How many ids to expect, for progress over an iterable without
                ``len()`` (a generator); a sized input reports its own size.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            ``BulkResult`` with ``succeeded`` (id -> Persona), ``failed`` (id -> error)
            and ``skipped`` (id -> Persona read), each in input order.

        Raises:
            InvalidRequestError: ``concurrency`` < 1, ``total`` < 0, or ``ids`` is a
                single string.
        """
        return await run_bulk(
            ids,
            self._bulk_op(only_if_changed, options),
            concurrency=concurrency,
            on_progress=on_progress,
            total=total,
        )

    def promote_each(
        self,
        ids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = 16,
        on_progress: Callable[[BulkProgress], object] | None = None,
        only_if_changed: bool = False,
        total: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[BulkOutcome[Persona]]:
        """Promote many personas, yielding each outcome as it completes.

        Like :meth:`promote_many` (the same arguments), but memory stays bounded by
        ``concurrency`` rather than by the number of ids (which may come from a
        generator): nothing is kept after an outcome is yielded except the set of ids
        already seen (to promote duplicates once). An outcome left alone by
        ``only_if_changed`` has ``skipped=True``. Work starts on the first iteration;
        dropping the iterator cancels the promotions still in flight.

        Args:
            ids: As in :meth:`promote_many`.
            concurrency: As in :meth:`promote_many`.
            on_progress: As in :meth:`promote_many`.
            only_if_changed: Read the persona first and send no promotion when its draft equals
                production (or it has no draft); see :meth:`diff`.
            total: As in :meth:`promote_many`.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Raises:
            InvalidRequestError: ``concurrency`` < 1, ``total`` < 0, or ``ids`` is a
                single string.
        """
        return stream_bulk(
            ids,
            self._bulk_op(only_if_changed, options),
            concurrency=concurrency,
            on_progress=on_progress,
            total=total,
        )

    def _bulk_op(self, only_if_changed: bool, options: RequestOptions) -> BulkOp[Persona]:
        check_instance("only_if_changed", only_if_changed, bool)
        check_request_options(options)
        promote = self._promote_if_changed if only_if_changed else self._promote
        return functools.partial(promote, options=options)

    async def diff(self, persona_id: str, **options: Unpack[RequestOptions]) -> PersonaDiff:
        """Compare the persona's production and draft configuration (one GET).

        The configuration is the version-level fields a promotion copies:
        ``orchestration_prompt``, ``personality_prompt``, ``pathway_conditions``,
        ``kb_ids``, ``call_config`` and ``default_tools``. They compare by value (a list
        or object whole; ``None`` equals a missing value).

        Args:
            persona_id: The persona's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            ``PersonaDiff``: ``changed`` tells whether promoting would change
            production; ``changes`` maps each differing field to a ``FieldChange``
            (``production``, ``draft``), values as the API's JSON.

        Raises:
            PersonaNotFoundError: The persona does not exist.
        """
        persona = await self.get(persona_id, **options)
        result = persona_diff(persona)
        set_request_id(result, persona.request_id)
        return result

    async def reset_draft(self, persona_id: str, **options: Unpack[RequestOptions]) -> Persona:
        """Discard the draft's edits: write production's configuration onto the draft.

        Reads the persona (P3), then updates it (P4) with production's configuration
        fields and the persona's current ``name``; production is not touched. Afterwards
        :meth:`diff` shows no changes. Safe to retry (an update is idempotent).

        Args:
            persona_id: The persona's id.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            The updated persona.

        Raises:
            InvalidRequestError: The persona has no production version to reset to.
            NoDraftVersionError: The persona has no draft.
            PersonaNotFoundError: The persona does not exist.
        """
        persona = await self.get(persona_id, **options)
        production = persona.current_production_version
        if production is None:
            raise InvalidRequestError(
                f"persona {persona_id} has no production version to reset the draft to"
            )
        return await self._write_draft(persona, production, options)

    async def rollback(
        self, persona_id: str, version_id: str, **options: Unpack[RequestOptions]
    ) -> Persona:
        """Make an earlier version's configuration live again, as a new production version.

        Reads the target version (P10) and the persona, writes the target's
        configuration onto the draft (P4, with the persona's current ``name``), checks
        the draft took it, then promotes with all of :meth:`promote`'s reconciliation:
        a flaky network never yields two new production versions for one call. The
        draft keeps the target's configuration afterwards.

        Args:
            persona_id: The persona.
            version_id: The version (usually an archived one) to return to.
            **options: Per-call options: ``timeout``, ``max_retries``, ``extra_headers``,
                ``extra_query``, ``extra_body`` (see ``RequestOptions``).

        Returns:
            The persona, whose production version has the target's configuration and a
            new ``version_number``.

        Raises:
            VersionNotFoundError: No such version of this persona.
            NoDraftVersionError: The persona has no draft to write to.
            BlandError: The update did not leave the draft with the target's
                configuration (nothing was promoted).
            APIConnectionError, InternalServerError, ...: As :meth:`promote`.
        """
        target = await self.versions.get(persona_id, version_id, **options)
        persona = await self.get(persona_id, **options)
        updated = await self._write_draft(persona, target, options)
        draft = updated.current_draft_version
        left = [
            field
            for field in CONFIG_FIELDS
            if draft is None or _config_value(draft, field) != _config_value(target, field)
        ]
        if left:
            raise BlandError(
                f"rollback of persona {persona_id} to version {version_id}: after the "
                f"update the draft still differs in {', '.join(left)}; nothing was promoted"
            )
        return await self._promote(persona_id, options)

    async def _write_draft(
        self, persona: Persona, source: PersonaVersion, options: RequestOptions
    ) -> Persona:
        """PATCH ``source``'s configuration onto the persona's draft (``None`` clears)."""
        body: dict[str, object] = {"name": persona.name}
        body.update((field, _config_value(source, field)) for field in CONFIG_FIELDS)
        return await self._call(
            "PATCH", _PERSONA, Persona, path={"persona_id": persona.id}, json=body, options=options
        )


def persona_diff(persona: Persona) -> PersonaDiff:
    """Compare a persona's production and draft configuration, without a request.

    A missing version compares as all values ``None``; a persona without a draft has
    nothing to promote, so its diff is empty.
    """
    production = persona.current_production_version
    draft = persona.current_draft_version
    changes: dict[str, FieldChange] = {}
    if draft is not None:
        for field in CONFIG_FIELDS:
            live = _config_value(production, field)
            staged = _config_value(draft, field)
            if live != staged:
                changes[field] = FieldChange(production=live, draft=staged)
    return PersonaDiff(
        persona_id=persona.id,
        production_version_id=production.id if production is not None else None,
        draft_version_id=draft.id if draft is not None else None,
        changes=changes,
    )


def _config_value(version: PersonaVersion | None, field: str) -> object:
    """One configuration field of a version as the API's JSON (``None`` when absent)."""
    return None if version is None else to_json_value(getattr(version, field))


def _fate_of(exc: APIConnectionError | APIStatusError) -> Fate:
    """What a transport error says about the request on the server."""
    if isinstance(exc, APIStatusError):
        return fate(Outcome.ANSWERED, exc.status, parse_retry_after(exc.headers))
    return fate(Outcome.LOST if exc.may_have_been_applied else Outcome.NOT_SENT)


def _production_reflects_draft(persona: Persona) -> bool:
    """Whether production holds the current draft: promoted from it after its last edit."""
    production = persona.current_production_version
    draft = persona.current_draft_version
    if production is None or draft is None or production.promoted_at is None:
        return False
    return (
        production.promoted_from_version_id == draft.id
        and production.promoted_at >= draft.updated_at
    )


def _persona_body(
    *,
    name: str | Unset,
    role: str | Unset,
    description: str | Unset,
    tags: Sequence[str] | Unset,
    image_url: str | Unset,
    call_config: CallConfig | Unset,
    orchestration_prompt: str | Unset,
    personality_prompt: str | Unset,
    default_tools: Sequence[Mapping[str, object]] | Unset,
    pathway_conditions: Sequence[PathwayCondition] | Unset,
    kb_ids: Sequence[str] | Unset,
) -> dict[str, object]:
    check_str("name", name, min_len=1)
    for field, value in (
        ("role", role),
        ("description", description),
        ("image_url", image_url),
        ("orchestration_prompt", orchestration_prompt),
        ("personality_prompt", personality_prompt),
    ):
        check_str(field, value)
    check_str_list("tags", tags)
    check_str_list("kb_ids", kb_ids)
    check_instance("call_config", call_config, CallConfig)
    if not isinstance(pathway_conditions, Unset):
        check_instance("pathway_conditions", pathway_conditions, Sequence)
        for i, condition in enumerate(pathway_conditions):
            check_instance(f"pathway_conditions[{i}]", condition, PathwayCondition)
    if not isinstance(default_tools, Unset):
        check_instance("default_tools", default_tools, Sequence)
        for i, tool in enumerate(default_tools):
            check_instance(f"default_tools[{i}]", tool, Mapping)
    return drop_unset(
        {
            "name": name,
            "role": role,
            "description": description,
            "tags": tags,
            "image_url": image_url,
            "call_config": call_config,
            "orchestration_prompt": orchestration_prompt,
            "personality_prompt": personality_prompt,
            "default_tools": default_tools,
            "pathway_conditions": pathway_conditions,
            "kb_ids": kb_ids,
        }
    )
