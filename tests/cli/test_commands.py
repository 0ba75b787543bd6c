"""The commands in-process: ``main([...])`` against a fake served from another thread."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import pytest

import bland_async.testing.__main__ as fake_main
from bland_async._cli import default_prog, main
from tests.cli.conftest import PROMOTE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Cli, ThreadedFake

CHANGED = {"personality_prompt": "Be brief."}


def production(served: ThreadedFake, persona_id: str) -> dict[str, Any]:
    persona: dict[str, Any] = served.call(lambda: served.fake.state.personas[persona_id])
    version: dict[str, Any] = served.call(
        lambda: served.fake.state.persona_versions[persona["current_production_version_id"]]
    )
    return version


# --- personas list / diff / rollback ------------------------------------------------------


def test_list_prints_a_table_without_extra_requests(cli: Cli, served: ThreadedFake) -> None:
    changed = served.seed("Support\tAgent", draft_changes=CHANGED)
    same = served.seed("Sales " + "x" * 60)
    bare = served.seed("Scheduler", with_draft=False)
    result = cli("personas", "list")
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == ["ID", "NAME", "PRODUCTION", "DRAFT", "CHANGED"]
    by_id = {row.split()[0]: row for row in rows}
    assert by_id[changed].split()[1:] == ["Support", "Agent", "v1", "yes"]
    assert by_id[same].endswith("  v1          no")
    assert "Sales " + "x" * 31 + "...  " in by_id[same]
    assert by_id[bare].endswith("no draft")
    # One page of personas answers the listing: the diffs need no request of their own.
    assert [r.method for r in served.call(lambda: served.fake.requests)] == ["GET"]
    assert result.err == ""


def test_list_json(cli: Cli, served: ThreadedFake) -> None:
    changed = served.seed("A", draft_changes=CHANGED)
    bare = served.seed("B", with_draft=False)
    result = cli("personas", "list", "--json")
    assert result.code == 0
    first, second = result.lines()
    assert first["id"] == changed
    assert first["changed"] is True
    assert first["version_number"] == 1
    assert first["production_version_id"] == production(served, changed)["id"]
    assert first["name"] == "A"
    assert second == {
        "id": bare,
        "name": "B",
        "production_version_id": production(served, bare)["id"],
        "version_number": 1,
        "draft_version_id": None,
        "changed": False,
    }


def test_list_pages_through_every_persona(cli: Cli, served: ThreadedFake) -> None:
    ids = [served.seed(f"P{i}") for i in range(105)]
    result = cli("personas", "list", "--json")
    assert [line["id"] for line in result.lines()] == ids


def test_diff_prints_the_readable_diff(cli: Cli, served: ThreadedFake) -> None:
    persona = served.seed("A", personality_prompt="Be kind.", draft_changes=CHANGED)
    result = cli("personas", "diff", persona)
    assert result.code == 0
    assert "1 field(s) differ" in result.out
    assert '- "Be kind."' in result.out
    assert '+ "Be brief."' in result.out
    unchanged = served.seed("B")
    assert "no changes" in cli("personas", "diff", unchanged).out


def test_diff_of_a_missing_persona_is_one_line_and_status_1(cli: Cli) -> None:
    result = cli("personas", "diff", "nope")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("bland-async: error: 404 PERSONA_NOT_FOUND")


def test_rollback_prints_the_new_production_version(cli: Cli, served: ThreadedFake) -> None:
    persona = served.seed("A", personality_prompt="v1 prompt", draft_changes=CHANGED)
    first = production(served, persona)["id"]
    assert cli("personas", "promote", persona).code == 0
    result = cli("personas", "rollback", persona, first)
    assert result.code == 0, result.err
    (line,) = result.lines()
    now = production(served, persona)
    assert line == {"id": persona, "production_version_id": now["id"], "version_number": 4}
    assert now["personality_prompt"] == "v1 prompt"


def test_rollback_to_a_missing_version(cli: Cli, served: ThreadedFake) -> None:
    persona = served.seed("A")
    result = cli("personas", "rollback", persona, "nope")
    assert result.code == 1
    assert "VERSION_NOT_FOUND" in result.err
    assert result.err.count("\n") == 1


# --- personas promote ---------------------------------------------------------------------


def test_promote_writes_one_final_line_per_id(cli: Cli, served: ThreadedFake) -> None:
    ok = served.seed("A", draft_changes=CHANGED)
    bare = served.seed("B", with_draft=False)
    result = cli("personas", "promote", ok, bare, "missing", ok)
    assert result.code == 1
    lines = {line["id"]: line for line in result.lines()}
    assert len(result.lines()) == 3  # the duplicate is promoted once
    assert lines[ok] == {
        "id": ok,
        "outcome": "promoted",
        "production_version_id": production(served, ok)["id"],
        "version_number": 3,
        "error": None,
        "error_type": None,
        "may_have_been_applied": None,
    }
    assert lines[bare]["outcome"] == "failed"
    assert lines[bare]["error_type"] == "NoDraftVersionError"
    assert lines[bare]["may_have_been_applied"] is False
    assert lines[bare]["error"].startswith("409 NO_DRAFT_VERSION")
    assert "\n" not in lines[bare]["error"]
    assert lines["missing"]["error_type"] == "PersonaNotFoundError"
    assert served.call(served.fake.promotion_count, ok) == 1
    assert result.err == ""  # stderr is not a terminal: no progress


def test_promote_only_if_changed_then_rerun_skips_everything(
    cli: Cli, served: ThreadedFake, tmp_path: Path
) -> None:
    changed = [served.seed(f"C{i}", draft_changes=CHANGED) for i in range(3)]
    same = [served.seed(f"S{i}") for i in range(4)]
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(changed + same) + "\n")
    out = tmp_path / "out.jsonl"
    first = cli(
        "personas", "promote", "--from", str(ids), "--only-if-changed", "--output", str(out)
    )
    assert first.code == 0
    assert first.out == ""
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    outcomes = {line["id"]: line["outcome"] for line in lines}
    assert outcomes == {**dict.fromkeys(changed, "promoted"), **dict.fromkeys(same, "skipped")}
    assert served.promote_posts() == 3
    skipped = next(line for line in lines if line["id"] == same[0])
    assert skipped["version_number"] == 1
    assert skipped["production_version_id"] == production(served, same[0])["id"]

    rerun = cli(
        "personas", "promote", "--from", str(ids), "--only-if-changed", "--output", str(out)
    )
    assert rerun.code == 0
    again = [json.loads(line) for line in out.read_text().splitlines()]
    assert {line["outcome"] for line in again} == {"skipped"}
    assert len(again) == 7
    assert served.promote_posts() == 3  # no promotion sent on the rerun
    assert all(served.call(served.fake.promotion_count, i) == 1 for i in changed)


def test_promote_reads_ids_from_stdin(cli: Cli, served: ThreadedFake) -> None:
    a = served.seed("A", draft_changes=CHANGED)
    b = served.seed("B", draft_changes=CHANGED)
    result = cli("personas", "promote", b, "--from", "-", stdin=f"\n  {a}  \n\n{b}\n{a}\n")
    assert result.code == 0
    assert [line["id"] for line in result.lines()].count(a) == 1
    assert sorted(line["id"] for line in result.lines()) == sorted([a, b])


def test_promote_from_an_empty_file_does_nothing(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = cli("personas", "promote", "--from", str(empty))
    assert (result.code, result.out, result.err) == (0, "", "")


def test_dry_run_prints_diffs_and_sends_no_promotion(cli: Cli, served: ThreadedFake) -> None:
    changed = served.seed("A", personality_prompt="old", draft_changes=CHANGED)
    same = served.seed("B")
    result = cli("personas", "promote", changed, same, "missing", "--dry-run")
    assert result.code == 1  # the missing id
    lines = {line["id"]: line for line in result.lines()}
    assert lines[changed] == {
        "id": changed,
        "changed": True,
        "changes": {"personality_prompt": {"production": "old", "draft": "Be brief."}},
        "error": None,
    }
    assert lines[same] == {"id": same, "changed": False, "changes": {}, "error": None}
    assert lines["missing"]["changed"] is None
    assert lines["missing"]["error_type"] == "PersonaNotFoundError"
    assert served.promote_posts() == 0
    assert cli("personas", "promote", changed, same, "--dry-run").code == 0


def test_promote_survives_a_rate_limit(cli: Cli, served: ThreadedFake) -> None:
    from bland_async.testing import Fault

    ids = [served.seed(f"P{i}", draft_changes=CHANGED) for i in range(6)]
    served.call(
        served.fake.inject, PROMOTE, Fault.status(429, headers={"Retry-After": "0.01"}), times=3
    )
    result = cli("personas", "promote", *ids, "--concurrency", "2")
    assert result.code == 0
    assert {line["outcome"] for line in result.lines()} == {"promoted"}


# --- evals runs wait ----------------------------------------------------------------------


def seed_run(served: ThreadedFake, calls: list[str], *, complete: bool = True) -> str:
    def seed() -> str:
        fake = served.fake
        judge = fake.seed_eval_agent("Judge", template_key="hallucination_detection", publish=True)
        agents = [{"eval_agent_id": judge["agent"]["id"]}]
        return str(fake.seed_run(calls, complete=complete, attached_agents=agents)["id"])

    return served.call(seed)


def test_wait_prints_a_complete_run_and_exits_0(cli: Cli, served: ThreadedFake) -> None:
    run = seed_run(served, ["top_1"])
    result = cli("evals", "runs", "wait", run, "--timeout", "5")
    assert result.code == 0, result.err
    (line,) = result.lines()
    assert line["id"] == run
    assert line["status"] == "COMPLETE"


def test_wait_exits_1_unless_the_run_completed(cli: Cli, served: ThreadedFake) -> None:
    run = seed_run(served, ["fail_1"])
    result = cli("evals", "runs", "wait", run)
    assert result.code == 1
    assert result.lines()[0]["status"] == "FAILED"


def test_wait_timeout_is_one_line_and_status_1(cli: Cli, served: ThreadedFake) -> None:
    run = seed_run(served, ["slow_1"], complete=False)
    result = cli("evals", "runs", "wait", run, "--timeout", "0.05")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert f"run {run} did not finish within 0.05 s" in result.err


def test_wait_on_a_missing_run(cli: Cli) -> None:
    result = cli("evals", "runs", "wait", "nope")
    assert result.code == 1
    assert "404" in result.err


# --- configuration and usage errors -------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["personas", "list"],
        ["personas", "promote", "some-id"],
        ["evals", "runs", "wait", "r"],
    ],
)
def test_a_missing_key_is_exit_2_and_one_line(
    argv: list[str], cli: Cli, monkeypatch: pytest.MonkeyPatch, served: ThreadedFake
) -> None:
    monkeypatch.delenv("BLAND_API_KEY")
    result = cli(*argv)
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "bland-async: error: no API key: set the BLAND_API_KEY environment variable\n"
    )
    assert served.call(lambda: served.fake.requests) == []


def test_a_bad_base_url_is_exit_2(cli: Cli) -> None:
    result = cli("--base-url", "ftp://nowhere", "personas", "list")
    assert result.code == 2
    assert result.err.startswith("bland-async: error: base_url 'ftp://nowhere'")
    assert result.err.count("\n") == 1


def test_base_url_after_the_command_wins(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, served: ThreadedFake
) -> None:
    monkeypatch.setenv("BLAND_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    served.seed("A")
    assert cli("personas", "list", "--base-url", served.url).code == 0
    assert cli("--base-url", served.url, "personas", "list").code == 0


def test_an_invalid_argument_caught_by_the_sdk_is_exit_2(cli: Cli) -> None:
    result = cli("evals", "runs", "wait", "")
    assert result.code == 2
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["personas"], "the following arguments are required: ACTION"),
        (["personas", "promote"], "no persona ids"),
        (["personas", "promote", "x", "--concurrency", "0"], "expected an integer >= 1"),
        (["personas", "promote", "x", "--concurrency", "many"], "expected an integer >= 1"),
        (["personas", "promote", "--from", "/no/such/file"], "cannot read --from '/no/such/file'"),
        (["personas", "promote", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["evals", "runs", "wait", "r", "--timeout", "0"], "positive number of seconds"),
        (["evals", "runs", "wait", "r", "--timeout", "soon"], "a number of seconds"),
        (["fake", "--port", "70000"], "expected a port 0..65535"),
        (["fake", "--port", "-1"], "expected an integer >= 0"),
        (["fake", "--port", "x"], "expected an integer >= 0"),
    ],
)
def test_usage_errors_are_exit_2_and_one_line(cli: Cli, argv: list[str], message: str) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert message in result.err
    assert result.err.startswith("bland-async")


def test_an_undecodable_from_file_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "ids.bin"
    bad.write_bytes(b"\xff\xfe\x00")
    result = cli("personas", "promote", "--from", str(bad))
    assert result.code == 2
    assert "cannot read --from" in result.err


def test_an_unwritable_output_is_exit_2(cli: Cli, served: ThreadedFake, tmp_path: Path) -> None:
    persona = served.seed("A", draft_changes=CHANGED)
    result = cli("personas", "promote", persona, "--output", str(tmp_path / "no" / "out.jsonl"))
    assert result.code == 2
    assert "cannot open --output" in result.err
    assert served.promote_posts() == 0


def test_help_and_version(cli: Cli) -> None:
    from importlib.metadata import version

    result = cli("--version")
    assert (result.code, result.out) == (0, f"bland-async {version('bland-async')}\n")
    result = cli("--help")
    assert result.code == 0
    assert result.out.startswith("usage: bland-async ")
    assert "exit status:" in result.out
    promote = cli("personas", "promote", "--help")
    assert "--only-if-changed" in promote.out
    assert "130" in promote.out
    wait = cli("evals", "runs", "wait", "--help")
    assert "0 when the run ended COMPLETE" in " ".join(wait.out.split())


def test_default_prog_is_what_the_user_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/venv/bin/bland-async"])
    assert default_prog() == "bland-async"
    monkeypatch.setattr(sys, "argv", ["C:\\venv\\Scripts\\bland-async.exe".replace("\\", "/")])
    assert default_prog() == "bland-async"
    monkeypatch.setattr(sys, "argv", ["/src/bland_async/__main__.py"])
    monkeypatch.setattr(sys, "orig_argv", ["/usr/bin/python3.11", "-m", "bland_async"])
    assert default_prog() == "python3.11 -m bland_async"
    monkeypatch.setattr(sys, "orig_argv", [])
    assert default_prog() == "python -m bland_async"


# --- fake and demo ------------------------------------------------------------------------


def test_fake_hands_its_options_to_the_testing_main(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[str], str]] = []

    def serve(argv: list[str], *, prog: str) -> int:
        seen.append((argv, prog))
        return 0

    monkeypatch.setattr(fake_main, "main", serve)
    assert main(["fake"], prog="bland-async") == 0
    flags = ["--port", "0", "--host", "127.0.0.1", "--api-key", "k", "--seed-demo"]
    assert main(["fake", *flags, "--personas", "30"], prog="bland-async") == 0
    assert seen == [
        ([], "bland-async fake"),
        (
            [*flags[2:4], *flags[0:2], *flags[4:6], "--personas", "30", "--seed-demo"],
            "bland-async fake",
        ),
    ]


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--personas", "5", "--concurrency", "2", "--rate-limit-every", "0"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("done.")
