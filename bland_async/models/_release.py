"""Release models: what promoting a persona's draft would change (``personas.diff``)."""

from __future__ import annotations

import json
from typing import Any

import attrs

from bland_async.models._base import BlandModel

#: A persona's configuration: the version-level fields a promotion copies to production.
CONFIG_FIELDS: tuple[str, ...] = (
    "orchestration_prompt",
    "personality_prompt",
    "pathway_conditions",
    "kb_ids",
    "call_config",
    "default_tools",
)

#: How much of a long value ``str(PersonaDiff)`` shows.
_SHOWN = 120


@attrs.frozen(kw_only=True)
class FieldChange(BlandModel):
    """One configuration field that differs between production and draft.

    Values are the API's JSON (strings, lists, objects, ``None``), so they compare and
    print the way the server stores them.

    Attributes:
        production: The live value (``None`` when production has none).
        draft: The value a promotion would make live.
    """

    production: Any = None
    draft: Any = None


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


@attrs.frozen(kw_only=True)
class PersonaDiff(BlandModel):
    """Production against draft for one persona, over its configuration fields.

    ``changes`` holds only the fields that differ, keyed by field name, in the order of
    :data:`CONFIG_FIELDS`. A list or object compares whole; ``None`` and a missing value
    are equal. ``str(diff)`` prints one ``-``/``+`` pair per changed field.

    Attributes:
        persona_id: The persona compared.
        production_version_id: The live version, or ``None`` when there is none.
        draft_version_id: The draft, or ``None`` when there is none.
        changes: Field name -> :class:`FieldChange`, for the fields that differ.
    """

    persona_id: str
    production_version_id: str | None = None
    draft_version_id: str | None = None
    changes: dict[str, FieldChange] = attrs.field(factory=dict)

    @property
    def changed(self) -> bool:
        """Whether promoting the draft would change production's configuration."""
        return bool(self.changes)

    def __str__(self) -> str:
        head = (
            f"persona {self.persona_id}: production {self.production_version_id} "
            f"-> draft {self.draft_version_id}"
        )
        if not self.changes:
            return f"{head}: no changes"
        lines = [f"{head}: {len(self.changes)} field(s) differ"]
        for name, change in self.changes.items():
            lines.append(f"  {name}:")
            lines.append(f"    - {_shown(change.production)}")
            lines.append(f"    + {_shown(change.draft)}")
        return "\n".join(lines)
