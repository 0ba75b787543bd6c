"""The fake's library of shipped eval agent templates (served by E29/E30).

Ten templates, named as the Evals tutorial names them, with snake_case keys.
Two are pass/fail (no levels, no targets); the rest have 3-4 levels ordered
from worst to best, the best one(s) being the targets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ._common import JSONObject

__all__ = ["SHIPPED_TEMPLATES", "TEMPLATE_CATEGORIES"]

TEMPLATE_CATEGORIES: Final = ("voice", "sales", "support", "scheduling", "compliance", "quality")

_SYSTEM: Final = (
    "You are an impartial quality judge. You read one phone call between an AI agent "
    "and a customer and grade exactly one quality of it. Quote the evidence you rely "
    "on, and say when the call does not contain enough evidence to decide."
)


def _levels(*levels: tuple[str, str, str, str]) -> list[JSONObject]:
    return [
        {"level_key": key, "label": label, "prompt_md": prompt, "color": color}
        for key, label, prompt, color in levels
    ]


def _template(
    key: str,
    name: str,
    category: str,
    description: str,
    prompt_md: str,
    *,
    levels: list[JSONObject] | None = None,
    targets: list[str] | None = None,
    modality: str = "text",
) -> JSONObject:
    return {
        "key": key,
        "name": name,
        "description": description,
        "category": category,
        "modality": modality,
        "system_prompt_md": _SYSTEM,
        "prompt_md": prompt_md,
        "levels": levels or [],
        "target_level_keys": targets or [],
    }


SHIPPED_TEMPLATES: Final[tuple[JSONObject, ...]] = (
    _template(
        "hallucination_detection",
        "Hallucination Detection",
        "quality",
        "Flags claims the agent made that are not grounded in the call or its knowledge.",
        "Did the agent state anything that is not supported by the call or its knowledge base?",
        levels=_levels(
            ("fabricated", "Fabricated", "The agent invented facts, prices or policies.", "rose"),
            ("minor_slip", "Minor slip", "A small unsupported detail, quickly corrected.", "amber"),
            ("grounded", "Grounded", "Every claim is supported.", "emerald"),
        ),
        targets=["grounded"],
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
        levels=_levels(
            ("poor", "Poor", "Talks over the customer, repeats itself, confusing.", "rose"),
            ("fair", "Fair", "Understandable but stilted or slow.", "amber"),
            ("good", "Good", "Clear and natural with minor hiccups.", "blue"),
            ("excellent", "Excellent", "Indistinguishable from a skilled human.", "emerald"),
        ),
        targets=["good", "excellent"],
    ),
    _template(
        "bland_tone",
        "Bland Tone",
        "voice",
        "Whether the agent kept the brand's calm, friendly and concise tone.",
        "Grade how closely the agent's tone matched a calm, friendly, concise brand voice.",
        levels=_levels(
            ("off_brand", "Off brand", "Curt, pushy or overly casual.", "rose"),
            ("mixed", "Mixed", "Mostly on tone with lapses.", "gold"),
            ("on_brand", "On brand", "Consistently calm, friendly and concise.", "emerald"),
        ),
        targets=["on_brand"],
    ),
    _template(
        "audio_quality",
        "Audio Quality",
        "voice",
        "Latency, glitches and clarity of the agent's audio.",
        "Listen to the recording and grade the clarity and smoothness of the agent's audio.",
        levels=_levels(
            ("degraded", "Degraded", "Dropouts, long silences or garbled speech.", "rose"),
            (
                "acceptable",
                "Acceptable",
                "Occasional glitches that do not block the call.",
                "amber",
            ),
            ("clear", "Clear", "Clean audio with natural latency.", "emerald"),
        ),
        targets=["clear"],
        modality="audio",
    ),
    _template(
        "discovery",
        "Discovery",
        "sales",
        "How well the agent uncovered the customer's needs before pitching.",
        "Grade how thoroughly the agent asked about the customer's situation and needs.",
        levels=_levels(
            ("none", "None", "Pitched without asking anything.", "rose"),
            ("partial", "Partial", "Asked some questions, missed key needs.", "amber"),
            ("thorough", "Thorough", "Uncovered the needs that matter.", "emerald"),
        ),
        targets=["thorough"],
    ),
    _template(
        "issue_understanding",
        "Issue Understanding",
        "support",
        "Whether the agent correctly understood the customer's issue.",
        "Grade whether the agent identified and restated the customer's actual issue.",
        levels=_levels(
            ("misunderstood", "Misunderstood", "Worked on the wrong problem.", "rose"),
            ("partial", "Partial", "Understood part of the issue.", "amber"),
            ("understood", "Understood", "Identified and confirmed the issue.", "emerald"),
        ),
        targets=["understood"],
    ),
    _template(
        "objection_handling",
        "Objection Handling",
        "sales",
        "How the agent responded to the customer's objections.",
        "Grade how the agent handled objections raised by the customer.",
        levels=_levels(
            ("ignored", "Ignored", "Ignored or argued with the objection.", "rose"),
            ("dismissive", "Dismissive", "Acknowledged it without addressing it.", "amber"),
            ("addressed", "Addressed", "Addressed it with a relevant answer.", "blue"),
            ("resolved", "Resolved", "Resolved it and confirmed with the customer.", "emerald"),
        ),
        targets=["addressed", "resolved"],
    ),
    _template(
        "scheduling_clarity",
        "Scheduling Clarity",
        "scheduling",
        "Whether dates, times and time zones were communicated unambiguously.",
        "Grade how clearly the agent stated and confirmed dates, times and time zones.",
        levels=_levels(
            ("confusing", "Confusing", "Ambiguous or wrong times.", "rose"),
            ("adequate", "Adequate", "Correct but never confirmed.", "amber"),
            ("clear", "Clear", "Stated and read back unambiguously.", "emerald"),
        ),
        targets=["clear"],
    ),
    _template(
        "appointment_booked",
        "Appointment Booked",
        "scheduling",
        "Whether the call ended with a booked appointment.",
        "Pass if an appointment was booked and confirmed during the call; fail otherwise.",
    ),
)
