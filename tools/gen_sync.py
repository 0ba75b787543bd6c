"""Generate the sync facade (``bland_async/_sync/``) from the async source, by AST.

Usage: ``python tools/gen_sync.py`` (re)writes ``bland_async/_sync/``; with ``--check``
it exits 1, naming the stale files (with a diff), when the committed output is stale.

The async modules (``SOURCE_PATTERNS``) are parsed, never imported. Every ``Async*``
class gets a twin named without the prefix, in ``bland_async/_sync/<module name>.py``,
whose public methods have the same parameters, annotations and docstrings: an ``async
def`` runs on the client's loop (``SyncRuntime.call``: one thread hop), a plain ``def``
is called directly, a returned ``AsyncPager[X]`` becomes a ``SyncPager[X]``, a
``@property`` stays one, sub-resources (``self.x = AsyncX(...)``, ``x: AsyncX``) hold
twins, and the client's async-only methods are ``CLIENT_METHODS``. A generated module
imports all that its source module imports or defines; ruff deletes the unused imports,
moves the annotation-only ones under ``if TYPE_CHECKING:``, sorts and formats.

Anything it cannot mirror (another decorator, ``*args``, an async generator or return
type, a public instance attribute that is not a sub-resource, a table entry that no
longer matches...) stops the generator with ``file:line: message`` and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGE: Final = "bland_async"
#: The async modules, relative to the package directory.
SOURCE_PATTERNS: Final = ("_client.py", "_resources/*.py")
OUTPUT_DIR: Final = "_sync"

#: Parameters the sync twin does not take: an aiohttp session is bound to its event loop,
#: and the facade's loop is private to the client's thread, so ``BlandClient`` always
#: builds its own. Listed (not guessed) so that dropping one is a reviewed decision; a
#: dropped parameter must be keyword-only, with a default, and its ``Args:`` entry must be
#: removed by ``DOCSTRING_REWRITES``.
DROPPED_PARAMETERS: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("AsyncBlandClient", "__init__"): frozenset({"session"}),
}

#: The client's async-only methods: (sync name, return annotation, sync body).
CLIENT_METHODS: Final = {
    "aclose": ("close", "None", "self._close()"),
    "__aenter__": ("__enter__", "Self", "return self"),
    "__aexit__": ("__exit__", "None", "self.close()"),
}

#: The client's properties whose sync twin is not a forward: (sync annotation, body, the
#: import the body needs).
CLIENT_PROPERTIES: Final = {
    "with_raw_response": (
        "RawBlandClient",
        "return RawBlandClient(self)",
        f"from {PACKAGE}.{OUTPUT_DIR}._raw import RawBlandClient",
    ),
}

#: The generated module of ``with_raw_response`` views (both clients), in ``OUTPUT_DIR``.
RAW_MODULE: Final = "_raw"

#: Edits that make a copied docstring describe the blocking twin, keyed by (async class,
#: member name, or ``None`` for the class docstring, which documents ``__init__``): each
#: ``(old, new)`` replaces every ``old`` in the raw docstring. Every key must name a
#: docstring and every ``old`` must match, or the generator stops: the table cannot rot.
DOCSTRING_REWRITES: Final[dict[tuple[str, str | None], tuple[tuple[str, str], ...]]] = {
    ("AsyncBlandClient", None): (
        ("Async client for ", "Blocking client for "),
        (
            "One aiohttp session per client, created on first use inside the running event",
            "One aiohttp session per client, created on first use on the event loop that the",
        ),
        (
            "loop. Use it as an async context manager, or call :meth:`aclose` when done::",
            "client runs in a thread of its own. Use it as a context manager, or call\n"
            "    :meth:`close` when done::",
        ),
        ("async with AsyncBlandClient() as bland:", "with BlandClient() as bland:"),
        ("await ", ""),
        (
            "        session: An aiohttp ``ClientSession`` to borrow; it is never closed by the "
            "client.\n",
            "",
        ),
    ),
    ("AsyncBlandClient", "closed"): ((":meth:`aclose`", ":meth:`close`"),),
    ("AsyncBlandClient", "aclose"): (
        (
            "Close the client's own session (a borrowed one stays open).",
            "Close the client's session and stop its event loop thread.",
        ),
        (
            "On a copy made with :meth:`with_options` this closes only the copy.",
            "On a copy made with :meth:`with_options` this closes only the copy (the loop\n"
            "        thread and session stay with the original).",
        ),
    ),
}

#: Dunders that are not forwarded (the generated scaffolding and sync bases supply them).
IGNORED_DUNDERS: Final = frozenset({"__init__", "__reduce__", "__repr__", "__str__"})
_ASYNC_CLASS: Final = re.compile(r"Async[A-Z]\w*")
#: Names with no sync meaning in a return annotation (a top-level ``AsyncPager[X]`` is
#: mapped, and ``Self`` is only for ``__aenter__``).
_NOT_IN_RETURNS: Final = re.compile(r"Async[A-Z]\w*|Awaitable|Coroutine|Self")
_RUNTIME_NAMES: Final = ("SyncClient", "SyncPager", "SyncResource", "SyncRuntime")
#: Ruff passes over each generated file: delete unused imports and move annotation-only
#: ones under `if TYPE_CHECKING:` (an unsafe fix: fine for code that mypy checks), refuse
#: undefined names; sort (not in that pass, which loses the blank lines after the
#: imports); format.
_RUFF_STEPS: Final = (
    "check --fix --unsafe-fixes --select F401,F821,TC001,TC002,TC003"
    " --config 'lint.flake8-type-checking = {strict = true, exempt-modules = []}'",
    f"check --fix --select I --config \"lint.isort.known-first-party = ['{PACKAGE}']\"",
    "format",
)
_HEADER: Final = (
    "# GENERATED by tools/gen_sync.py — do not edit.\n"
    "# Source: {source}\n"
    "# Regenerate: python tools/gen_sync.py (CI fails when this file is stale).\n"
)

Function = ast.FunctionDef | ast.AsyncFunctionDef


class GenerationError(Exception):
    """The async source holds something the generator does not know how to map."""


# --------------------------------------------------------------------------- reading


@dataclass
class Source:
    """One parsed async module."""

    relpath: str  # e.g. bland_async/_resources/_personas.py
    dotted: str
    tree: ast.Module

    def fail(self, node: ast.AST, message: str) -> GenerationError:
        """An error pointing at ``node``'s line."""
        return GenerationError(f"{self.relpath}:{getattr(node, 'lineno', 0)}: {message}")


@dataclass
class AsyncClass:
    """An ``Async*`` class (or a base of one) and what its sync twin needs."""

    node: ast.ClassDef
    source: Source
    known: frozenset[str]  # every Async* class name in the scanned modules
    members: dict[str, Function] = field(default_factory=dict)
    #: attribute -> (async class name, attribute docstring or None)
    subresources: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    init: Function | None = None

    name: str = field(init=False)
    sync_name: str = field(init=False)  # the async name without ``Async``

    def __post_init__(self) -> None:
        self.name = self.node.name
        self.sync_name = self.name.removeprefix("Async")

    @property
    def is_client(self) -> bool:
        """Whether this is the client (the class with ``__aenter__``)."""
        return "__aenter__" in self.members


def _docstring(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value if isinstance(stmt.value.value, str) else None
    return None


def _public_attribute(node: ast.AST, instance: str) -> ast.Attribute | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node if node.value.id == instance and not node.attr.startswith("_") else None
    return None


def analyse(
    node: ast.ClassDef, source: Source, known: frozenset[str], scanned: dict[str, AsyncClass]
) -> AsyncClass:
    """What the sync twin of the class ``node`` needs (its bases must add nothing public)."""
    cls = AsyncClass(node, source, known)
    if node.keywords or node.decorator_list:
        raise source.fail(node, f"class keywords or decorators on {cls.name}")
    for base in node.bases:
        parent = scanned.get(base.id) if isinstance(base, ast.Name) else None
        if parent is None or parent.name in known:
            message = "only the scanned modules' helper (non-Async) classes are supported"
            raise source.fail(base, f"base class {ast.unparse(base)} of {cls.name}: {message}")
        parent = analyse(parent.node, parent.source, known, scanned)
        if parent.members or parent.subresources:
            raise source.fail(base, f"{cls.name} inherits public members from {parent.name}")
    body = node.body[1:] if node.body and _docstring(node.body[0]) is not None else node.body
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass) or _docstring(stmt) is not None:
            continue  # attribute docstrings are read with their attribute
        if isinstance(stmt, ast.Assign) and [ast.unparse(t) for t in stmt.targets] == ["__slots__"]:
            continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not stmt.value:
            attr, ann = stmt.target.id, stmt.annotation
            if attr.startswith("_"):
                continue
            if not (isinstance(ann, ast.Name) and ann.id in known):
                raise source.fail(
                    stmt,
                    f"public attribute {cls.name}.{attr}: {ast.unparse(ann)} is not a resource "
                    "(expose it as a @property)",
                )
            doc = _docstring(body[index + 1]) if index + 1 < len(body) else None
            cls.subresources[attr] = (ann.id, doc)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            name, dunder = stmt.name, stmt.name.startswith("__") and stmt.name.endswith("__")
            if name == "__init__":
                cls.init = stmt
            elif dunder and name not in IGNORED_DUNDERS and name not in CLIENT_METHODS:
                raise source.fail(stmt, f"{cls.name}.{name} has no sync mapping")
            elif not name.startswith("_") or name in CLIENT_METHODS:
                cls.members[name] = stmt
        else:
            line = ast.unparse(stmt).splitlines()[0]
            raise source.fail(stmt, f"{line!r} in class {cls.name} is not supported")
    # The only write to a public instance attribute the twin mirrors: `self.x = AsyncX(...)`.
    for fn in body:
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or not fn.args.args:
            continue
        instance, built = fn.args.args[0].arg, set()
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                target = _public_attribute(sub.targets[0], instance)
                func = sub.value.func if isinstance(sub.value, ast.Call) else None
                if target and isinstance(func, ast.Name) and func.id in known:
                    cls.subresources.setdefault(target.attr, (func.id, None))
                    built.add(id(target))
        for sub in ast.walk(fn):
            target = _public_attribute(sub, instance)
            if target and not isinstance(target.ctx, ast.Load) and id(target) not in built:
                how = "deleted" if isinstance(target.ctx, ast.Del) else "set"
                raise source.fail(
                    target,
                    f"public attribute {cls.name}.{target.attr} is {how} in {fn.name}() other "
                    "than to a new Async* resource, so the sync twin would lack it; make it "
                    "private (and expose it as a @property if callers need it)",
                )
    return cls


def load(package_dir: Path) -> list[AsyncClass]:
    """Parse the async modules under ``package_dir`` and analyse their ``Async*`` classes."""
    scanned: dict[str, AsyncClass] = {}  # every top-level class, not analysed yet
    for path in [p for pattern in SOURCE_PATTERNS for p in sorted(package_dir.glob(pattern))]:
        rel = path.relative_to(package_dir.parent)
        text = path.read_text(encoding="utf-8")
        source = Source(rel.as_posix(), ".".join(rel.with_suffix("").parts), ast.parse(text, rel))
        for stmt in source.tree.body:
            if isinstance(stmt, ast.ClassDef):
                if stmt.name in scanned:
                    other = scanned[stmt.name].source.relpath
                    raise source.fail(stmt, f"class {stmt.name} is also defined in {other}")
                scanned[stmt.name] = AsyncClass(stmt, source, frozenset())
    known = frozenset(name for name in scanned if _ASYNC_CLASS.fullmatch(name))
    return [analyse(c.node, c.source, known, scanned) for c in scanned.values() if c.name in known]


# --------------------------------------------------------------------------- docstrings


def sync_docstring(async_class: str, member: str | None, text: str) -> str:
    """The sync twin's docstring, from the async one's ``text``.

    ``member`` is the async member's name, ``None`` for the class docstring.

    Raises:
        GenerationError: A rewrite no longer matches, or a dropped parameter is still
            documented (without a location: the caller adds it).
    """
    for old, new in DOCSTRING_REWRITES.get((async_class, member), ()):
        if old not in text:
            raise GenerationError(
                f"DOCSTRING_REWRITES[{(async_class, member)!r}] in tools/gen_sync.py: "
                f"{old!r} no longer matches the docstring; update the rule"
            )
        text = text.replace(old, new)
    for name in DROPPED_PARAMETERS.get((async_class, member or "__init__"), ()):
        if re.search(rf"^\s*{name}( \([^)]*\))?:", text, re.MULTILINE):  # an Args: entry
            raise GenerationError(
                f"the docstring still documents the dropped parameter {name!r}; remove its "
                "entry in DOCSTRING_REWRITES in tools/gen_sync.py"
            )
    return text


def _check_tables(classes: list[AsyncClass]) -> None:
    """Every ``DOCSTRING_REWRITES`` and ``DROPPED_PARAMETERS`` key names what exists."""
    nodes: dict[tuple[str, str | None], ast.ClassDef | Function] = {}
    for cls in classes:
        nodes[cls.name, None] = cls.node
        nodes.update({(cls.name, name): fn for name, fn in cls.members.items()})
        if cls.init:
            nodes[cls.name, "__init__"] = cls.init
    documented = {key for key, node in nodes.items() if ast.get_docstring(node)}
    stale = [("DOCSTRING_REWRITES", k, "docstring") for k in DOCSTRING_REWRITES.keys() - documented]
    stale += [("DROPPED_PARAMETERS", k, "method") for k in DROPPED_PARAMETERS.keys() - nodes.keys()]
    for table, key, what in stale:
        raise GenerationError(f"{table}[{key!r}] in tools/gen_sync.py: no such {what}")


# --------------------------------------------------------------------------- emission


def _doc(cls: AsyncClass, member: str | None, node: Function | ast.ClassDef) -> str | None:
    text = ast.get_docstring(node, clean=False)
    try:
        return None if text is None else sync_docstring(cls.name, member, text)
    except GenerationError as exc:
        raise cls.source.fail(node.body[0], str(exc)) from None


def _def(head: str, body: list[str], doc: str | None = None, decorator: str = "") -> str:
    """The source of one function; it is re-parsed (docstrings included) before output."""
    lines = [*([f"@{decorator}"] if decorator else []), f"def {head}:"]
    return "\n".join(lines + [f"    {line}" for line in [*([repr(doc)] if doc else []), *body]])


def _arguments(cls: AsyncClass, fn: Function) -> ast.arguments:
    """The sync parameters: the async ones, minus ``DROPPED_PARAMETERS``."""
    where, args = f"{cls.name}.{fn.name}", copy.deepcopy(fn.args)
    if args.posonlyargs or args.vararg:
        raise cls.source.fail(fn, f"{where}: positional-only and *args are not supported")
    if not args.args or args.args[0].arg != "self":
        raise cls.source.fail(fn, f"{where}: the first parameter must be self")
    dropped = DROPPED_PARAMETERS.get((cls.name, fn.name), frozenset())
    kwonly = list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    if dropped - {arg.arg for arg, default in kwonly if default is not None}:
        raise cls.source.fail(
            fn, f"{where}: a dropped parameter must be keyword-only with a default"
        )
    kwonly = [(arg, default) for arg, default in kwonly if arg.arg not in dropped]
    args.kwonlyargs, args.kw_defaults = [a for a, _ in kwonly], [d for _, d in kwonly]
    for arg in [*args.args[1:], *args.kwonlyargs, *([args.kwarg] if args.kwarg else [])]:
        if arg.annotation is None:
            raise cls.source.fail(arg, f"parameter {arg.arg!r} of {where} has no annotation")
        for sub in ast.walk(arg.annotation):
            if isinstance(sub, ast.Name) and sub.id in {*cls.known, "AsyncPager"}:
                raise cls.source.fail(sub, f"{sub.id} has no sync equivalent in a parameter")
    return args


def _forward(args: ast.arguments) -> list[str]:
    """The arguments that pass a signature's parameters on unchanged (minus ``self``)."""
    kwarg = [f"**{args.kwarg.arg}"] if args.kwarg else []
    return [a.arg for a in args.args[1:]] + [f"{a.arg}={a.arg}" for a in args.kwonlyargs] + kwarg


def _returns(cls: AsyncClass, fn: Function) -> tuple[str, str]:
    """How the return value maps: (kind, sync annotation)."""
    ann = fn.returns
    if ann is None:
        raise cls.source.fail(fn, f"{cls.name}.{fn.name} has no return annotation")
    if fn.name == "__aenter__" and ast.unparse(ann) == "Self":
        return "value", "Self"
    if cls.is_client and ast.unparse(ann) == cls.name:  # the client's with_options
        return "client", cls.sync_name
    kind = "value"
    if isinstance(ann, ast.Subscript) and ast.unparse(ann.value) == "AsyncPager":
        kind, ann = "pager", ast.Subscript(ast.Name("SyncPager"), ann.slice)
    for sub in ast.walk(ann):
        name = sub.id if isinstance(sub, ast.Name) else getattr(sub, "attr", "")
        if isinstance(name, str) and _NOT_IN_RETURNS.fullmatch(name):
            raise cls.source.fail(
                sub, f"{ast.unparse(sub)} has no sync equivalent in a return type"
            )
    return kind, ast.unparse(ann)


def _member(cls: AsyncClass, name: str, fn: Function) -> str:
    """The sync twin of one public async method or property."""
    where, fail = f"{cls.name}.{name}", cls.source.fail
    decorators = [ast.unparse(d) for d in fn.decorator_list]
    if decorators not in ([], ["property"]):
        unknown = next(d for d in fn.decorator_list if ast.unparse(d) != "property")
        raise fail(unknown, f"decorator @{ast.unparse(unknown)} on {where} is not supported")
    if any(isinstance(node, ast.Yield | ast.YieldFrom) for node in ast.walk(fn)):
        raise fail(fn, f"{where} is a generator; write it as a def returning an AsyncPager")
    is_async, doc = isinstance(fn, ast.AsyncFunctionDef), _doc(cls, name, fn)
    args, (kind, returns) = _arguments(cls, fn), _returns(cls, fn)
    if name in CLIENT_METHODS:
        sync, want, body = CLIENT_METHODS[name]
        if not cls.is_client:
            raise fail(fn, f"{where}: only the client (the class with __aenter__) may define it")
        if returns != want or not is_async:
            raise fail(fn, f"{where} must be an async def returning {want}")
        return _def(f"{sync}({ast.unparse(args)}) -> {returns}", [body], doc)
    head = f"{name}({ast.unparse(args)}) -> {returns}"
    if decorators and cls.is_client and name in CLIENT_PROPERTIES:
        sync_returns, body, _ = CLIENT_PROPERTIES[name]
        return _def(f"{name}(self) -> {sync_returns}", [body], doc, "property")
    if decorators:
        if is_async or len(args.args) > 1 or args.kwonlyargs or kind != "value":
            raise fail(fn, f"property {where} must be a plain def of self returning a value")
        return _def(head, [f"return self._async.{name}"], doc, "property")
    if is_async:
        produce = f"self._runtime.call({', '.join([f'self._async.{name}', *_forward(args)])})"
    else:
        produce = f"self._async.{name}({', '.join(_forward(args))})"
    body = {
        "value": f"return {produce}" if returns != "None" else produce,
        "pager": f"return SyncPager(self._runtime, {produce})",
        "client": f"return {cls.sync_name}._wrap(self._runtime, {produce})",
    }[kind]
    return _def(head, [body], doc)


#: The fixed parts of a twin (re-parsed and formatted like the rest).
_RESOURCE_INIT: Final = """
def __init__(self, runtime: SyncRuntime, async_: {name}) -> None:
    self._runtime = runtime
    self._async = async_{wire}
"""
_CLIENT_INIT: Final = """
def __init__({params}) -> None:
    async_client = {name}({forward})
    self._bind(SyncRuntime(async_client), async_client)

def _bind(self, runtime: SyncRuntime, async_client: {name}) -> None:
    self._runtime = runtime
    self._async = async_client{wire}

@classmethod
def _wrap(cls, runtime: SyncRuntime, async_client: {name}) -> Self:
    client = object.__new__(cls)
    client._bind(runtime, async_client)
    return client
"""


def sync_class(cls: AsyncClass) -> str:
    """The source of the sync twin of one async class."""
    twins = {a: t.removeprefix("Async") for a, (t, _) in sorted(cls.subresources.items())}
    local = "async_client" if cls.is_client else "async_"
    doc = _doc(cls, None, cls.node)
    body = [*([repr(doc)] if doc else [])]
    body += [] if cls.is_client else [f"__slots__ = {('_async', *twins)!r}"]
    body.append(f"_async: {cls.name}")
    for attr, twin in twins.items():
        attr_doc = cls.subresources[attr][1]
        body += [f"{attr}: {twin}", *([repr(attr_doc)] if attr_doc else [])]
    wire = "".join(f"\n    self.{a} = {t}(runtime, {local}.{a})" for a, t in twins.items())
    if not cls.is_client:
        body.append(_RESOURCE_INIT.format(name=cls.name, wire=wire))
    elif cls.init is None:
        raise cls.source.fail(cls.node, f"client {cls.name} has no __init__")
    else:
        args = _arguments(cls, cls.init)
        forward = ", ".join(_forward(args))
        params = ast.unparse(args)
        body.append(_CLIENT_INIT.format(name=cls.name, params=params, forward=forward, wire=wire))
    body += [_member(cls, name, fn) for name, fn in cls.members.items()]
    base = "SyncClient" if cls.is_client else "SyncResource"
    return f"class {cls.sync_name}({base}):\n" + textwrap.indent("\n".join(body), "    ")


def _imports(source: Source) -> list[str]:
    """The source module's imports (``if`` blocks included) and its top-level names."""
    lines: list[str] = []
    for top in source.tree.body:
        for stmt in [*top.body, *top.orelse] if isinstance(top, ast.If) else [top]:
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                if getattr(stmt, "level", 0) or any(a.name == "*" for a in stmt.names):
                    raise source.fail(stmt, "relative and star imports are not supported")
                for alias in stmt.names:
                    single = copy.copy(stmt)
                    single.names = [alias]
                    lines.append(ast.unparse(single))
            elif isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                lines.append(f"from {source.dotted} import {stmt.name}")
            elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt is top:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [t.id for t in targets if isinstance(t, ast.Name) and t.id[:2] != "__"]
                lines += [f"from {source.dotted} import {name}" for name in names]
    return lines


def _render_module(source: Source, classes: list[AsyncClass], module_of: dict[str, str]) -> str:
    subresources = {target for cls in classes for target, _ in cls.subresources.values()}
    imports = [
        "from __future__ import annotations",
        "from typing import Self",
        f"from {PACKAGE}._sync_runtime import {', '.join(_RUNTIME_NAMES)}",
        *(
            f"from {module_of[target]} import {target.removeprefix('Async')}"
            for target in sorted(subresources)
            if module_of[target] != module_of[classes[0].name]
        ),
        *_imports(source),
        *(
            line
            for cls in classes
            if cls.is_client
            for name, (_, _, line) in CLIENT_PROPERTIES.items()
            if name in cls.members
        ),
    ]
    parts = [
        _HEADER.format(source=source.relpath)
        + f'"""Blocking twins of the classes in ``{source.dotted}`` (generated)."""\n',
        "\n".join(dict.fromkeys(imports)) + "\n",
        f"__all__ = {sorted(cls.sync_name for cls in classes)!r}\n",
        *(ast.unparse(ast.parse(sync_class(cls))) + "\n" for cls in classes),
    ]
    return "\n\n".join(parts)


def _raw_class(cls: AsyncClass, *, sync: bool) -> str:
    """The ``with_raw_response`` view of one resource (or the client), async or sync."""
    prefix, resource = ("Raw", cls.sync_name) if sync else ("RawAsync", cls.name)
    methods = [
        member
        for member, fn in cls.members.items()
        if isinstance(fn, ast.AsyncFunctionDef) and member not in CLIENT_METHODS
    ]
    subs = sorted(cls.subresources.items())
    lines = [f"self.{a} = {prefix}{t.removeprefix('Async')}(resource.{a})" for a, (t, _) in subs]
    wrap = "raw_sync(resource._runtime, resource._async.{m})" if sync else "raw_async(resource.{m})"
    lines += [f"self.{m} = {wrap.format(m=m)}" for m in methods]
    doc = f"``{resource}``, every method returning a ``RawResponse``."
    slots = tuple(sorted([a for a, _ in subs] + methods))
    init = _def(f"__init__(self, resource: {resource}) -> None", lines or ["pass"])
    body = f"{doc!r}\n__slots__ = {slots!r}\n{init}"
    return f"class {prefix}{cls.sync_name}:\n" + textwrap.indent(body, "    ")


def _render_raw_module(classes: list[AsyncClass], module_of: dict[str, str]) -> str:
    imports = [
        "from __future__ import annotations",
        f"from {PACKAGE}._raw import raw_async, raw_sync",
        *(f"from {c.source.dotted} import {c.name}" for c in classes),
        *(f"from {module_of[c.name]} import {c.sync_name}" for c in classes),
    ]
    names = sorted(f"{p}{c.sync_name}" for c in classes for p in ("Raw", "RawAsync"))
    sources = ", ".join(f"{PACKAGE}/{pattern}" for pattern in SOURCE_PATTERNS)
    parts = [
        _HEADER.format(source=sources)
        + '"""The ``with_raw_response`` views of both clients (generated)."""\n',
        "\n".join(imports) + "\n",
        f"__all__ = {names!r}\n",
        *(
            ast.unparse(ast.parse(_raw_class(cls, sync=sync))) + "\n"
            for sync in (False, True)
            for cls in classes
        ),
    ]
    return "\n\n".join(parts)


def _render_package_init(classes: list[AsyncClass], module_of: dict[str, str]) -> str:
    by_module: dict[str, list[str]] = {}
    for cls in classes:
        by_module.setdefault(module_of[cls.name], []).append(cls.sync_name)
    imports = "\n".join(
        f"from {module} import {', '.join(sorted(names))}"
        for module, names in sorted(by_module.items())
    )
    names = sorted(cls.sync_name for cls in classes)
    sources = ", ".join(f"{PACKAGE}/{pattern}" for pattern in SOURCE_PATTERNS)
    return (
        _HEADER.format(source=sources)
        + '"""The generated sync facade: blocking twins of the async client and resources."""\n\n'
        + f"{imports}\n\n__all__ = {names!r}\n"
    )


def generate(package_dir: Path) -> dict[str, str]:
    """Generate the facade for ``package_dir`` (a ``bland_async`` source directory).

    Returns:
        ``{path relative to package_dir: formatted source}`` for every generated file.

    Raises:
        GenerationError: A construct the generator cannot map (with ``file:line``).
    """
    classes = load(package_dir)
    if not classes:
        raise GenerationError(f"{package_dir}: no Async* classes found")
    _check_tables(classes)
    module_of = {
        c.name: f"{PACKAGE}.{OUTPUT_DIR}.{c.source.dotted.rsplit('.')[-1]}" for c in classes
    }
    by_source: dict[str, list[AsyncClass]] = {}
    for cls in classes:
        by_source.setdefault(cls.source.relpath, []).append(cls)
    files: dict[str, str] = {}
    for group in by_source.values():
        path = f"{OUTPUT_DIR}/{module_of[group[0].name].rsplit('.')[-1]}.py"
        if path in files:
            raise GenerationError(f"{group[0].source.relpath}: {path} would be generated twice")
        files[path] = _render_module(group[0].source, group, module_of)
    files[f"{OUTPUT_DIR}/__init__.py"] = _render_package_init(classes, module_of)
    files[f"{OUTPUT_DIR}/{RAW_MODULE}.py"] = _render_raw_module(classes, module_of)
    return {path: _format(text, path) for path, text in sorted(files.items())}


def _format(text: str, relpath: str) -> str:
    """Run ``_RUFF_STEPS`` on ``text``, as if the file lived in this repository's package.

    Ruff is the one installed with this Python (the dev dependency), never another one on
    ``PATH``; the project's configuration applies whatever ``package_dir`` is read.
    """
    beside = Path(sys.executable).parent / "ruff"
    ruff = [str(beside)] if beside.exists() else [sys.executable, "-m", "ruff"]
    stdin = ["--quiet", "--stdin-filename", str(ROOT / PACKAGE / relpath), "-"]
    for step in _RUFF_STEPS:
        run = subprocess.run(
            [*ruff, *shlex.split(step), *stdin],
            input=text,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if run.returncode != 0:
            raise GenerationError(f"{relpath}: ruff {step.split()[0]} failed:\n{run.stderr}")
        text = run.stdout
    return text


# --------------------------------------------------------------------------- entry point


def stale_files(package_dir: Path, files: dict[str, str]) -> dict[str, list[str]]:
    """``{stale path: unified diff}`` of the files in the output directory against ``files``."""
    on_disk = {
        p.relative_to(package_dir).as_posix() for p in package_dir.glob(f"{OUTPUT_DIR}/*.py")
    }
    stale: dict[str, list[str]] = {}
    for path in sorted(on_disk | files.keys()):
        current = (package_dir / path).read_text(encoding="utf-8") if path in on_disk else ""
        if path not in files:
            stale[path] = [f"{PACKAGE}/{path}: no longer generated; delete it\n"]
        elif current != files[path]:
            old, new = current.splitlines(keepends=True), files[path].splitlines(keepends=True)
            label = f"{PACKAGE}/{path}"
            stale[path] = list(
                difflib.unified_diff(old, new, f"{label} (on disk)", f"{label} (generated)")
            )
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status (0 ok, 1 stale, 2 error)."""
    parser = argparse.ArgumentParser(description="Generate the sync facade from the async code.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the output is stale")
    parser.add_argument(
        "--package-dir",
        type=Path,
        default=ROOT / PACKAGE,
        help="the bland_async package directory to read and write (default: this repo's)",
    )
    options = parser.parse_args(argv)
    package_dir: Path = options.package_dir
    try:
        files = generate(package_dir)
    except GenerationError as exc:
        print(f"gen_sync: error: {exc}", file=sys.stderr)
        return 2
    stale = stale_files(package_dir, files)
    if options.check:
        for diff in stale.values():
            sys.stdout.writelines(diff)
        if stale:
            names = ", ".join(f"{PACKAGE}/{path}" for path in stale)
            print(f"gen_sync: stale: {names}; run python tools/gen_sync.py", file=sys.stderr)
        return 1 if stale else 0
    (package_dir / OUTPUT_DIR).mkdir(exist_ok=True)
    for path in stale:
        if path in files:
            (package_dir / path).write_text(files[path], encoding="utf-8")
            print(f"wrote {PACKAGE}/{path}")
        else:
            (package_dir / path).unlink()
            print(f"removed {PACKAGE}/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
