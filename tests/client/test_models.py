from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime

import cattrs
import pytest

from bland_async import ResponseValidationError
from bland_async._converter import drop_unset, make_converter, structure, to_json_value
from bland_async._types import UNSET
from bland_async.models import (
    AttachedAgent,
    CallConfig,
    CursorPage,
    PathwayCondition,
    Persona,
    PersonaVersionType,
    RunMode,
    VersionState,
    WorkbenchSetupVersion,
)
from tests.fixtures.personas import PERSONA, SETUP_VERSION

STRICT = make_converter(detailed=True, forbid_extra_keys=True)


def test_persona_fixture_fits_strictly() -> None:
    persona = STRICT.structure(PERSONA, Persona)
    assert persona.current_production_version is not None
    assert persona.current_production_version.version_type is PersonaVersionType.PRODUCTION
    assert persona.current_production_version.call_config == CallConfig(
        voice="June",
        record=True,
        language="en-US",
        background="office",
        max_duration=30.0,
        wait_for_greeting=False,
        interruption_threshold=500.0,
    )
    assert persona.inbound_numbers[0].persona_settings is not None
    assert persona.inbound_numbers[0].persona_settings.pathway_version == 3.0
    assert persona.created_at == datetime(2025, 9, 23, 15, 13, 36, 348000, tzinfo=UTC)
    # Timestamps without milliseconds parse too.
    assert persona.current_production_version.updated_at.microsecond == 0


def test_setup_version_fixture_fits_strictly() -> None:
    version = STRICT.structure(SETUP_VERSION, WorkbenchSetupVersion)
    assert version.state is VersionState.EDITABLE
    assert version.run_mode is RunMode.TEXT
    assert version.attached_agents == [
        AttachedAgent(
            eval_agent_id="a-1", eval_agent_version_id="av-1", weight=40, target_level_keys=["good"]
        )
    ]


def test_strict_converter_catches_drift() -> None:
    drifted = {**SETUP_VERSION, "new_field": 1}
    with pytest.raises(cattrs.BaseValidationError):
        STRICT.structure(drifted, WorkbenchSetupVersion)
    # ...while the production converter ignores unknown keys.
    assert structure(drifted, WorkbenchSetupVersion).id == "v-1"


def test_unknown_enum_values_stay_readable() -> None:
    data = copy.deepcopy(PERSONA)
    data["current_draft_version"]["version_type"] = "staging"
    persona = structure(data, Persona)
    draft = persona.current_draft_version
    assert draft is not None
    assert draft.version_type == "staging"
    assert draft.version_type.value == "staging"
    assert not draft.version_type.is_known
    assert PersonaVersionType.DRAFT.is_known
    assert isinstance(draft.version_type, PersonaVersionType)
    assert pickle.loads(pickle.dumps(persona)) == persona


def test_naive_timestamp_is_utc() -> None:
    data = {**SETUP_VERSION, "created_at": "2025-09-23T15:13:36"}
    assert structure(data, WorkbenchSetupVersion).created_at.tzinfo is UTC


def test_bad_shape_is_response_validation_error() -> None:
    with pytest.raises(ResponseValidationError, match="WorkbenchSetupVersion") as info:
        structure({**SETUP_VERSION, "version_number": "one"}, WorkbenchSetupVersion, request_id="r")
    assert "version_number" in str(info.value)
    assert info.value.request_id == "r"
    with pytest.raises(ResponseValidationError):
        structure({**SETUP_VERSION, "created_at": 5}, WorkbenchSetupVersion)
    with pytest.raises(ResponseValidationError):
        structure({**SETUP_VERSION, "name": None}, WorkbenchSetupVersion)
    with pytest.raises(ResponseValidationError):
        structure({**SETUP_VERSION, "attached_agents": [{"weight": True}]}, WorkbenchSetupVersion)


def test_request_id_is_not_part_of_equality() -> None:
    a = structure(SETUP_VERSION, WorkbenchSetupVersion, request_id="r1")
    b = structure(SETUP_VERSION, WorkbenchSetupVersion, request_id="r2")
    assert a == b
    assert (a.request_id, b.request_id) == ("r1", "r2")
    assert "r1" not in repr(a)


def test_cursor_page_generic() -> None:
    page = structure(
        {"object": "list", "data": [SETUP_VERSION], "has_more": True, "next_cursor": "v-1"},
        CursorPage[WorkbenchSetupVersion],
    )
    assert len(page) == 1
    assert [v.id for v in page] == ["v-1"]
    assert page.has_more


def test_request_bodies_omit_unset_and_keep_null() -> None:
    body = drop_unset(
        {
            "name": "x",
            "description": None,
            "pass_threshold_pct": UNSET,
            "agents": [AttachedAgent(eval_agent_id="a")],
            "call_config": CallConfig(voice="June"),
            "mode": RunMode.AUDIO,
        }
    )
    assert body == {
        "name": "x",
        "description": None,
        "agents": [{"eval_agent_id": "a"}],
        "call_config": {"voice": "June"},
        "mode": "audio",
    }
    assert to_json_value(
        PathwayCondition(
            name="n", prompt="p", pathway_id="i", pathway_version="1", start_node_id="s"
        )
    ) == {
        "name": "n",
        "prompt": "p",
        "pathway_id": "i",
        "pathway_version": "1",
        "start_node_id": "s",
    }
    assert repr(UNSET) == "UNSET"
    assert not UNSET
