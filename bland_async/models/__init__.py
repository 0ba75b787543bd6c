"""Public models: frozen attrs classes structured from the API's JSON.

Unknown fields are ignored and unknown enum values are kept (as pseudo-members whose
``.value`` is the raw string), so a server that adds things never breaks parsing.
"""

from bland_async.models._base import BlandModel, OpenEnum
from bland_async.models._common import (
    AttachedAgent,
    CursorPage,
    LatestRun,
    Modality,
    RunMode,
    VersionState,
)
from bland_async.models._personas import (
    CallConfig,
    InboundNumber,
    InboundNumberSettings,
    PathwayCondition,
    Persona,
    PersonaDeleteResult,
    PersonaInboundNumbers,
    PersonaSettings,
    PersonaVersion,
    PersonaVersionType,
)
from bland_async.models._workbench import WorkbenchSetupVersion, WorkbenchSetupVersionListItem

__all__ = [
    "AttachedAgent",
    "BlandModel",
    "CallConfig",
    "CursorPage",
    "InboundNumber",
    "InboundNumberSettings",
    "LatestRun",
    "Modality",
    "OpenEnum",
    "PathwayCondition",
    "Persona",
    "PersonaDeleteResult",
    "PersonaInboundNumbers",
    "PersonaSettings",
    "PersonaVersion",
    "PersonaVersionType",
    "RunMode",
    "VersionState",
    "WorkbenchSetupVersion",
    "WorkbenchSetupVersionListItem",
]
