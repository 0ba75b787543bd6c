"""The generated sync facade: up to date, faithful to the async tree, loud on the unknown."""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import bland_async
from bland_async import AsyncBlandClient, BlandClient

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "tools" / "gen_sync.py"
RENAMED = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}
#: Parameters the sync client does not take (see DROPPED_PARAMETERS in the generator).
DROPPED = {("AsyncBlandClient", "__init__"): {"session"}}


@functools.cache
def generator() -> ModuleType:
    """The generator module, loaded once (for its pure helpers)."""
    return load_generator()


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sync", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_sync"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- freshness


def test_committed_facade_is_what_the_generator_produces() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        "bland_async/_sync is stale; run `python tools/gen_sync.py`\n" + result.stdout
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The async sources of bland_async, copied where the generator may rewrite them."""
    package = tmp_path / "bland_async"
    (package / "_resources").mkdir(parents=True)
    shutil.copy(ROOT / "bland_async" / "_client.py", package / "_client.py")
    for path in (ROOT / "bland_async" / "_resources").glob("*.py"):
        shutil.copy(path, package / "_resources" / path.name)
    return package


def test_check_fails_with_a_diff_when_the_output_is_stale(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gen = load_generator()
    assert gen.main(["--package-dir", str(package_copy)]) == 0
    assert gen.main(["--package-dir", str(package_copy), "--check"]) == 0
    source = package_copy / "_resources" / "_personas.py"
    text = source.read_text()
    assert '"""Get a persona with' in text
    source.write_text(text.replace('"""Get a persona with', '"""Fetch a persona with'))
    capsys.readouterr()
    assert gen.main(["--package-dir", str(package_copy), "--check"]) == 1
    out, err = capsys.readouterr()
    assert '-        """Get a persona with' in out
    assert '+        """Fetch a persona with' in out
    assert "stale" in err
    # An extra file in the output directory is stale too.
    assert gen.main(["--package-dir", str(package_copy)]) == 0
    (package_copy / "_sync" / "_gone.py").write_text("")
    assert gen.main(["--package-dir", str(package_copy), "--check"]) == 1
    assert "_gone.py: no longer generated" in capsys.readouterr().out


_WIDGETS = '''
"""Widgets: a resource module the generator has never seen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, overload

from bland_async._pagination import AsyncPager
from bland_async._resources._base import Resource
from bland_async._types import UNSET, Unset
from bland_async.models._personas import Persona

if TYPE_CHECKING:
    from bland_async._transport import Transport

DEFAULT_LIMIT = 10


class AsyncWidgetParts(Resource):
    """Parts of a widget."""

    __slots__ = ()

    async def count(
        self, widget_id: str, /, *names: str, strict: bool = False, **extra: int
    ) -> int:
        """Count parts."""
        return 0


class AsyncWidgets(Resource):
    """Widgets: ``client.widgets``."""

    __slots__ = ("parts",)

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.parts = AsyncWidgetParts(transport)

    @overload
    async def get(self, widget_id: str) -> Persona: ...
    @overload
    async def get(self, widget_id: int) -> None: ...
    async def get(self, widget_id: str | int) -> Persona | None:
        """Get a widget."""
        return None

    def iterate(self, *, limit: int | Unset = UNSET) -> AsyncPager[Persona]:
        """Iterate."""
        raise NotImplementedError

    def stream(self, *, limit: int = DEFAULT_LIMIT) -> AsyncIterator[Persona]:
        """Stream."""
        raise NotImplementedError

    async def feed(self) -> AsyncIterator[Persona]:
        """An async def returning an async iterator."""
        raise NotImplementedError

    async def pages(self) -> AsyncPager[Persona]:
        """An async def returning a pager."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """Size."""
        return 1
'''


def _functions(tree: ast.Module, cls: str) -> dict[str, list[str]]:
    (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    found: dict[str, list[str]] = {}
    for item in node.body:
        if isinstance(item, ast.FunctionDef):
            found.setdefault(item.name, []).append(ast.unparse(item))
    return found


def test_new_resource_modules_are_picked_up(package_copy: Path) -> None:
    (package_copy / "_resources" / "_widgets.py").write_text(_WIDGETS)
    files = load_generator().generate(package_copy)
    generated = files["_sync/_widgets.py"]
    assert generated.startswith("# GENERATED by tools/gen_sync.py — do not edit.\n")
    assert "# Source: bland_async/_resources/_widgets.py\n" in generated
    assert "WidgetParts, Widgets" in files["_sync/__init__.py"]
    tree = ast.parse(generated)
    parts = _functions(tree, "WidgetParts")
    (count,) = parts["count"]
    assert count.startswith(
        "def count(self, widget_id: str, /, *names: str, strict: bool=False, **extra: int)"
        ' -> int:\n    """Count parts."""\n'
    )
    assert count.endswith(
        "return self._runtime.call(self._async.count, widget_id, *names, strict=strict, **extra)"
    )
    widgets = _functions(tree, "Widgets")
    assert "self.parts = WidgetParts(runtime, async_.parts)" in widgets["__init__"][0]
    overloads = widgets["get"]
    assert len(overloads) == 3
    assert overloads[0].startswith("@overload\ndef get(self, widget_id: str) -> Persona:")
    assert overloads[1].startswith("@overload\ndef get(self, widget_id: int) -> None:")
    assert overloads[2].endswith("return self._runtime.call(self._async.get, widget_id)")
    assert "-> SyncPager[Persona]:" in widgets["iterate"][0]
    assert (
        "return SyncPager(self._runtime, self._async.iterate(limit=limit))"
        in (widgets["iterate"][0])
    )
    assert (
        "def stream(self, *, limit: int=DEFAULT_LIMIT) -> Iterator[Persona]:"
        in (widgets["stream"][0])
    )
    assert "SyncIterator(self._runtime, self._async.stream(limit=limit))" in widgets["stream"][0]
    assert widgets["feed"][0].endswith(
        "return SyncIterator(self._runtime, self._runtime.call(self._async.feed))"
    )
    assert widgets["pages"][0].endswith(
        "return SyncPager(self._runtime, self._runtime.call(self._async.pages))"
    )
    assert widgets["size"] == [
        '@property\ndef size(self) -> int:\n    """Size."""\n    return self._async.size'
    ]
    assert "from bland_async._resources._widgets import DEFAULT_LIMIT" in generated


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "async def watch(self) -> AsyncIterator[int]:  # HERE\n    yield 1",
            "is a generator",
        ),
        ("async def later(self) -> Awaitable[int]:  # HERE\n    ...", "no sync equivalent"),
        ("@staticmethod  # HERE\ndef make() -> int:\n    return 1", "decorator @staticmethod"),
        ("async def __aiter__(self) -> int:  # HERE\n    ...", "has no sync mapping"),
        ("async def odd(self) -> Mystery:  # HERE\n    ...", "cannot resolve the name"),
        (
            "async def pair(self, other: AsyncGadgets) -> int:  # HERE\n    ...",
            "no sync equivalent",
        ),
        ("async def bare(self):  # HERE\n    ...", "has no return annotation"),
        ("limit = 5  # HERE", "class-level assignment"),
        (
            "def __init__(self, transport: object) -> None:\n"
            "    super().__init__(transport)\n"
            "    self.default_limit = 10  # HERE",
            "public attribute AsyncGadgets.default_limit is set in __init__()",
        ),
        (
            "def _setup(self) -> None:\n    self.cache: dict[str, int] = {}  # HERE",
            "public attribute AsyncGadgets.cache is set in _setup()",
        ),
        (
            "async def bump(self) -> None:\n    self.count += 1  # HERE",
            "public attribute AsyncGadgets.count is set in bump()",
        ),
        (
            "def __init__(self, transport: object) -> None:\n"
            "    self.parts, self.other = AsyncGadgets(transport), 1  # HERE",
            "public attribute AsyncGadgets.parts is set in __init__()",
        ),
        (
            "async def forget(self) -> None:\n    del self.parts  # HERE",
            "public attribute AsyncGadgets.parts is deleted in forget()",
        ),
    ],
)
def test_unknown_constructs_fail_loudly_with_file_and_line(
    package_copy: Path, capsys: pytest.CaptureFixture[str], snippet: str, message: str
) -> None:
    source = textwrap.dedent(
        """\
        from __future__ import annotations

        from collections.abc import AsyncIterator, Awaitable

        from bland_async._resources._base import Resource


        class AsyncGadgets(Resource):
            \"\"\"Gadgets.\"\"\"

        {body}
        """
    ).format(body=textwrap.indent(snippet, "    "))
    path = package_copy / "_resources" / "_gadgets.py"
    path.write_text(source)
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "# HERE" in text)
    assert load_generator().main(["--package-dir", str(package_copy)]) == 2
    err = capsys.readouterr().err
    assert f"bland_async/_resources/_gadgets.py:{line}: " in err
    assert message in err
    assert not (package_copy / "_sync").exists()  # nothing written on failure


# --------------------------------------------------------------------------- tree parity

_SDK_ASYNC = re.compile(r"\bAsync(?=[A-Z]\w*\b)")


def _expected_sync_annotation(annotation: Any, *, sdk_names: set[str], is_return: bool) -> Any:
    if not isinstance(annotation, str):
        return annotation
    if is_return:
        annotation = re.sub(r"^AsyncPager\[", "SyncPager[", annotation)
        annotation = re.sub(r"^Async(Iterator|Iterable|Generator)\[", "Iterator[", annotation)
    for name in sdk_names:
        annotation = re.sub(rf"\b{name}\b", name.removeprefix("Async"), annotation)
    return annotation


def _signature(fn: Any) -> tuple[list[tuple[str, Any, Any, Any]], Any]:
    sig = inspect.signature(fn)
    params = [(p.name, p.kind, p.default, p.annotation) for p in sig.parameters.values()]
    return params, sig.return_annotation


def _public_attributes(obj: object) -> dict[str, object]:
    names: set[str] = set(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.update([slots] if isinstance(slots, str) else slots)
    return {n: getattr(obj, n) for n in sorted(names) if not n.startswith("_") and hasattr(obj, n)}


def _sync_doc(async_class: str, member: str | None, obj: object) -> str | None:
    """The docstring ``obj``'s sync twin should have: the generator's rewrite of its own.

    What the rewrites produce is checked by the docstring tests below; here, that the
    generated files agree with the generator's rule table and differ in nothing else.
    """
    raw = getattr(obj, "__doc__", None)
    if not isinstance(raw, str):
        return inspect.getdoc(obj)
    return inspect.cleandoc(generator().sync_docstring(async_class, member, raw))


def _walk(async_obj: object, sync_obj: object, path: str, sdk_names: set[str]) -> list[str]:
    """Compare one async resource with its sync twin, then their sub-resources."""
    problems: list[str] = []
    acls, scls = type(async_obj), type(sync_obj)
    if scls.__name__ != acls.__name__.removeprefix("Async"):
        problems.append(f"{path}: {scls.__name__} is not the twin of {acls.__name__}")
    if inspect.getdoc(scls) != _sync_doc(acls.__name__, None, acls):
        problems.append(f"{path}: class docstrings differ")
    async_members = {
        name: value
        for name, value in inspect.getmembers_static(acls)
        if (not name.startswith("_") or name in RENAMED)
        and (callable(value) or isinstance(value, property))
    }
    sync_members = {
        name
        for name, value in inspect.getmembers_static(scls)
        if (not name.startswith("_") or name in RENAMED.values())
        and (callable(value) or isinstance(value, property))
    }
    expected = {RENAMED.get(name, name) for name in async_members}
    if sync_members != expected:
        problems.append(
            f"{path}: missing {sorted(expected - sync_members)}, "
            f"extra {sorted(sync_members - expected)}"
        )
    members = dict(async_members)
    if acls is AsyncBlandClient:
        members["__init__"] = acls.__init__
    for name, member in members.items():
        sname = RENAMED.get(name, name)
        where = f"{path}.{name}"
        try:
            svalue = inspect.getattr_static(scls, sname)
        except AttributeError:
            continue  # reported above
        avalue = member
        if isinstance(member, property):
            if not isinstance(svalue, property):
                problems.append(f"{where}: not a property on the sync side")
                continue
            avalue, svalue = member.fget, svalue.fget
        if inspect.getdoc(svalue) != _sync_doc(acls.__name__, name, avalue):
            problems.append(f"{where}: docstrings differ")
        if name in ("__aenter__", "__aexit__", "aclose"):
            continue  # mapped by hand: (self) -> Self / close(); checked by the other tests
        aparams, areturn = _signature(avalue)
        sparams, sreturn = _signature(svalue)
        dropped = DROPPED.get((acls.__name__, name), set())
        want = [
            (n, kind, default, _expected_sync_annotation(ann, sdk_names=sdk_names, is_return=False))
            for n, kind, default, ann in aparams
            if n not in dropped
        ]
        if sparams != want:
            problems.append(f"{where}: parameters differ:\n  async {aparams}\n  sync  {sparams}")
        want_return = _expected_sync_annotation(areturn, sdk_names=sdk_names, is_return=True)
        if name != "__init__" and sreturn != want_return:
            problems.append(f"{where}: returns {sreturn!r}, expected {want_return!r}")
    # Every public instance attribute has a twin: a sub-resource's is walked in turn,
    # anything else must be the same value.
    async_attrs, sync_attrs = _public_attributes(async_obj), _public_attributes(sync_obj)
    if set(sync_attrs) != set(async_attrs):
        problems.append(
            f"{path}: instance attributes missing {sorted(set(async_attrs) - set(sync_attrs))},"
            f" extra {sorted(set(sync_attrs) - set(async_attrs))}"
        )
    for name, value in async_attrs.items():
        if name not in sync_attrs:
            continue  # reported above
        twin = sync_attrs[name]
        if type(value).__name__.startswith("Async"):
            problems += _walk(value, twin, f"{path}.{name}", sdk_names)
        elif twin != value:
            problems.append(f"{path}.{name}: {twin!r} on the sync side, {value!r} on the async")
    return problems


def _tree_classes(obj: object, found: set[str]) -> set[str]:
    found.add(type(obj).__name__)
    for value in _public_attributes(obj).values():
        if type(value).__name__.startswith("Async"):
            _tree_classes(value, found)
    return found


def test_every_async_member_has_a_sync_twin_with_the_same_signature_and_docstring() -> None:
    async_client = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
    sync_client = BlandClient(api_key="k", base_url="http://127.0.0.1:9")
    sdk_names = _tree_classes(async_client, set())
    assert {"AsyncPersonas", "AsyncPersonaVersions", "AsyncWorkbenchSetups"} <= sdk_names
    problems = _walk(async_client, sync_client, "client", sdk_names)
    assert problems == [], "\n".join(problems)
    # Every sync resource class is exported next to its async twin.
    for name in sdk_names:
        assert name.removeprefix("Async") in bland_async.__all__, name
    sync_client.close()


def test_the_tree_walk_notices_a_drifted_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    from bland_async._sync._personas import Personas

    def promote(self: Personas, persona_id: str, *, force: bool = True) -> Any:
        """Promote the persona's current draft to a new production version."""

    monkeypatch.setattr(Personas, "promote", promote)
    async_client = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
    sync_client = BlandClient(api_key="k", base_url="http://127.0.0.1:9")
    problems = _walk(async_client, sync_client, "client", _tree_classes(async_client, set()))
    assert any("client.personas.promote" in p for p in problems)


def test_the_tree_walk_notices_a_dropped_attribute() -> None:
    async_client = AsyncBlandClient(api_key="k", base_url="http://127.0.0.1:9")
    sync_client = BlandClient(api_key="k", base_url="http://127.0.0.1:9")
    async_client.default_limit = 10  # type: ignore[attr-defined]
    problems = _walk(async_client, sync_client, "client", _tree_classes(async_client, set()))
    assert problems == ["client: instance attributes missing ['default_limit'], extra []"]
    sync_client.default_limit = 11  # type: ignore[attr-defined]
    problems = _walk(async_client, sync_client, "client", _tree_classes(async_client, set()))
    assert problems == ["client.default_limit: 11 on the sync side, 10 on the async"]
    sync_client.close()


# --------------------------------------------------------------------------- docstrings


def test_the_sync_client_docstrings_describe_the_blocking_client() -> None:
    doc = inspect.getdoc(BlandClient)
    assert doc is not None
    assert doc.startswith("Blocking client for the Bland AI Personas and Evals APIs.\n")
    assert "Use it as a context manager, or call\n:meth:`close` when done::" in doc
    assert (
        "    with BlandClient() as bland:\n"
        '        persona = bland.personas.promote("persona-uuid")\n'
    ) in doc
    for async_only in ("async", "Async", "await", "aclose", "session:", "borrow"):
        assert async_only not in doc, async_only
    # The rest of Args: stays, in order, with its continuation lines.
    args = doc.split("Args:\n", 1)[1].split("\n\nRaises:\n", 1)[0]
    assert [line.split(":")[0].strip() for line in args.splitlines() if line[4] != " "] == [
        "api_key",
        "base_url",
        "timeout",
        "max_retries",
        "max_concurrency",
    ]
    assert "ConfigurationError: No API key" in doc
    assert inspect.getdoc(BlandClient.closed) == "Whether :meth:`close` has been called."
    assert inspect.getdoc(BlandClient.close) == (
        "Close the client's session and stop its event loop thread. Idempotent."
    )


_DOC = """Do things.

    Args:
        first: The first.
        session (aiohttp.ClientSession | None): Borrowed; it
            is never closed.
        **extra: The rest.

    Raises:
        BlandError: Always.
    """


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (set(), _DOC),
        (
            {"session"},
            _DOC.replace(
                "        session (aiohttp.ClientSession | None): Borrowed; it\n"
                "            is never closed.\n",
                "",
            ),
        ),
        (
            {"first", "session", "extra"},
            "Do things.\n\n    Raises:\n        BlandError: Always.\n    ",
        ),
        ({"first"}, _DOC.replace("        first: The first.\n", "")),
    ],
)
def test_dropped_parameters_leave_the_args_section(names: set[str], expected: str) -> None:
    assert generator().drop_documented_parameters(_DOC, frozenset(names)) == expected
    assert generator().drop_documented_parameters("No sections.", frozenset(names)) == (
        "No sections."
    )


def test_an_undocumented_dropped_parameter_fails() -> None:
    gen = generator()
    with pytest.raises(gen.GenerationError, match=r"does not document .*\['timeout'\]"):
        gen.drop_documented_parameters(_DOC, frozenset({"timeout", "first"}))
    with pytest.raises(gen.GenerationError, match="section is empty"):
        gen.drop_documented_parameters("Do things.\n\nArgs:\n\nRaises:\n", frozenset({"a"}))


def test_a_rewrite_that_stops_matching_fails_loudly_with_file_and_line(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = package_copy / "_client.py"
    text = path.read_text()
    assert '"""Async client for ' in text
    text = text.replace('"""Async client for ', '"""An asyncio client for ')
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "An asyncio client for" in t)
    assert load_generator().main(["--package-dir", str(package_copy)]) == 2
    err = capsys.readouterr().err
    assert f"bland_async/_client.py:{line}: DOCSTRING_REWRITES[('AsyncBlandClient', None)]" in err
    assert "'Async client for ' no longer matches the docstring" in err
    assert not (package_copy / "_sync").exists()


def test_a_rewrite_for_a_missing_docstring_fails_loudly(
    package_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = load_generator()
    rules = {**gen.DOCSTRING_REWRITES, ("AsyncBlandClient", "shutdown"): (("a", "b"),)}
    monkeypatch.setattr(gen, "DOCSTRING_REWRITES", rules)
    assert gen.main(["--package-dir", str(package_copy)]) == 2
    assert "('AsyncBlandClient', 'shutdown')] in tools/gen_sync.py: no such docstring" in (
        capsys.readouterr().err
    )
