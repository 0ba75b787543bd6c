"""Base class of every model, and the open enum that keeps unknown server values."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Self

import attrs

__all__ = ["BlandModel", "NumberOrText", "OpenEnum", "TextOrNumber"]

#: A string field the server may also send as a number (read as its text, e.g. ``3`` ->
#: ``"3"``). For fields the docs type inconsistently (docs/api-notes.md).
TextOrNumber = Annotated[str, "a number from the server is read as its text"]
#: A number field the server may also send as a numeric string (``"3"`` -> ``3.0``).
NumberOrText = Annotated[float, "a numeric string from the server is read as its number"]


@attrs.frozen(kw_only=True)
class BlandModel:
    """Base of every response model: frozen, keyword-only, compared by value.

    Attributes:
        request_id: The ``x-request-id`` header of the response this model came from
            (set on top-level results; ``None`` on nested objects). Not part of
            equality or ``repr``.
    """

    request_id: str | None = attrs.field(default=None, init=False, eq=False, repr=False)


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
