"""Base class of every model, and the open enum that keeps unknown server values."""

from __future__ import annotations

import enum
import json
from typing import TYPE_CHECKING, Annotated, Any, Self

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BlandModel", "NumberOrText", "OpenEnum", "TextOrNumber"]

#: A string field the server may also send as a number (read as its text, e.g. ``3`` ->
#: ``"3"``). For fields the docs type inconsistently (docs/api-notes.md).
TextOrNumber = Annotated[str, "a number from the server is read as its text"]
#: A number field the server may also send as a numeric string (``"3"`` -> ``3.0``).
NumberOrText = Annotated[float, "a numeric string from the server is read as its number"]


@attrs.frozen(kw_only=True)
class BlandModel:
    """Base of every response model: frozen, keyword-only, compared by value.

    Every model converts to and from the API's JSON, losslessly:
    ``Model.from_dict(model.to_dict()) == model``.

    - :meth:`to_dict` returns a JSON-ready ``dict`` of every field, shaped as the API
      sends it: datetimes as ISO 8601 UTC strings (``"2025-09-23T15:13:36.348Z"``;
      microseconds only when a value has them), enums as their string values (an
      unknown value as the raw string the server sent), nested models as dicts.
      ``request_id`` is not included.
    - :meth:`to_json` is ``json.dumps(model.to_dict(), **kwargs)``.
    - :meth:`from_dict` (a classmethod) reads such a dict, or a response's JSON, the
      way responses are read: unknown keys ignored, unknown enum values kept, naive
      timestamps read as UTC. Data that does not fit raises
      :class:`~bland_async.ResponseValidationError`, which explains what is wrong.
      ``CursorPage`` is generic: ``CursorPage.from_dict(data, item_type=Persona)``.

    Attributes:
        request_id: The ``x-request-id`` header of the response this model came from
            (set on top-level results; ``None`` on nested objects). Not part of
            equality, ``repr`` or :meth:`to_dict`.
    """

    request_id: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values (see the class docstring); no ``request_id``."""
        from bland_async._converter import model_to_dict  # noqa: PLC0415 (it imports us)

        return model_to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string; ``kwargs`` go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read a model from :meth:`to_dict`'s output or the API's JSON for it.

        Raises:
            ResponseValidationError: ``data`` does not fit the model.
        """
        from bland_async._converter import structure  # noqa: PLC0415 (it imports us)

        return structure(data, cls, what="data")


class OpenEnum(enum.StrEnum):
    """A string enum that accepts values it does not know.

    ``SomeEnum("new_value")`` returns a pseudo-member whose ``.value`` is the raw string,
    so a server adding a value never breaks parsing. Members compare equal to their
    string values.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one the SDK knows (not a pseudo-member)."""
        return self._name_ in type(self).__members__

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self
