"""What eval agents and workbench setups share: they are versioned alike (E1-E20).

Each kind has a collection (list, create), the object itself (get, update, delete), its
publications (publish) and its versions (list, fork, get, update); the two lists are
``EvalsResource._list_page`` calls. The public methods stay
spelled out on each resource class, since their signatures and docstrings are the API's;
their bodies call the functions here with the kind's :class:`Routes` and model types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from bland_async._converter import drop_unset
from bland_async._validation import check_name, check_str, check_string_map

if TYPE_CHECKING:
    from bland_async._options import RequestOptions
    from bland_async._resources._evals_base import EvalsResource

__all__ = [
    "Routes",
    "delete_object",
    "fork_version",
    "get_object",
    "get_version",
    "publish",
    "update_object",
    "update_version",
]

_T = TypeVar("_T")


class Routes:
    """The routes of one versioned kind, from its collection and the name of its id.

    For ``Routes("/v1/evals/agents", "eval_agent_id")``: ``item`` is
    ``/v1/evals/agents/{eval_agent_id}``, ``publications`` and ``versions`` are below it,
    and ``version`` is ``versions`` + ``/{version_id}``.
    """

    __slots__ = ("collection", "id_name", "item", "publications", "version", "versions")

    def __init__(self, collection: str, id_name: str) -> None:
        self.collection = collection
        self.id_name = id_name
        self.item = f"{collection}/{{{id_name}}}"
        self.publications = f"{self.item}/publications"
        self.versions = f"{self.item}/versions"
        self.version = f"{self.versions}/{{version_id}}"

    def path(self, object_id: str, version_id: str | None = None) -> dict[str, str]:
        """The path parameters of the object ``object_id`` (and of one of its versions)."""
        path = {self.id_name: object_id}
        if version_id is not None:
            path["version_id"] = version_id
        return path


async def get_object(
    resource: EvalsResource, routes: Routes, cls: type[_T], object_id: str, options: RequestOptions
) -> _T:
    """Get the object with its current (draft) version."""
    path = routes.path(object_id)
    return await resource._call("GET", routes.item, cls, path=path, options=options)


async def update_object(
    resource: EvalsResource,
    routes: Routes,
    cls: type[_T],
    object_id: str,
    *,
    name: object,
    description: object,
    active_version_id: object,
    metadata: object,
    options: RequestOptions,
) -> _T:
    """Check and send an update of the object's own fields."""
    check_name(name)
    check_str("description", description, nullable=True)
    check_str("active_version_id", active_version_id, min_len=1, nullable=True)
    check_string_map("metadata", metadata)
    body = drop_unset(
        {
            "name": name,
            "description": description,
            "active_version_id": active_version_id,
            "metadata": metadata,
        }
    )
    path = routes.path(object_id)
    return await resource._call("PATCH", routes.item, cls, path=path, json=body, options=options)


async def delete_object(
    resource: EvalsResource, routes: Routes, object_id: str, options: RequestOptions
) -> None:
    """Delete the object (the API answers 204)."""
    await resource._raw("DELETE", routes.item, path=routes.path(object_id), options=options)


async def publish(
    resource: EvalsResource, routes: Routes, cls: type[_T], object_id: str, options: RequestOptions
) -> _T:
    """Publish the object's draft (a POST, not retried after an ambiguous failure)."""
    path = routes.path(object_id)
    return await resource._call("POST", routes.publications, cls, path=path, options=options)


async def fork_version(
    resource: EvalsResource,
    routes: Routes,
    cls: type[_T],
    object_id: str,
    *,
    name: object,
    description: object,
    from_version_id: object,
    options: RequestOptions,
) -> _T:
    """Check and send the fork of a new version from an existing one."""
    check_name(name)
    check_str("description", description, nullable=True)
    check_str("from_version_id", from_version_id, min_len=1)
    body = drop_unset(
        {"name": name, "description": description, "from_version_id": from_version_id}
    )
    path = routes.path(object_id)
    return await resource._call("POST", routes.versions, cls, path=path, json=body, options=options)


async def get_version(
    resource: EvalsResource,
    routes: Routes,
    cls: type[_T],
    object_id: str,
    version_id: str,
    *,
    options: RequestOptions,
) -> _T:
    """Get one version of the object."""
    path = routes.path(object_id, version_id)
    return await resource._call("GET", routes.version, cls, path=path, options=options)


async def update_version(
    resource: EvalsResource,
    routes: Routes,
    cls: type[_T],
    object_id: str,
    version_id: str,
    *,
    body: dict[str, object],
    options: RequestOptions,
) -> _T:
    """Send the update of a version (``body`` is checked and built by the caller)."""
    path = routes.path(object_id, version_id)
    return await resource._call("PATCH", routes.version, cls, path=path, json=body, options=options)
