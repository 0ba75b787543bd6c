"""``to_dict`` / ``to_json`` / ``from_dict`` on every model: JSON-ready and lossless.

Every payload in ``tests/fixtures`` is read into its model and must come back equal
through ``to_dict``/``from_dict`` and through ``to_json``/``json.loads``/``from_dict``.
Every model class exported by ``bland_async.models`` must have the three methods and be
covered, either by a fixture (anywhere in one, nested included) or, for the few that no
fixture holds, by a hand-built instance in ``UNCOVERED``.
"""

from __future__ import annotations

import copy
import inspect
import json
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, assert_type

import attrs
import pytest

import bland_async.models
from bland_async import ResponseValidationError
from bland_async._converter import make_converter, structure, to_json_value
from bland_async.models import (
    AgentResult,
    AgentSnapshot,
    AgentTemplate,
    AttachedAgent,
    BlandModel,
    CallResult,
    CallResultPage,
    CursorPage,
    EvalAgent,
    EvalAgentListItem,
    EvalAgentPublishResult,
    EvalAgentVersion,
    EvalAgentVersionListItem,
    EvalAgentWithVersion,
    EvalRun,
    EvalRunListItem,
    EvalsStatus,
    FieldChange,
    InboundNumber,
    InboundNumberSettings,
    LatestRun,
    Level,
    Persona,
    PersonaDeleteResult,
    PersonaDiff,
    PersonaInboundNumbers,
    PersonaSettings,
    PersonaVersion,
    RunEstimate,
    RunStatus,
    RunSummary,
    UserTemplate,
    UserTemplateListItem,
    WorkbenchSetup,
    WorkbenchSetupListItem,
    WorkbenchSetupPublishResult,
    WorkbenchSetupVersion,
    WorkbenchSetupVersionListItem,
    WorkbenchSetupWithVersion,
)
from tests.fixtures import evals as fx
from tests.fixtures import personas as px

STRICT = make_converter(detailed=True, forbid_extra_keys=True)

#: Every payload constant of the fixture modules, by ``module.NAME``, and its model.
FIXTURE_MODELS: dict[str, Any] = {
    "personas.PRODUCTION": PersonaVersion,
    "personas.DRAFT": PersonaVersion,
    "personas.PERSONA": Persona,
    "personas.SETUP_VERSION": WorkbenchSetupVersion,
    "evals.STATUS": EvalsStatus,
    "evals.STATUS_OFF": EvalsStatus,
    "evals.LEVELS": list[Level],
    "evals.LATEST_RUN_FULL": LatestRun,
    "evals.LATEST_RUN_SHORT": LatestRun,
    "evals.EVAL_AGENT": EvalAgent,
    "evals.EVAL_AGENT_VERSION": EvalAgentVersion,
    "evals.EVAL_AGENT_WITH_VERSION": EvalAgentWithVersion,
    "evals.EVAL_AGENT_LIST_ITEM": EvalAgentListItem,
    "evals.EVAL_AGENT_VERSION_LIST_ITEM": EvalAgentVersionListItem,
    "evals.EVAL_AGENT_PUBLISH": EvalAgentPublishResult,
    "evals.ATTACHED": AttachedAgent,
    "evals.WORKBENCH_SETUP": WorkbenchSetup,
    "evals.SETUP_VERSION": WorkbenchSetupVersion,
    "evals.WORKBENCH_SETUP_WITH_VERSION": WorkbenchSetupWithVersion,
    "evals.WORKBENCH_SETUP_LIST_ITEM": WorkbenchSetupListItem,
    "evals.SETUP_VERSION_LIST_ITEM": WorkbenchSetupVersionListItem,
    "evals.SETUP_PUBLISH": WorkbenchSetupPublishResult,
    "evals.RUN_SUMMARY": RunSummary,
    "evals.EVAL_RUN": EvalRun,
    "evals.EVAL_RUN_COMPLETE": EvalRun,
    "evals.EVAL_RUN_LIST_ITEM": EvalRunListItem,
    "evals.RUN_ESTIMATE": RunEstimate,
    "evals.AGENT_RESULT": AgentResult,
    "evals.CALL_RESULT": CallResult,
    "evals.AGENT_SNAPSHOT": AgentSnapshot,
    "evals.AGENT_TEMPLATE": AgentTemplate,
    "evals.USER_TEMPLATE": UserTemplate,
    "evals.USER_TEMPLATE_LIST_ITEM": UserTemplateListItem,
}

FIXTURE_MODULES = {"personas": px, "evals": fx}

#: List items, as the pages of ``fx.cursor_list`` (the shape of every Evals list).
PAGE_ITEMS: dict[str, Any] = {
    "evals.EVAL_AGENT_LIST_ITEM": EvalAgentListItem,
    "evals.EVAL_AGENT_VERSION_LIST_ITEM": EvalAgentVersionListItem,
    "evals.WORKBENCH_SETUP_LIST_ITEM": WorkbenchSetupListItem,
    "evals.SETUP_VERSION_LIST_ITEM": WorkbenchSetupVersionListItem,
    "evals.EVAL_RUN_LIST_ITEM": EvalRunListItem,
    "evals.AGENT_RESULT": AgentResult,
    "evals.AGENT_SNAPSHOT": AgentSnapshot,
    "evals.AGENT_TEMPLATE": AgentTemplate,
    "evals.USER_TEMPLATE_LIST_ITEM": UserTemplateListItem,
}


def _payload(key: str) -> Any:
    module, name = key.split(".")
    return copy.deepcopy(getattr(FIXTURE_MODULES[module], name))


def _read(payload: Any, target: Any) -> Any:
    """The fixture as its model (a list of models for ``list[...]``), read strictly too."""
    strict = STRICT.structure(copy.deepcopy(payload), target)
    if isinstance(payload, list):
        (item,) = target.__args__
        models = [item.from_dict(one) for one in payload]
    else:
        models = target.from_dict(payload)
    assert models == strict
    return models


def _fixture_models() -> list[tuple[str, BlandModel]]:
    """Every fixture as models: each constant (a list's items one by one) and the pages."""
    cases: list[tuple[str, BlandModel]] = []
    for key, target in FIXTURE_MODELS.items():
        read = _read(_payload(key), target)
        for i, model in enumerate(read if isinstance(read, list) else [read]):
            cases.append((f"{key}[{i}]" if isinstance(read, list) else key, model))
    for key, item in PAGE_ITEMS.items():
        page = fx.cursor_list([_payload(key)], has_more=True, next_cursor="cur_1")
        cases.append((f"cursor_list({key})", CursorPage.from_dict(page, item_type=item)))
    calls = {**fx.cursor_list([fx.CALL_RESULT]), "run_status": "RUNNING"}
    cases.append(("cursor_list(evals.CALL_RESULT)", CallResultPage.from_dict(calls)))
    return cases


FIXTURE_CASES = _fixture_models()

_WHEN = datetime(2025, 9, 23, 15, 13, 36, 348000, tzinfo=UTC)
_NUMBER = InboundNumber(
    phone_number="+14155551234",
    persona_id="p-1",
    label="front desk",
    persona_settings=PersonaSettings(pathway_id="pw", pathway_version=3.0, start_node_id="n1"),
)
#: The exported models no fixture holds, built by hand with every field set.
UNCOVERED: dict[type[BlandModel], BlandModel] = {
    BlandModel: BlandModel(),
    PersonaInboundNumbers: PersonaInboundNumbers(
        id="p-1",
        name="Support",
        user_id="u-1",
        inbound_numbers=[_NUMBER],
        created_at=_WHEN,
        updated_at=_WHEN.replace(microsecond=123456),
    ),
    InboundNumberSettings: InboundNumberSettings(
        id=7,
        phone_number="+14155551234",
        persona_id="p-1",
        persona_settings=PersonaSettings(pathway_version=2.5),
        updated_at=_WHEN,
    ),
    PersonaDeleteResult: PersonaDeleteResult(success=True, message="deleted"),
    FieldChange: FieldChange(production=["KB-1"], draft={"voice": "June", "n": [1, None]}),
    PersonaDiff: PersonaDiff(
        persona_id="p-1",
        production_version_id="v-1",
        draft_version_id="v-2",
        changes={"kb_ids": FieldChange(production=["KB-1"], draft=[])},
    ),
}

ALL_CASES: list[tuple[str, BlandModel]] = [
    *FIXTURE_CASES,
    *((f"built {type(m).__name__}", m) for m in UNCOVERED.values()),
]


def _exported_models() -> list[type[BlandModel]]:
    return [
        value
        for name in bland_async.models.__all__
        if inspect.isclass(value := getattr(bland_async.models, name))
        and issubclass(value, BlandModel)
    ]


def _models_in(value: object) -> set[type[BlandModel]]:
    """The model classes of ``value`` and of every model nested in it."""
    if isinstance(value, BlandModel):
        found = {type(value)}
        for field in attrs.fields(type(value)):
            found |= _models_in(getattr(value, field.name))
        return found
    if isinstance(value, list | tuple):
        return set().union(*map(_models_in, value)) if value else set()
    if isinstance(value, dict):
        return set().union(*map(_models_in, value.values())) if value else set()
    return set()


def _json_types_only(value: object, where: str = "$") -> None:
    """Fail unless ``value`` is made of exactly dict/list/str/int/float/bool/None."""
    if isinstance(value, dict):
        assert type(value) is dict, where
        for key, item in value.items():
            assert type(key) is str, f"{where} key {key!r}"
            _json_types_only(item, f"{where}.{key}")
    elif isinstance(value, list):
        assert type(value) is list, where
        for i, item in enumerate(value):
            _json_types_only(item, f"{where}[{i}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (where, type(value))


def _page_item_type(model: BlandModel) -> dict[str, Any]:
    """What ``from_dict`` needs besides the data: a generic page's item type."""
    if type(model) is CursorPage:
        return {"item_type": type(model.data[0])}
    return {}


@pytest.mark.parametrize(("label", "model"), ALL_CASES, ids=[c[0] for c in ALL_CASES])
def test_round_trip_through_to_dict(label: str, model: BlandModel) -> None:
    data = model.to_dict()
    _json_types_only(data)
    assert "request_id" not in data
    again = type(model).from_dict(data, **_page_item_type(model))
    assert again == model
    assert type(again) is type(model)
    # The dict is the documented shape: the strict converter reads it back, no extra key.
    target: Any = type(model)
    if type(model) is CursorPage:
        target = CursorPage[type(model.data[0])]  # type: ignore[misc]
    assert STRICT.structure(copy.deepcopy(data), target) == model
    # ...and it is stable: reading and writing it again gives the same dict.
    assert again.to_dict() == data


@pytest.mark.parametrize(("label", "model"), ALL_CASES, ids=[c[0] for c in ALL_CASES])
def test_round_trip_through_to_json(label: str, model: BlandModel) -> None:
    text = model.to_json()
    assert isinstance(text, str)
    loaded = json.loads(text)
    assert loaded == model.to_dict()
    assert type(model).from_dict(loaded, **_page_item_type(model)) == model


def test_every_fixture_constant_is_covered() -> None:
    """A payload added to a fixture module must be added to ``FIXTURE_MODELS`` too."""
    constants = {
        f"{module_name}.{name}"
        for module_name, module in FIXTURE_MODULES.items()
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, dict | list)
    }
    assert constants == set(FIXTURE_MODELS)


def test_every_exported_model_has_the_methods_and_is_covered() -> None:
    exported = _exported_models()
    assert exported, "no models exported"
    for cls in exported:
        for name in ("to_dict", "to_json", "from_dict"):
            assert callable(getattr(cls, name, None)), f"{cls.__name__}.{name}"
        assert inspect.ismethod(cls.from_dict), f"{cls.__name__}.from_dict is a classmethod"
        assert cls.from_dict.__self__ is cls
    in_fixtures = set().union(*(_models_in(model) for _, model in FIXTURE_CASES))
    built = set(UNCOVERED)
    missing = [c.__name__ for c in exported if c not in in_fixtures | built]
    assert missing == [], f"no fixture and no UNCOVERED instance for {missing}"
    # UNCOVERED lists exactly the exported models that no fixture holds.
    not_needed = sorted(c.__name__ for c in built & in_fixtures)
    assert not_needed == [], f"fixtures cover these, drop them from UNCOVERED: {not_needed}"
    assert built <= set(exported)


def test_datetimes_are_api_form_strings() -> None:
    agent = EvalAgentVersion.from_dict(fx.EVAL_AGENT_VERSION)
    data = agent.to_dict()
    assert data["created_at"] == "2025-09-23T15:13:36.348Z"  # as the API sent it
    assert data["updated_at"] == "2025-09-23T15:20:00.000Z"  # the API's "...:00Z", with ms
    # Another zone reads as the same instant in UTC; finer values keep their microseconds.
    later = datetime(2025, 9, 23, 17, 13, 36, 348000, tzinfo=timezone(timedelta(hours=2)))
    run = EvalRun.from_dict({**fx.EVAL_RUN, "started_at": later.isoformat()})
    assert run.to_dict()["started_at"] == "2025-09-23T15:13:36.348Z"
    fine = attrs.evolve(run, completed_at=_WHEN.replace(microsecond=348123))
    assert fine.to_dict()["completed_at"] == "2025-09-23T15:13:36.348123Z"
    assert EvalRun.from_dict(fine.to_dict()) == fine
    # Requests still send milliseconds, and leave defaults out: to_dict changed neither.
    assert to_json_value(_WHEN.replace(microsecond=348123)) == "2025-09-23T15:13:36.348Z"


def test_unknown_enum_values_come_out_raw() -> None:
    run = EvalRun.from_dict(
        {**fx.EVAL_RUN, "status": "PAUSED", "triggered_by": "schedule", "run_mode": "video"}
    )
    assert not run.status.is_known
    data = run.to_dict()
    assert (data["status"], data["triggered_by"], data["run_mode"]) == (
        "PAUSED",
        "schedule",
        "video",
    )
    assert type(data["status"]) is str
    assert EvalRun.from_dict(data).status == RunStatus("PAUSED")
    # Known values come out as plain strings too, not as enum members.
    assert type(EvalRun.from_dict(fx.EVAL_RUN).to_dict()["status"]) is str
    # The fixture's evidence has an unknown source and speaker ("video", "bot").
    evidence = AgentResult.from_dict(fx.AGENT_RESULT).to_dict()["evidence"][2]
    assert (evidence["source"], evidence["speaker"]) == ("video", "bot")


def test_nested_models_are_dicts() -> None:
    data = Persona.from_dict(px.PERSONA).to_dict()
    production = data["current_production_version"]
    assert type(production) is dict
    assert production["version_type"] == "production"
    assert type(production["call_config"]) is dict
    assert production["call_config"]["voice"] == "June"
    assert type(production["pathway_conditions"][0]) is dict
    assert data["inbound_numbers"][0]["persona_settings"] == {
        "pathway_id": "pw",
        "pathway_version": 3.0,
        "start_node_id": "n1",
    }
    assert data["current_draft_version"]["call_config"] is None


def test_to_dict_keeps_every_field_and_is_a_copy() -> None:
    # Unlike a request body, defaults are kept: the dict has every field.
    agent = AttachedAgent(eval_agent_id="a")
    assert agent.to_dict() == {
        "eval_agent_id": "a",
        "eval_agent_version_id": None,
        "weight": None,
        "target_level_keys": None,
    }
    assert to_json_value(agent) == {"eval_agent_id": "a"}
    setup = WorkbenchSetup.from_dict(fx.WORKBENCH_SETUP)
    data = setup.to_dict()
    data["metadata"]["owner"] = "changed"
    version = PersonaVersion.from_dict(px.PRODUCTION)
    version.to_dict()["default_tools"][0]["type"] = "changed"
    assert setup.metadata == {"owner": "qa"}
    assert version.default_tools == [{"type": "transfer"}]


def test_to_json_passes_keywords_to_json_dumps() -> None:
    status = EvalsStatus.from_dict(fx.STATUS)
    assert status.to_json() == '{"enabled": true, "gate": "evals_enabled", "reason": null}'
    pretty = status.to_json(indent=2, sort_keys=True)
    assert pretty.startswith('{\n  "enabled": true,')
    assert json.loads(pretty) == status.to_dict()
    text = PersonaDeleteResult(success=True, message="é").to_json(ensure_ascii=False)
    assert '"é"' in text


def test_request_id_is_left_out() -> None:
    persona = structure(px.PERSONA, Persona, request_id="req_1")
    assert persona.request_id == "req_1"
    data = persona.to_dict()
    assert "request_id" not in data
    assert "request_id" not in data["current_production_version"]
    assert "request_id" not in json.loads(persona.to_json())
    again = Persona.from_dict(data)
    assert again == persona
    assert again.request_id is None


def test_from_dict_reads_like_a_response() -> None:
    data = {**fx.EVAL_AGENT, "added_by_the_server": 1, "created_at": "2025-09-23T15:13:36"}
    agent = EvalAgent.from_dict(MappingProxyType(data))  # any Mapping
    assert agent.created_at.tzinfo is UTC  # naive timestamps are UTC
    assert agent == structure(data, EvalAgent)
    assert "added_by_the_server" not in agent.to_dict()
    with pytest.raises(ResponseValidationError, match=r"^data does not fit EvalAgent: ") as info:
        EvalAgent.from_dict({**fx.EVAL_AGENT, "created_at": 5})
    assert "created_at" in str(info.value)
    with pytest.raises(ResponseValidationError, match="Persona"):
        Persona.from_dict({"id": "p"})


def test_generic_page_needs_its_item_type() -> None:
    data = fx.cursor_list([fx.EVAL_RUN_LIST_ITEM], has_more=True, next_cursor="c")
    page = CursorPage.from_dict(data, item_type=EvalRunListItem)
    assert type(page.data[0]) is EvalRunListItem
    assert page == structure(data, CursorPage[EvalRunListItem])
    assert CursorPage.from_dict(page.to_dict(), item_type=EvalRunListItem) == page
    with pytest.raises(TypeError, match="item_type"):
        CursorPage.from_dict(data)
    with pytest.raises(TypeError, match="item_type"):
        CursorPage[EvalRunListItem].from_dict(data)  # the alias does not reach the method
    calls = CallResultPage.from_dict({**fx.cursor_list([fx.CALL_RESULT]), "run_status": "QUEUED"})
    assert calls.run_status is RunStatus.QUEUED
    with pytest.raises(TypeError):
        CallResultPage.from_dict(data, item_type=EvalRunListItem)  # its item type is fixed


def test_from_dict_is_typed_as_the_class() -> None:
    # Checked by mypy when run on this file; at run time, the same classes.
    persona = Persona.from_dict(px.PERSONA)
    assert_type(persona, Persona)
    assert_type(persona.to_dict(), dict[str, Any])
    assert_type(persona.to_json(), str)
    page = CursorPage.from_dict(fx.cursor_list([]), item_type=EvalRunListItem)
    assert_type(page, CursorPage[EvalRunListItem])
    calls = CallResultPage.from_dict(fx.cursor_list([]))
    assert_type(calls, CallResultPage)
    assert (type(persona), type(page), type(calls)) == (Persona, CursorPage, CallResultPage)
