"""``help()`` on any resource method documents every argument, in both clients."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

from bland_async import AsyncBlandClient, AsyncPersonas, BlandClient
from tests.client._tree import resource_tree

_ENTRY = re.compile(r"^    (\*{0,2}\w+)( \([^)]*\))?:", re.MULTILINE)


def _undocumented(resource: object, where: str) -> list[str]:
    problems = []
    for name, method in inspect.getmembers(type(resource), inspect.isfunction):
        if name.startswith("_"):
            continue
        doc = inspect.getdoc(method) or ""
        section = doc.split("Args:\n", 1)[1] if "Args:\n" in doc else ""
        section = re.split(r"\n\S", section, maxsplit=1)[0]
        documented = {m.group(1) for m in _ENTRY.finditer(section)}
        for param in list(inspect.signature(method).parameters.values())[1:]:
            label = f"**{param.name}" if param.kind is param.VAR_KEYWORD else param.name
            if label not in documented:
                problems.append(f"{where}.{name}: {label}")
    return problems


@pytest.mark.parametrize("client_class", [AsyncBlandClient, BlandClient])
def test_every_argument_of_every_method_is_documented(client_class: type) -> None:
    client = client_class(api_key="k", base_url="http://127.0.0.1:9")
    try:
        tree = resource_tree(client)
        assert len(tree) == 11
        problems = [p for where, res in tree.items() for p in _undocumented(res, where)]
    finally:
        if isinstance(client, BlandClient):
            client.close()
    assert problems == []


def test_help_shows_path_ids_and_options() -> None:
    text = pydoc.render_doc(AsyncPersonas.get, renderer=pydoc.plaintext)
    assert "persona_id: The persona's id." in text
    assert "**options: Per-call options" in text
