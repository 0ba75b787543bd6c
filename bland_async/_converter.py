"""The one cattrs converter: server JSON -> frozen attrs models, and request models -> JSON.

Lenient with the server (unknown keys ignored, unknown enum values kept as raw strings,
naive timestamps read as UTC), strict with shapes that cannot be read. A structuring
failure becomes :class:`ResponseValidationError` with cattrs' explanation.
"""

from __future__ import annotations

import types
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from bland_async._errors import ResponseValidationError
from bland_async._types import Unset
from bland_async.models._base import BlandModel, OpenEnum

if TYPE_CHECKING:
    import enum
    from collections.abc import Callable

__all__ = ["converter", "make_converter", "structure", "to_json_value"]

_T = TypeVar("_T")


def _structure_datetime(value: object, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unstructure_datetime(value: datetime) -> str:
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"expected a {cls.__name__} value, got {type(value).__name__}")
    return cls(value)


def _structure_any(value: object, _: type) -> object:
    return value


def _structure_float(value: object, _: type) -> float:
    # JSON numbers: accept ints, reject bools and strings.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool):
        raise TypeError("expected an integer, got bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _is_optional(t: object) -> bool:
    args = get_args(t)
    return get_origin(t) in (Union, types.UnionType) and len(args) == 2 and type(None) in args


def _optional_hook(conv: cattrs.Converter, t: object) -> Callable[[object, object], object]:
    """``X | None`` with the inner hook looked up once (cattrs re-dispatches every call)."""
    (inner,) = (a for a in get_args(t) if a is not type(None))
    hook = conv.get_structure_hook(inner)

    def structure_optional(value: object, _: object) -> object:
        return None if value is None else hook(value, inner)

    return structure_optional


def make_converter(*, detailed: bool = False, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """Build a converter with the package's hooks.

    The production converter is ``make_converter()``; tests structure every fixture with
    ``make_converter(detailed=True, forbid_extra_keys=True)`` so schema drift shows.
    """
    conv = cattrs.Converter(
        detailed_validation=detailed,
        forbid_extra_keys=forbid_extra_keys,
        omit_if_default=False,
    )
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Any, _structure_any)
    conv.register_structure_hook_factory(_is_optional, lambda t: _optional_hook(conv, t))
    # Dispatch follows the MRO: OpenEnum comes before str in an OpenEnum's MRO, so the
    # str-based enums get this hook rather than the `str` one.
    conv.register_structure_hook(OpenEnum, _structure_enum)

    # Request models (the ones callers pass in, e.g. AttachedAgent) unstructure without
    # fields left at their default None, so a partial object sends only what was set.
    def _unstructure_factory(cls: type[Any]) -> Any:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)

    conv.register_unstructure_hook_factory(
        lambda cls: isinstance(cls, type) and attrs.has(cls) and issubclass(cls, BlandModel),
        _unstructure_factory,
    )
    return conv


converter = make_converter()
_detailed = make_converter(detailed=True)


def structure(data: object, cls: type[_T], *, request_id: str | None = None) -> _T:
    """Structure ``data`` into ``cls``; on failure raise :class:`ResponseValidationError`."""
    try:
        result = converter.structure(data, cls)
    except Exception as exc:
        raise _explain(data, cls, exc, request_id) from exc
    if request_id is not None:
        set_request_id(result, request_id)
    return result


def set_request_id(result: object, request_id: str | None) -> None:
    """Attach the response's request id to a model or to each model of a list."""
    if isinstance(result, BlandModel):
        object.__setattr__(result, "request_id", request_id)
    elif isinstance(result, list):
        for item in result:
            if isinstance(item, BlandModel):
                object.__setattr__(item, "request_id", request_id)


def _explain(
    data: object, cls: type[Any], exc: Exception, request_id: str | None
) -> ResponseValidationError:
    name = getattr(cls, "__name__", repr(cls))
    try:
        _detailed.structure(data, cls)
    except Exception as detailed_exc:
        lines = (
            cattrs.transform_error(detailed_exc)
            if isinstance(detailed_exc, cattrs.BaseValidationError)
            else [repr(detailed_exc)]
        )
    else:  # pragma: no cover - the fast path failed where the detailed one did not
        lines = [repr(exc)]
    detail = "; ".join(lines[:10])
    return ResponseValidationError(
        f"response body does not fit {name}: {detail}", body=data, request_id=request_id
    )


def to_json_value(value: object) -> Any:
    """Unstructure a request value (models, lists, enums, datetimes) into JSON types."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return converter.unstructure(value)


def drop_unset(fields: dict[str, object]) -> dict[str, Any]:
    """Build a JSON body from keyword arguments: ``UNSET`` omitted, ``None`` kept as null."""
    return {k: to_json_value(v) for k, v in fields.items() if not isinstance(v, Unset)}
