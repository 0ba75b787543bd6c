"""The fake's library of shipped eval agent templates (served by E29/E30).

Ten templates, named as the Evals tutorial names them, with snake_case keys.
Two are pass/fail (no levels, no targets); the rest have 3-4 levels ordered
from worst to best, the best one(s) being the targets. The catalogue below is
written as data: a level is its label and prompt (its key is the label in
snake_case, its colour runs from rose for the worst to emerald for the best),
and a graded template names its lowest target level (it and those above it
are the targets).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._common import JSONObject

__all__ = ["SHIPPED_TEMPLATES", "TEMPLATE_CATEGORIES"]

TEMPLATE_CATEGORIES: Final = ("voice", "sales", "support", "scheduling", "compliance", "quality")

_SYSTEM: Final = (
    "You are an impartial quality judge. You read one phone call between an AI agent "
    "and a customer and grade exactly one quality of it. Quote the evidence you rely "
    "on, and say when the call does not contain enough evidence to decide."
)
# Level colours, worst to best, by the number of levels.
_PALETTES: Final[Mapping[int, Sequence[str]]] = {
    3: ("rose", "amber", "emerald"),
    4: ("rose", "amber", "blue", "emerald"),
}


def _level_key(label: str) -> str:
    return label.lower().replace(" ", "_")


def _template(
    key: str,
    name: str,
    category: str,
    description: str,
    prompt_md: str,
    *,
    levels: Mapping[str, str] | None = None,
    lowest_target: str | None = None,
    colors: Sequence[str] | None = None,
    modality: str = "text",
) -> JSONObject:
    """One template's JSON; `levels` maps each label to its prompt, worst first."""
    levels = levels or {}
    labels = list(levels)
    palette = colors or _PALETTES.get(len(labels), ())
    targets = labels[labels.index(lowest_target) :] if lowest_target is not None else []
    return {
        "key": key,
        "name": name,
        "description": description,
        "category": category,
        "modality": modality,
        "system_prompt_md": _SYSTEM,
        "prompt_md": prompt_md,
        "levels": [
            {"level_key": _level_key(label), "label": label, "prompt_md": prompt, "color": color}
            for (label, prompt), color in zip(levels.items(), palette, strict=True)
        ],
        "target_level_keys": [_level_key(label) for label in targets],
    }


SHIPPED_TEMPLATES: Final[tuple[JSONObject, ...]] = (
    _template(
        "hallucination_detection",
        "Hallucination Detection",
        "quality",
        "Flags claims the agent made that are not grounded in the call or its knowledge.",
        "Did the agent state anything that is not supported by the call or its knowledge base?",
        levels={
            "Fabricated": "The agent invented facts, prices or policies.",
            "Minor slip": "A small unsupported detail, quickly corrected.",
            "Grounded": "Every claim is supported.",
        },
        lowest_target="Grounded",
    ),
    _template(
        "call_resolution",
        "Resolution",
        "support",
        "Whether the customer's reason for calling was resolved by the end of the call.",
        "Pass if the customer's request was fully resolved before the call ended; fail otherwise.",
    ),
    _template(
        "conversational_quality",
        "Conversational Quality",
        "quality",
        "Turn-taking, clarity and naturalness of the conversation.",
        "Grade how natural, clear and well-paced the agent's side of the conversation was.",
        levels={
            "Poor": "Talks over the customer, repeats itself, confusing.",
            "Fair": "Understandable but stilted or slow.",
            "Good": "Clear and natural with minor hiccups.",
            "Excellent": "Indistinguishable from a skilled human.",
        },
        lowest_target="Good",
    ),
    _template(
        "bland_tone",
        "Bland Tone",
        "voice",
        "Whether the agent kept the brand's calm, friendly and concise tone.",
        "Grade how closely the agent's tone matched a calm, friendly, concise brand voice.",
        levels={
            "Off brand": "Curt, pushy or overly casual.",
            "Mixed": "Mostly on tone with lapses.",
            "On brand": "Consistently calm, friendly and concise.",
        },
        lowest_target="On brand",
        colors=("rose", "gold", "emerald"),
    ),
    _template(
        "audio_quality",
        "Audio Quality",
        "voice",
        "Latency, glitches and clarity of the agent's audio.",
        "Listen to the recording and grade the clarity and smoothness of the agent's audio.",
        levels={
            "Degraded": "Dropouts, long silences or garbled speech.",
            "Acceptable": "Occasional glitches that do not block the call.",
            "Clear": "Clean audio with natural latency.",
        },
        lowest_target="Clear",
        modality="audio",
    ),
    _template(
        "discovery",
        "Discovery",
        "sales",
        "How well the agent uncovered the customer's needs before pitching.",
        "Grade how thoroughly the agent asked about the customer's situation and needs.",
        levels={
            "None": "Pitched without asking anything.",
            "Partial": "Asked some questions, missed key needs.",
            "Thorough": "Uncovered the needs that matter.",
        },
        lowest_target="Thorough",
    ),
    _template(
        "issue_understanding",
        "Issue Understanding",
        "support",
        "Whether the agent correctly understood the customer's issue.",
        "Grade whether the agent identified and restated the customer's actual issue.",
        levels={
            "Misunderstood": "Worked on the wrong problem.",
            "Partial": "Understood part of the issue.",
            "Understood": "Identified and confirmed the issue.",
        },
        lowest_target="Understood",
    ),
    _template(
        "objection_handling",
        "Objection Handling",
        "sales",
        "How the agent responded to the customer's objections.",
        "Grade how the agent handled objections raised by the customer.",
        levels={
            "Ignored": "Ignored or argued with the objection.",
            "Dismissive": "Acknowledged it without addressing it.",
            "Addressed": "Addressed it with a relevant answer.",
            "Resolved": "Resolved it and confirmed with the customer.",
        },
        lowest_target="Addressed",
    ),
    _template(
        "scheduling_clarity",
        "Scheduling Clarity",
        "scheduling",
        "Whether dates, times and time zones were communicated unambiguously.",
        "Grade how clearly the agent stated and confirmed dates, times and time zones.",
        levels={
            "Confusing": "Ambiguous or wrong times.",
            "Adequate": "Correct but never confirmed.",
            "Clear": "Stated and read back unambiguously.",
        },
        lowest_target="Clear",
    ),
    _template(
        "appointment_booked",
        "Appointment Booked",
        "scheduling",
        "Whether the call ended with a booked appointment.",
        "Pass if an appointment was booked and confirmed during the call; fail otherwise.",
    ),
)
