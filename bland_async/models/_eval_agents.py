"""Eval agent models (docs/api-notes.md, Evals), and the agent publish result."""

from __future__ import annotations

import attrs

from bland_async.models import _versioned
from bland_async.models._base import BlandModel
from bland_async.models._common import LatestRun, Modality
from bland_async.models._evals import Level


@attrs.frozen(kw_only=True)
class EvalAgent(_versioned.Versioned):
    """An eval agent: one LLM judge for one quality of a call.

    Its prompts, levels, targets and weight live on its versions:
    ``current_version_id`` is the editable draft, ``active_version_id`` the published
    version runs use (``None`` when never published or unpublished).
    """


@attrs.frozen(kw_only=True)
class EvalAgentListItem(_versioned.VersionedListItem):
    """An eval agent as listed, with its modality and latest run."""

    modality: Modality
    enabled: bool = True


@attrs.frozen(kw_only=True)
class EvalAgentVersion(_versioned.Version):
    """One version of an eval agent: its prompts, levels, targets and weight.

    Pass/fail agents have no levels and no target keys; graded agents have 2 to 5
    levels. Only ``editable`` versions can be updated.
    """

    eval_agent_id: str
    modality: Modality
    weight: float
    system_prompt_md: str = ""
    prompt_md: str = ""
    levels: list[Level] = attrs.field(factory=list)
    target_level_keys: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class EvalAgentVersionListItem(_versioned.VersionFields):
    """An eval agent version as listed (also the ``published_version`` of a publish)."""

    eval_agent_id: str
    latest_run: LatestRun | None = None


@attrs.frozen(kw_only=True)
class EvalAgentWithVersion(BlandModel):
    """An eval agent with its current (editable draft) version.

    Returned by create, get and update. To read the published version, get
    ``agent.active_version_id`` through ``evals.agents.versions.get``.
    """

    agent: EvalAgent
    current_version: EvalAgentVersion


@attrs.frozen(kw_only=True)
class EvalAgentPublishResult(_versioned.PublishResult):
    """The outcome of publishing an eval agent's draft.

    Attributes:
        eval_agent_id: The agent.
        current_version_id: The new editable draft.
        active_version_id: The newly published (archived) version.
        published_version: Summary of that version.
    """

    eval_agent_id: str
    published_version: EvalAgentVersionListItem
