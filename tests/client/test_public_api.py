"""The public surface: exactly the namespaces and names the README promises, all documented."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

import bland_async
import bland_async.models
import bland_async.testing

if TYPE_CHECKING:
    from types import ModuleType

PUBLIC_MODULES = [bland_async, bland_async.models, bland_async.testing]


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_unique_and_importable(module: ModuleType) -> None:
    names = list(module.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(module, name) is not None


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_public_class_defined_in_the_package_is_exported(module: ModuleType) -> None:
    exported = set(module.__all__)
    for name, value in vars(module).items():
        if name.startswith("_") or not inspect.isclass(value):
            continue
        if value.__module__.startswith("bland_async"):
            assert name in exported, f"{module.__name__}.{name} is public but not in __all__"


def test_design_names_exist() -> None:
    for name in (
        "AsyncBlandClient",
        "BlandClient",
        "UNSET",
        "CursorPage",
        "BulkResult",
        "BlandError",
        "ConfigurationError",
        "InvalidRequestError",
        "APIConnectionError",
        "APITimeoutError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "ResponseValidationError",
    ):
        assert name in bland_async.__all__, name
    for name in ("Persona", "PersonaVersion", "AttachedAgent", "WorkbenchSetupVersion"):
        assert name in bland_async.models.__all__, name
    assert "FakeBland" in bland_async.testing.__all__


def test_every_model_is_frozen_and_exported_from_models() -> None:
    for name in bland_async.models.__all__:
        value = getattr(bland_async.models, name)
        if inspect.isclass(value) and attrs.has(value):
            assert value.__attrs_attrs__ is not None
            params = getattr(value, "__attrs_init__", None) or value.__init__
            assert params is not None
            with pytest.raises(TypeError):  # keyword-only
                value("positional")


def _public_members(cls: type) -> list[tuple[str, object]]:
    members = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name not in ("__init__",):
            continue
        if inspect.isfunction(member) or isinstance(member, property):
            members.append((name, member))
    return members


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_public_classes_and_methods_have_docstrings(module: ModuleType) -> None:
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if not inspect.isclass(value):
            continue
        if not (value.__doc__ or "").strip():
            missing.append(name)
        for member_name, member in _public_members(value):
            if member_name == "__init__":
                continue
            if not (getattr(member, "__doc__", None) or "").strip():
                missing.append(f"{name}.{member_name}")
    assert missing == []


def test_import_has_no_side_effects() -> None:
    code = (
        "import logging, os, threading, sys\n"
        "before = threading.active_count()\n"
        "os.environ.pop('BLAND_API_KEY', None)\n"
        "import bland_async, bland_async.models, bland_async.testing\n"
        "assert threading.active_count() == before\n"
        "log = logging.getLogger('bland_async')\n"
        "assert log.level == logging.NOTSET\n"
        "assert all(type(h) is logging.NullHandler for h in log.handlers)\n"
        "print(bland_async.__version__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == importlib.metadata.version("bland-async")


def test_version_and_unknown_attribute() -> None:
    assert bland_async.__version__ == importlib.metadata.version("bland-async")
    with pytest.raises(AttributeError):
        _ = bland_async.does_not_exist  # type: ignore[attr-defined]


def test_distribution_metadata() -> None:
    """What pip and PyPI show: the license file, project URLs, no relative README links."""
    meta = importlib.metadata.metadata("bland-async")
    assert meta["License-Expression"] == "MIT"
    urls = meta.get_all("Project-URL") or []
    assert urls
    assert all(url.split(", ", 1)[1].startswith("https://") for url in urls)
    root = Path(__file__).resolve().parents[2]
    assert (root / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    readme = (root / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert all(link.startswith("https://") for link in links), links
