"""Models shared across API areas: cursor pages, attached agents, run references, enums."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

import attrs

from bland_async.models._base import BlandModel, OpenEnum

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

_T = TypeVar("_T")
_U = TypeVar("_U")


class VersionState(OpenEnum):
    """State of an eval agent or workbench setup version."""

    EDITABLE = "editable"
    ARCHIVED = "archived"


class RunMode(OpenEnum):
    """Which agents score each call, by modality."""

    TEXT = "text"
    AUDIO = "audio"
    FULL = "full"


class Modality(OpenEnum):
    """What an eval agent grades: the transcript (``text``) or the recording (``audio``)."""

    TEXT = "text"
    AUDIO = "audio"


@attrs.frozen(kw_only=True)
class CursorPage(BlandModel, Generic[_T]):
    """One page of an Evals list.

    The page is generic, so :meth:`from_dict` needs the type of its items:
    ``CursorPage.from_dict(data, item_type=EvalRunListItem)``.

    Attributes:
        data: The items on this page.
        has_more: Whether more items follow.
        next_cursor: The value to pass as ``starting_after`` for the next page, or ``None``.
        object: Always ``"list"``.
    """

    data: list[_T] = attrs.field(factory=list)
    has_more: bool = False
    next_cursor: str | None = None
    object: str = "list"

    @overload
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self: ...

    @overload
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, item_type: type[_U]) -> CursorPage[_U]: ...

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, item_type: type[Any] | None = None
    ) -> CursorPage[Any]:
        """Read a page whose items are ``item_type``; a concrete page needs no item type.

        Raises:
            TypeError: ``item_type`` is missing on a generic page, or given to one whose
                item type is fixed (such as :class:`CallResultPage`).
            ResponseValidationError: ``data`` does not fit the page.
        """
        from bland_async._converter import structure  # noqa: PLC0415 (it imports us)

        unbound: tuple[object, ...] = getattr(cls, "__parameters__", ())
        if item_type is None and unbound:
            raise TypeError(f"{cls.__name__}.from_dict needs item_type= (the type of its items)")
        target: Any = cls if item_type is None else cls[item_type]  # type: ignore[index]
        page: CursorPage[Any] = structure(data, target, what="data")
        return page

    def __iter__(self) -> Iterator[_T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@attrs.frozen(kw_only=True)
class AttachedAgent(BlandModel):
    """An eval agent attached to a workbench setup version or a run.

    On a setup version all four fields are required; on a run only ``eval_agent_id`` is
    (the agent's published version is used when ``eval_agent_version_id`` is omitted).

    Attributes:
        eval_agent_id: The eval agent's id.
        eval_agent_version_id: The pinned agent version.
        weight: Weight in the overall score, 0 to 100.
        target_level_keys: The level keys that count as hitting the target.
    """

    eval_agent_id: str
    eval_agent_version_id: str | None = None
    weight: float | None = None
    target_level_keys: list[str] | None = None


@attrs.frozen(kw_only=True)
class LatestRun(BlandModel):
    """The most recent run, as summarized in list items.

    ``status`` is a plain string: the docs show lowercase values here (``completed``)
    while run statuses are uppercase elsewhere.
    """

    id: str
    status: str
    created_at: datetime
    call_count: int | None = None
    target_hit_count: int | None = None
    graded_count: int | None = None
