"""The README's code runs as written, as a reader would run it.

Each fenced ``python`` block is written to a file and run by a fresh interpreter, with
``BLAND_BASE_URL``/``BLAND_API_KEY`` pointing at a standalone fake started with
``--seed-demo`` (the setup the README tells readers to use), one fresh fake per block. Each
``sh`` block that runs ``bland-async personas`` commands is run by bash the same way; its
lines that start the fake or export the two variables are the runner's job, so they are
left out. The first (install) block and the benchmark block are not run here: CI runs
the install, and the benchmark takes minutes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.standalone import standalone_fake

if TYPE_CHECKING:
    from collections.abc import Iterator

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _blocks(language: str) -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(2))
        for match in _FENCE.finditer(text)
        if match.group(1) == language
    ]


PYTHON = _blocks("python")
SHELL = [(line, code) for line, code in _blocks("sh") if "bland-async personas" in code]


@pytest.fixture
def seeded_fake() -> Iterator[str]:
    """A standalone fake with the demo data, on a free port; yields its URL."""
    with standalone_fake("--seed-demo") as url:
        yield url


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLAND_")}
    bin_dir = str(Path(sys.executable).parent)  # where `bland-async` is installed
    env.update(
        BLAND_BASE_URL=url,
        BLAND_API_KEY="test-key",
        PATH=bin_dir + os.pathsep + env.get("PATH", ""),
    )
    return env


def _run(command: list[str], line: int, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one block's ``command`` as a reader would; it must succeed."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=_env(url), cwd=cwd, check=False
    )
    assert result.returncode == 0, f"README.md:{line}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_readme_has_the_blocks_this_runner_expects() -> None:
    assert len(PYTHON) >= 7
    assert len(SHELL) == 1
    assert all(
        "asyncio.run(" in code or "__main__" in code or "BlandClient" in code for _, code in PYTHON
    )


@pytest.mark.parametrize(("line", "code"), PYTHON, ids=[f"README.md:{n}" for n, _ in PYTHON])
def test_python_block_runs(line: int, code: str, seeded_fake: str, tmp_path: Path) -> None:
    script = tmp_path / f"readme_{line}.py"
    script.write_text(code, encoding="utf-8")
    result = _run([sys.executable, str(script)], line, seeded_fake, tmp_path)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("line", "code"), SHELL, ids=[f"README.md:{n}" for n, _ in SHELL])
def test_shell_walkthrough_runs(line: int, code: str, seeded_fake: str, tmp_path: Path) -> None:
    kept = [
        text
        for text in code.splitlines()
        if not text.startswith(("bland-async fake", "export BLAND_"))
    ]
    script = "set -euo pipefail\n" + "\n".join(kept) + "\n"
    result = _run(["bash", "-c", script], line, seeded_fake, tmp_path)
    release = [json.loads(text) for text in (tmp_path / "release.jsonl").read_text().splitlines()]
    assert sorted(r["outcome"] for r in release) == ["promoted", "skipped", "skipped"]
    printed = [json.loads(t) for t in result.stdout.splitlines() if t.startswith("{")]
    rerun = [r for r in printed if "outcome" in r]
    assert [r["outcome"] for r in rerun] == ["skipped"] * len(release)
    promoted = next(r for r in release if r["outcome"] == "promoted")
    rolled_back = printed[-1]  # the first persona listed: the one the release promoted
    assert rolled_back["id"] == promoted["id"]
    assert rolled_back["version_number"] == promoted["version_number"] + 1
