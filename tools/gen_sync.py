"""Generate the sync facade (``bland_async/_sync/``) from the async source, by AST.

Usage::

    python tools/gen_sync.py            # (re)write bland_async/_sync/
    python tools/gen_sync.py --check    # exit 1 with a diff when the committed output is stale

The async modules (``bland_async/_client.py`` and every ``bland_async/_resources/*.py``)
are parsed, never imported. Every ``Async*`` class found there gets a sync twin named
without the prefix, in ``bland_async/_sync/<same module name>.py``:

- sub-resources are found from the AST (``self.versions = AsyncPersonaVersions(...)``
  anywhere in the class, and class-level ``personas: AsyncPersonas`` annotations);
- each public ``async def`` becomes a ``def`` with the same parameters, defaults,
  annotations, overloads and docstring, whose body forwards to the async method through
  the client's portal (``SyncRuntime.call``: one thread hop);
- a return type of ``AsyncPager[X]`` becomes ``SyncPager[X]`` (one hop per page), and
  ``AsyncIterator[X]`` / ``AsyncIterable[X]`` / ``AsyncGenerator[X, ...]`` becomes
  ``Iterator[X]`` (one hop per item); a returned ``Async*`` class becomes its sync twin;
- a public plain ``def`` (e.g. ``iterate``, ``with_options``) is forwarded without a hop
  (it cannot await, so it does not need the loop), its result wrapped as above;
- ``@property`` is forwarded as a property (a pure attribute read, no hop);
- ``aclose`` / ``__aenter__`` / ``__aexit__`` become ``close`` / ``__enter__`` /
  ``__exit__`` on the client (the class that defines ``__aenter__``): ``close`` runs the
  async ``aclose`` on the loop and stops the client's loop thread;
- docstrings are copied, minus the ``Args:`` entries of parameters the twin drops
  (``DROPPED_PARAMETERS``), with the few edits in ``DOCSTRING_REWRITES`` (the client's
  "async with ... await ..." becomes "with ...").

Anything else (an ``async def`` generator, a return or parameter type it cannot map, an
unknown decorator or dunder, a statement it does not recognise in a class body, a public
instance attribute that is not a sub-resource, a docstring rewrite that no longer
matches) stops the generator with ``file:line: message`` and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import difflib
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGE: Final = "bland_async"
#: The async modules, relative to the package directory.
SOURCE_PATTERNS: Final = ("_client.py", "_resources/*.py")
OUTPUT_DIR: Final = "_sync"
RUNTIME_MODULE: Final = f"{PACKAGE}._sync_runtime"

#: Parameters of async methods that the sync twin does not take. An aiohttp session is
#: bound to the event loop it was created on, and the facade's loop is private to the
#: client (it runs on the client's own thread), so a sync caller cannot create a session
#: on it: ``BlandClient`` always builds its own. Listed explicitly (rather than guessed
#: from the annotation) so that dropping an argument is a reviewed decision. A dropped
#: parameter must have a default.
DROPPED_PARAMETERS: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("AsyncBlandClient", "__init__"): frozenset({"session"}),
}

#: Async names whose sync twin has another name (only on the client class).
RENAMED_METHODS: Final = {"aclose": "close", "__aenter__": "__enter__", "__aexit__": "__exit__"}

#: Edits that make a copied docstring describe the blocking twin, keyed by (async class,
#: async member name, or ``None`` for the class docstring): ``(old, new)`` pairs applied
#: in order, each replacing every occurrence of the one-line text ``old``. A line break in
#: ``new`` continues at the indentation of the line it lands on. Every key must name a
#: docstring and every ``old`` must match, or the generator stops: the table cannot rot
#: silently when the async docstring changes. (Parameters in ``DROPPED_PARAMETERS`` are
#: removed from the ``Args:`` section separately; the class docstring documents
#: ``__init__``'s.)
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
            ":meth:`close` when done::",
        ),
        ("async with AsyncBlandClient() as bland:", "with BlandClient() as bland:"),
        ("await ", ""),
    ),
    ("AsyncBlandClient", "closed"): ((":meth:`aclose`", ":meth:`close`"),),
    ("AsyncBlandClient", "aclose"): (
        (
            "Close the client's own session (a borrowed one stays open).",
            "Close the client's session and stop its event loop thread.",
        ),
    ),
}

#: Section headers under which a Google-style docstring documents parameters.
_ARGS_HEADERS: Final = frozenset({"Args:", "Arguments:", "Parameters:"})
_ARG_ENTRY: Final = re.compile(r"\*{0,2}(\w+)\s*(?:\([^)]*\))?:")

#: Dunders that are not forwarded (the generated scaffolding and sync bases supply them).
IGNORED_DUNDERS: Final = frozenset({"__init__", "__repr__", "__str__"})

_PAGER: Final = f"{PACKAGE}._pagination.AsyncPager"
_ASYNC_ITERATORS: Final = frozenset(
    f"{module}.{name}"
    for module in ("typing", "collections.abc")
    for name in ("AsyncIterator", "AsyncIterable", "AsyncGenerator")
)
#: Types with no sync meaning in a return type (except where mapped above).
_ASYNC_ONLY: Final = (
    _ASYNC_ITERATORS
    | frozenset(
        f"{module}.{name}"
        for module in ("typing", "collections.abc", "contextlib")
        for name in ("Awaitable", "Coroutine", "AsyncContextManager", "AbstractAsyncContextManager")
    )
    | {_PAGER, "asyncio.Future", "asyncio.Task"}
)
#: In parameters, stdlib async types (an AsyncIterable of ids, an async callback) pass
#: through unchanged: the facade's loop consumes them. SDK pagers cannot be passed.
_REFUSED_IN_PARAMETERS: Final = frozenset({_PAGER})
_OVERLOAD: Final = frozenset({"typing.overload", "typing_extensions.overload"})
_SELF: Final = frozenset({"typing.Self", "typing_extensions.Self"})
_BUILTIN_NAMES: Final = frozenset(dir(builtins))

_HEADER: Final = (
    "# GENERATED by tools/gen_sync.py — do not edit.\n"
    "# Source: {source}\n"
    "# Regenerate: python tools/gen_sync.py (CI fails when this file is stale).\n"
)

Function = ast.FunctionDef | ast.AsyncFunctionDef
ReturnKind = Literal["value", "none", "pager", "iterator", "wrap", "self"]


class GenerationError(Exception):
    """The async source holds something the generator does not know how to map."""


# --------------------------------------------------------------------------- source model


@dataclass(frozen=True)
class ImportSpec:
    """How a name is bound: ``from module import name as local``, or ``import module``."""

    module: str
    name: str | None  # None: ``import module [as local]``
    local: str

    def qualname(self) -> str:
        """``module.name`` (or ``module``)."""
        return self.module if self.name is None else f"{self.module}.{self.name}"


@dataclass
class SourceModule:
    """One parsed async module, with the names it binds at top level."""

    relpath: str  # e.g. bland_async/_resources/_personas.py
    dotted: str
    tree: ast.Module
    imports: dict[str, ImportSpec] = field(default_factory=dict)
    toplevel: set[str] = field(default_factory=set)

    def fail(self, node: ast.AST, message: str) -> GenerationError:
        """An error pointing at ``node``'s line."""
        return GenerationError(f"{self.relpath}:{getattr(node, 'lineno', 0)}: {message}")

    def resolve(self, name: str) -> ImportSpec | None:
        """Where ``name`` (as written in this module) comes from; ``None`` if unbound."""
        spec = self.imports.get(name)
        if spec is not None:
            return spec
        if name in self.toplevel:
            return ImportSpec(self.dotted, name, name)
        return None

    def qualname(self, node: ast.expr) -> str | None:
        """``module.name`` of a (dotted) name expression, resolved through the imports."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        spec = self.resolve(node.id)
        if spec is None and node.id not in _BUILTIN_NAMES:
            return None
        root = node.id if spec is None else spec.qualname()
        return ".".join([root, *reversed(parts)])


@dataclass
class Member:
    """One public method or property of an async class, as written in the source."""

    node: Function
    module: SourceModule
    kind: Literal["method", "property", "overload"]


@dataclass
class AsyncClass:
    """An ``Async*`` class (or a scanned base of one) and what its sync twin needs."""

    name: str
    module: SourceModule
    node: ast.ClassDef
    docstring: ast.Expr | None = None
    #: attribute -> (async class name, attribute docstring or None)
    subresources: dict[str, tuple[str, ast.Expr | None]] = field(default_factory=dict)
    members: dict[str, list[Member]] = field(default_factory=dict)
    init: Member | None = None
    is_client: bool = False
    analysed: bool = False

    @property
    def sync_name(self) -> str:
        """The twin's name: the async name without ``Async``."""
        return sync_name(self.name)


def sync_name(async_name: str) -> str:
    """``AsyncPersonas`` -> ``Personas``."""
    return async_name.removeprefix("Async")


def _is_async_class_name(name: str) -> bool:
    return name.startswith("Async") and len(name) > len("Async") and name[5].isupper()


def _collect_bindings(module: SourceModule, body: list[ast.stmt]) -> None:
    """Fill the module's import table and top-level names (``if TYPE_CHECKING:`` too)."""
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname is None:
                    root = alias.name.split(".")[0]
                    module.imports[root] = ImportSpec(root, None, root)
                else:
                    module.imports[alias.asname] = ImportSpec(alias.name, None, alias.asname)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level:
                raise module.fail(stmt, "relative imports are not supported; import absolutely")
            for alias in stmt.names:
                if alias.name == "*":
                    raise module.fail(stmt, "star imports are not supported")
                local = alias.asname or alias.name
                module.imports[local] = ImportSpec(stmt.module or "", alias.name, local)
        elif isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            module.toplevel.add(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                module.toplevel.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(stmt, ast.If):
            _collect_bindings(module, stmt.body)
            _collect_bindings(module, stmt.orelse)
        elif isinstance(stmt, ast.Try):
            _collect_bindings(module, stmt.body)
            for handler in stmt.handlers:
                _collect_bindings(module, handler.body)
            _collect_bindings(module, stmt.orelse)


def load_modules(package_dir: Path) -> list[SourceModule]:
    """Parse the async modules under ``package_dir`` (a ``bland_async`` directory)."""
    paths: list[Path] = []
    for pattern in SOURCE_PATTERNS:
        paths.extend(sorted(package_dir.glob(pattern)))
    modules = []
    for path in paths:
        rel = path.relative_to(package_dir.parent)
        dotted = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            raise GenerationError(f"{rel.as_posix()}:{exc.lineno}: {exc.msg}") from exc
        module = SourceModule(rel.as_posix(), dotted, tree)
        _collect_bindings(module, tree.body)
        modules.append(module)
    return modules


# --------------------------------------------------------------------------- analysis


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _docstring_of(node: Function | ast.ClassDef) -> ast.Expr | None:
    if node.body and _is_docstring(node.body[0]):
        first = node.body[0]
        assert isinstance(first, ast.Expr)
        return first
    return None


def _member_kind(
    module: SourceModule, cls: str, node: Function
) -> Literal["method", "property", "overload"]:
    kinds: list[Literal["property", "overload"]] = []
    for dec in node.decorator_list:
        if (
            isinstance(dec, ast.Name)
            and dec.id == "property"
            and module.resolve("property") is None
        ):
            kinds.append("property")
        elif module.qualname(dec) in _OVERLOAD:
            kinds.append("overload")
        else:
            raise module.fail(dec, f"decorator @{ast.unparse(dec)} on {cls}.{node.name}")
    if not kinds:
        return "method"
    if len(kinds) > 1 or (kinds[0] == "property" and isinstance(node, ast.AsyncFunctionDef)):
        raise module.fail(node, f"{cls}.{node.name}: unsupported combination of decorators")
    return kinds[0]


def _has_own_yield(node: ast.AST) -> bool:
    """Whether a function body yields (ignoring nested functions and classes)."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            stack.extend(ast.iter_child_nodes(child))
    return False


def _assigned_subresources(
    cls: AsyncClass, known: dict[str, AsyncClass]
) -> dict[str, tuple[str, ast.AST]]:
    """``self.<attr> = Async<X>(...)`` anywhere in the class body (any method).

    That is the only write to a public instance attribute the sync twin can mirror. Any
    other (``self.limit = 10``, ``self.a, self.b = ...``, ``self.n += 1``, ``del self.x``,
    in any method, private ones included) stops the generator: the twin would lack it.
    """
    found: dict[str, tuple[str, ast.AST]] = {}
    for method in cls.node.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        positional = [*method.args.posonlyargs, *method.args.args]
        if not positional:
            continue  # no instance to assign to (and a public one fails elsewhere)
        instance = positional[0].arg
        mirrored: set[int] = set()  # ids of the targets that build a known resource
        for node in ast.walk(method):
            if not isinstance(node, ast.Assign | ast.AnnAssign):
                continue
            value = node.value
            if not (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in known
            ):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == instance
                    and not target.attr.startswith("_")
                ):
                    continue
                previous = found.get(target.attr)
                if previous is not None and previous[0] != value.func.id:
                    raise cls.module.fail(
                        node,
                        f"{instance}.{target.attr} is assigned both {previous[0]} "
                        f"and {value.func.id}",
                    )
                found[target.attr] = (value.func.id, node)
                mirrored.add(id(target))
        for node in ast.walk(method):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store | ast.Del)
                and isinstance(node.value, ast.Name)
                and node.value.id == instance
                and not node.attr.startswith("_")
                and id(node) not in mirrored
            ):
                how = "deleted" if isinstance(node.ctx, ast.Del) else "set"
                raise cls.module.fail(
                    node,
                    f"public attribute {cls.name}.{node.attr} is {how} in {method.name}() "
                    "other than to a new Async* resource, so the sync twin would lack it; "
                    "make it private (and expose it as a @property if callers need it)",
                )
    return found


def analyse(modules: list[SourceModule]) -> list[AsyncClass]:
    """Find every ``Async*`` class and what its sync twin needs, in source order."""
    scanned: dict[str, AsyncClass] = {}
    for module in modules:
        for stmt in module.tree.body:
            if isinstance(stmt, ast.ClassDef):
                if stmt.name in scanned:
                    other = scanned[stmt.name].module.relpath
                    raise module.fail(stmt, f"class {stmt.name} is also defined in {other}")
                scanned[stmt.name] = AsyncClass(stmt.name, module, stmt)
    known = {name: cls for name, cls in scanned.items() if _is_async_class_name(name)}
    for cls in known.values():
        _analyse_class(cls, known, scanned, ())
    return sorted(known.values(), key=lambda c: (c.module.relpath, c.node.lineno))


def _analyse_class(
    cls: AsyncClass,
    known: dict[str, AsyncClass],
    scanned: dict[str, AsyncClass],
    stack: tuple[str, ...],
) -> None:
    if cls.analysed:
        return
    module, node = cls.module, cls.node
    if cls.name in stack:
        raise module.fail(node, f"circular base classes: {' -> '.join(stack)}")
    if node.keywords or node.decorator_list:
        raise module.fail(node, f"class keywords or decorators on {cls.name}")
    # Inherited members first (from bases defined in the scanned modules); own ones override.
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in scanned:
            parent = scanned[base.id]
            _analyse_class(parent, known, scanned, (*stack, cls.name))
            cls.members.update(parent.members)
            cls.subresources.update(parent.subresources)
            cls.init = parent.init or cls.init
            cls.is_client = cls.is_client or parent.is_client
        elif not (isinstance(base, ast.Name) and base.id == "object"):
            raise module.fail(
                base, f"base class {ast.unparse(base)} of {cls.name} is not in the scanned modules"
            )
    cls.docstring = _docstring_of(node)
    body = node.body[1:] if cls.docstring is not None else list(node.body)
    own: dict[str, list[Member]] = {}
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass) or _is_docstring(stmt):
            continue  # attribute docstrings are read with their attribute
        if isinstance(stmt, ast.Assign) and all(
            isinstance(t, ast.Name) and t.id == "__slots__" for t in stmt.targets
        ):
            continue
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is not None:
                raise module.fail(stmt, f"class-level value in {cls.name} is not supported")
            attr, ann = stmt.target.id, stmt.annotation
            if attr.startswith("_"):
                continue
            if not (isinstance(ann, ast.Name) and ann.id in known):
                raise module.fail(
                    stmt,
                    f"public attribute {cls.name}.{attr}: {ast.unparse(ann)} is not a resource "
                    "(expose it as a @property)",
                )
            following = body[index + 1] if index + 1 < len(body) else None
            doc = following if following is not None and _is_docstring(following) else None
            assert doc is None or isinstance(doc, ast.Expr)
            cls.subresources[attr] = (ann.id, doc)
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            name = stmt.name
            dunder = name.startswith("__") and name.endswith("__")
            if name == "__init__":
                cls.init = Member(stmt, module, "method")
                continue
            if (name.startswith("_") and not dunder) or name in IGNORED_DUNDERS:
                continue  # private helpers; the sync bases have their own repr
            if dunder and name not in RENAMED_METHODS:
                raise module.fail(stmt, f"{cls.name}.{name} has no sync mapping")
            kind = _member_kind(module, cls.name, stmt)
            own.setdefault(name, []).append(Member(stmt, module, kind))
            continue
        what = "class-level assignment" if isinstance(stmt, ast.Assign) else type(stmt).__name__
        raise module.fail(stmt, f"{what} in class {cls.name} is not supported")
    for name, group in own.items():
        if sum(m.kind != "overload" for m in group) != 1:
            raise module.fail(group[-1].node, f"{cls.name}.{name} needs exactly one implementation")
        cls.members[name] = group
    cls.is_client = cls.is_client or "__aenter__" in cls.members
    for name in RENAMED_METHODS:
        if name in cls.members and not cls.is_client and cls.name in known:
            raise module.fail(
                cls.members[name][0].node,
                f"{cls.name}.{name}: only the client (the class with __aenter__) may define it",
            )
    for attr, (target, where) in _assigned_subresources(cls, known).items():
        declared = cls.subresources.get(attr)
        if declared is None:
            cls.subresources[attr] = (target, None)
        elif declared[0] != target:
            raise module.fail(where, f"self.{attr} is annotated {declared[0]} but gets {target}")
    clash = set(cls.subresources) & set(cls.members)
    if clash:
        raise module.fail(node, f"{cls.name}: {sorted(clash)} are both attributes and methods")
    cls.analysed = True


# --------------------------------------------------------------------------- docstrings


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def drop_documented_parameters(text: str, names: frozenset[str]) -> str:
    """``text`` (a docstring) without the ``Args:`` entries of the parameters ``names``.

    An entry is its ``name:`` (or ``name (type):``) line plus the more indented lines
    that continue it; a section left empty goes too. With no ``Args:`` section there is
    nothing to drop.

    Raises:
        GenerationError: The section does not document one of ``names`` (without a
            location: the caller adds it).
    """
    if not names:
        return text
    lines = text.split("\n")
    header = next((i for i, line in enumerate(lines) if line.strip() in _ARGS_HEADERS), None)
    if header is None:
        return text
    end = header + 1  # the section: until a line indented no deeper than its header
    while end < len(lines) and (
        not lines[end].strip() or _indent_of(lines[end]) > _indent_of(lines[header])
    ):
        end += 1
    while end > header + 1 and not lines[end - 1].strip():
        end -= 1
    starts = [i for i in range(header + 1, end) if lines[i].strip()]
    starts = [i for i in starts if _indent_of(lines[i]) == _indent_of(lines[starts[0]])]
    if not starts:
        raise GenerationError(f"the {lines[header].strip()} section is empty")
    drop: set[int] = set()
    documented: set[str] = set()
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        match = _ARG_ENTRY.match(lines[start].strip())
        if match is not None and match.group(1) in names:
            documented.add(match.group(1))
            drop.update(range(start, stop))
    missing = names - documented
    if missing:
        raise GenerationError(
            f"the {lines[header].strip()} section does not document the dropped "
            f"parameters {sorted(missing)}"
        )
    if len(drop) == end - header - 1:  # nothing left: drop the header and a blank line
        drop.add(header)
        if end < len(lines) and not lines[end].strip():
            drop.add(end)
        elif header > 0 and not lines[header - 1].strip():
            drop.add(header - 1)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def sync_docstring(async_class: str, member: str | None, text: str) -> str:
    """The sync twin's docstring, from the async one's ``text``.

    Drops the ``Args:`` entries of the parameters the twin does not take
    (``DROPPED_PARAMETERS``; the class docstring documents ``__init__``'s) and applies
    ``DOCSTRING_REWRITES``. ``member`` is the async member's name, ``None`` for the class.

    Raises:
        GenerationError: A dropped parameter is not documented, or a rewrite no longer
            matches (without a location: the caller adds it).
    """
    dropped = DROPPED_PARAMETERS.get((async_class, member or "__init__"), frozenset())
    text = drop_documented_parameters(text, dropped)
    for old, new in DOCSTRING_REWRITES.get((async_class, member), ()):
        if old not in text:
            raise GenerationError(
                f"DOCSTRING_REWRITES[{(async_class, member)!r}] in tools/gen_sync.py: "
                f"{old!r} no longer matches the docstring; update the rule"
            )
        pieces = text.split(old)
        for index in range(1, len(pieces)):
            before = pieces[index - 1]
            line = before[before.rfind("\n") + 1 :]
            indent = line[: _indent_of(line)]
            pieces[index - 1] = before + new.replace("\n", "\n" + indent)
        text = "".join(pieces)
    return text


def _check_tables(classes: list[AsyncClass]) -> None:
    """Every ``DOCSTRING_REWRITES`` and ``DROPPED_PARAMETERS`` key names what exists."""
    by_name = {cls.name: cls for cls in classes}
    for key in DOCSTRING_REWRITES:
        cls = by_name.get(key[0])
        if cls is None:
            node = None
        elif key[1] is None:
            node = cls.docstring
        else:
            group = cls.members.get(key[1], [])
            node = next((_docstring_of(m.node) for m in group if m.kind != "overload"), None)
        if node is None:
            raise GenerationError(
                f"DOCSTRING_REWRITES[{key!r}] in tools/gen_sync.py: no such docstring; "
                "update the table"
            )
    for key in DROPPED_PARAMETERS:
        cls = by_name.get(key[0])
        if cls is None or not (
            key[1] in cls.members or (key[1] == "__init__" and cls.init is not None)
        ):
            raise GenerationError(
                f"DROPPED_PARAMETERS[{key!r}] in tools/gen_sync.py: no such method; "
                "update the table"
            )


# --------------------------------------------------------------------------- emission


class Imports:
    """The imports of one generated module, split into runtime and type-checking ones."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.runtime: dict[str, ImportSpec] = {}
        self.typing: dict[str, ImportSpec] = {}

    def add(self, spec: ImportSpec, *, runtime: bool, where: str) -> None:
        """Record that the generated module needs ``spec`` (at run time, or for mypy)."""
        if spec.module == self.module and spec.name is not None:
            return  # defined in the generated module itself
        for table in (self.runtime, self.typing):
            existing = table.get(spec.local)
            if existing is not None and existing != spec:
                raise GenerationError(
                    f"{where}: {spec.local!r} would be imported from both "
                    f"{existing.qualname()} and {spec.qualname()}"
                )
        (self.runtime if runtime else self.typing)[spec.local] = spec

    def render(self) -> str:
        """The import block (ruff sorts it afterwards)."""
        typing_only = [v for k, v in self.typing.items() if k not in self.runtime]
        runtime = list(self.runtime.values())
        if typing_only:
            runtime.append(ImportSpec("typing", "TYPE_CHECKING", "TYPE_CHECKING"))
        lines = ["from __future__ import annotations", "", *_import_lines(runtime)]
        if typing_only:
            lines.extend(["", "if TYPE_CHECKING:"])
            lines.extend(f"    {line}" for line in _import_lines(typing_only))
        return "\n".join(lines) + "\n"


def _import_lines(specs: list[ImportSpec]) -> list[str]:
    plain: set[str] = set()
    grouped: dict[str, set[str]] = {}
    for spec in specs:
        if spec.name is None:
            as_root = spec.local == spec.module.split(".")[0]
            plain.add(spec.module if as_root else f"{spec.module} as {spec.local}")
        else:
            entry = spec.name if spec.local == spec.name else f"{spec.name} as {spec.local}"
            grouped.setdefault(spec.module, set()).add(entry)
    lines = [f"import {name}" for name in sorted(plain)]
    lines.extend(f"from {mod} import {', '.join(sorted(names))}" for mod, names in grouped.items())
    return lines


@dataclass
class Emitter:
    """Emits one generated module: its classes and the imports they need."""

    out_module: str
    out_module_of: dict[str, str]  # async class name -> generated module
    imports: Imports

    def use(self, spec: ImportSpec, *, runtime: bool, module: SourceModule, node: ast.AST) -> None:
        """Record an import needed by code emitted for ``node``."""
        where = f"{module.relpath}:{getattr(node, 'lineno', 0)}"
        self.imports.add(spec, runtime=runtime, where=where)

    def use_sync(
        self, async_name: str, *, runtime: bool, module: SourceModule, node: ast.AST
    ) -> str:
        """Import the sync twin of ``async_name``; return its name."""
        name = sync_name(async_name)
        spec = ImportSpec(self.out_module_of[async_name], name, name)
        self.use(spec, runtime=runtime, module=module, node=node)
        return name

    def use_runtime(self, name: str, *, runtime: bool, module: SourceModule, node: ast.AST) -> str:
        """Import a helper from ``bland_async._sync_runtime``; return its name."""
        self.use(ImportSpec(RUNTIME_MODULE, name, name), runtime=runtime, module=module, node=node)
        return name

    def use_typing(self, name: str, *, module: SourceModule, node: ast.AST) -> str:
        """Import ``typing.<name>`` for annotations; return its name."""
        self.use(ImportSpec("typing", name, name), runtime=False, module=module, node=node)
        return name

    def docstring(
        self, cls: AsyncClass, member: str | None, doc: ast.Expr | None
    ) -> ast.Expr | None:
        """A copy of ``doc`` for ``cls``'s twin, as :func:`sync_docstring` rewrites it."""
        if doc is None:
            return None
        assert isinstance(doc.value, ast.Constant)
        assert isinstance(doc.value.value, str)
        try:
            text = sync_docstring(cls.name, member, doc.value.value)
        except GenerationError as exc:
            raise cls.module.fail(doc, str(exc)) from None
        return ast.Expr(ast.Constant(text))

    # -- expressions ------------------------------------------------------------------

    def expr(
        self,
        module: SourceModule,
        node: ast.expr,
        *,
        runtime: bool = False,
        refused: frozenset[str] = _ASYNC_ONLY,
    ) -> ast.expr:
        """Copy an annotation or default for the generated module, importing its names.

        ``refused``: qualified names that must not appear (they have no sync meaning
        there); so must no SDK ``Async*`` class.
        """
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not runtime:
            raise module.fail(node, "string annotations are not supported (use the type)")
        copied = copy.deepcopy(node)
        for sub in ast.walk(copied):
            if isinstance(sub, ast.Name | ast.Attribute) and module.qualname(sub) in refused:
                raise module.fail(sub, f"{ast.unparse(sub)} has no sync equivalent here")
            if not isinstance(sub, ast.Name):
                continue
            spec = module.resolve(sub.id)
            if spec is None:
                if sub.id in _BUILTIN_NAMES:
                    continue
                raise module.fail(sub, f"cannot resolve the name {sub.id!r}")
            if _is_async_class_name(sub.id) and sub.id in self.out_module_of:
                raise module.fail(sub, f"{sub.id} has no sync equivalent here")
            self.use(spec, runtime=runtime, module=module, node=sub)
        return copied

    def returns(self, member: Member) -> tuple[ReturnKind, ast.expr, str | None]:
        """How a return value maps: (kind, sync annotation, async class for ``wrap``)."""
        module, fn = member.module, member.node
        ann = fn.returns
        if ann is None:
            raise module.fail(fn, f"{fn.name} has no return annotation")
        if isinstance(ann, ast.Constant) and ann.value is None:
            return "none", ann, None
        if isinstance(ann, ast.Subscript):
            qual = module.qualname(ann.value)
            if qual == _PAGER or qual in _ASYNC_ITERATORS:
                item = ann.slice
                if qual is not None and qual.endswith("AsyncGenerator"):
                    if not isinstance(item, ast.Tuple) or not item.elts:
                        raise module.fail(ann, "AsyncGenerator needs its type arguments")
                    item = item.elts[0]
                if isinstance(item, ast.Tuple):
                    raise module.fail(ann, f"cannot map {ast.unparse(ann)}")
                mapped = self.expr(module, item)
                if qual == _PAGER:
                    pager = self.use_runtime("SyncPager", runtime=True, module=module, node=ann)
                    return "pager", ast.Subscript(ast.Name(pager), mapped), None
                self.use_runtime("SyncIterator", runtime=True, module=module, node=ann)
                iterator = ImportSpec("collections.abc", "Iterator", "Iterator")
                self.use(iterator, runtime=False, module=module, node=ann)
                return "iterator", ast.Subscript(ast.Name("Iterator"), mapped), None
        if isinstance(ann, ast.Name):
            if ann.id in self.out_module_of and module.resolve(ann.id) is not None:
                name = self.use_sync(ann.id, runtime=True, module=module, node=ann)
                return "wrap", ast.Name(name), ann.id
            if module.qualname(ann) in _SELF:
                return "self", ast.Name(self.use_typing("Self", module=module, node=ann)), None
        return "value", self.expr(module, ann), None

    def arguments(self, cls: AsyncClass, member: Member) -> ast.arguments:
        """The sync parameters: the async ones, minus ``DROPPED_PARAMETERS``."""
        module, fn = member.module, member.node
        dropped = DROPPED_PARAMETERS.get((cls.name, fn.name), frozenset())
        args = copy.deepcopy(fn.args)
        positional = [*args.posonlyargs, *args.args]
        if not positional or positional[0].arg != "self":
            raise module.fail(fn, f"{cls.name}.{fn.name}: the first parameter must be self")
        missing = dropped - {a.arg for a in [*positional, *args.kwonlyargs]}
        if missing:
            raise module.fail(fn, f"{fn.name}: dropped parameters {sorted(missing)} do not exist")
        pos_defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        pos_defaults.extend(args.defaults)
        kept: list[ast.arg] = []
        defaults: list[ast.expr] = []
        n_posonly = 0
        for index, (arg, default) in enumerate(zip(positional, pos_defaults, strict=True)):
            if arg.arg in dropped:
                if default is None:
                    raise module.fail(arg, f"dropped parameter {arg.arg!r} has no default")
                continue
            kept.append(arg)
            n_posonly += index < len(args.posonlyargs)
            if default is not None:
                defaults.append(self.expr(module, default, runtime=True))
            elif defaults:
                raise module.fail(arg, "cannot drop a parameter between defaulted ones")
        kwonly: list[ast.arg] = []
        kw_defaults: list[ast.expr | None] = []
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg in dropped:
                if kw_default is None:
                    raise module.fail(arg, f"dropped parameter {arg.arg!r} has no default")
                continue
            kwonly.append(arg)
            kw_defaults.append(
                None if kw_default is None else self.expr(module, kw_default, runtime=True)
            )
        for arg in [*kept[1:], *kwonly, *(a for a in (args.vararg, args.kwarg) if a)]:
            if arg.annotation is None:
                raise module.fail(arg, f"parameter {arg.arg!r} of {fn.name} has no annotation")
            arg.annotation = self.expr(module, arg.annotation, refused=_REFUSED_IN_PARAMETERS)
        return ast.arguments(
            posonlyargs=kept[:n_posonly],
            args=kept[n_posonly:],
            vararg=args.vararg,
            kwonlyargs=kwonly,
            kw_defaults=kw_defaults,
            kwarg=args.kwarg,
            defaults=defaults,
        )

    # -- members ------------------------------------------------------------------------

    def member(self, cls: AsyncClass, member: Member) -> ast.FunctionDef:
        """The sync twin of one async method, overload or property."""
        module, fn = member.module, member.node
        doc = self.docstring(cls, fn.name, _docstring_of(fn))
        where = f"{cls.name}.{fn.name}"
        if member.kind == "property":
            a = fn.args
            if len(a.posonlyargs) + len(a.args) != 1 or a.kwonlyargs or a.vararg or a.kwarg:
                raise module.fail(fn, f"property {where} takes arguments")
            kind, returns, _ = self.returns(member)
            if kind not in ("value", "none"):
                raise module.fail(fn, f"property {where}: only plain values can be forwarded")
            body = f"return self._async.{fn.name}"
            return _function(fn.name, "self", returns, body, doc=doc, decorators=["property"])
        if _has_own_yield(fn):
            raise module.fail(
                fn,
                f"{where} is a generator, which the facade cannot forward; write it as a "
                "def (or async def) that returns an AsyncPager or AsyncIterator",
            )
        is_async = isinstance(fn, ast.AsyncFunctionDef)
        args = self.arguments(cls, member)
        kind, returns, wrapped = self.returns(member)
        name = RENAMED_METHODS.get(fn.name, fn.name)
        only_self = len(args.posonlyargs) + len(args.args) == 1 and not (
            args.kwonlyargs or args.vararg or args.kwarg
        )
        if fn.name == "aclose":
            if kind != "none" or not only_self or not is_async or member.kind != "method":
                raise module.fail(fn, "aclose must be `async def aclose(self) -> None`")
            return _function(name, args, returns, "self._runtime.close()", doc=doc)
        if fn.name == "__aenter__":
            if kind not in ("self", "wrap") or not only_self or not is_async:
                raise module.fail(fn, "__aenter__ must be `async def __aenter__(self) -> Self`")
            self_type = ast.Name(self.use_typing("Self", module=module, node=fn))
            return _function(name, args, self_type, "return self", doc=doc)
        if fn.name == "__aexit__":
            if kind != "none" or not is_async:
                raise module.fail(fn, "__aexit__ must be an async def returning None")
            return _function(name, args, returns, "self.close()", doc=doc)
        if kind == "self":
            raise module.fail(fn, f"{where} returns Self; only __aenter__ may")
        if member.kind == "overload":
            self.use(
                ImportSpec("typing", "overload", "overload"), runtime=True, module=module, node=fn
            )
            return _function(name, args, returns, "...", doc=doc, decorators=["overload"])
        forwarded = _forward(args)
        if is_async:
            produce = f"self._runtime.call({', '.join(['self._async.' + fn.name, *forwarded])})"
        else:
            produce = f"self._async.{fn.name}({', '.join(forwarded)})"
        body = {
            "none": produce,
            "value": f"return {produce}",
            "pager": f"return SyncPager(self._runtime, {produce})",
            "iterator": f"return SyncIterator(self._runtime, {produce})",
            "wrap": f"return {sync_name(wrapped or '')}._wrap(self._runtime, {produce})",
        }[kind]
        return _function(name, args, returns, body, doc=doc)

    # -- classes ------------------------------------------------------------------------

    def sync_class(self, cls: AsyncClass) -> ast.ClassDef:
        """The sync twin of one async class."""
        module, node = cls.module, cls.node
        base = "SyncClient" if cls.is_client else "SyncResource"
        self.use_runtime(base, runtime=True, module=module, node=node)
        self.use_runtime("SyncRuntime", runtime=cls.is_client, module=module, node=node)
        self.use_typing("Self", module=module, node=node)
        self.use(
            ImportSpec(module.dotted, cls.name, cls.name),
            runtime=cls.is_client,  # the client constructs its async twin
            module=module,
            node=node,
        )
        subs = sorted(cls.subresources.items())
        names = {
            attr: self.use_sync(target, runtime=True, module=module, node=node)
            for attr, (target, _) in subs
        }
        doc = self.docstring(cls, None, cls.docstring)
        body: list[ast.stmt] = [doc] if doc is not None else []
        if not cls.is_client:
            body += _stmts(f"__slots__ = {('_async', *names)!r}")
        body += _stmts(f"_async: {cls.name}")
        for attr, (_, doc) in subs:
            body += _stmts(f"{attr}: {names[attr]}")
            if doc is not None:
                body.append(copy.deepcopy(doc))
        local = "async_client" if cls.is_client else "async_"
        wire = [
            "self._runtime = runtime",
            f"self._async = {local}",
            *(f"self.{a} = {n}(runtime, {local}.{a})" for a, n in names.items()),
        ]
        scaffold = f"self, runtime: SyncRuntime, {local}: {cls.name}"
        wrap_params = f"cls, runtime: SyncRuntime, {local}: {cls.name}"
        if cls.is_client:
            body.append(self.client_init(cls, local))
            body.append(_function("_bind", scaffold, ast.Constant(None), "\n".join(wire)))
            wrap_body = (
                f"client = object.__new__(cls)\nclient._bind(runtime, {local})\nreturn client"
            )
        else:
            body.append(_function("__init__", scaffold, ast.Constant(None), "\n".join(wire)))
            wrap_body = f"return cls(runtime, {local})"
        body.append(
            _function("_wrap", wrap_params, ast.Name("Self"), wrap_body, decorators=["classmethod"])
        )
        for group in cls.members.values():
            body.extend(self.member(cls, member) for member in group)
        return ast.ClassDef(
            name=cls.sync_name, bases=[ast.Name(base)], keywords=[], body=body, decorator_list=[]
        )

    def client_init(self, cls: AsyncClass, local: str) -> ast.FunctionDef:
        """The client's ``__init__``: the async one's parameters, building the async twin."""
        if cls.init is None:
            raise cls.module.fail(cls.node, f"client {cls.name} has no __init__")
        args = self.arguments(cls, cls.init)
        if local in {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}:
            raise cls.module.fail(cls.init.node, f"parameter name {local!r} is reserved")
        body = (
            f"{local} = {cls.name}({', '.join(_forward(args))})\n"
            f"self._bind(SyncRuntime({local}), {local})"
        )
        return _function("__init__", args, ast.Constant(None), body)


def _forward(args: ast.arguments) -> list[str]:
    """The arguments that pass a signature's parameters on unchanged (minus ``self``)."""
    parts = [a.arg for a in [*args.posonlyargs, *args.args][1:]]
    if args.vararg is not None:
        parts.append(f"*{args.vararg.arg}")
    parts.extend(f"{a.arg}={a.arg}" for a in args.kwonlyargs)
    if args.kwarg is not None:
        parts.append(f"**{args.kwarg.arg}")
    return parts


def _stmts(code: str) -> list[ast.stmt]:
    return ast.parse(textwrap.dedent(code)).body


def _function(
    name: str,
    args: ast.arguments | str,
    returns: ast.expr,
    body: str,
    *,
    doc: ast.Expr | None = None,
    decorators: tuple[str, ...] | list[str] = (),
) -> ast.FunctionDef:
    if isinstance(args, str):
        parsed = ast.parse(f"def f({args}): pass").body[0]
        assert isinstance(parsed, ast.FunctionDef)
        args = parsed.args
    return ast.FunctionDef(
        name=name,
        args=args,
        body=([copy.deepcopy(doc)] if doc is not None else []) + _stmts(body),
        decorator_list=[ast.Name(d) for d in decorators],
        returns=returns,
        type_comment=None,
    )


def _output_module(module: SourceModule) -> str:
    return f"{PACKAGE}.{OUTPUT_DIR}.{module.dotted.rsplit('.', 1)[-1]}"


def _render_module(
    source: SourceModule, classes: list[AsyncClass], out_module_of: dict[str, str]
) -> str:
    out_module = _output_module(source)
    emitter = Emitter(out_module, out_module_of, Imports(out_module))
    nodes = [emitter.sync_class(cls) for cls in classes]
    names = sorted(cls.sync_name for cls in classes)
    parts = [
        _HEADER.format(source=source.relpath)
        + f'"""Blocking twins of the classes in ``{source.dotted}`` (generated)."""\n',
        emitter.imports.render(),
        f"__all__ = {names!r}\n",
        *(ast.unparse(ast.fix_missing_locations(node)) + "\n" for node in nodes),
    ]
    return "\n\n".join(parts)


def _render_package_init(classes: list[AsyncClass], out_module_of: dict[str, str]) -> str:
    by_module: dict[str, list[str]] = {}
    for cls in classes:
        by_module.setdefault(out_module_of[cls.name], []).append(cls.sync_name)
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
    classes = analyse(load_modules(package_dir))
    if not classes:
        raise GenerationError(f"{package_dir}: no Async* classes found")
    _check_tables(classes)
    out_module_of = {cls.name: _output_module(cls.module) for cls in classes}
    sources: dict[str, SourceModule] = {}
    for cls in classes:
        previous = sources.setdefault(out_module_of[cls.name], cls.module)
        if previous is not cls.module:
            raise GenerationError(
                f"{cls.module.relpath}: its twin module {out_module_of[cls.name]} would also "
                f"hold {previous.relpath}'s classes; rename one of them"
            )
    files: dict[str, str] = {}
    for out, source in sorted(sources.items()):
        in_module = [cls for cls in classes if cls.module is source]
        files[f"{OUTPUT_DIR}/{out.rsplit('.', 1)[-1]}.py"] = _render_module(
            source, in_module, out_module_of
        )
    files[f"{OUTPUT_DIR}/__init__.py"] = _render_package_init(classes, out_module_of)
    return {path: _format(text, path) for path, text in sorted(files.items())}


# --------------------------------------------------------------------------- formatting


def _ruff_command() -> list[str]:
    beside = Path(sys.executable).parent / "ruff"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else [sys.executable, "-m", "ruff"]


def _format(text: str, relpath: str) -> str:
    """Sort the imports and format with ruff, as if the file lived in this repository.

    The file name given to ruff is always inside this repository's package, so the
    project's configuration (and first-party detection) applies whatever ``package_dir``
    the source came from.
    """
    ruff = _ruff_command()
    stdin_name = str(ROOT / PACKAGE / relpath)
    # Ruff's first-party detection looks at the file system, and the output directory may
    # not exist yet: name the package explicitly so the import order never depends on it.
    first_party = f"lint.isort.known-first-party = [{PACKAGE!r}]"
    stdin = ["--quiet", "--stdin-filename", stdin_name, "-"]
    steps = (
        ["check", "--config", first_party, "--fix", "--select", "I", *stdin],
        ["format", *stdin],
    )
    for step in steps:
        result = subprocess.run(
            [*ruff, *step], input=text, capture_output=True, text=True, cwd=ROOT, check=False
        )
        if result.returncode != 0:
            raise GenerationError(f"{relpath}: ruff {step[0]} failed:\n{result.stderr}")
        text = result.stdout
    return text


# --------------------------------------------------------------------------- entry point


def _diff(package_dir: Path, files: dict[str, str], stale: list[str]) -> list[str]:
    lines: list[str] = []
    for path, text in files.items():
        target = package_dir / path
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            lines.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"{PACKAGE}/{path} (on disk)",
                    f"{PACKAGE}/{path} (generated)",
                )
            )
    lines.extend(f"{PACKAGE}/{path}: no longer generated; delete it\n" for path in stale)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status (0 ok, 1 stale, 2 error)."""
    parser = argparse.ArgumentParser(description="Generate the sync facade from the async code.")
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff when stale")
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
    out_dir = package_dir / OUTPUT_DIR
    on_disk = {p.relative_to(package_dir).as_posix() for p in out_dir.glob("*.py")}
    stale = sorted(on_disk - set(files))
    if options.check:
        diff = _diff(package_dir, files, stale)
        if diff:
            sys.stdout.writelines(diff)
            print(
                "gen_sync: the sync facade is stale; run python tools/gen_sync.py", file=sys.stderr
            )
            return 1
        return 0
    out_dir.mkdir(exist_ok=True)
    for path, text in files.items():
        target = package_dir / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {PACKAGE}/{path}")
    for path in stale:
        (package_dir / path).unlink()
        print(f"removed {PACKAGE}/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
