"""The production converter's generated structure functions agree with cattrs' own.

The production converter structures models with code that checks the common case inline
and hands anything else to the converter's hooks; the detailed converter keeps cattrs'
generated functions. Both must give the same model for every fixture, and the fast one
must convert or reject every unusual value exactly as the hooks do.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import attrs
import pytest

from bland_async import ResponseValidationError
from bland_async._converter import (
    _is_fast_model,
    _slot_setters,
    converter,
    make_converter,
    structure,
)
from bland_async.models import (
    BlandModel,
    CallConfig,
    Persona,
    PersonaSettings,
    PersonaVersion,
    PersonaVersionType,
    WorkbenchSetupVersion,
)
from tests.client.test_evals_models import CASES
from tests.fixtures.personas import PERSONA, SETUP_VERSION

REFERENCE = make_converter(detailed=True)

ALL_CASES = [
    ("persona", PERSONA, Persona),
    ("setup version", SETUP_VERSION, WorkbenchSetupVersion),
    *CASES,
]


@pytest.mark.parametrize(
    ("payload", "cls"), [c[1:] for c in ALL_CASES], ids=[c[0] for c in ALL_CASES]
)
def test_fast_path_equals_cattrs(payload: Any, cls: Any) -> None:
    fast = converter.structure(copy.deepcopy(payload), cls)
    assert fast == REFERENCE.structure(copy.deepcopy(payload), cls)
    assert repr(fast) == repr(REFERENCE.structure(copy.deepcopy(payload), cls))


def test_the_production_converter_uses_generated_functions() -> None:
    hook = converter.get_structure_hook(PersonaVersion)
    assert hook.__code__.co_filename == "<bland_async structure PersonaVersion>"
    assert REFERENCE.get_structure_hook(PersonaVersion).__code__.co_filename != (
        "<bland_async structure PersonaVersion>"
    )


def _version(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PERSONA["current_draft_version"])
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        # Values off the inline path go through the hooks and convert as before.
        ({"version_number": 4.0}, "version_number", 4),
        (
            {"created_at": "2025-09-23T15:13:36"},
            "created_at",
            datetime(2025, 9, 23, 15, 13, 36, tzinfo=UTC),
        ),
        (
            {"created_at": "2025-09-23T17:13:36+02:00"},
            "created_at",
            datetime(2025, 9, 23, 15, 13, 36, tzinfo=UTC),
        ),
        ({"promoted_at": None}, "promoted_at", None),
        ({"version_type": "staging"}, "version_type", "staging"),
        ({"version_type": "archived"}, "version_type", PersonaVersionType.ARCHIVED),
        ({"call_config": {"max_duration": 30}}, "call_config", CallConfig(max_duration=30.0)),
        ({"call_config": None}, "call_config", None),
        ({"default_tools": [{"any": ["thing"]}]}, "default_tools", [{"any": ["thing"]}]),
    ],
)
def test_values_off_the_inline_path(changes: dict[str, Any], field: str, expected: object) -> None:
    data = _version(**changes)
    fast = structure(data, PersonaVersion)
    assert getattr(fast, field) == expected
    assert fast == REFERENCE.structure(data, PersonaVersion)


def test_unknown_enum_value_is_an_instance_of_the_enum() -> None:
    fast = structure(_version(version_type="staging"), PersonaVersion)
    assert isinstance(fast.version_type, PersonaVersionType)
    assert not fast.version_type.is_known


def test_known_enum_value_is_the_member_itself() -> None:
    assert structure(_version(version_type="draft"), PersonaVersion).version_type is (
        PersonaVersionType.DRAFT
    )


def test_missing_keys_take_their_defaults() -> None:
    data = {
        "id": "v",
        "persona_id": "p",
        "version_type": "draft",
        "version_number": 1,
        "created_at": "2025-09-23T15:13:36.348Z",
        "updated_at": "2025-09-23T15:13:36.348Z",
    }
    fast = structure(data, PersonaVersion)
    assert fast.kb_ids == []
    assert fast.call_config is None
    assert fast == REFERENCE.structure(data, PersonaVersion)
    # Factory defaults are fresh per object.
    assert fast.kb_ids is not structure(data, PersonaVersion).kb_ids


def test_any_mapping_is_accepted() -> None:
    assert structure(MappingProxyType({"voice": "June"}), CallConfig) == CallConfig(voice="June")


@pytest.mark.parametrize(
    "bad",
    [
        {"version_number": "4"},
        {"version_number": 4.5},
        {"version_number": True},
        {"id": 5},
        {"id": None},
        {"orchestration_prompt": 5},
        {"created_at": 5},
        {"created_at": "yesterday"},
        {"promoted_at": 1.5},
        {"version_type": 5},
        {"version_type": None},
        {"call_config": {"record": "yes"}},
        {"kb_ids": [1]},
    ],
    ids=repr,
)
def test_bad_values_are_rejected_like_cattrs(bad: dict[str, Any]) -> None:
    data = _version(**bad)
    with pytest.raises(ResponseValidationError):
        structure(data, PersonaVersion)
    with pytest.raises(Exception):  # noqa: B017, PT011 - any cattrs failure
        REFERENCE.structure(data, PersonaVersion)


def test_missing_required_key_and_non_objects_are_rejected() -> None:
    data = _version()
    del data["persona_id"]
    with pytest.raises(ResponseValidationError, match="persona_id"):
        structure(data, PersonaVersion)
    for not_an_object in (["id"], "id", 5, None):
        with pytest.raises(ResponseValidationError):
            structure(not_an_object, PersonaSettings)
    # Stricter than cattrs' own function, which reads a string as an object with no keys.
    with pytest.raises(ResponseValidationError, match="CallConfig must be an object"):
        structure(_version(call_config="June"), PersonaVersion)
    assert REFERENCE.structure("June", CallConfig) == CallConfig()


def test_subclass_values_are_normalized_by_the_hooks() -> None:
    class Text(str):
        pass

    fast = structure({"pathway_id": Text("p"), "pathway_version": 2}, PersonaSettings)
    assert fast == PersonaSettings(pathway_id="p", pathway_version=2.0)
    assert type(fast.pathway_version) is float


def test_null_for_a_collection_with_an_empty_default_reads_as_empty() -> None:
    data = _version(kb_ids=None, default_tools=None)
    fast = structure(data, PersonaVersion)
    assert (fast.kb_ids, fast.default_tools) == ([], [])
    persona = structure({**PERSONA, "tags": None, "inbound_numbers": None}, Persona)
    assert (persona.tags, persona.inbound_numbers) == ([], [])


@pytest.mark.parametrize(
    ("sent", "read"), [("3", "3"), (3, "3"), (3.0, "3"), (2.5, "2.5"), ("v2", "v2")]
)
def test_pathway_version_in_a_condition_reads_numbers_as_text(sent: object, read: str) -> None:
    condition = {
        **PERSONA["current_production_version"]["pathway_conditions"][0],
        "pathway_version": sent,
    }
    data = _version(pathway_conditions=[condition])
    for conv in (converter, REFERENCE):
        version = conv.structure(data, PersonaVersion)
        assert version.pathway_conditions is not None
        assert version.pathway_conditions[0].pathway_version == read


@pytest.mark.parametrize(("sent", "read"), [(3, 3.0), (2.5, 2.5), ("3", 3.0), ("2.5", 2.5)])
def test_pathway_version_in_settings_reads_numeric_strings(sent: object, read: float) -> None:
    for conv in (converter, REFERENCE):
        assert conv.structure({"pathway_version": sent}, PersonaSettings).pathway_version == read


@pytest.mark.parametrize("bad", [True, None, [3], {"v": 3}])
def test_pathway_version_still_rejects_what_is_neither(bad: object) -> None:
    condition = {
        **PERSONA["current_production_version"]["pathway_conditions"][0],
        "pathway_version": bad,
    }
    with pytest.raises(ResponseValidationError):
        structure(_version(pathway_conditions=[condition]), PersonaVersion)
    if bad is not None:
        with pytest.raises(ResponseValidationError):
            structure({"pathway_version": bad}, PersonaSettings)
    with pytest.raises(ResponseValidationError):
        structure({"pathway_version": "three"}, PersonaSettings)


# --- storing through the slots ------------------------------------------------------------


def _fast_models() -> list[type[Any]]:
    from bland_async import models

    found = {getattr(models, name) for name in models.__all__}
    return sorted((cls for cls in found if _is_fast_model(cls)), key=lambda cls: cls.__qualname__)


@pytest.mark.parametrize("cls", _fast_models(), ids=lambda cls: cls.__qualname__)
def test_every_model_is_built_by_storing_its_slots(cls: type[Any]) -> None:
    # All response models qualify today; one that stops qualifying (a validator, a
    # post-init hook) is still built correctly, through its __init__, but slower.
    setters = _slot_setters(cls)
    assert setters is not None
    assert set(setters) == {field.name for field in attrs.fields(cls)}


@attrs.frozen(kw_only=True)
class _Plain(BlandModel):
    name: str
    tags: list[str] = attrs.field(factory=list)
    seen: int = attrs.field(init=False, default=7)
    notes: list[str] = attrs.field(init=False, factory=list)


@attrs.frozen(kw_only=True)
class _Validated(BlandModel):
    name: str = attrs.field(validator=attrs.validators.min_len(1))


@attrs.frozen(kw_only=True)
class _Converted(BlandModel):
    name: str = attrs.field(converter=str.strip)


@attrs.frozen(kw_only=True)
class _PostInit(BlandModel):
    name: str
    calls: list[str] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self.calls.append(self.name)


@attrs.frozen(kw_only=True)
class _TakesSelf(BlandModel):
    name: str
    upper: str = attrs.field(default=attrs.Factory(lambda self: self.name.upper(), takes_self=True))


@attrs.frozen(kw_only=True, cache_hash=True)
class _CachedHash(BlandModel):
    name: str


@attrs.frozen(kw_only=True, init=False)
class _OwnInit(BlandModel):
    name: str

    def __init__(self, name: str) -> None:
        self.__attrs_init__(name=name.title())  # type: ignore[attr-defined]


def test_slots_and_init_false_defaults_as_attrs_stores_them() -> None:
    assert _slot_setters(_Plain) is not None
    built = make_converter().structure({"name": "a", "tags": ["x"]}, _Plain)
    assert built == _Plain(name="a", tags=["x"])
    assert (built.seen, built.notes) == (7, [])
    other = make_converter().structure({"name": "b"}, _Plain)
    assert other.notes is not built.notes  # a factory runs per instance
    assert other.tags is not built.tags


@pytest.mark.parametrize(
    ("cls", "payload", "expected"),
    [
        (_Converted, {"name": "  a "}, _Converted(name="a")),
        (_PostInit, {"name": "a"}, _PostInit(name="a")),
        (_CachedHash, {"name": "a"}, _CachedHash(name="a")),
        (_OwnInit, {"name": "ada"}, _OwnInit(name="ada")),
    ],
    ids=["converter", "post-init", "cache-hash", "own-init"],
)
def test_classes_whose_init_does_more_are_called(cls: Any, payload: Any, expected: Any) -> None:
    assert _slot_setters(cls) is None
    built = make_converter().structure(payload, cls)
    assert built == expected
    if cls is _PostInit:
        assert built.calls == ["a"]
    if cls is _OwnInit:
        assert built.name == "Ada"


def test_a_validator_still_runs() -> None:
    assert _slot_setters(_Validated) is None
    with pytest.raises(ValueError, match="Length of 'name'"):
        make_converter().structure({"name": ""}, _Validated)


def test_a_default_computed_from_the_instance_is_left_to_cattrs() -> None:
    structure_fn = make_converter().get_structure_hook(_TakesSelf)
    assert not structure_fn.__code__.co_filename.startswith("<bland_async structure")
    assert make_converter().structure({"name": "a"}, _TakesSelf) == _TakesSelf(name="a")
    assert make_converter().structure({"name": "a", "upper": "B"}, _TakesSelf).upper == "B"
