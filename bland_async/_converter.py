"""The one cattrs converter: server JSON -> frozen attrs models, and request models -> JSON.

Lenient with the server (unknown keys ignored, unknown enum values kept as raw strings,
naive timestamps read as UTC), strict with shapes that cannot be read. A structuring
failure becomes :class:`ResponseValidationError` with cattrs' explanation.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from bland_async._errors import ResponseValidationError
from bland_async._types import Unset
from bland_async.models._base import BlandModel, NumberOrText, OpenEnum, TextOrNumber

if TYPE_CHECKING:
    import enum
    from collections.abc import Callable

__all__ = ["converter", "make_converter", "model_to_dict", "structure", "to_json_value"]

_T = TypeVar("_T")


def _structure_datetime(value: object, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unstructure_datetime(value: datetime, timespec: str = "milliseconds") -> str:
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def _datetime_text(value: datetime) -> str:
    """:func:`_unstructure_datetime`'s form, with microseconds when a value has them.

    The API sends milliseconds, so its timestamps read back as they came; a finer value
    (one built by hand) keeps its microseconds, so it reads back equal.
    """
    fine = value.microsecond % 1000 != 0
    return _unstructure_datetime(value, "microseconds" if fine else "milliseconds")


def _enum_value(value: enum.Enum) -> Any:
    return value.value


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


def _structure_text_or_number(value: object, _: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string or a number, got {type(value).__name__}")


def _structure_number_or_text(value: object, _: object) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise TypeError(f"expected a number, got the string {value!r}") from None
    return _structure_float(value, float)


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _optional_inner(t: object) -> Any:
    """``X`` for ``X | None`` (``None`` when ``t`` is not such an optional)."""
    args = get_args(t)
    if get_origin(t) in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


#: Leaf types whose value, when already of exactly that type, needs no hook at all.
_EXACT_TYPES: Final = (str, int, float, bool)


def _is_fast_model(cls: object) -> bool:
    return (
        isinstance(cls, type)
        and issubclass(cls, BlandModel)
        and not issubclass(cls, Generic)
        and attrs.has(cls)
    )


def _leaf_lines(
    conv: cattrs.Converter, name: str, t: Any, namespace: dict[str, Any]
) -> list[str] | None:
    """Statements that structure ``v`` of type ``t`` with no call in the common case.

    ``None`` when ``t`` has no inline form (the caller then calls the converter's hook).
    Whatever is off the common case goes to that hook, looked up once, here.
    """
    hook, typ = f"__h{name}", f"__t{name}"
    namespace[hook] = conv.get_structure_hook(t)
    namespace[typ] = t
    hooked = f"{hook}(v, {typ})"
    call = f"v = {hooked}"
    if t is Any:
        return []
    if t is float:  # JSON integers are common here (e.g. ``30`` minutes)
        return [f"if type(v) is not {typ}:", f"    v = float(v) if type(v) is int else {hooked}"]
    if t in _EXACT_TYPES:
        return [f"if type(v) is not {typ}:", f"    {call}"]
    if t is datetime:
        return [
            "if type(v) is str:",
            "    v = __fromisoformat(v)",
            "    if v.tzinfo is None:",
            "        v = v.replace(tzinfo=__UTC)",
            "else:",
            f"    {call}",
        ]
    if isinstance(t, type) and issubclass(t, OpenEnum):
        namespace[f"__m{name}"] = t._value2member_map_
        return [
            f"if type(v) is str and v in __m{name}:",
            f"    v = __m{name}[v]",
            "else:",
            f"    {call}",
        ]
    if get_origin(t) is list and len(get_args(t)) == 1:
        (item,) = get_args(t)
        namespace[f"__i{name}"] = conv.get_structure_hook(item)
        namespace[f"__it{name}"] = item
        if item is Any:
            each = "list(v)"
        elif item in _EXACT_TYPES:
            each = f"[x if type(x) is __it{name} else __i{name}(x, __it{name}) for x in v]"
        else:
            each = f"[__i{name}(x, __it{name}) for x in v]"
        return ["if type(v) is list:", f"    v = {each}", "else:", f"    {call}"]
    return None


def _slot_setters(cls: type[Any]) -> dict[str, Any] | None:
    """Each field's slot descriptor, when building ``cls`` is only storing its values.

    That holds for a frozen, slotted attrs class with attrs' own ``__init__`` and no
    validators, converters, ``__attrs_pre_init__``/``__attrs_post_init__`` or slots beyond
    its fields (``cache_hash`` adds one): that ``__init__`` does nothing but
    ``object.__setattr__(self, name, value)`` for every field, the ``init=False`` ones
    with their defaults. Storing through the slot descriptors does
    the same at about half the cost, and without parsing the keyword arguments. ``None``
    when any of that does not hold (the class is then called as usual).
    """
    if getattr(cls.__setattr__, "__qualname__", None) != "_frozen_setattrs":
        return None  # not attrs' frozen __setattr__ (__init__ may run other code)
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    init = getattr(cls.__init__, "__code__", None)
    if init is None or not init.co_filename.startswith("<attrs generated"):
        return None  # an __init__ of the class's own: it may do more than store values
    slots = {
        name
        for klass in cls.__mro__
        for name in klass.__dict__.get("__slots__", ())
        if name not in ("__weakref__", "__dict__")
    }
    setters: dict[str, Any] = {}
    for field in attrs.fields(cls):
        default = field.default
        if field.validator is not None or field.converter is not None:
            return None
        if not field.init and default is attrs.NOTHING:
            return None
        descriptor = next(
            (k.__dict__[field.name] for k in cls.__mro__ if field.name in k.__dict__), None
        )
        if not isinstance(descriptor, types.MemberDescriptorType):
            return None
        setters[field.name] = descriptor.__set__
    if slots != set(setters):
        return None
    return setters


def _fast_structure_fn(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any, Any], Any]:
    """A structure function for one model, with cattrs' semantics and less of its cost.

    cattrs' generated function calls a hook per field (two for ``X | None``, one per item
    of a list) and builds a dict of keyword arguments. On the hot path (a persona is ~45
    fields) that is most of the cost, so this generates code that handles the common case
    inline and passes the fields straight to the class: a value that already has the
    exact leaf type (``str``/``int``/``float``/``bool``), ``None`` for an optional, a
    known enum value, an ISO 8601 string for a ``datetime`` (read as
    ``_structure_datetime`` reads it), a list of those. Anything else goes to the
    converter's own hook for the field's type (looked up once, here), which converts it
    or raises exactly as before. Unknown keys are ignored; a missing required key raises
    ``KeyError``; a missing key takes the field's default. Two differences, on purpose:
    a value that is not a mapping is rejected (cattrs' function reads ``"abc"`` as an
    object with no keys when every field has a default), and ``null`` for a collection
    that defaults to empty (``tags``, ``kb_ids``, ...) reads as empty instead of failing
    the response.
    """
    attrs.resolve_types(cls)
    if any(
        isinstance(f.default, attrs.Factory) and f.default.takes_self  # type: ignore[arg-type]
        for f in attrs.fields(cls)
    ):
        # A default computed from the instance: left to cattrs' function (and attrs).
        generated: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, conv)
        return generated
    setters = _slot_setters(cls)
    namespace: dict[str, Any] = {
        "__cls": cls,
        "__new": object.__new__,
        "__Mapping": Mapping,
        "__fromisoformat": datetime.fromisoformat,
        "__UTC": UTC,
    }
    lines = [
        "def structure(o, _):",
        "    if type(o) is not dict and not isinstance(o, __Mapping):",
        f"        raise TypeError('{cls.__name__} must be an object, not ' + type(o).__name__)",
    ]
    if setters is not None:
        lines.append("    r = __new(__cls)")
    arguments: list[str] = []
    for i, field in enumerate(attrs.fields(cls)):
        if setters is not None:
            namespace[f"__s{i}"] = setters[field.name]
        if not field.init:
            if setters is not None:  # what attrs' __init__ stores for it
                default = field.default
                factory = isinstance(default, attrs.Factory)  # type: ignore[arg-type]
                namespace[f"__d{i}"] = default.factory if factory else default
                lines.append(f"    __s{i}(r, __d{i}{'()' if factory else ''})")
            continue
        inner = _optional_inner(field.type)
        target = field.type if inner is None else inner
        convert = _leaf_lines(conv, str(i), target, namespace)
        if convert is None:
            convert = [f"v = __h{i}(v, __t{i})"]
        default = field.default
        key = repr(field.name)
        factory = isinstance(default, attrs.Factory)  # type: ignore[arg-type]
        if factory:
            namespace[f"__d{i}"] = default.factory
            missing = f"v = __d{i}()"
        else:
            namespace[f"__d{i}"] = default
            missing = f"v = __d{i}"
        if inner is not None:
            convert = ["if v is not None:", *(f"    {line}" for line in convert)] if convert else []
        elif factory:
            # A collection the server sent as null reads as empty (its default).
            fallback = ["if v is None:", f"    {missing}"]
            if convert:
                fallback += ["else:", *(f"    {line}" for line in convert)]
            convert = fallback
        if default is attrs.NOTHING:
            body = [f"v = o[{key}]", *convert]
        elif default is None and inner is not None:
            body = [f"v = o.get({key})", *convert]  # a missing key is None: nothing to convert
        else:
            body = [f"if {key} in o:", f"    v = o[{key}]", *(f"    {line}" for line in convert)]
            body += ["else:", f"    {missing}"]
        lines.extend(f"    {line}" for line in body)
        if setters is not None:
            lines.append(f"    __s{i}(r, v)")
        else:
            lines.append(f"    a{i} = v")
            arguments.append(f"{field.alias}=a{i}")
    lines.append(
        "    return r" if setters is not None else f"    return __cls({', '.join(arguments)})"
    )
    code = compile("\n".join(lines), f"<bland_async structure {cls.__qualname__}>", "exec")
    exec(code, namespace)  # generated from the model's own fields, as cattrs does
    fn: Callable[[Any, Any], Any] = namespace["structure"]
    return fn


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
    conv.register_structure_hook_func(lambda t: t == TextOrNumber, _structure_text_or_number)
    conv.register_structure_hook_func(lambda t: t == NumberOrText, _structure_number_or_text)
    # Dispatch follows the MRO: OpenEnum comes before str in an OpenEnum's MRO, so the
    # str-based enums get this hook rather than the `str` one.
    conv.register_structure_hook(OpenEnum, _structure_enum)
    if not detailed and not forbid_extra_keys:
        # The production converter: the same results as cattrs' generated functions, faster
        # (the detailed and strict converters keep cattrs' own, for their error reports).
        conv.register_structure_hook_factory(
            _is_fast_model, lambda cls: _fast_structure_fn(conv, cls)
        )

    # Request models (the ones callers pass in, e.g. AttachedAgent) unstructure without
    # fields left at their default None, so a partial object sends only what was set.
    def _unstructure_factory(cls: type[Any]) -> Any:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)

    conv.register_unstructure_hook_factory(
        lambda cls: isinstance(cls, type) and attrs.has(cls) and issubclass(cls, BlandModel),
        _unstructure_factory,
    )
    return conv


def _make_dict_converter() -> cattrs.Converter:
    """The converter of :meth:`BlandModel.to_dict`: every field, as the API sends it.

    Unlike the request side it keeps fields at their default, turns enums (unknown ones
    too) into their string values and datetimes into :func:`_datetime_text`. cattrs leaves
    out ``init=False`` fields, so ``request_id`` is not in the result.
    """
    conv = cattrs.Converter(omit_if_default=False)
    conv.register_unstructure_hook(datetime, _datetime_text)
    # Before `str` in an OpenEnum's MRO, as on the structure side.
    conv.register_unstructure_hook(OpenEnum, _enum_value)
    conv.register_unstructure_hook_factory(
        lambda cls: isinstance(cls, type) and attrs.has(cls) and issubclass(cls, BlandModel),
        lambda cls: make_dict_unstructure_fn(cls, conv),
    )
    return conv


converter = make_converter()
_detailed = make_converter(detailed=True)
_dicts = _make_dict_converter()


def model_to_dict(model: BlandModel) -> dict[str, Any]:
    """The JSON-ready dict of ``model`` (see :meth:`BlandModel.to_dict`)."""
    result: dict[str, Any] = _dicts.unstructure(model)
    return result


def structure(
    data: object, cls: type[_T], *, request_id: str | None = None, what: str = "response body"
) -> _T:
    """Structure ``data`` into ``cls``; on failure raise :class:`ResponseValidationError`.

    ``what`` names ``data`` in the error's message.
    """
    try:
        result = converter.structure(data, cls)
    except Exception as exc:
        raise _explain(data, cls, exc, request_id, what) from exc
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
    data: object, cls: type[Any], exc: Exception, request_id: str | None, what: str
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
        f"{what} does not fit {name}: {detail}", body=data, request_id=request_id
    )


#: Sequences that are not JSON arrays.
_BYTES: Final = (bytes, bytearray, memoryview)


def to_json_value(value: object) -> Any:
    """Unstructure a request value (models, lists, enums, datetimes) into JSON types.

    At every depth, any ``Mapping`` becomes a ``dict`` and any other ``Sequence`` (a
    tuple, a ``deque``, a custom sequence; not ``str`` or bytes) a ``list``, so a
    resource passes its ``Sequence``/``Mapping`` arguments as they were given.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, _BYTES):
        return [to_json_value(item) for item in value]
    return converter.unstructure(value)


def drop_unset(fields: dict[str, object]) -> dict[str, Any]:
    """Build a JSON body from keyword arguments: ``UNSET`` omitted, ``None`` kept as null.

    Values go through :func:`to_json_value`: tuples and other sequences are sent as
    arrays, mappings as objects, models and enums unstructured.
    """
    return {k: to_json_value(v) for k, v in fields.items() if not isinstance(v, Unset)}
