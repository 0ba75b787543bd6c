"""The release workflow and per-call options through the sync facade."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bland_async import InvalidRequestError

if TYPE_CHECKING:
    from bland_async import BlandClient
    from tests.sync._helpers import ThreadedFake


def test_release_workflow(threaded_fake: ThreadedFake, sync_client: BlandClient) -> None:
    edited = threaded_fake.seed_persona(name="Edited", draft_changes={"kb_ids": ["k"]})["id"]
    same = threaded_fake.seed_persona(name="Same", draft_changes=None)["id"]
    diff = sync_client.personas.diff(edited)
    assert diff.changed
    assert list(diff.changes) == ["kb_ids"]
    report = sync_client.personas.promote_many([edited, same], only_if_changed=True)
    assert list(report.succeeded) == [edited]
    assert list(report.skipped) == [same]
    again = [o.skipped for o in sync_client.personas.promote_each([edited], only_if_changed=True)]
    assert again == [True]
    persona = sync_client.personas.get(edited)
    assert persona.current_production_version is not None
    first = next(
        v for v in sync_client.personas.versions.list(edited) if v.version_type == "archived"
    )
    rolled = sync_client.personas.rollback(edited, first.id)
    assert rolled.current_production_version is not None
    assert rolled.current_production_version.kb_ids == []
    assert sync_client.personas.reset_draft(edited).current_draft_version is not None
    assert threaded_fake.call(threaded_fake.fake.promotion_count, edited) == 2


def test_per_call_options(threaded_fake: ThreadedFake, sync_client: BlandClient) -> None:
    persona_id = threaded_fake.seed_persona(name="P", draft_changes=None)["id"]
    persona = sync_client.personas.get(persona_id, extra_headers={"X-Sync": "1"}, timeout=5)
    assert persona.id == persona_id
    recorded = threaded_fake.call(lambda: threaded_fake.fake.requests[-1])
    assert recorded.headers["x-sync"] == "1"
    with pytest.raises(InvalidRequestError, match="unexpected keyword"):
        sync_client.personas.get(persona_id, bogus=1)  # type: ignore[call-arg]
    narrow = sync_client.with_options(max_concurrency=2)
    assert narrow.personas.get(persona_id).id == persona_id
    pages = list(sync_client.personas.iterate(limit=1, extra_query={"t": "x"}))
    assert [p.id for p in pages] == [persona_id]


def test_raw_responses(threaded_fake: ThreadedFake, sync_client: BlandClient) -> None:
    persona_id = threaded_fake.seed_persona(name="P", draft_changes=None)["id"]
    raw = sync_client.with_raw_response.personas.get(persona_id)
    assert raw.status == 200
    assert raw.parse().id == persona_id
    assert raw.request_id == raw.headers["X-Request-Id"]
    versions = sync_client.with_raw_response.personas.versions.list(persona_id)
    assert len(versions.parse()) == 2
    status = sync_client.with_raw_response.evals.status()
    assert status.parse().enabled
