"""fork(): a child gets a working client of its own and never disturbs the parent's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import aiohttp
import pytest

from bland_async.testing import FakeBland
from tests.sync._helpers import ThreadedFake, stderr_noise_removed

if TYPE_CHECKING:
    pass

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

#: Seconds the forked child may live. Its work takes well under a second; if the at-fork
#: hook breaks, the child would hang on the parent's dead loop thread: instead it dumps
#: its threads' tracebacks to stderr and exits with status 1, so the test fails fast and
#: leaves no orphan behind (even if the parent is killed by the subprocess timeout).
CHILD_DEADLINE = 10

_FORK_SCRIPT = textwrap.dedent(
    """
    import faulthandler, gc, json, os, sys, time, warnings
    from bland_async import BlandClient

    # 3.12+ warns that forking a threaded process may deadlock; this test does it on purpose.
    warnings.filterwarnings("ignore", "This process", DeprecationWarning)
    url, persona_id = sys.argv[1], sys.argv[2]
    client = BlandClient(api_key="test-key", base_url=url, timeout=3, max_retries=0)
    client.personas.get(persona_id)  # the parent now has a pooled keep-alive connection

    child = os.fork()
    if child == 0:
        # Armed in the child only: the watchdog thread does not survive fork().
        faulthandler.dump_traceback_later(int(sys.argv[4]), exit=True)
        code = 0
        try:
            # First use in the child: a new loop thread and session of its own.
            assert client.personas.get(persona_id).id == persona_id
            assert client.with_options().personas.get(persona_id).id == persona_id
            # Drop every inherited object the child can reach and collect.
            del client
            if sys.argv[3] == "finalize-inherited":
                # Worst case: the inherited session and connector are finalized in the
                # child (the runtime keeps them alive so that this does not happen, but a
                # reference cycle collected at exit could still do it). Run what garbage
                # collection would run.
                import aiohttp
                import bland_async._sync_runtime as runtime

                for obj in runtime._INHERITED:
                    if isinstance(obj, aiohttp.ClientSession):
                        obj.__del__()
                        obj.connector.__del__()
                runtime._INHERITED.clear()
            gc.collect()
        except BaseException as exc:
            print(f"child failed: {exc!r}", file=sys.stderr, flush=True)
            code = 3
        # A normal exit: atexit and finalizers run in the child too.
        sys.exit(code)

    _, status = os.waitpid(child, 0)
    started = time.monotonic()
    # The parent's pooled connection must still work (it hung when a child closed it).
    same = client.personas.get(persona_id).id == persona_id
    elapsed = time.monotonic() - started
    print(json.dumps({
        "child_exit": os.waitstatus_to_exitcode(status),
        "parent_ok": same,
        "parent_elapsed": elapsed,
        "parent_requests": client.stats.requests,
    }), flush=True)
    client.close()
    """
)


@pytest.mark.parametrize("scenario", ["client", "finalize-inherited"])
def test_forked_child_gets_its_own_client_and_leaves_the_parents_alone(
    threaded_fake: ThreadedFake, scenario: str
) -> None:
    persona = threaded_fake.seed_persona()
    # "finalize-inherited" may warn about the inherited objects (ResourceWarning) but
    # must not close their transports: run it without -X dev.
    flags = ["-X", "dev"] if scenario == "client" else []
    result = subprocess.run(
        [
            sys.executable,
            *flags,
            "-c",
            _FORK_SCRIPT,
            threaded_fake.url,
            persona["id"],
            scenario,
            str(CHILD_DEADLINE),
        ],
        capture_output=True,
        text=True,
        timeout=CHILD_DEADLINE + 20,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["child_exit"] == 0, result.stderr
    if scenario == "client":
        assert stderr_noise_removed(result.stderr) == ""
    assert report["parent_ok"] is True
    assert report["parent_elapsed"] < 1.0
    assert report["parent_requests"] == 2  # the child's requests were its own
    # Parent: 2 requests; child: 2 more, on connections of its own.
    gets = [r for r in threaded_fake.fake.requests if r.method == "GET"]
    assert len(gets) == 4


@pytest.mark.anyio
async def test_aiohttp_private_connector_flag_still_spares_pooled_transports(
    fake: FakeBland,
) -> None:
    """Pins the private aiohttp attribute the at-fork hook relies on.

    ``bland_async._sync_runtime`` marks an inherited connector closed by setting
    ``connector._closed = True``. That must (1) make the session and connector report
    closed and (2) make the connector's ``__del__`` return without closing its pooled
    transports. If an aiohttp upgrade breaks this, fix ``_forget_parent_loop``.
    """
    connector = aiohttp.TCPConnector()
    session = aiohttp.ClientSession(connector=connector)
    try:
        async with session.get(f"{fake.url}/v1/personas", headers={"authorization": "k"}) as r:
            await r.read()
        (pooled,) = [proto for entries in connector._conns.values() for proto, _ in entries]
        transport = pooled.transport
        assert transport is not None
        assert not transport.is_closing()  # pooled, keep-alive

        assert connector._closed is False
        connector._closed = True
        assert connector.closed
        assert session.closed
        connector.__del__()  # what garbage collection of the inherited connector runs
        assert not transport.is_closing()  # the pooled transport was not touched
    finally:
        connector._closed = False
        await session.close()
    assert transport.is_closing()
