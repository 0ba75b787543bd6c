"""The ``UNSET`` sentinel and JSON type aliases shared by the whole package."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias

__all__ = ["JSON", "UNSET", "JSONObject", "Unset"]


class Unset(enum.Enum):
    """Type of :data:`UNSET`: an argument that was not given and is left out of the request.

    A single-member enum, so ``x is UNSET`` narrows the type for mypy.
    """

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = Unset.UNSET
"""Marks an optional argument as not given: the field is omitted from the JSON body.

``None`` is different: it is sent as JSON ``null`` (which clears a field where the API
gives null a meaning).
"""

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
JSONObject: TypeAlias = "dict[str, JSON]"
