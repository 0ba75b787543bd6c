"""Caller-side checks of documented API limits; each raises InvalidRequestError.

Every function ignores ``UNSET`` (the argument was not given) so resources can call
them unconditionally.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Final

from bland_async._errors import InvalidRequestError
from bland_async._types import Unset

__all__ = [
    "check_e164",
    "check_exclusive",
    "check_instance",
    "check_int_range",
    "check_number_range",
    "check_one_of",
    "check_page_params",
    "check_str",
    "check_str_list",
    "check_string_map",
]

_E164: Final = re.compile(r"^\+[1-9]\d{1,14}$")


def check_str(
    name: str,
    value: object,
    *,
    min_len: int = 0,
    max_len: int | None = None,
    nullable: bool = False,
) -> None:
    """A string of ``min_len`` to ``max_len`` characters (or ``None`` when nullable)."""
    if isinstance(value, Unset) or (nullable and value is None):
        return
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    if len(value) < min_len:
        raise InvalidRequestError(
            f"{name} must not be empty"
            if min_len == 1
            else f"{name} must have at least {min_len} characters"
        )
    if max_len is not None and len(value) > max_len:
        raise InvalidRequestError(f"{name} must be at most {max_len} characters, got {len(value)}")


#: Longest name of an eval agent, agent version, workbench setup or setup version.
MAX_NAME: Final = 200


def check_name(value: object, field: str = "name") -> None:
    """A name: 1 to ``MAX_NAME`` characters, not only whitespace.

    The API documents names as "1 to 200 characters"; a name that is empty once
    whitespace is stripped (``"   "``) is no more meaningful than ``""``, so it is
    refused too (the fake refuses it the same way).
    """
    check_str(field, value, min_len=1, max_len=MAX_NAME)
    if isinstance(value, str) and not value.strip():
        raise InvalidRequestError(f"{field} must not be blank (only whitespace)")


def check_number_range(
    name: str, value: object, low: float, high: float, *, nullable: bool = False
) -> None:
    """A real number (not bool, not NaN) in ``[low, high]``."""
    if isinstance(value, Unset) or (nullable and value is None):
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidRequestError(f"{name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise InvalidRequestError(f"{name} must be between {low:g} and {high:g}, got {value!r}")


def check_int_range(
    name: str, value: object, low: int, high: int | None = None, *, nullable: bool = False
) -> None:
    """An integer (not bool) in ``[low, high]``."""
    if isinstance(value, Unset) or (nullable and value is None):
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise InvalidRequestError(f"{name} must be {bound}, got {value}")


def check_one_of(name: str, value: object, allowed: Collection[str]) -> None:
    """One of the documented enum values."""
    if isinstance(value, Unset):
        return
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise InvalidRequestError(f"{name} must be one of {choices}, got {value!r}")


def check_str_list(
    name: str,
    value: object,
    *,
    min_items: int = 0,
    max_items: int | None = None,
    item_min_len: int = 0,
) -> None:
    """A list/tuple of strings with a bounded length (a bare string is refused)."""
    if isinstance(value, Unset):
        return
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidRequestError(f"{name} must be a list of strings, got {type(value).__name__}")
    if len(value) < min_items:
        raise InvalidRequestError(f"{name} must have at least {min_items} item(s)")
    if max_items is not None and len(value) > max_items:
        raise InvalidRequestError(f"{name} must have at most {max_items} items, got {len(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidRequestError(f"{name}[{i}] must be a string, got {item!r}")
        if len(item) < item_min_len:
            raise InvalidRequestError(f"{name}[{i}] must not be empty")


def check_e164(name: str, numbers: object, *, min_items: int = 1) -> None:
    """A list of E.164 phone numbers such as ``+14155551234``."""
    check_str_list(name, numbers, min_items=min_items)
    if isinstance(numbers, Unset):
        return
    assert isinstance(numbers, Sequence)
    for i, number in enumerate(numbers):
        if not _E164.match(number):
            raise InvalidRequestError(
                f"{name}[{i}] must be an E.164 phone number like '+14155551234', got {number!r}"
            )


def check_string_map(name: str, value: object) -> None:
    """An object whose keys and values are all strings (Evals ``metadata``)."""
    if isinstance(value, Unset):
        return
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"{name} must be a mapping of strings to strings")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InvalidRequestError(
                f"{name} keys and values must be strings, got {key!r}: {item!r}"
            )


def check_exclusive(**named: object) -> None:
    """At most one of the named arguments is given."""
    given = [
        name for name, value in named.items() if not isinstance(value, Unset) and value is not None
    ]
    if len(given) > 1:
        raise InvalidRequestError(f"{' and '.join(given)} cannot be combined")


def check_instance(name: str, value: object, cls: type, *, nullable: bool = False) -> None:
    """An instance of a model class (e.g. ``CallConfig``)."""
    if isinstance(value, Unset) or (nullable and value is None):
        return
    if not isinstance(value, cls):
        raise InvalidRequestError(f"{name} must be a {cls.__name__}, got {type(value).__name__}")


def check_page_params(
    *, limit: object, starting_after: object = None, ending_before: object = None
) -> None:
    """Cursor list parameters: ``limit`` 1..100 and the two cursors exclusive."""
    check_int_range("limit", limit, 1, 100)
    check_str("starting_after", starting_after, min_len=1, nullable=True)
    check_str("ending_before", ending_before, min_len=1, nullable=True)
    check_exclusive(starting_after=starting_after, ending_before=ending_before)
