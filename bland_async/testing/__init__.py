"""A stateful fake of the Bland Personas and Evals API, for testing code that calls it.

`FakeBland` is a real HTTP server (aiohttp.web on 127.0.0.1, a free port by
default) holding its own state. It validates requests, applies the documented
state rules (only editable versions update, promote copies the draft into a
new production version and archives the old one, publish opens a new draft,
...), and answers the API's envelopes, status codes and both pagination styles.
Point any client at it, the SDK included::

    from bland_async import AsyncBlandClient
    from bland_async.testing import FakeBland, Fault

    async def test_promote_survives_a_429():
        async with FakeBland() as fake:
            persona = fake.seed_persona(
                name="Support", draft_changes={"personality_prompt": "Be brief."}
            )
            fake.inject(
                "POST /v1/personas/{persona_id}/versions/promote",
                Fault.status(429, headers={"Retry-After": "0.01"}),
                times=1,
            )
            async with AsyncBlandClient(api_key=fake.api_key, base_url=fake.url) as bland:
                promoted = await bland.personas.promote(persona["id"])
            assert promoted.current_production_version.version_number == 3
            assert [r.status for r in fake.requests] == [429, 200]

Arrange state with `seed_persona`, `seed_workbench_setup`, `seed_eval_agent`,
`seed_user_template`, `seed_run` and `add_phone_number` (or through the API
itself); inspect it through `fake.state` (plain JSON dicts, see `FakeState`),
`fake.promotion_count(persona_id)` (promotes the state shows, lost answers
included) and `fake.requests` (`RecordedRequest`). Break things with
`fake.inject(route, fault, times=, every=, after=, probability=)` and the
`Fault` constructors: `latency` (with optional `jitter`), `status`, `drop`,
`malformed`, `apply_then_fail` (works on every route, GETs included). Turn
Evals off with `fake.evals_enabled = False` (every `/v1/evals` route but the
status then answers 404).

Faults on a request are tried in installation order: every firing latency
fault adds its wait, the first firing answering fault decides the answer and
the faults after it do not see the request. A fault's `after` skips its first
matches, `every` keeps every Nth of the rest, `probability` then lets each of
those fire with that chance, and `times` caps the firings. The route `"*"`
matches every request to every route the fake serves, `"GET *"` / `"POST *"`
every route with that method (requests to unknown paths still answer 404).

Chaos testing: every random decision (`probability`, `jitter`) draws from the
fake's own `random.Random(seed)`, in the order requests are recorded, so a run
is reproducible from `FakeBland(seed=...)`. Instead of sleeping until requests
are in flight, `await fake.wait_for_requests(n, route=...)` returns as soon as
the nth (matching) request has been received, or raises `TimeoutError`::

    async def test_bulk_promote_under_chaos():
        async with FakeBland(seed=1234) as fake:
            ids = [fake.seed_persona(name=f"P{i}")["id"] for i in range(50)]
            fake.inject("*", Fault.latency(0.001, jitter=0.01))
            fake.inject("*", Fault.status(429, headers={"Retry-After": "0"}), probability=0.3)
            fake.inject("*", Fault.status(503), probability=0.05)
            fake.inject("*", Fault.apply_then_fail(), probability=0.02)
            ...  # promote every persona through the client under test
            assert all(fake.promotion_count(i) <= 1 for i in ids)  # never two

It serves every Personas (P1-P11) and Evals (E0-E35) endpoint: eval agents and
workbench setups with their versions (only editable versions PATCH, 409
`VERSION_NOT_EDITABLE`; publish validates, archives the draft and opens a new
one, 422 `PUBLISH_VALIDATION_FAILED`; forks don't move the draft; PATCH
`active_version_id` repoints or, with null, unpublishes; deletes are soft and
answer 204), runs, estimates and their results, the ten shipped agent templates
and user templates. Creates answer 200 (workbench setups and their versions:
201), and every Evals list is a cursor page, newest first (versions: highest
`version_number` first; run results: in call order).

Runs are deterministic. Each `GET /v1/evals/runs/{run_id}` moves a run one
step: PENDING → QUEUED → RUNNING (half the calls done) → COMPLETE, PARTIAL
(some verdicts failed) or FAILED (all did). Verdicts are a pure function of
the call id and the agent's key; call id prefixes steer them: `fail_` (every
judge fails), `insufficient_` (insufficient evidence), `top_` / `bottom_`
(best / worst level, pass / fail) and `slow_` (the run never leaves RUNNING on
its own). `fake.hold_runs = True` stops polls from moving runs (to test a
client's wait timeout); `fake.advance_runs(steps)` and
`fake.complete_run(run_id)` move them by hand. Cancelling a finished run is
409 `RUN_NOT_CANCELLABLE`.

Run it standalone for manual poking or a demo::

    python -m bland_async.testing --port 8080 --api-key test-key --seed-demo

It prints `Fake Bland API listening on <url>` first, then the API key and the
ids it seeded; `--port 0` picks a free port, `--personas N` adds N simple
personas (every third with a changed draft, to try bulk releases on), and a
port in use is a one-line error with exit status 2.
"""

from ._faults import Fault, FaultHandle
from ._recorder import RecordedRequest
from ._server import FakeBland
from ._state import FakeState

__all__ = ["FakeBland", "FakeState", "Fault", "FaultHandle", "RecordedRequest"]
