"""Models shared across the Evals area: the feature status and grading levels."""

from __future__ import annotations

import attrs

from bland_async.models._base import BlandModel


@attrs.frozen(kw_only=True)
class EvalsStatus(BlandModel):
    """Whether Evals is enabled for the organization (``GET /v1/evals/status``).

    Attributes:
        enabled: Whether the Evals routes are available.
        gate: The name of the feature gate (always ``"evals_enabled"``).
        reason: Why the feature is off, or ``None`` when it is on.
    """

    enabled: bool
    gate: str = "evals_enabled"
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Level(BlandModel):
    """One grading level of an eval agent, template or snapshot.

    Pass it in ``levels=[...]`` when updating an agent version or a user template.

    Attributes:
        level_key: Identifier of the level, 1 to 64 characters, unique in its list.
        label: Display label, 1 to 80 characters.
        prompt_md: What this level means, in Markdown (required when sending).
        color: Optional color. When sending: one of ``rose``, ``amber``, ``gold``,
            ``emerald``, ``blue``, ``indigo``, ``violet``, ``fog``. Read back as a plain
            string, because snapshots show hex colors such as ``#22c55e``.
    """

    level_key: str
    label: str
    prompt_md: str
    color: str | None = None
