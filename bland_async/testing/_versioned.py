"""Versioned Evals resources: the lifecycle eval agents and workbench setups share.

A versioned resource (an eval agent, a workbench setup) has an editable draft
(`current_version_id`) and optionally a published version
(`active_version_id`, state `archived`):

- create makes the resource and its editable draft, version 1;
- PATCH on the resource changes `name`, `description`, `metadata` (replaced)
  and `active_version_id` (one of its archived versions, or null to unpublish);
- publishing checks the draft (422 `PUBLISH_VALIDATION_FAILED` with the
  `reasons`), archives it as the active version and opens a new draft copied
  from it;
- forking copies a version (default: the draft) into a new editable one and
  does not move `current_version_id`;
- PATCH on a version validates the body, then refuses archived versions (409
  `VERSION_NOT_EDITABLE`);
- deletes are soft: the resource then answers 404 and leaves the lists.

`Kind` says where one kind's records live and how its 404s read; `Lifecycle`
adds the rules where the kinds differ (what a draft is made of, what a version
PATCH may change, what publishing requires, what list items add) and serves
the ten routes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

import attrs

from ._common import (
    ApiError,
    JSONObject,
    check_str,
    check_string_map,
    cursor_page,
    no_content,
    ok,
    read_body,
    require,
    unique_slug,
    validation_error,
)
from ._state import FakeState, apply_body, seeding, state_of

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["MAX_NAME", "Kind", "Lifecycle", "check_name", "parse_meta"]

MAX_NAME: Final = 200


def check_name(value: object, path: str = "name") -> str:
    """An eval agent, agent version, setup or setup version name: 1 to 200 characters.

    The API documents "1 to 200 characters"; a name that is empty once
    whitespace is stripped (`"   "`) is refused like an empty one.
    """
    name = check_str(value, path, min_len=1, max_len=MAX_NAME) or ""
    if not name.strip():
        raise validation_error(path, f"{path} must not be blank (only whitespace)")
    return name


def parse_meta(body: JSONObject) -> JSONObject:
    """Validate the `name` and `description` present in `body`; return only those."""
    fields: JSONObject = {}
    if "name" in body:
        fields["name"] = check_name(body["name"])
    if "description" in body:
        fields["description"] = check_str(body["description"], "description", nullable=True)
    return fields


@attrs.frozen
class Kind:
    """Where one kind of versioned resource is stored, and how its lookups fail.

    Everything follows from the resource's snake_case name, as in the API:
    `Kind("eval_agent")` keeps its resources in `FakeState.eval_agents` and
    their versions in `FakeState.eval_agent_versions`, which point back with
    `eval_agent_id`; a miss is 404 `EVAL_AGENT_NOT_FOUND` "Eval agent not
    found" (`EVAL_AGENT_VERSION_NOT_FOUND` for a version).

    Attributes:
        name: the resource's snake_case name (`eval_agent`, `workbench_setup`).
    """

    name: str

    @property
    def parent_key(self) -> str:
        """The versions' pointer to their resource (`eval_agent_id`), also in 404s and publishes."""
        return f"{self.name}_id"

    @property
    def noun(self) -> str:
        """The last word (`agent`): the bundle's key, the key slug fallback, "of this agent"."""
        return self.name.rsplit("_", 1)[-1]

    @property
    def title(self) -> str:
        """The name in messages (`Eval agent`)."""
        return self.name.replace("_", " ").capitalize()

    def records(self, state: FakeState) -> dict[str, JSONObject]:
        """The resources, soft-deleted ones included, in creation order."""
        records: dict[str, JSONObject] = getattr(state, f"{self.name}s")
        return records

    def versions(self, state: FakeState) -> dict[str, JSONObject]:
        """Every version of every resource of this kind, by id."""
        versions: dict[str, JSONObject] = getattr(state, f"{self.name}_versions")
        return versions

    def find(self, state: FakeState, record_id: str) -> JSONObject:
        """Return a live resource, or raise 404 `{NAME}_NOT_FOUND` (also when deleted)."""
        record = self.records(state).get(record_id)
        if record is None or record["deleted_at"] is not None:
            raise ApiError(
                404,
                f"{self.name.upper()}_NOT_FOUND",
                f"{self.title} not found",
                {self.parent_key: record_id},
            )
        return record

    def find_version(self, state: FakeState, record: JSONObject, version_id: str) -> JSONObject:
        """Return a version of `record`, or 404 `{NAME}_VERSION_NOT_FOUND` (also another's)."""
        version = self.versions(state).get(version_id)
        if version is None or version[self.parent_key] != record["id"]:
            raise ApiError(
                404,
                f"{self.name.upper()}_VERSION_NOT_FOUND",
                f"{self.title} version not found",
                {self.parent_key: record["id"], "version_id": version_id},
            )
        return version

    def versions_of(self, state: FakeState, record_id: str) -> list[JSONObject]:
        """The resource's versions, highest `version_number` first."""
        versions = [v for v in self.versions(state).values() if v[self.parent_key] == record_id]
        return sorted(versions, key=lambda v: v["version_number"], reverse=True)


@attrs.frozen
class Lifecycle:
    """One kind's lifecycle: the shared state rules with the kind's own checks.

    Attributes:
        kind: where the records live.
        copied: the version fields a new version copies from its source (a
            fork's source, the draft being published, the create's content).
        created_status: the status of create and fork answers.
        patch_order: the order PATCH on the resource checks `metadata` and
            `active_version_id` in, after `name` and `description` (the first
            bad field is the one the 400 or 404 names).
        fork_finds_source_first: whether a fork looks its source version up
            (404) before it checks `name` and `description` (400).
        draft_content: the content of a create's draft from the create body
            (`name` and `description` are read already).
        parse_version: the fields a version PATCH body sets, besides `name`
            and `description`, given the version it would change.
        publish_reasons: why the draft cannot be published (empty: it can).
        newest_first: the live resources (in creation order) in list order.
        item_extras: what a resource's list item adds, from its draft.
        version_extras: what a version's list item adds, from the version.
        latest_run: the `latest_run` of a resource's list item.
        latest_version_run: the `latest_run` of a version's list item.
    """

    kind: Kind
    copied: tuple[str, ...]
    created_status: int
    patch_order: tuple[str, str]
    fork_finds_source_first: bool
    draft_content: Callable[[FakeState, JSONObject], JSONObject]
    parse_version: Callable[[JSONObject, JSONObject], JSONObject]
    publish_reasons: Callable[[FakeState, JSONObject], list[str]]
    newest_first: Callable[[list[JSONObject]], list[JSONObject]]
    item_extras: Callable[[JSONObject], JSONObject]
    version_extras: Callable[[JSONObject], JSONObject]
    latest_run: Callable[[FakeState, str], JSONObject | None]
    latest_version_run: Callable[[FakeState, str], JSONObject | None]

    # --- serialisation -------------------------------------------------------------

    def bundle(self, state: FakeState, record_id: str) -> JSONObject:
        """Serialise `{noun: resource, "current_version": its draft}` (create, get, PATCH)."""
        record = self.kind.find(state, record_id)
        return {
            self.kind.noun: copy.deepcopy(record),
            "current_version": copy.deepcopy(
                self.kind.versions(state)[record["current_version_id"]]
            ),
        }

    def list_item(self, state: FakeState, record: JSONObject) -> JSONObject:
        """Serialise a resource as its list shows it."""
        versions = self.kind.versions(state)
        active_id = record["active_version_id"]
        return {
            "id": record["id"],
            "name": record["name"],
            "description": record["description"],
            "current_version_id": record["current_version_id"],
            "active_version_id": active_id,
            "active_version_number": versions[active_id]["version_number"] if active_id else None,
            **self.item_extras(versions[record["current_version_id"]]),
            "latest_run": self.latest_run(state, record["id"]),
            "metadata": dict(record["metadata"]),
            "created_at": record["created_at"],
            "updated_at": record["updated_at"],
        }

    def version_list_item(self, state: FakeState, version: JSONObject) -> JSONObject:
        """Serialise a version as its list (and a publish result) shows it."""
        return {
            "id": version["id"],
            self.kind.parent_key: version[self.kind.parent_key],
            "version_number": version["version_number"],
            "name": version["name"],
            "state": version["state"],
            **self.version_extras(version),
            "created_by": version["created_by"],
            "created_at": version["created_at"],
            "latest_run": self.latest_version_run(state, version["id"]),
        }

    # --- state rules ---------------------------------------------------------------

    def _new_version(
        self,
        state: FakeState,
        record_id: str,
        *,
        name: str,
        description: str | None,
        content: JSONObject,
        created_from_version_id: str | None,
    ) -> JSONObject:
        existing = self.kind.versions_of(state, record_id)
        now = state.now()
        version: JSONObject = {
            "id": state.new_id(),
            "org_id": state.org_id,
            self.kind.parent_key: record_id,
            "version_number": existing[0]["version_number"] + 1 if existing else 1,
            "name": name,
            "description": description,
            "state": "editable",
            **{key: copy.deepcopy(content[key]) for key in self.copied},
            "created_from_version_id": created_from_version_id,
            "created_by": state.user_id,
            "created_at": now,
            "updated_at": now,
        }
        self.kind.versions(state)[version["id"]] = version
        return version

    def create(self, state: FakeState, body: JSONObject) -> str:
        """Create a resource with an editable draft (version 1); return its id."""
        name = check_name(require(body, "name"))
        description = check_str(body.get("description"), "description", nullable=True)
        content = self.draft_content(state, body)
        record_id = state.new_id()
        draft = self._new_version(
            state,
            record_id,
            name=name,
            description=description,
            content=content,
            created_from_version_id=None,
        )
        records = self.kind.records(state)
        taken = {record["key"] for record in records.values()}
        records[record_id] = {
            "id": record_id,
            "org_id": state.org_id,
            "key": unique_slug(name, taken, fallback=self.kind.noun),
            "name": name,
            "description": description,
            "current_version_id": draft["id"],
            "active_version_id": None,
            "metadata": {},
            "created_at": draft["created_at"],
            "updated_at": draft["created_at"],
            "deleted_at": None,
        }
        return record_id

    def _active_version_id(self, state: FakeState, record: JSONObject, value: object) -> str | None:
        active_id = check_str(value, "active_version_id", nullable=True)
        if active_id is not None:
            version = self.kind.find_version(state, record, active_id)
            if version["state"] != "archived":
                raise validation_error(
                    "active_version_id",
                    "active_version_id must be a published (archived) version of this "
                    f"{self.kind.noun}",
                )
        return active_id

    def update(self, state: FakeState, record_id: str, body: JSONObject) -> None:
        """Update name, description, metadata (replaces) and active_version_id (or null)."""
        record = self.kind.find(state, record_id)
        fields = parse_meta(body)
        checks: Mapping[str, Callable[[object], object]] = {
            "metadata": lambda value: check_string_map(value, "metadata"),
            "active_version_id": lambda value: self._active_version_id(state, record, value),
        }
        for name in self.patch_order:
            if name in body:
                fields[name] = checks[name](body[name])
        record.update(fields)
        record["updated_at"] = state.now()

    def delete(self, state: FakeState, record_id: str) -> None:
        """Soft delete: then 404 everywhere and absent from lists (runs keep their results)."""
        record = self.kind.find(state, record_id)
        now = state.now()
        record["deleted_at"] = now
        record["updated_at"] = now

    def publish(self, state: FakeState, record_id: str) -> JSONObject:
        """Archive the draft as the active version and open a new draft from it.

        Raises:
            ApiError: 422 `PUBLISH_VALIDATION_FAILED` (details `reasons`) when
                `publish_reasons` finds any.
        """
        record = self.kind.find(state, record_id)
        draft = self.kind.versions(state)[record["current_version_id"]]
        reasons = self.publish_reasons(state, draft)
        if reasons:
            raise ApiError(
                422,
                "PUBLISH_VALIDATION_FAILED",
                f"The {self.kind.title.lower()} draft cannot be published",
                {"reasons": reasons},
            )
        new_draft = self._new_version(
            state,
            record_id,
            name=draft["name"],
            description=draft["description"],
            content=draft,
            created_from_version_id=draft["id"],
        )
        draft["state"] = "archived"
        draft["updated_at"] = new_draft["created_at"]
        record["current_version_id"] = new_draft["id"]
        record["active_version_id"] = draft["id"]
        record["updated_at"] = new_draft["created_at"]
        return {
            self.kind.parent_key: record_id,
            "current_version_id": new_draft["id"],
            "active_version_id": draft["id"],
            "published_version": self.version_list_item(state, draft),
        }

    def fork(self, state: FakeState, record_id: str, body: JSONObject) -> JSONObject:
        """A new editable version copied from `from_version_id` (default: the draft)."""
        record = self.kind.find(state, record_id)
        from_id = check_str(body.get("from_version_id"), "from_version_id", nullable=True)
        source_id = from_id or record["current_version_id"]
        if self.fork_finds_source_first:
            source = self.kind.find_version(state, record, source_id)
            fields = parse_meta(body)
        else:
            fields = parse_meta(body)
            source = self.kind.find_version(state, record, source_id)
        version = self._new_version(
            state,
            record_id,
            name=fields["name"] if "name" in fields else source["name"],
            description=fields["description"] if "description" in fields else source["description"],
            content=source,
            created_from_version_id=source["id"],
        )
        return copy.deepcopy(version)

    def update_version(
        self, state: FakeState, record_id: str, version_id: str, body: JSONObject
    ) -> JSONObject:
        """Update an editable version; archived ones are 409 `VERSION_NOT_EDITABLE`."""
        record = self.kind.find(state, record_id)
        version = self.kind.find_version(state, record, version_id)
        fields = parse_meta(body) | self.parse_version(body, version)
        if version["state"] != "editable":
            raise ApiError(
                409,
                "VERSION_NOT_EDITABLE",
                "Only editable versions can be updated; fork this version first",
                {"version_id": version_id, "state": version["state"]},
            )
        version.update(fields)
        version["updated_at"] = state.now()
        return copy.deepcopy(version)

    def seed(
        self,
        state: FakeState,
        body: JSONObject,
        *,
        metadata: Mapping[str, str] | None,
        version_fields: Mapping[str, object],
        publish: bool,
    ) -> JSONObject:
        """Create a resource as the API would, set its metadata and draft, maybe publish it.

        All or nothing; an API error becomes a ValueError (see `seeding`).
        """
        with seeding(state):
            record_id = self.create(state, body)
            if metadata is not None:
                self.update(state, record_id, {"metadata": dict(metadata)})
            if version_fields:
                draft_id = self.kind.records(state)[record_id]["current_version_id"]
                self.update_version(state, record_id, draft_id, dict(version_fields))
            if publish:
                self.publish(state, record_id)
            return self.bundle(state, record_id)

    # --- routes --------------------------------------------------------------------

    def add_routes(self, routes: web.RouteTableDef, base: str, param: str) -> None:
        """Register the kind's ten routes under `base`, the resource id named `param`."""
        one = f"{base}/{{{param}}}"
        versions = f"{one}/versions"
        version = f"{versions}/{{version_id}}"

        async def list_records(request: web.Request) -> web.Response:
            """Cursor list of the live resources, newest first."""
            state = state_of(request)
            live = [r for r in self.kind.records(state).values() if r["deleted_at"] is None]
            return ok(
                cursor_page(
                    request.query,
                    self.newest_first(live),
                    id_of=lambda record: record["id"],
                    render=lambda record: self.list_item(state, record),
                )
            )

        async def create(request: web.Request) -> web.Response:
            """Create a resource and its draft."""
            state = state_of(request)
            record_id = self.create(state, await read_body(request))
            return ok(self.bundle(state, record_id), status=self.created_status)

        async def get(request: web.Request) -> web.Response:
            """The resource and its draft."""
            return ok(self.bundle(state_of(request), request.match_info[param]))

        async def update(request: web.Request) -> web.Response:
            """Update the resource's own fields."""
            state = state_of(request)
            body = await read_body(request)
            record_id = request.match_info[param]
            self.update(state, record_id, body)
            return ok(self.bundle(state, record_id))

        async def delete(request: web.Request) -> web.Response:
            """Soft delete (204)."""
            self.delete(state_of(request), request.match_info[param])
            return no_content()

        async def publish(request: web.Request) -> web.Response:
            """Publish the draft."""
            return ok(self.publish(state_of(request), request.match_info[param]))

        async def list_versions(request: web.Request) -> web.Response:
            """Cursor list of versions, highest `version_number` first."""
            state = state_of(request)
            record = self.kind.find(state, request.match_info[param])
            return ok(
                cursor_page(
                    request.query,
                    self.kind.versions_of(state, record["id"]),
                    id_of=lambda version: version["id"],
                    render=lambda version: self.version_list_item(state, version),
                )
            )

        async def fork(request: web.Request) -> web.Response:
            """Fork a version."""
            return await apply_body(request, self.fork, param, status=self.created_status)

        async def get_version(request: web.Request) -> web.Response:
            """One full version."""
            state = state_of(request)
            record = self.kind.find(state, request.match_info[param])
            return ok(
                copy.deepcopy(
                    self.kind.find_version(state, record, request.match_info["version_id"])
                )
            )

        async def update_version(request: web.Request) -> web.Response:
            """Update an editable version."""
            body = await read_body(request)
            match = request.match_info
            return ok(
                self.update_version(state_of(request), match[param], match["version_id"], body)
            )

        routes.get(base)(list_records)
        routes.post(base)(create)
        routes.get(one)(get)
        routes.patch(one)(update)
        routes.delete(one)(delete)
        routes.post(f"{one}/publications")(publish)
        routes.get(versions)(list_versions)
        routes.post(versions)(fork)
        routes.get(version)(get_version)
        routes.patch(version)(update_version)
